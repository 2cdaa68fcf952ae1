// speed_temporal, as libvmaf 3.2's speed_temporal extractor defines it: SpEED
// of the frame differences, previous minus current, of the reference and of
// the distorted luma (with speed_use_ref_diff, the previous distorted minus
// the current reference); 0 for the first frame. libvmaf does not clip it to
// speed_max_val (the option only names the feature).
#include <cmath>
#include <string>
#include <vector>

#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/extractor.hpp"
#include "registry_entries.hpp"
#include "speed_core.hpp"
#include "speed_source.hpp"

namespace pvt::feature {
namespace {

class SpeedTemporalExtractor final : public Extractor {
 public:
  explicit SpeedTemporalExtractor(const OptionMap& options) {
    std::string suffix;
    options_ = speed::parse_options(name_, options, false, suffix);
    provides_ = {"speed_temporal" + suffix};
  }

  const std::string& name() const override { return name_; }
  const std::vector<std::string>& provides() const override { return provides_; }
  bool temporal() const override { return true; }

  void init(const Geometry& g) override {
    if (!speed::supported_bit_depth(g.bpc))
      throw InputError("speed_temporal supports 8, 10, 12 and 16-bit input as libvmaf does, got " +
                       std::to_string(g.bpc) + "-bit");
    // libvmaf's frame buffers hold the input's rows only; resampling to more
    // rows (speed_prescale of 1.001 and above) writes past them.
    if (std::fabs(options_.prescale - 1.0) >= 1.0e-3 && static_cast<int>(g.height * options_.prescale + 0.5) > g.height)
      throw InputError("speed_temporal: libvmaf writes past its frame buffers with a speed_prescale above 1; "
                       "it has no defined score");
    width_ = g.width;
    speed_.init(g.width, g.height, options_, name_);
    scratch_[0].assign(static_cast<std::size_t>(g.width), 0.0f);
    scratch_[1].assign(static_cast<std::size_t>(g.width), 0.0f);
  }

  void extract(const PicturePair& pair, unsigned index, std::span<double> out) override {
    if (index == 0) {
      out[0] = 0.0;
      return;
    }
    if (!pair.prev_ref || !pair.prev_dist) throw Error("internal: speed_temporal needs the previous frame");
    const speed::DifferenceRows ref(*pair.prev_ref, pair.ref, width_, scratch_[0].data());
    const speed::DifferenceRows dis(*pair.prev_dist, options_.use_ref_diff ? pair.ref : pair.dist, width_,
                                    scratch_[1].data());
    out[0] = speed_.score(ref, dis).value;
  }

 private:
  std::string name_ = "speed_temporal";
  std::vector<std::string> provides_;
  speed::Options options_;
  int width_ = 0;
  std::vector<float> scratch_[2];
  speed::Speed speed_;
};

}  // namespace

std::unique_ptr<Extractor> make_speed_temporal(const OptionMap& options) {
  return std::make_unique<SpeedTemporalExtractor>(options);
}

}  // namespace pvt::feature
