#pragma once
// SpEED (spatial efficient entropic differencing), as libvmaf 3.2 computes it
// for speed_chroma and speed_temporal: each image is optionally resampled
// (speed_prescale), low-passed and decimated by 16, made zero-mean locally,
// and modelled as a Gaussian scale mixture over 5x5 blocks; the score is the
// mean absolute difference of the blocks' variance-weighted entropies.
//
// Everything follows libvmaf's single-precision arithmetic in its order. The
// anti-alias filter is only evaluated where the decimation keeps a sample
// (every 16th row and column), which gives the same values for a sixteenth
// of the work.
#include <memory>
#include <string>
#include <vector>

#include "kernels/speed_kernels.hpp"
#include "pyvmaf_tiny/extractor.hpp"

namespace pvt::feature::speed {

enum class Resampler { nearest, bilinear, bicubic, lanczos4 };

struct Options {
  double kernelscale = 1.0;
  double prescale = 1.0;
  Resampler resampler = Resampler::nearest;
  double sigma_nn = 0.29;
  double nn_floor = 0.0;
  double max_val = 1000.0;
  int weight_var_mode = 0;  // speed_chroma only
  bool use_ref_diff = false;  // speed_temporal only
};

// Parses libvmaf's options (names or aliases) for an extractor whose option
// set is `known` (names); returns the options and, in `suffix`, libvmaf's
// feature-name suffix for the non-default ones.
Options parse_options(const std::string& extractor, const OptionMap& options, bool chroma, std::string& suffix);

// A single-precision image read row by row.
class RowSource {
 public:
  virtual ~RowSource() = default;
  // Writes row y (width samples) to out.
  virtual void row(int y, float* out) const = 0;
};

// A float image held in memory.
struct FloatImage {
  std::vector<float> data;
  int width = 0, height = 0;
  void resize(int w, int h) {
    width = w, height = h;
    data.assign(static_cast<std::size_t>(w) * static_cast<std::size_t>(h), 0.0f);
  }
  float* row(int y) { return data.data() + static_cast<std::size_t>(y) * width; }
  const float* row(int y) const { return data.data() + static_cast<std::size_t>(y) * width; }
};

class Speed {
 public:
  // For images of width x height; throws InputError (naming `extractor`)
  // for sizes or options libvmaf cannot score.
  void init(int width, int height, const Options& options, const std::string& extractor);

  struct Score {
    float value = 0.0f;
    bool unstable = false;  // a covariance matrix could not be inverted
  };
  // The score of a pair of images of the init() size, read through `ref`
  // and `dis`.
  Score score(const RowSource& ref, const RowSource& dis);

 private:
  struct Blocks {
    std::vector<float> entropy, variance;
    bool unstable = false;
  };
  // Whether the anti-alias filter at the kept samples of an axis of `scaled`
  // samples reads one at or past `written`.
  bool reads_beyond(int scaled, int written) const;
  void analyse(const RowSource& source, Blocks& out);
  void decimate(const RowSource& source);
  void estimate(Blocks& out);
  float combine() const;

  Options opt_;
  bool resample_ = false;
  int width_ = 0, height_ = 0;          // the input
  int scaled_w_ = 0, scaled_h_ = 0;     // after the prescale
  int op_w_ = 0, op_h_ = 0;             // after decimation by 16
  int trunc_w_ = 0, trunc_h_ = 0;       // whole 5x5 blocks
  int blocks_x_ = 0, blocks_y_ = 0, blocks_ = 0;
  int sub_w_ = 0, sub_h_ = 0;           // the window of the shifted copies
  std::vector<float> antialias_, lowpass_;
  float sigma_nn_ = 0.0f, nn_floor_ = 0.0f;
  kernels::SpeedCovFn cov_ = nullptr;
  // scratch
  FloatImage original_;  // the input, held for a prescale
  std::vector<float> row_, column_pass_, image_, mean_, tmp_;
  std::vector<float> independent_, solution_, cov_mat_, eigen_, linalg_;
  Blocks ref_, dis_;
};

// `src` resampled to width x height with libvmaf's method, row by row.
class Resampled final : public RowSource {
 public:
  Resampled(const FloatImage& src, int width, int height, Resampler method);
  void row(int y, float* out) const override;

 private:
  const FloatImage& src_;
  int width_, height_;
  Resampler method_;
  float ratio_x_, ratio_y_;
  // Per output column: `taps_` input columns and their weights (bilinear:
  // the two columns and the distance from the first).
  int taps_ = 0;
  std::vector<int> column_;
  std::vector<float> weight_;
};

}  // namespace pvt::feature::speed
