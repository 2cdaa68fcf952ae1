#include "ssim_core.hpp"

#include <algorithm>
#include <cstdint>

#include "pyvmaf_tiny/errors.hpp"

namespace pvt::feature {

using kernels::kSsimWindow;

void FloatPlane::resize(int width, int height, int pad) {
  width_ = width;
  height_ = height;
  pad_ = pad;
  stride_ = static_cast<std::size_t>(width) + 2 * static_cast<std::size_t>(pad);
  data_.assign(stride_ * static_cast<std::size_t>(height), 0.0f);
}

int reflect(int i, int n) {
  // One reflection suffices for the sizes the extractors accept; the loop
  // keeps any index in bounds regardless.
  while (i < 0 || i >= n) i = i < 0 ? -1 - i : 2 * n - 1 - i;
  return i;
}

void FloatPlane::mirror_columns() {
  for (int y = 0; y < height_; ++y) {
    float* r = row(y);
    for (int i = 1; i <= pad_; ++i) {
      r[-i] = r[reflect(-i, width_)];
      r[width_ - 1 + i] = r[reflect(width_ - 1 + i, width_)];
    }
  }
}

bool float_conversion_supported(int bpc) { return bpc == 8 || bpc == 10 || bpc == 12 || bpc == 16; }

void require_float_conversion(const std::string& extractor, int bpc) {
  if (!float_conversion_supported(bpc))
    throw InputError(extractor + " supports 8, 10, 12 and 16-bit input as libvmaf does, got " +
                     std::to_string(bpc) + "-bit");
}

void convert_to_float(const Plane& src, FloatPlane& dst) {
  if (src.bpc == 8) {
    for (int y = 0; y < src.height; ++y) {
      const std::uint8_t* s = src.row<std::uint8_t>(y);
      float* d = dst.row(y);
      for (int x = 0; x < src.width; ++x) d[x] = static_cast<float>(s[x]);
    }
    return;
  }
  // Exact: the divisors are powers of two.
  const float divisor = src.bpc == 10 ? 4.0f : src.bpc == 12 ? 16.0f : 256.0f;
  for (int y = 0; y < src.height; ++y) {
    const std::uint16_t* s = src.row<std::uint16_t>(y);
    float* d = dst.row(y);
    for (int x = 0; x < src.width; ++x) d[x] = static_cast<float>(s[x]) / divisor;
  }
}

void decimate(const kernels::SsimKernels& k, const FloatPlane& src, const float* taps, int taps_w, int taps_h,
              int factor, FloatPlane& dst, double* acc, const float** rows) {
  const int half_w = taps_w / 2, half_h = taps_h / 2;
  for (int y = 0; y < dst.height(); ++y) {
    for (int v = 0; v < taps_h; ++v) rows[v] = src.row(reflect(y * factor + v - half_h, src.height())) - half_w;
    k.decimate_row(rows, taps, taps_w, taps_h, factor, dst.width(), acc, dst.row(y));
  }
}

void SsimMap::init(int max_width, int pairs) {
  if (max_width < kSsimWindow) throw Error("internal: SSIM map narrower than its window");
  k_ = kernels::select_ssim_kernels();
  constants_ = kernels::ssim_constants();
  max_width_ = max_width;
  max_pairs_ = pairs;
  const auto w = static_cast<std::size_t>(max_width);
  const auto ow = static_cast<std::size_t>(max_width - kSsimWindow + 1);
  const auto maps = static_cast<std::size_t>(kRefMaps + kPairMaps * pairs);
  products_.assign(2 * w, 0.0f);
  ring_.assign(maps * kSsimWindow * ow, 0.0f);
  filtered_.assign(maps * ow, 0.0f);
  acc_.assign(w, 0.0);
}

kernels::SsimSums SsimMap::run(const FloatPlane& ref, const FloatPlane& dist) {
  const FloatPlane* d = &dist;
  kernels::SsimSums sums;
  run_ladder(ref, &d, 1, &sums);
  return sums;
}

void SsimMap::run_ladder(const FloatPlane& ref, const FloatPlane* const* dists, int n, kernels::SsimSums* sums) {
  const int w = ref.width(), h = ref.height();
  if (w > max_width_ || w < kSsimWindow || h < kSsimWindow || n > max_pairs_)
    throw Error("internal: SSIM map geometry");
  for (int e = 0; e < n; ++e) {
    if (dists[e]->width() != w || dists[e]->height() != h) throw Error("internal: SSIM map geometry");
    sums[e] = {};
  }
  const int ow = w - kSsimWindow + 1;
  const auto ows = static_cast<std::size_t>(ow);
  const auto ws = static_cast<std::size_t>(w);
  // Map m: 0, 1 the reference's (ref, ref^2); 2 + 3e + 0..2 pair e's (dist, dist^2, ref*dist).
  auto ring_row = [&](int map, int slot) {
    return ring_.data() + (static_cast<std::size_t>(map) * kSsimWindow + static_cast<std::size_t>(slot)) * ows;
  };
  auto filtered = [&](int map) { return filtered_.data() + static_cast<std::size_t>(map) * ows; };
  float* sq = products_.data();
  float* cross = sq + ws;
  const float* taps = kernels::kSsimGaussian;
  const float* column[kSsimWindow];
  const auto vertical = [&](int map, int top) {
    for (int v = 0; v < kSsimWindow; ++v) column[v] = ring_row(map, (top + v) % kSsimWindow);
    k_.filter_column(column, taps, kSsimWindow, ow, acc_.data(), filtered(map));
  };
  for (int y = 0; y < h; ++y) {
    const int slot = y % kSsimWindow;
    const float* a = ref.row(y);
    for (int x = 0; x < w; ++x) sq[x] = a[x] * a[x];
    k_.filter_row(a, taps, kSsimWindow, ow, acc_.data(), ring_row(0, slot));
    k_.filter_row(sq, taps, kSsimWindow, ow, acc_.data(), ring_row(1, slot));
    for (int e = 0; e < n; ++e) {
      const float* b = dists[e]->row(y);
      const int m = kRefMaps + kPairMaps * e;
      k_.filter_row(b, taps, kSsimWindow, ow, acc_.data(), ring_row(m, slot));
      for (int x = 0; x < w; ++x) {
        sq[x] = b[x] * b[x];
        cross[x] = a[x] * b[x];
      }
      k_.filter_row(sq, taps, kSsimWindow, ow, acc_.data(), ring_row(m + 1, slot));
      k_.filter_row(cross, taps, kSsimWindow, ow, acc_.data(), ring_row(m + 2, slot));
    }
    if (y < kSsimWindow - 1) continue;
    const int top = y - (kSsimWindow - 1);
    vertical(0, top);
    vertical(1, top);
    for (int e = 0; e < n; ++e) {
      const int m = kRefMaps + kPairMaps * e;
      for (int k = 0; k < kPairMaps; ++k) vertical(m + k, top);
      k_.accumulate_row(filtered(0), filtered(m), filtered(1), filtered(m + 1), filtered(m + 2), ow, constants_,
                        sums[e]);
    }
  }
}

}  // namespace pvt::feature
