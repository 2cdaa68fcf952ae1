// libvmaf's integer motion features of the 2x decimated reference
// (decimate.hpp): exactly what the `motion` extractor gives on the decimated
// clip, named with a "half_" prefix, at a quarter of its work. The cheap
// temporal term of tiny models (fr_micro_v2).
#include <string>
#include <vector>

#include "decimate.hpp"
#include "options.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/extractor.hpp"
#include "pyvmaf_tiny/registry.hpp"
#include "registry_entries.hpp"

namespace pvt::feature {
namespace {

class HalfMotionExtractor final : public Extractor {
 public:
  explicit HalfMotionExtractor(const OptionMap& options) : inner_(make_extractor("motion", {})) {
    reject_unknown_options(name_, options, {});
    for (const auto& f : inner_->provides()) provides_.push_back("half_" + f);
  }

  const std::string& name() const override { return name_; }
  const std::vector<std::string>& provides() const override { return provides_; }
  bool temporal() const override { return true; }

  void init(const Geometry& g) override {
    if (g.width < 6 || g.height < 6)
      throw InputError("half_motion: frames of at least 6x6 pixels are needed (the decimated clip must be 3x3), got " +
                       std::to_string(g.width) + "x" + std::to_string(g.height));
    half_ = half_geometry(g);
    decimate_ = kernels::select_decimate(g.bpc);
    inner_->init(half_);
  }

  // Frames may arrive out of order on one instance, so the previous frame is
  // decimated again here rather than remembered.
  void extract(const PicturePair& pair, unsigned index, std::span<double> out) override {
    PicturePair half;
    half.ref = decimate_2x2(pair.ref, ref_, half_, decimate_);
    half.dist = half.ref;  // motion reads the reference only
    Plane prev;
    if (pair.prev_ref) {
      prev = decimate_2x2(*pair.prev_ref, prev_, half_, decimate_);
      half.prev_ref = &prev;
    }
    inner_->extract(half, index, out);
  }

  // Our outputs are the inner extractor's, in its order: its finalize reads the same columns.
  void finalize(const FeatureHistory& history, unsigned index, bool last, std::span<double> out) const override {
    inner_->finalize(history, index, last, out);
  }

 private:
  std::string name_ = "half_motion";
  std::vector<std::string> provides_;
  std::unique_ptr<Extractor> inner_;
  Geometry half_;
  kernels::DecimateFn decimate_ = nullptr;
  std::vector<std::uint8_t> ref_, prev_;
};

}  // namespace

std::unique_ptr<Extractor> make_half_motion(const OptionMap& options) {
  return std::make_unique<HalfMotionExtractor>(options);
}

}  // namespace pvt::feature
