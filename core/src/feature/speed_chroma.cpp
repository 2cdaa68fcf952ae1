// speed_chroma_u / speed_chroma_v / speed_chroma_uv, as libvmaf 3.2's
// speed_chroma extractor defines them: SpEED of each chroma plane (at
// libvmaf's chroma size, floor(w / 2) for a subsampled axis), and their mean,
// or one alone when the other's covariance was singular; each clipped to
// speed_max_val.
#include <algorithm>
#include <string>
#include <vector>

#include "chroma_planes.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/extractor.hpp"
#include "registry_entries.hpp"
#include "speed_core.hpp"
#include "speed_source.hpp"

namespace pvt::feature {
namespace {

class SpeedChromaExtractor final : public Extractor {
 public:
  explicit SpeedChromaExtractor(const OptionMap& options) {
    std::string suffix;
    options_ = speed::parse_options(name_, options, true, suffix);
    for (const char* f : {"speed_chroma_u", "speed_chroma_v", "speed_chroma_uv"}) provides_.push_back(f + suffix);
  }

  const std::string& name() const override { return name_; }
  const std::vector<std::string>& provides() const override { return provides_; }
  bool needs_chroma() const override { return true; }

  void restrict_outputs(const std::vector<bool>& wanted) override {
    plane_wanted_[0] = wanted[0] || wanted[2];
    plane_wanted_[1] = wanted[1] || wanted[2];
  }

  void init(const Geometry& g) override {
    if (!speed::supported_bit_depth(g.bpc))
      throw InputError("speed_chroma supports 8, 10, 12 and 16-bit input as libvmaf does, got " +
                       std::to_string(g.bpc) + "-bit");
    const ChromaPlanes c = chroma_planes(g, name_);
    width_ = c.width;
    speed_.init(c.width, c.height, options_, name_);
  }

  void extract(const PicturePair& pair, unsigned index, std::span<double> out) override {
    (void)index;
    speed::Speed::Score score[2];
    for (int p = 0; p < 2; ++p)
      if (plane_wanted_[p])
        score[p] = speed_.score(speed::PlaneRows(pair.ref_chroma[p], width_),
                                speed::PlaneRows(pair.dist_chroma[p], width_));
    const auto& [u, v] = score;
    float uv;
    if (u.unstable && !v.unstable)
      uv = v.value;
    else if (v.unstable && !u.unstable)
      uv = u.value;
    else
      uv = static_cast<float>((u.value + v.value) / 2.0);
    const double max_val = options_.max_val;
    out[0] = std::min(static_cast<double>(u.value), max_val);
    out[1] = std::min(static_cast<double>(v.value), max_val);
    out[2] = std::min(static_cast<double>(uv), max_val);
  }

 private:
  std::string name_ = "speed_chroma";
  std::vector<std::string> provides_;
  speed::Options options_;
  bool plane_wanted_[2] = {true, true};
  int width_ = 0;
  speed::Speed speed_;
};

}  // namespace

std::unique_ptr<Extractor> make_speed_chroma(const OptionMap& options) {
  return std::make_unique<SpeedChromaExtractor>(options);
}

}  // namespace pvt::feature
