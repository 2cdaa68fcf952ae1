#include "speed_core.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "../common/exact_math.hpp"
#include "options.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "speed_linalg.hpp"

namespace pvt::feature::speed {
namespace {

constexpr int kScales = 4;     // decimation by 2^4
constexpr int kBlock = 5;      // 5x5 blocks
constexpr int kBlockSize = kBlock * kBlock;
constexpr double kLog2TwoPiE = 4.094191170361282;  // log2(2 pi e), rounded once
constexpr double kTinyEigen = 1e-6;  // a smaller eigenvalue makes the covariance singular
constexpr double kPi = 3.14159265358979323846;

// libvmaf's kernel scales (its anti-alias and low-pass filter sizes are only
// defined for these; another is refused).
constexpr float kKernelScales[] = {1.0f,          1.0f / 2.0f,   3.0f / 2.0f,  2.0f,          2.0f / 3.0f,
                                   24.0f / 10.0f, 360.0f / 97.0f, 4.0f / 3.0f,  3.5f / 3.0f,   3.75f / 3.0f,
                                   4.25f / 3.0f,  5.0f / 3.0f,   3.0f,         1.0f / 2.25f,  1.4746f,
                                   1.54f,         1.6f,          1.06667f,     0.711111f,     0.740740f,
                                   1.111111f};

int mirror(int i, int n) { return i < 0 ? -i : (i >= n ? 2 * n - i - 2 : i); }

// libvmaf's filter length at `scale`: 2^(4 - scale) + 1 times the kernel
// scale, rounded up to odd, at least 3.
int filter_size(int scale, float kernelscale) {
  const float n = static_cast<float>((1 << (4 - scale)) + 1) * kernelscale;
  int size = static_cast<int>(std::ceil(n));
  if (size % 2 == 0) ++size;
  return std::max(size, 3);
}

// A normalised sampled Gaussian, in libvmaf's single-precision steps.
std::vector<float> gaussian(int size, float stdev) {
  std::vector<float> taps(static_cast<std::size_t>(size));
  const int half = (size - 1) / 2;
  float sum = 0.0f;
  for (int i = 0; i < size; ++i) {
    const float x = static_cast<float>(i - half);
    const float num = static_cast<float>(exact::exp(-0.5 * x / stdev * x / stdev));
    const float den = static_cast<float>(1 / (stdev * std::sqrt(2 * kPi)));
    taps[static_cast<std::size_t>(i)] = num / den;
    sum += taps[static_cast<std::size_t>(i)];
  }
  for (float& t : taps) t /= sum;
  return taps;
}

// A filter sum in libvmaf's order: taps in order from a zero start, single precision.
template <class Sample>
float filter_at(const std::vector<float>& taps, Sample sample) {
  float acc = 0.0f;
  for (std::size_t k = 0; k < taps.size(); ++k) acc += taps[k] * sample(static_cast<int>(k));
  return acc;
}

// Vertical then horizontal pass of `taps` over a w x h image, mirrored edges.
void filter2d(const std::vector<float>& taps, const float* src, float* dst, float* tmp, int w, int h) {
  const int r = static_cast<int>(taps.size()) / 2;
  for (int i = 0; i < h; ++i) {
    for (int j = 0; j < w; ++j) tmp[j] = filter_at(taps, [&](int k) { return src[mirror(i - r + k, h) * w + j]; });
    for (int j = 0; j < w; ++j) dst[i * w + j] = filter_at(taps, [&](int k) { return tmp[mirror(j - r + k, w)]; });
  }
}

// log2 of a single-precision value, in double precision as C's log2 takes it.
double log2d(float v) { return exact::log2(static_cast<double>(v)); }

}  // namespace

Options parse_options(const std::string& extractor, const OptionMap& options, bool chroma, std::string& suffix) {
  std::vector<std::string> known = {"speed_kernelscale", "ks", "speed_prescale", "ps", "speed_prescale_method", "psm",
                                    "speed_sigma_nn",    "snn", "speed_nn_floor", "nnf", "speed_max_val", "mxv"};
  if (chroma)
    known.insert(known.end(), {"speed_weight_var_mode", "wvm"});
  else
    known.insert(known.end(), {"speed_use_ref_diff", "urd"});
  reject_unknown_options(extractor, options, known);
  Options o;
  o.kernelscale = option_double(options, "speed_kernelscale", "ks", 1.0, 0.1, 4.0);
  o.prescale = option_double(options, "speed_prescale", "ps", 1.0, 0.1, 4.0);
  const std::string* given = option_lookup(options, "speed_prescale_method", "psm");
  const std::string method = given ? *given : "nearest";
  if (method == "nearest") o.resampler = Resampler::nearest;
  else if (method == "bilinear") o.resampler = Resampler::bilinear;
  else if (method == "bicubic") o.resampler = Resampler::bicubic;
  else if (method == "lanczos4") o.resampler = Resampler::lanczos4;
  else
    throw InputError("option 'speed_prescale_method': '" + method + "' is not nearest, bilinear, bicubic or lanczos4");
  o.sigma_nn = option_double(options, "speed_sigma_nn", "snn", 0.29, 0.1, 2.0);
  o.nn_floor = option_double(options, "speed_nn_floor", "nnf", 0.0, 0.0, 1.0);
  o.max_val = option_double(options, "speed_max_val", "mxv", 1000.0, 0.0, 1000.0);
  if (chroma) {
    const double mode = option_double(options, "speed_weight_var_mode", "wvm", 0.0, 0.0, 6.0);
    if (mode != std::floor(mode)) throw InputError("option 'speed_weight_var_mode': must be an integer 0..6");
    o.weight_var_mode = static_cast<int>(mode);
  } else {
    o.use_ref_diff = option_bool(options, "speed_use_ref_diff", "urd", false);
  }
  bool valid_scale = false;
  for (float k : kKernelScales)
    if (std::fabs(static_cast<float>(o.kernelscale) - k) < 1e-3) valid_scale = true;
  if (!valid_scale)
    throw InputError("option 'speed_kernelscale': " + std::to_string(o.kernelscale) +
                     " is not one of libvmaf's kernel scales (1, 0.5, 1.5, 2, 2/3, 2.4, 360/97, 4/3, 3.5/3, 3.75/3, "
                     "4.25/3, 5/3, 3, 1/2.25, 1.4746, 1.54, 1.6, 1.06667, 0.711111, 0.74074, 1.111111)");

  // libvmaf's suffix: non-default options in alphabetical order of name, by alias.
  suffix.clear();
  if (o.kernelscale != 1.0) suffix += double_suffix("ks", o.kernelscale);
  if (o.max_val != 1000.0) suffix += double_suffix("mxv", o.max_val);
  if (o.nn_floor != 0.0) suffix += double_suffix("nnf", o.nn_floor);
  if (o.prescale != 1.0) suffix += double_suffix("ps", o.prescale);
  if (method != "nearest") suffix += "_psm_" + method;
  if (o.sigma_nn != 0.29) suffix += double_suffix("snn", o.sigma_nn);
  if (o.use_ref_diff) suffix += "_urd";
  if (o.weight_var_mode != 0) suffix += "_wvm_" + std::to_string(o.weight_var_mode);
  return o;
}

void Speed::init(int width, int height, const Options& options, const std::string& extractor) {
  opt_ = options;
  width_ = width, height_ = height;
  scaled_w_ = static_cast<int>(width * opt_.prescale + 0.5);
  scaled_h_ = static_cast<int>(height * opt_.prescale + 0.5);
  resample_ = std::fabs(opt_.prescale - 1.0) >= 1.0e-3;
  op_w_ = scaled_w_ >> kScales;
  op_h_ = scaled_h_ >> kScales;
  trunc_w_ = op_w_ / kBlock * kBlock;
  trunc_h_ = op_h_ / kBlock * kBlock;
  if (trunc_w_ == 0 || trunc_h_ == 0)
    throw InputError(extractor + ": the " + std::to_string(width) + "x" + std::to_string(height) +
                     " plane is too small for SpEED (libvmaf needs at least 80x80 samples after speed_prescale)");
  blocks_x_ = trunc_w_ / kBlock;
  blocks_y_ = trunc_h_ / kBlock;
  blocks_ = blocks_x_ * blocks_y_;
  sub_w_ = trunc_w_ - kBlock + 1;
  sub_h_ = trunc_h_ - kBlock + 1;

  const float ks = static_cast<float>(opt_.kernelscale);
  const int aa_size = filter_size(1, ks);
  antialias_ = gaussian(aa_size, static_cast<float>(std::sqrt(kScales) * aa_size / 5.0f));
  // Within 0.001 of 1 libvmaf does not resample, yet takes the rounded size:
  // a larger one leaves samples it never wrote, refused where the filter reads them.
  if (!resample_ && (reads_beyond(scaled_w_, width) || reads_beyond(scaled_h_, height)))
    throw InputError(extractor + ": with speed_prescale " + std::to_string(opt_.prescale) +
                     " libvmaf reads samples it never wrote at this size; it has no defined score");
  const int lp_size = filter_size(kScales, ks);
  lowpass_ = gaussian(lp_size, static_cast<float>(lp_size / 5.0f));
  sigma_nn_ = static_cast<float>(opt_.sigma_nn);
  nn_floor_ = static_cast<float>(opt_.nn_floor);
  cov_ = kernels::select_speed_cov();

  const auto op = static_cast<std::size_t>(op_w_) * static_cast<std::size_t>(op_h_);
  row_.assign(static_cast<std::size_t>(std::max(scaled_w_, width)), 0.0f);  // a source writes `width`
  column_pass_.assign(static_cast<std::size_t>(scaled_w_), 0.0f);
  image_.assign(op, 0.0f);
  mean_.assign(op, 0.0f);
  tmp_.assign(static_cast<std::size_t>(op_w_), 0.0f);
  const auto block_terms = static_cast<std::size_t>(kBlockSize) * static_cast<std::size_t>(blocks_);
  independent_.assign(block_terms, 0.0f);
  solution_.assign(block_terms, 0.0f);
  cov_mat_.assign(kBlockSize * kBlockSize, 0.0f);
  eigen_.assign(kBlockSize, 0.0f);
  for (Blocks* b : {&ref_, &dis_}) {
    b->entropy.assign(static_cast<std::size_t>(blocks_), 0.0f);
    b->variance.assign(static_cast<std::size_t>(blocks_), 0.0f);
  }
  if (resample_) original_.resize(width, height);
}

bool Speed::reads_beyond(int scaled, int written) const {
  const int r = static_cast<int>(antialias_.size()) / 2;
  for (int b = 0; b < (scaled >> kScales); ++b)
    for (int k = 0; k < static_cast<int>(antialias_.size()); ++k)
      if (mirror(16 * b - r + k, scaled) >= written) return true;
  return false;
}

void Speed::decimate(const RowSource& source) {
  // The anti-alias filter at the samples the decimation by 16 keeps.
  const int r = static_cast<int>(antialias_.size()) / 2;
  for (int a = 0; a < op_h_; ++a) {
    std::fill(column_pass_.begin(), column_pass_.end(), 0.0f);
    for (std::size_t m = 0; m < antialias_.size(); ++m) {
      source.row(mirror(16 * a - r + static_cast<int>(m), scaled_h_), row_.data());
      const float tap = antialias_[m];
      for (int j = 0; j < scaled_w_; ++j) column_pass_[j] += tap * row_[j];
    }
    float* out = image_.data() + static_cast<std::size_t>(a) * op_w_;
    for (int b = 0; b < op_w_; ++b)
      out[b] = filter_at(antialias_, [&](int k) { return column_pass_[mirror(16 * b - r + k, scaled_w_)]; });
  }
  // Minus the local mean.
  filter2d(lowpass_, image_.data(), mean_.data(), tmp_.data(), op_w_, op_h_);
  for (std::size_t i = 0; i < image_.size(); ++i) image_[i] -= mean_[i];
}

void Speed::estimate(Blocks& out) {
  const float* img = image_.data();
  const int stride = op_w_;
  // Covariance of the 25 copies of the image shifted within a block.
  float means[kBlockSize];
  const float window = static_cast<float>(static_cast<std::size_t>(sub_w_) * static_cast<std::size_t>(sub_h_));
  for (int r = 0; r < kBlock; ++r)
    for (int c = 0; c < kBlock; ++c) {
      float sum = 0.0f;
      for (int i = 0; i < sub_h_; ++i)
        for (int j = 0; j < sub_w_; ++j) sum += img[(r + i) * stride + c + j];
      means[r * kBlock + c] = sum / window;
    }
  const double window_d = static_cast<double>(static_cast<std::size_t>(sub_w_) * static_cast<std::size_t>(sub_h_));
  for (int p = 0; p < kBlockSize; ++p)
    for (int q = 0; q <= p; ++q) {
      const float* x = img + (p / kBlock) * stride + p % kBlock;
      const float* y = img + (q / kBlock) * stride + q % kBlock;
      const float cov = static_cast<float>(cov_(x, y, stride, sub_h_, sub_w_, means[p], means[q]) / window_d);
      cov_mat_[p * kBlockSize + q] = cov_mat_[q * kBlockSize + p] = cov;
    }
  symmetric_eigenvalues(cov_mat_.data(), kBlockSize, eigen_.data(), linalg_);

  // The blocks as columns: row (r, c) of column (by, bx) is sample (5 by + r, 5 bx + c).
  for (int r = 0; r < kBlock; ++r)
    for (int c = 0; c < kBlock; ++c)
      for (int by = 0; by < blocks_y_; ++by)
        for (int bx = 0; bx < blocks_x_; ++bx)
          independent_[static_cast<std::size_t>(r * kBlock + c) * blocks_ + by * blocks_x_ + bx] =
              img[(kBlock * by + r) * stride + kBlock * bx + c];

  bool regular = true;
  for (float e : eigen_)
    if (e < kTinyEigen) regular = false;
  bool solved = false;
  if (regular) solved = solve(cov_mat_.data(), kBlockSize, independent_.data(), blocks_, solution_.data(), linalg_);
  out.unstable = !solved;
  if (out.unstable) std::fill(solution_.begin(), solution_.end(), 0.0f);

  // Per block: s = y' K^-1 y / 25, then the entropy summed over the eigenvalues.
  for (std::size_t i = 0; i < solution_.size(); ++i)
    solution_[i] = (solution_[i] * independent_[i]) / static_cast<float>(kBlockSize);
  for (int k = 1; k < kBlockSize; ++k)
    for (int b = 0; b < blocks_; ++b) solution_[b] += solution_[static_cast<std::size_t>(k) * blocks_ + b];
  std::fill(out.entropy.begin(), out.entropy.end(), 0.0f);
  for (int k = 0; k < kBlockSize; ++k) {
    const float l = eigen_[k] < 0 ? 0 : eigen_[k];
    for (int b = 0; b < blocks_; ++b)
      out.entropy[b] = static_cast<float>(out.entropy[b] + (log2d(l * solution_[b] + sigma_nn_) + kLog2TwoPiE));
  }
  std::copy_n(solution_.begin(), blocks_, out.variance.begin());
}

void Speed::analyse(const RowSource& source, Blocks& out) {
  if (resample_) {
    for (int y = 0; y < height_; ++y) source.row(y, original_.row(y));
    decimate(Resampled(original_, scaled_w_, scaled_h_, opt_.resampler));
  } else {
    decimate(source);
  }
  estimate(out);
}

float Speed::combine() const {
  const float base = static_cast<float>(
      static_cast<double>(kBlockSize) * (log2d((1 + nn_floor_) * sigma_nn_) + kLog2TwoPiE));
  float score = 0.0f;
  for (int b = 0; b < blocks_; ++b) {
    const float er = ref_.entropy[b], ed = dis_.entropy[b];
    if (er < base && ed < base) continue;  // no visible difference
    const float vr = ref_.variance[b], vd = dis_.variance[b];
    const double mean_v = (vr + vd) / 2.0;
    float spatial_ref = 0.0f, spatial_dis = 0.0f;
    switch (opt_.weight_var_mode) {
      case 0:
        spatial_ref = static_cast<float>(er * log2d(1 + vr));
        spatial_dis = static_cast<float>(ed * log2d(1 + vd));
        break;
      case 1:
        spatial_ref = static_cast<float>(er * log2d(1 + vr));
        spatial_dis = static_cast<float>(ed * log2d(1 + vr));
        break;
      case 2:
        spatial_ref = static_cast<float>(er * log2d(1 + vd));
        spatial_dis = static_cast<float>(ed * log2d(1 + vd));
        break;
      case 3:
        spatial_ref = static_cast<float>(er * exact::log2(1 + mean_v));
        spatial_dis = static_cast<float>(ed * exact::log2(1 + mean_v));
        break;
      case 4:
        spatial_ref = static_cast<float>(er * log2d(1 + vr));
        spatial_dis = static_cast<float>(ed * exact::log2(1 + mean_v));
        break;
      case 5:
        spatial_ref = static_cast<float>(er * log2d(1 + vr));
        spatial_dis = static_cast<float>(ed * exact::log2(1 + (0.75 * vr + 0.25 * vd)));
        break;
      default:
        spatial_ref = static_cast<float>(er * log2d(1 + vr));
        spatial_dis = static_cast<float>(ed * exact::log2(1 + (0.25 * vr + 0.75 * vd)));
        break;
    }
    score += std::fabs(spatial_ref - spatial_dis);
  }
  return score / static_cast<float>(blocks_);
}

Speed::Score Speed::score(const RowSource& ref, const RowSource& dis) {
  analyse(ref, ref_);
  analyse(dis, dis_);
  Score s;
  s.unstable = ref_.unstable || dis_.unstable;
  // One unstable side alone would inflate the score: libvmaf gives 0.
  s.value = ref_.unstable != dis_.unstable ? 0.0f : combine();
  return s;
}

}  // namespace pvt::feature::speed
