// psnr_hvs_y / psnr_hvs_cb / psnr_hvs_cr / psnr_hvs, as libvmaf 3.2's
// psnr_hvs extractor (Xiph's PSNR-HVS) defines them: per plane a CSF-weighted
// DCT error in dB, and the combined score 0.8 Y + 0.1 (Cb + Cr) before the
// conversion to dB. libvmaf has no options for it and takes 8 to 12 bits.
#include <cmath>
#include <string>
#include <vector>

#include "../common/exact_math.hpp"
#include "chroma_planes.hpp"
#include "kernels/psnr_hvs_kernels.hpp"
#include "options.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/extractor.hpp"
#include "registry_entries.hpp"

namespace pvt::feature {
namespace {

double to_db(double error) { return 10.0 * (-1.0 * exact::log10(error)); }

class PsnrHvsExtractor final : public Extractor {
 public:
  explicit PsnrHvsExtractor(const OptionMap& options) { reject_unknown_options(name_, options, {}); }

  const std::string& name() const override { return name_; }
  const std::vector<std::string>& provides() const override { return provides_; }
  bool needs_chroma() const override { return true; }

  void restrict_outputs(const std::vector<bool>& wanted) override {
    // The combined score needs every plane; a plane's own score needs only it.
    for (int p = 0; p < 3; ++p) wanted_[p] = wanted[static_cast<std::size_t>(p)] || wanted[3];
  }

  void init(const Geometry& g) override {
    if (g.bpc != 8 && g.bpc != 10 && g.bpc != 12)
      throw InputError("psnr_hvs supports 8, 10 and 12-bit input as libvmaf does, got " + std::to_string(g.bpc) +
                       "-bit");
    const ChromaPlanes c = chroma_planes(g, name_);
    width_[0] = g.width, height_[0] = g.height;
    width_[1] = width_[2] = c.width;
    height_[1] = height_[2] = c.height;
    // The score is a mean over whole 8x8 blocks: a plane without one has no
    // score (libvmaf writes 0/0 there), so it is refused.
    for (int p = 0; p < 3; ++p)
      if (wanted_[p] && (width_[p] < 8 || height_[p] < 8))
        throw InputError("psnr_hvs needs planes of at least 8x8 pixels (whole 8x8 blocks); the " +
                         std::string(p ? "chroma" : "luma") + " planes are " + std::to_string(width_[p]) + "x" +
                         std::to_string(height_[p]));
    plane_ = kernels::select_psnr_hvs_plane();
  }

  void extract(const PicturePair& pair, unsigned index, std::span<double> out) override {
    (void)index;
    double error[3];
    for (int p = 0; p < 3; ++p) {
      if (!wanted_[p]) {
        error[p] = out[static_cast<std::size_t>(p)] = 0.0;
        continue;
      }
      const Plane& ref = p == 0 ? pair.ref : pair.ref_chroma[p - 1];
      const Plane& dist = p == 0 ? pair.dist : pair.dist_chroma[p - 1];
      error[p] = plane_(ref, dist, width_[p], height_[p], static_cast<kernels::HvsTable>(p));
      out[static_cast<std::size_t>(p)] = to_db(error[p]);
    }
    out[3] = to_db(error[0] * .8 + .1 * (error[1] + error[2]));
  }

 private:
  std::string name_ = "psnr_hvs";
  std::vector<std::string> provides_ = {"psnr_hvs_y", "psnr_hvs_cb", "psnr_hvs_cr", "psnr_hvs"};
  bool wanted_[3] = {true, true, true};
  int width_[3] = {0, 0, 0}, height_[3] = {0, 0, 0};
  kernels::PsnrHvsPlaneFn plane_ = nullptr;
};

}  // namespace

std::unique_ptr<Extractor> make_psnr_hvs(const OptionMap& options) {
  return std::make_unique<PsnrHvsExtractor>(options);
}

}  // namespace pvt::feature
