// VMAF_integer_feature_motion_sad_score, integer_motion2 and integer_motion3,
// as libvmaf 3.2 defines them: the SAD of the 5-tap blurred difference
// between consecutive reference frames, per pixel (the SAD score, also
// written as integer_motion in debug mode); motion2[i] = min(sad[i],
// sad[i+1]); motion3 blends motion2 towards an offset, caps it, and
// optionally averages it with the previous frame's.
//
// With the five-frame window (motion_five_frame_window) the SAD compares
// each frame with the one two before, and motion2[i] = min(sad[i-1],
// sad[i+1]): five frames, i-3 .. i+1, decide frame i's motion2.
//
// motion_row_step (rs) N > 1 or motion_sample_rows (sr) R (about R rows) give
// a cheap estimate instead (the motion_sampled extractor, sr 32): the SAD per
// pixel over the rows sampled_rows() picks, the filter reading the rows
// around each as the full pass does. Not a libvmaf feature; the scores get
// the option's suffix.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "kernels/motion_kernels.hpp"
#include "options.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/extractor.hpp"
#include "registry_entries.hpp"
#include "row_sample.hpp"

namespace pvt::feature {
namespace {

constexpr double kDefaultMaxVal = 10000.0;
constexpr double kDefaultBlendFactor = 1.0;
constexpr double kDefaultBlendOffset = 40.0;
constexpr int kMaxRowStep = 256;

// Outputs, in libvmaf's order (motion2 and motion3 it writes at the end).
enum Slot { kSad, kMotion2, kMotion3, kDebugMotion };

class MotionExtractor final : public Extractor {
 public:
  explicit MotionExtractor(const OptionMap& options, std::string name = "motion") : name_(std::move(name)) {
    reject_unknown_options(name_, options,
                           {"motion_blend_factor", "mbf", "motion_blend_offset", "mbo", "motion_five_frame_window",
                            "mffw", "motion_force_zero", "force_0", "motion_fps_weight", "mfw", "motion_max_val",
                            "mmxv", "motion_moving_average", "mma", "motion_row_step", "rs", "motion_sample_rows",
                            "sr", "debug"});
    blend_factor_ = option_double(options, "motion_blend_factor", "mbf", kDefaultBlendFactor, 0.0, 1.0);
    blend_offset_ = option_double(options, "motion_blend_offset", "mbo", kDefaultBlendOffset, 0.0, 1000.0);
    five_frame_window_ = option_bool(options, "motion_five_frame_window", "mffw", false);
    stride_ = five_frame_window_ ? 2 : 1;
    force_zero_ = option_bool(options, "motion_force_zero", "force_0", false);
    fps_weight_ = option_double(options, "motion_fps_weight", "mfw", 1.0, 0.0, 5.0);
    max_val_ = option_double(options, "motion_max_val", "mmxv", kDefaultMaxVal, 0.0, 10000.0);
    moving_average_ = option_bool(options, "motion_moving_average", "mma", false);
    row_step_ = option_int(options, "motion_row_step", "rs", 1, 1, kMaxRowStep);
    sample_rows_ = option_int(options, "motion_sample_rows", "sr", 0, 0, 1 << 16);
    if (row_step_ != 1 && sample_rows_ != 0)
      throw InputError(name_ + ": motion_row_step and motion_sample_rows are alternatives; give one");
    // libvmaf writes integer_motion (equal to the SAD score) only in debug mode.
    const bool debug = option_bool(options, "debug", nullptr, false);
    // libvmaf appends option suffixes in alphabetical order of option name.
    std::string suffix;
    if (blend_factor_ != kDefaultBlendFactor) suffix += double_suffix("mbf", blend_factor_);
    if (blend_offset_ != kDefaultBlendOffset) suffix += double_suffix("mbo", blend_offset_);
    if (five_frame_window_) suffix += "_mffw";
    if (force_zero_) suffix += "_force_0";
    if (fps_weight_ != 1.0) suffix += double_suffix("mfw", fps_weight_);
    if (max_val_ != kDefaultMaxVal) suffix += double_suffix("mmxv", max_val_);
    if (moving_average_) suffix += "_mma";
    if (row_step_ != 1) suffix += "_rs_" + std::to_string(row_step_);
    if (sample_rows_ != 0) suffix += "_sr_" + std::to_string(sample_rows_);
    provides_ = {"VMAF_integer_feature_motion_sad_score" + suffix, "integer_motion2" + suffix,
                 "integer_motion3" + suffix};
    if (debug) provides_.push_back("integer_motion" + suffix);
  }

  const std::string& name() const override { return name_; }
  const std::vector<std::string>& provides() const override { return provides_; }
  bool temporal() const override { return true; }
  // The SAD reads the reference stride_ frames back; frames 0 and 1 take
  // frame stride_'s SAD score, which is stride_ frames ahead of frame 0.
  unsigned look_back() const override { return stride_; }
  unsigned look_ahead() const override { return stride_; }

  void init(const Geometry& g) override {
    // The 5-tap mirrored filter needs at least 3 samples in each direction.
    if (g.width < 3 || g.height < 3)
      throw InputError("motion needs frames of at least 3x3 pixels");
    geometry_ = g;
    const int step = sample_rows_ > 0 ? std::clamp(g.height / sample_rows_, 1, kMaxRowStep) : row_step_;
    rows_ = step > 1 ? sampled_rows(0, g.height, step) : std::vector<int>{};
    row_.assign(static_cast<std::size_t>(g.width), 0);
    kernel_ = kernels::select_motion_sad(g.bpc);
  }

  void extract(const PicturePair& pair, unsigned index, std::span<double> out) override {
    double score = 0.0;
    if (!force_zero_ && index >= stride_) {
      const Plane* before = five_frame_window_ ? pair.prev2_ref : pair.prev_ref;
      if (!before) throw Error("internal: motion needs the reference frame " + std::to_string(stride_) + " back");
      std::uint64_t sad = 0;
      if (rows_.empty()) sad = kernel_(*before, pair.ref, row_.data(), 0, geometry_.height);
      for (const int r : rows_) sad += kernel_(*before, pair.ref, row_.data(), r, r + 1);
      const auto height = static_cast<unsigned>(rows_.empty() ? geometry_.height : static_cast<int>(rows_.size()));
      const unsigned pixels = static_cast<unsigned>(geometry_.width) * height;
      score = std::min(static_cast<double>(sad) / 256. / pixels * fps_weight_, max_val_);
    }
    std::fill(out.begin(), out.end(), score);  // motion2 and motion3 are rewritten by finalize()
  }

  // Motion reads the reference alone: once per frame, the same for every encode.
  void extract_ladder(std::span<const PicturePair> pairs, unsigned index,
                      std::span<const std::span<double>> outs) override {
    extract(pairs[0], index, outs[0]);
    for (std::size_t k = 1; k < outs.size(); ++k) std::copy(outs[0].begin(), outs[0].end(), outs[k].begin());
  }

  // motion2 and motion3 of frame `index` from the SAD scores of frames
  // index - 2 * stride_ .. index + stride_ (all known once it is finalized;
  // those below index come before it, those above exist if extracted).
  void finalize(const FeatureHistory& history, unsigned index, bool last, std::span<double> out) const override {
    (void)last;
    const unsigned first = stride_;  // the first frame with a SAD score
    auto exists = [&](unsigned i) { return i < history.frames(); };
    auto sad = [&](unsigned i) { return history.value(i, kSad); };
    auto processed = [&](double m2) { return std::min(blend(m2), max_val_); };
    // Frames before `first` take `first`'s processed SAD score, or 0.
    const double stamp = exists(first) ? processed(sad(first)) : 0.0;
    // motion2 of frame i >= first: the lesser of the SAD scores of frames
    // i - stride_ + 1 and i + 1 (the latter alone where the former is before
    // `first`), or frame i's own on the last frame.
    auto motion2 = [&](unsigned i) {
      if (!exists(i + 1)) return sad(i);
      const unsigned lo = i + 1 - stride_;
      if (lo < first) return sad(i + 1);
      const double a = sad(lo), b = sad(i + 1);
      return a < b ? a : b;
    };
    if (index < first) {
      out[kMotion2] = 0.0;
      out[kMotion3] = stamp;
      return;
    }
    const double m2 = motion2(index);
    out[kMotion2] = m2;
    double m3 = processed(m2);
    if (moving_average_) {
      const double before = index == first ? stamp : processed(motion2(index - 1));
      m3 = (m3 + before) / 2.0;
    }
    out[kMotion3] = m3;
  }

 private:
  std::string name_;
  std::vector<std::string> provides_;
  // libvmaf's blend: towards min(offset, x) by 1 - factor.
  double blend(double x) const {
    return x * blend_factor_ + (1 - blend_factor_) * (blend_offset_ < x ? blend_offset_ : x);
  }

  double blend_factor_ = kDefaultBlendFactor;
  double blend_offset_ = kDefaultBlendOffset;
  bool force_zero_ = false;
  double fps_weight_ = 1.0;
  double max_val_ = kDefaultMaxVal;
  bool moving_average_ = false;
  bool five_frame_window_ = false;
  unsigned stride_ = 1;  // frames between the two references a SAD compares
  int row_step_ = 1;     // motion_row_step, or from motion_sample_rows
  int sample_rows_ = 0;  // motion_sample_rows (0: not given)
  std::vector<int> rows_;  // the rows a sampled SAD pools (empty: all)
  Geometry geometry_;
  std::vector<std::int32_t> row_;
  kernels::MotionSadFn kernel_ = nullptr;
};

}  // namespace

std::unique_ptr<Extractor> make_motion(const OptionMap& options) {
  return std::make_unique<MotionExtractor>(options);
}

std::unique_ptr<Extractor> make_motion_sampled(const OptionMap& options) {
  OptionMap o = options;
  if (!o.count("motion_row_step") && !o.count("rs") && !o.count("motion_sample_rows") && !o.count("sr"))
    o["motion_sample_rows"] = std::to_string(kSampledRows);
  return std::make_unique<MotionExtractor>(o, "motion_sampled");
}

}  // namespace pvt::feature
