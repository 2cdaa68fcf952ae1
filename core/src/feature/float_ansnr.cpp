// float_ansnr: libvmaf 3.2's ANSNR and ANPSNR: the SNR and PSNR of the
// distorted picture against the reference after each is low-passed
// (kernels/float_ansnr_kernels.hpp), in the 8-bit range.
#include <cmath>
#include <string>
#include <vector>

#include "../common/exact_math.hpp"
#include "float_common.hpp"
#include "kernels/float_ansnr_kernels.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/extractor.hpp"
#include "registry_entries.hpp"

namespace pvt::feature {
namespace {

constexpr int kPad = 2;  // radius of the wider filter

class FloatAnsnrExtractor final : public Extractor {
 public:
  explicit FloatAnsnrExtractor(const OptionMap& options) {
    flt::OptionReader o(name_, options);
    o.finish();
  }

  const std::string& name() const override { return name_; }
  const std::vector<std::string>& provides() const override { return provides_; }

  void init(const Geometry& g) override {
    flt::check_depth(name_, g.bpc);
    if (g.width < 3 || g.height < 3) throw InputError("float_ansnr needs frames of at least 3x3 pixels");
    const flt::PsnrRange range = flt::psnr_range(g.bpc);
    peak_ = range.peak;
    psnr_max_ = range.max_db;
    kernel_ = kernels::select_float_ansnr();
    for (auto* p : {&ref_, &dis_}) p->resize(g.width, g.height, kPad);
    for (int i = -kPad; i < g.height + kPad; ++i) {
      const int r = i < 0 ? -i : i >= g.height ? 2 * g.height - i - 1 : i;
      ref_rows_.push_back(ref_.row(r));
      dis_rows_.push_back(dis_.row(r));
    }
    scratch_aligned_ = scratch_.reset(kernels::float_ansnr_scratch_floats(g.width));
  }

  void extract(const PicturePair& pair, unsigned index, std::span<double> out) override {
    (void)index;
    for (auto [src, dst] : {std::pair{&pair.ref, &ref_}, std::pair{&pair.dist, &dis_}}) {
      flt::load_plane(*src, -128.0f, *dst);
      const int w = src->width;
      for (int i = 0; i < src->height; ++i) {
        float* row = dst->row(i);
        for (int k = 1; k <= kPad; ++k) {
          row[-k] = row[k];
          row[w - 1 + k] = row[w - k];
        }
      }
    }
    kernels::FloatAnsnrArgs a;
    a.ref_rows = ref_rows_.data() + kPad;
    a.dis_rows = dis_rows_.data() + kPad;
    a.width = pair.ref.width;
    a.height = pair.ref.height;
    a.scratch = scratch_aligned_;
    const kernels::FloatAnsnrSums s = kernel_(a);
    out[0] = s.noise == 0 ? psnr_max_ : 10.0 * exact::log10(static_cast<double>(s.signal / s.noise));
    const double noise = s.noise > 1e-10 ? s.noise : 1e-10;
    const double anpsnr = 10 * exact::log10(peak_ * peak_ * a.width * a.height / noise);
    out[1] = anpsnr < psnr_max_ ? anpsnr : psnr_max_;
  }

 private:
  std::string name_ = "float_ansnr";
  std::vector<std::string> provides_ = {"float_ansnr", "float_anpsnr"};
  double peak_ = 255.0, psnr_max_ = 60.0;
  kernels::FloatAnsnrFn kernel_ = nullptr;
  flt::FloatPlane ref_, dis_;
  std::vector<const float*> ref_rows_, dis_rows_;
  flt::FloatScratch scratch_;
  float* scratch_aligned_ = nullptr;
};

}  // namespace

std::unique_ptr<Extractor> make_float_ansnr(const OptionMap& options) {
  return std::make_unique<FloatAnsnrExtractor>(options);
}

}  // namespace pvt::feature
