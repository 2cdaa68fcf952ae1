#pragma once
// What float_ssim and float_ms_ssim share: libvmaf's conversion of luma to
// float, its decimation rule, and the SSIM map of two float images (11x11
// Gaussian window over the region where it fits, averaged in raster order).
#include <cstddef>
#include <string>
#include <vector>

#include "kernels/ssim_kernels.hpp"
#include "pyvmaf_tiny/buffer_pool.hpp"
#include "pyvmaf_tiny/picture.hpp"

namespace pvt::feature {

// A float image whose rows carry `pad` spare columns on each side, filled by
// mirror_columns() with the half-sample reflection libvmaf's IQA code uses
// (column -1 repeats column 0).
class FloatPlane {
 public:
  void resize(int width, int height, int pad);
  int width() const { return width_; }
  int height() const { return height_; }
  int pad() const { return pad_; }
  float* row(int y) { return data_.data() + static_cast<std::size_t>(y) * stride_ + pad_; }
  const float* row(int y) const { return data_.data() + static_cast<std::size_t>(y) * stride_ + pad_; }
  void mirror_columns();

 private:
  PooledVector<float> data_;
  std::size_t stride_ = 0;
  int width_ = 0, height_ = 0, pad_ = 0;
};

// v rounded to float, as libvmaf's float-typed means are. Written through a
// volatile float: GCC 12 at -O2/-O3 vectorises neighbouring
// (double)(float)(x / n) statements and drops the rounding.
inline double round_to_float(double v) {
  volatile float f = static_cast<float>(v);
  return f;
}

// Index i reflected into [0, n) about the half-sample points -0.5 and n - 0.5.
int reflect(int i, int n);

// libvmaf converts 10, 12 and 16-bit samples to float divided by 4, 16 and
// 256 (the 8-bit range) and reads every other depth as 8-bit bytes, which is
// only right for 8-bit input; so these extractors take 8, 10, 12 and 16 bits.
bool float_conversion_supported(int bpc);
// Throws InputError unless float_conversion_supported(bpc).
void require_float_conversion(const std::string& extractor, int bpc);
// Writes `src` (its luma) into `dst`'s interior, converted as above.
void convert_to_float(const Plane& src, FloatPlane& dst);

// The size libvmaf's IQA decimation by `factor` produces along an axis of n
// samples: n / factor, plus one when n is odd (whatever the factor).
inline int decimated_size(int n, int factor) { return n / factor + (n & 1); }

// dst = src filtered by the taps_w x taps_h kernel `taps` centred on every
// factor-th sample (the centre is tap (taps_w / 2, taps_h / 2)), with
// mirrored borders. dst must be sized decimated_size(); src's columns must
// be mirrored over at least taps_w / 2 on each side. `acc` is scratch of
// dst.width() doubles, `rows` scratch of taps_h pointers.
void decimate(const kernels::SsimKernels& k, const FloatPlane& src, const float* taps, int taps_w, int taps_h,
              int factor, FloatPlane& dst, double* acc, const float** rows);

// The SSIM map of two equally sized float images, streamed row by row.
class SsimMap {
 public:
  // Scratch for images up to max_width wide and up to `pairs` distorted
  // images per run_ladder(); throws InputError when the window does not fit.
  void init(int max_width, int pairs = 1);
  // Sums over the (width - 10) x (height - 10) positions where the window
  // fits; positions() gives their number.
  kernels::SsimSums run(const FloatPlane& ref, const FloatPlane& dist);
  // The same for `n` distorted images against one reference (sums[e] as
  // run(ref, *dists[e])): the reference's filtered rows once for all.
  void run_ladder(const FloatPlane& ref, const FloatPlane* const* dists, int n, kernels::SsimSums* sums);
  static long positions(int width, int height) {
    return static_cast<long>(width - kernels::kSsimWindow + 1) * (height - kernels::kSsimWindow + 1);
  }

 private:
  // The maps: the reference's (ref, ref^2) and each pair's (dist, dist^2, ref*dist).
  static constexpr int kRefMaps = 2, kPairMaps = 3;
  kernels::SsimKernels k_{};
  kernels::SsimConstants constants_{};
  int max_width_ = 0, max_pairs_ = 0;
  std::vector<float> products_;  // 2 rows of max_width: ref^2, then a pair's dist^2 / ref*dist
  // kSsimWindow rows of each map filtered horizontally (a ring), and each
  // map's row after the vertical pass: the reference's, then each pair's.
  std::vector<float> ring_;
  std::vector<float> filtered_;
  std::vector<double> acc_;
};

}  // namespace pvt::feature
