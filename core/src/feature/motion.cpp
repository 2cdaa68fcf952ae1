// integer_motion / integer_motion2, as libvmaf 3.2 defines them: the SAD of
// the 5-tap blurred difference between consecutive reference frames, per
// pixel, with motion2[i] = min(motion[i], motion[i+1]).
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "kernels/motion_kernels.hpp"
#include "options.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/extractor.hpp"
#include "registry_entries.hpp"

namespace pvt::feature {
namespace {

constexpr double kDefaultMaxVal = 10000.0;

class MotionExtractor final : public Extractor {
 public:
  explicit MotionExtractor(const OptionMap& options) {
    reject_unknown_options(name_, options,
                           {"motion_force_zero", "force_0", "motion_fps_weight", "mfw",
                            "motion_max_val", "mmxv", "debug"});
    force_zero_ = option_bool(options, "motion_force_zero", "force_0", false);
    // libvmaf writes integer_motion (equal to the SAD score) only in debug mode.
    const bool debug = option_bool(options, "debug", nullptr, false);
    fps_weight_ = option_double(options, "motion_fps_weight", "mfw", 1.0, 0.0, 5.0);
    max_val_ = option_double(options, "motion_max_val", "mmxv", kDefaultMaxVal, 0.0, 10000.0);
    // libvmaf appends option suffixes in alphabetical order of option name.
    std::string suffix;
    if (force_zero_) suffix += "_force_0";
    if (fps_weight_ != 1.0) suffix += double_suffix("mfw", fps_weight_);
    if (max_val_ != kDefaultMaxVal) suffix += double_suffix("mmxv", max_val_);
    provides_ = {"integer_motion2" + suffix, "VMAF_integer_feature_motion_sad_score" + suffix};
    if (debug) provides_.push_back("integer_motion" + suffix);
  }

  const std::string& name() const override { return name_; }
  const std::vector<std::string>& provides() const override { return provides_; }
  bool temporal() const override { return true; }

  void init(const Geometry& g) override {
    // The 5-tap mirrored filter needs at least 3 samples in each direction.
    if (g.width < 3 || g.height < 3)
      throw InputError("motion needs frames of at least 3x3 pixels");
    geometry_ = g;
    row_.assign(static_cast<std::size_t>(g.width), 0);
    kernel_ = kernels::select_motion_sad(g.bpc);
  }

  void extract(const PicturePair& pair, unsigned index, std::span<double> out) override {
    double score = 0.0;
    if (!force_zero_ && index > 0) {
      if (!pair.prev_ref) throw Error("internal: motion needs the previous reference frame");
      const std::uint64_t sad = kernel_(*pair.prev_ref, pair.ref, row_.data());
      const unsigned pixels = static_cast<unsigned>(geometry_.width) * static_cast<unsigned>(geometry_.height);
      score = std::min(static_cast<double>(sad) / 256. / pixels * fps_weight_, max_val_);
    }
    out[0] = score;  // rewritten by finalize()
    out[1] = score;
    if (out.size() > 2) out[2] = score;
  }

  void finalize(const FeatureHistory& history, unsigned index, bool last,
                std::span<double> out) const override {
    const double sad = history.value(index, 1);
    if (index == 0) {
      out[0] = 0.0;
    } else if (last) {
      out[0] = sad;
    } else {
      const double next = history.value(index + 1, 1);
      out[0] = sad < next ? sad : next;
    }
  }

 private:
  std::string name_ = "motion";
  std::vector<std::string> provides_;
  bool force_zero_ = false;
  double fps_weight_ = 1.0;
  double max_val_ = kDefaultMaxVal;
  Geometry geometry_;
  std::vector<std::int32_t> row_;
  kernels::MotionSadFn kernel_ = nullptr;
};

}  // namespace

std::unique_ptr<Extractor> make_motion(const OptionMap& options) {
  return std::make_unique<MotionExtractor>(options);
}

}  // namespace pvt::feature
