#include <algorithm>
#include <cstring>
#include <functional>
#include <vector>

#include "cambi_kernels.hpp"
#include "pyvmaf_tiny/cpu.hpp"

#ifdef PVT_HAVE_X86_KERNELS
#include "../x86/cambi_x86.hpp"
#endif

namespace pvt::feature::kernels {
namespace {

constexpr int kMaskPad = cambi::kMaskFilter / 2;

std::size_t round64(std::size_t n) { return (n + 63) & ~std::size_t{63}; }

void anti_dither_scalar(const CambiImage& img, int w, int h);

void to10_scalar(const Plane& in, const CambiImage& img, bool anti_dither) {
  const int w = in.width, bpc = in.bpc;
  for (int i = 0; i < in.height; ++i) {
    std::uint16_t* dst = img.data + img.stride * i;
    if (bpc == 8) {
      const std::uint8_t* src = in.row<std::uint8_t>(i);
      for (int j = 0; j < w; ++j) dst[j] = static_cast<std::uint16_t>(src[j] << 2);
    } else if (bpc <= 10) {
      const std::uint16_t* src = in.row<std::uint16_t>(i);
      for (int j = 0; j < w; ++j) dst[j] = static_cast<std::uint16_t>(src[j] << (10 - bpc));
    } else {
      const std::uint16_t* src = in.row<std::uint16_t>(i);
      const int shift = bpc - 10;
      const unsigned round = 1u << (shift - 1);
      for (int j = 0; j < w; ++j) dst[j] = static_cast<std::uint16_t>((src[j] + round) >> shift);
    }
  }
  if (anti_dither) anti_dither_scalar(img, w, in.height);
}

// In place, each row reads only itself and the row below, not yet written.
void anti_dither_scalar(const CambiImage& img, int w, int h) {
  for (int i = 0; i < h; ++i) {
    std::uint16_t* row = img.data + img.stride * i;
    if (i + 1 < h) {
      const std::uint16_t* next = row + img.stride;
      for (int j = 0; j + 1 < w; ++j)
        row[j] = static_cast<std::uint16_t>((row[j] + row[j + 1] + next[j] + next[j + 1]) >> 2);
      row[w - 1] = static_cast<std::uint16_t>((row[w - 1] + next[w - 1]) >> 1);
    } else {
      for (int j = 0; j + 1 < w; ++j) row[j] = static_cast<std::uint16_t>((row[j] + row[j + 1]) >> 1);
    }
  }
}

// 1 where the sample equals its right and lower neighbours (a missing
// neighbour counts as equal).
void flat_row(const CambiImage& img, int w, int h, int r, std::uint8_t* out) {
  const std::uint16_t* row = img.data + img.stride * r;
  const std::uint16_t* below = r + 1 < h ? row + img.stride : row;
  for (int c = 0; c < w; ++c) {
    const bool right = c == w - 1 || row[c] == row[c + 1];
    out[c] = right && row[c] == below[c];
  }
}

void mask_scalar(const CambiImage& img, const CambiMask& mask, int w, int h, int threshold,
                 std::uint8_t* scratch) {
  // Ring of the 8 derivative rows the 7-row window and its successor touch,
  // then the per-column counts over the window, with kMaskPad zeros each side.
  const std::size_t row_bytes = round64(static_cast<std::size_t>(w));
  std::uint8_t* ring = scratch;
  std::uint8_t* cols = scratch + 8 * row_bytes;
  std::memset(cols, 0, static_cast<std::size_t>(w) + 2 * kMaskPad);
  std::uint8_t* col = cols + kMaskPad;
  const auto ring_row = [&](int r) { return ring + row_bytes * static_cast<std::size_t>(r & 7); };
  for (int r = 0; r < std::min(kMaskPad, h); ++r) {
    flat_row(img, w, h, r, ring_row(r));
    for (int c = 0; c < w; ++c) col[c] += ring_row(r)[c];
  }
  for (int i = 0; i < h; ++i) {
    const int enter = i + kMaskPad, leave = i - kMaskPad - 1;
    if (enter < h) {
      flat_row(img, w, h, enter, ring_row(enter));
      for (int c = 0; c < w; ++c) col[c] += ring_row(enter)[c];
    }
    if (leave >= 0)
      for (int c = 0; c < w; ++c) col[c] -= ring_row(leave)[c];
    std::uint8_t* out = mask.data + mask.stride * i;
    int sum = 0;
    for (int c = -kMaskPad; c < kMaskPad; ++c) sum += col[c];
    for (int j = 0; j < w; ++j) {
      sum += col[j + kMaskPad];
      out[j] = sum > threshold;
      sum -= col[j - kMaskPad];
    }
  }
}

template <class T>
void decimate_plane(T* data, std::ptrdiff_t stride, int w, int h) {
  for (int i = 0; i < h; ++i) {
    const T* src = data + 2 * stride * i;
    T* dst = data + stride * i;
    for (int j = 0; j < w; ++j) dst[j] = src[2 * j];
  }
}

void decimate_scalar(const CambiImage& img, int w, int h) { decimate_plane(img.data, img.stride, w, h); }
void decimate_mask_scalar(const CambiMask& mask, int w, int h) { decimate_plane(mask.data, mask.stride, w, h); }

// The value two of the three share, else the smallest.
inline std::uint16_t mode3(std::uint16_t a, std::uint16_t b, std::uint16_t c) {
  if (a == b || a == c) return a;
  if (b == c) return b;
  return std::min({a, b, c});
}

void mode_scalar(const CambiImage& img, int w, int h, std::uint16_t* scratch) {
  for (int i = 0; i < h; ++i) {
    const std::uint16_t* row = img.data + img.stride * i;
    std::uint16_t* hm = scratch + static_cast<std::ptrdiff_t>(w) * (i % 3);
    hm[0] = row[0];
    for (int j = 1; j < w - 1; ++j) hm[j] = mode3(row[j - 1], row[j], row[j + 1]);
    hm[w - 1] = row[w - 1];
    if (i >= 2) {
      std::uint16_t* out = img.data + img.stride * (i - 1);
      for (int j = 0; j < w; ++j) out[j] = mode3(scratch[j], scratch[w + j], scratch[2 * w + j]);
    }
  }
}

// The column-wise window histograms: hist[v - band_base][c] counts the masked
// pixels of value v in the window's rows whose column lies within pad of c.
// Columns up to max(w, pad) are read, as libvmaf reads them.
void histogram_row(const CambiImage& img, const CambiMask& mask, int w, int pad, int r, int sign,
                   const cambi::ContrastTables& t, std::uint16_t* hist) {
  const std::uint16_t* row = img.data + img.stride * r;
  const std::uint8_t* m = mask.data + mask.stride * r;
  const int cols = std::max(w, pad);
  for (int j = 0; j < cols; ++j) {
    if (!m[j]) continue;
    const unsigned v = static_cast<unsigned>(row[j] - t.band_base);
    if (v >= static_cast<unsigned>(t.band_size)) continue;
    std::uint16_t* h = hist + static_cast<std::ptrdiff_t>(v) * w;
    const int lo = std::max(j - pad, 0), hi = std::min(j + pad + 1, w);
    for (int c = lo; c < hi; ++c) h[c] = static_cast<std::uint16_t>(h[c] + sign);
  }
}

float c_value(const std::uint16_t* hist, int w, int col, int value, const cambi::ContrastTables& t) {
  const int compact = value - t.band_base;
  if (compact < 0 || compact >= t.band_size) return 0.0f;
  const int adjusted = value + t.num_diffs;
  const int p0 = hist[static_cast<std::ptrdiff_t>(compact) * w + col];
  float best = 0.0f;
  for (int d = 0; d < t.num_diffs; ++d) {
    if (adjusted > t.tvi[d] || adjusted + d + 1 <= t.vlt) continue;
    const int p1 = hist[static_cast<std::ptrdiff_t>(compact + d + 1) * w + col];
    const int p2 = compact - d - 1 >= 0 ? hist[static_cast<std::ptrdiff_t>(compact - d - 1) * w + col] : 0;
    const int pm = std::max(p1, p2);
    const float val = static_cast<float>(t.weight[d] * p0 * pm) * t.reciprocal[p0 + pm];
    best = std::max(best, val);
  }
  return best;
}

// With `dense`, also every pixel's value (0 off the mask), row by row.
CambiCValueStats c_values_impl(const CambiImage& img, const CambiMask& mask, int w, int h, int pad,
                               const cambi::ContrastTables& t, std::uint16_t* hist, float* nonzero, float* dense) {
  CambiCValueStats stats;
  if (t.band_size == 0) {
    if (dense) std::fill(dense, dense + static_cast<std::ptrdiff_t>(w) * h, 0.0f);
    return stats;
  }
  // The first pad rows are counted even past the picture's last row (libvmaf
  // refuses such pictures before it gets here).
  for (int r = 0; r < pad; ++r) histogram_row(img, mask, w, pad, r, +1, t, hist);
  for (int i = 0; i < h; ++i) {
    // The window's rows become [i - pad, i + pad] within the picture.
    if (i > pad) histogram_row(img, mask, w, pad, i - pad - 1, -1, t, hist);
    if (i + pad < h) histogram_row(img, mask, w, pad, i + pad, +1, t, hist);
    const std::uint16_t* row = img.data + img.stride * i;
    const std::uint8_t* m = mask.data + mask.stride * i;
    float* dense_row = dense ? dense + static_cast<std::ptrdiff_t>(w) * i : nullptr;
    for (int j = 0; j < w; ++j) {
      const float c = m[j] ? c_value(hist, w, j, row[j], t) : 0.0f;
      if (dense_row) dense_row[j] = c;
      if (c != 0.0f) nonzero[stats.nonzero++] = c;
    }
  }
  // Take the last window's rows out again: the histograms end as they began, zero.
  for (int r = std::max(h - 1 - pad, 0); r < std::max(h, pad); ++r) histogram_row(img, mask, w, pad, r, -1, t, hist);
  return stats;
}

CambiCValueStats c_values_scalar(const CambiImage& img, const CambiMask& mask, int w, int h, int pad,
                                 const cambi::ContrastTables& t, std::uint16_t* hist, float* nonzero) {
  return c_values_impl(img, mask, w, h, pad, t, hist, nonzero, nullptr);
}

}  // namespace

std::size_t cambi_mask_scratch(int w) {
  // 8 derivative rows, then the column counts with 64 bytes either side.
  return 9 * round64(static_cast<std::size_t>(w)) + 128;
}

CambiCValueStats cambi_c_values_dense(const CambiImage& img, const CambiMask& mask, int w, int h, int pad,
                                      const cambi::ContrastTables& t, std::uint16_t* hist, float* nonzero,
                                      float* dense) {
  return c_values_impl(img, mask, w, h, pad, t, hist, nonzero, dense);
}

CambiKernels cambi_kernels_scalar() {
  return {to10_scalar, anti_dither_scalar, mask_scalar, decimate_scalar, decimate_mask_scalar, mode_scalar,
          c_values_scalar};
}

CambiKernels select_cambi_kernels() {
#ifdef PVT_HAVE_X86_KERNELS
  switch (active_isa()) {
    case Isa::avx512: return cambi_kernels_avx512();
    case Isa::avx2: return cambi_kernels_avx2();
    default: break;
  }
#endif
  return cambi_kernels_scalar();
}

namespace {

std::uint32_t bits_of(float v) {
  std::uint32_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

// Of n values, the bucket (bits >> shift, `width` bits wide) holding the
// k-th largest, and in `above` how many lie in higher buckets. Four
// interleaved counts: runs of one value would otherwise wait on one counter.
std::uint32_t kth_bucket(const float* v, std::size_t n, std::size_t k, int shift, int width, std::size_t& above) {
  const std::uint32_t bins = 1u << width, mask = bins - 1;
  std::vector<std::uint32_t> count(4 * static_cast<std::size_t>(bins), 0);
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (std::uint32_t c = 0; c < 4; ++c) ++count[c * bins + (bits_of(v[i + c]) >> shift & mask)];
  for (; i < n; ++i) ++count[bits_of(v[i]) >> shift & mask];
  above = 0;
  for (std::uint32_t b = bins - 1;; --b) {
    const std::size_t here = count[b] + count[bins + b] + count[2 * bins + b] + count[3 * bins + b];
    if (above + here >= k) return b;
    above += here;
  }
}

}  // namespace

double cambi_topk_mean(float* nonzero, std::size_t k, const CambiCValueStats& stats) {
  // Zeros add nothing: with no more non-zero values than k, the k largest
  // hold them all.
  if (stats.nonzero <= k) {
    // In eight interleaved sums (an order of our own: libvmaf's differs, which
    // moves the mean by far less than the 1e-6 its log prints).
    double part[8] = {};
    std::size_t i = 0;
    for (; i + 8 <= stats.nonzero; i += 8)
      for (int c = 0; c < 8; ++c) part[c] += static_cast<double>(nonzero[i + c]);
    for (; i < stats.nonzero; ++i) part[i & 7] += static_cast<double>(nonzero[i]);
    const double sum = ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
    return sum / static_cast<double>(k);
  }
  // Otherwise find the k-th largest value T by its bits (non-negative floats
  // order as their bit patterns), 12, 12 and 8 bits at a time; the sum of
  // the k largest is that of the values above T, plus T for the rest.
  double sum[4] = {0.0, 0.0, 0.0, 0.0};
  std::size_t n = stats.nonzero, need = k;
  std::uint32_t prefix = 0;
  int prefix_bits = 0;
  for (const auto& [shift, width] : {std::pair{20, 12}, std::pair{8, 12}, std::pair{0, 8}}) {
    std::size_t above = 0;
    prefix = prefix << width | kth_bucket(nonzero, n, need, shift, width, above);
    prefix_bits += width;
    const int drop = 32 - prefix_bits;
    // Values above the bucket count in full; the bucket's go on to the next
    // round (compacted in place: m <= i).
    std::size_t m = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const float v = nonzero[i];
      const std::uint32_t top = bits_of(v) >> drop;
      sum[i & 3] += top > prefix ? static_cast<double>(v) : 0.0;
      nonzero[m] = v;
      m += top == prefix;
    }
    n = m;
    need -= above;
  }
  // What is left are copies of T, `need` of which count.
  const double total = (sum[0] + sum[1]) + (sum[2] + sum[3]) + static_cast<double>(nonzero[0]) * static_cast<double>(need);
  return total / static_cast<double>(k);
}

}  // namespace pvt::feature::kernels
