#include "float_common.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "kernels/float_load_kernels.hpp"
#include "options.hpp"
#include "resample_taps.hpp"
#include "pyvmaf_tiny/errors.hpp"

namespace pvt::feature::flt {

void check_depth(const std::string& extractor, int bpc) {
  if (bpc != 8 && bpc != 10 && bpc != 12 && bpc != 16)
    throw InputError(extractor + " supports 8, 10, 12 and 16-bit input as libvmaf does, got " + std::to_string(bpc) +
                     "-bit");
}

float* FloatScratch::reset(std::size_t floats) {
  constexpr std::size_t kAlign = 16;  // floats in 64 bytes
  data_.assign(floats + kAlign, 0.0f);
  const auto misalign = reinterpret_cast<std::uintptr_t>(data_.data()) / sizeof(float) % kAlign;
  return data_.data() + (misalign ? kAlign - misalign : 0);
}

PsnrRange psnr_range(int bpc) {
  const double scale = static_cast<double>(1 << (bpc - 8));
  return {255.0 + (1.0 - 1.0 / scale), 6.0 * bpc + 12.0};
}

void FloatPlane::resize(int width, int height, int pad) {
  constexpr std::ptrdiff_t kLane = 16;  // floats per 64 bytes
  const std::ptrdiff_t front = (pad + kLane - 1) / kLane * kLane;
  stride_ = (front + width + pad + kLane - 1) / kLane * kLane;
  origin_ = front;
  width_ = width;
  height_ = height;
  // Vector loads may run a little past a row's padding, and so past the last row.
  constexpr std::size_t kSlack = 64;
  data_.assign(static_cast<std::size_t>(stride_) * static_cast<std::size_t>(std::max(height, 1)) + kSlack, 0.0f);
}

void load_plane(const Plane& plane, float offset, FloatPlane& out) {
  if (out.width() != plane.width || out.height() != plane.height) out.resize(plane.width, plane.height);
  const kernels::FloatLoadKernels load = kernels::select_float_load();
  // x / 2^k is x * 2^-k exactly, so the division becomes a product.
  const float inv_scale = 1.0f / static_cast<float>(1 << (plane.bpc - 8));
  for (int i = 0; i < plane.height; ++i) {
    if (plane.bpc == 8)
      load.u8(plane.row<std::uint8_t>(i), plane.width, inv_scale, offset, out.row(i));
    else
      load.u16(plane.row<std::uint16_t>(i), plane.width, inv_scale, offset, out.row(i));
  }
}

Resample resample_method(const std::string& extractor, const std::string& name) {
  if (name == "nearest") return Resample::nearest;
  if (name == "bilinear") return Resample::bilinear;
  if (name == "bicubic") return Resample::bicubic;
  if (name == "lanczos4") return Resample::lanczos4;
  throw InputError(extractor + ": unknown prescale method '" + name + "' (nearest, bilinear, bicubic or lanczos4)");
}

namespace {

using resample::mirror;

struct Sampler {
  const FloatPlane& src;
  float at(int y, int x) const { return src.row(y)[x]; }
  int clamp_x(float i) const { return static_cast<int>(mirror(i, 0, static_cast<float>(src.width() - 1))); }
  int clamp_y(float i) const { return static_cast<int>(mirror(i, 0, static_cast<float>(src.height() - 1))); }

  float bilinear(float x, float y) const {
    const int x1 = clamp_x(std::floor(x)), x2 = clamp_x(std::ceil(x));
    const int y1 = clamp_y(std::floor(y)), y2 = clamp_y(std::ceil(y));
    const float dx = x - static_cast<float>(x1), dy = y - static_cast<float>(y1);
    return (1 - dy) * (1 - dx) * at(y1, x1) + (1 - dy) * dx * at(y1, x2) + dy * (1 - dx) * at(y2, x1) +
           dy * dx * at(y2, x2);
  }

  float bicubic(float x, float y) const {
    const int x0 = static_cast<int>(std::floor(x)), y0 = static_cast<int>(std::floor(y));
    const float dx = x - static_cast<float>(x0), dy = y - static_cast<float>(y0);
    float wx[4], wy[4];
    for (int i = -1; i <= 2; ++i) {
      wx[i + 1] = resample::bicubic(static_cast<float>(i) - dx);
      wy[i + 1] = resample::bicubic(static_cast<float>(i) - dy);
    }
    float v = 0.0f;
    for (int j = -1; j <= 2; ++j)
      for (int i = -1; i <= 2; ++i)
        v += at(clamp_y(static_cast<float>(y0 + j)), clamp_x(static_cast<float>(x0 + i))) * (wx[i + 1] * wy[j + 1]);
    return v;
  }

  float lanczos4(float x, float y) const {
    constexpr int a = 4;
    const int x0 = static_cast<int>(std::floor(x)), y0 = static_cast<int>(std::floor(y));
    const float dx = x - static_cast<float>(x0), dy = y - static_cast<float>(y0);
    float wx[2 * a + 1], wy[2 * a + 1];
    for (int i = -a; i <= a; ++i) {
      wx[i + a] = resample::lanczos(static_cast<float>(i) - dx, static_cast<float>(a));
      wy[i + a] = resample::lanczos(static_cast<float>(i) - dy, static_cast<float>(a));
    }
    float value = 0.0f, weight_sum = 0.0f;
    for (int iy = -a; iy <= a; ++iy)
      for (int ix = -a; ix <= a; ++ix) {
        const float weight = wx[ix + a] * wy[iy + a];
        weight_sum += weight;
        value += at(clamp_y(static_cast<float>(y0 + iy)), clamp_x(static_cast<float>(x0 + ix))) * weight;
      }
    return value / weight_sum;
  }
};

}  // namespace

void resample(Resample method, const FloatPlane& src, FloatPlane& out) {
  const int sw = src.width(), sh = src.height(), dw = out.width(), dh = out.height();
  if (sw == dw && sh == dh) {
    for (int i = 0; i < dh; ++i) std::copy(src.row(i), src.row(i) + dw, out.row(i));
    return;
  }
  const Sampler s{src};
  const float ratio_x = static_cast<float>(sw) / static_cast<float>(dw);
  const float ratio_y = static_cast<float>(sh) / static_cast<float>(dh);
  for (int y = 0; y < dh; ++y) {
    float* dst = out.row(y);
    const auto yy = static_cast<float>((y + 0.5) * ratio_y - 0.5);
    for (int x = 0; x < dw; ++x) {
      const auto xx = static_cast<float>((x + 0.5) * ratio_x - 0.5);
      switch (method) {
        case Resample::nearest:
          dst[x] = s.at(static_cast<int>(static_cast<float>(y) * ratio_y), static_cast<int>(static_cast<float>(x) * ratio_x));
          break;
        case Resample::bilinear: dst[x] = s.bilinear(xx, yy); break;
        case Resample::bicubic: dst[x] = s.bicubic(xx, yy); break;
        case Resample::lanczos4: dst[x] = s.lanczos4(xx, yy); break;
      }
    }
  }
}

std::vector<int> reflect101_rows(int rows, int pad) {
  std::vector<int> map(static_cast<std::size_t>(rows + 2 * pad));
  for (int i = -pad; i < rows + pad; ++i) {
    int r = i < 0 ? -i : i;
    if (r >= rows) r = 2 * rows - r - 2;
    r = std::clamp(r, 0, rows - 1);  // beyond one reflection: never read by a filter that fits
    map[static_cast<std::size_t>(i + pad)] = r;
  }
  return map;
}

OptionReader::OptionReader(std::string extractor, const OptionMap& options)
    : extractor_(std::move(extractor)), options_(options) {}

const std::string* OptionReader::find(const char* name, const char* alias) {
  read_.emplace_back(name);
  if (alias) read_.emplace_back(alias);
  return option_lookup(options_, name, alias);
}

void OptionReader::bad(const char* name, const std::string& text, const std::string& why) const {
  throw InputError(extractor_ + " option '" + name + "': '" + text + "' " + why);
}

bool OptionReader::boolean(const char* name, const char* alias, bool fallback, bool in_name) {
  const std::string* t = find(name, alias);
  if (!t) return fallback;
  bool v;
  if (*t == "true" || *t == "1") v = true;
  else if (*t == "false" || *t == "0") v = false;
  else bad(name, *t, "is not true/false");
  if (in_name && v != fallback) suffix_[name] = std::string("_") + (alias ? alias : name);
  return v;
}

int OptionReader::integer(const char* name, const char* alias, int fallback, int lo, int hi, bool in_name) {
  const std::string* t = find(name, alias);
  if (!t) return fallback;
  errno = 0;
  char* end = nullptr;
  const long v = std::strtol(t->c_str(), &end, 10);
  if (t->empty() || *end != '\0' || errno == ERANGE) bad(name, *t, "is not an integer");
  if (v < lo || v > hi) bad(name, *t, "is outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  if (in_name && v != fallback) suffix_[name] = std::string("_") + (alias ? alias : name) + "_" + std::to_string(v);
  return static_cast<int>(v);
}

double OptionReader::real(const char* name, const char* alias, double fallback, double lo, double hi, bool in_name) {
  const std::string* t = find(name, alias);
  if (!t) return fallback;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(t->c_str(), &end);
  if (t->empty() || *end != '\0' || errno == ERANGE || !std::isfinite(v)) bad(name, *t, "is not a number");
  if (v < lo || v > hi) {
    char range[96];
    std::snprintf(range, sizeof range, "is outside [%g, %g]", lo, hi);
    bad(name, *t, range);
  }
  if (in_name && v != fallback) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "_%s_%g", alias ? alias : name, v);
    suffix_[name] = buf;
  }
  return v;
}

std::string OptionReader::text(const char* name, const char* alias, const std::string& fallback, bool in_name) {
  const std::string* t = find(name, alias);
  if (!t) return fallback;
  if (in_name && *t != fallback) suffix_[name] = std::string("_") + (alias ? alias : name) + "_" + *t;
  return *t;
}

std::string OptionReader::finish() const {
  for (const auto& [key, value] : options_) {
    if (std::find(read_.begin(), read_.end(), key) != read_.end()) continue;
    std::string list;
    for (const auto& k : read_) list += (list.empty() ? "" : ", ") + k;
    throw InputError("extractor '" + extractor_ + "' has no option '" + key + "' (known: " + list + ")");
  }
  std::string suffix;
  for (const auto& [name, part] : suffix_) suffix += part;
  return suffix;
}

}  // namespace pvt::feature::flt
