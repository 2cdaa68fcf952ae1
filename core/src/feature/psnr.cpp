// psnr_y / psnr_cb / psnr_cr (and mse_*), as libvmaf 3.2's integer psnr
// extractor defines them: per plane, MSE over the plane, PSNR against the bit
// depth's peak, clamped to a per-depth maximum. libvmaf sizes subsampled
// chroma as floor(w / 2) (and floor(h / 2) for 4:2:0), so of the rounded-up
// chroma planes ffmpeg and our readers carry for odd sizes it reads only the
// top-left part: the last column (row) does not count. The subsampling comes
// from Geometry::chroma, never from the plane sizes.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "../common/exact_math.hpp"
#include "kernels/psnr_kernels.hpp"
#include "options.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/extractor.hpp"
#include "registry_entries.hpp"

namespace pvt::feature {
namespace {

constexpr const char* kPsnrNames[3] = {"psnr_y", "psnr_cb", "psnr_cr"};
constexpr const char* kMseNames[3] = {"mse_y", "mse_cb", "mse_cr"};

class PsnrExtractor final : public Extractor {
 public:
  explicit PsnrExtractor(const OptionMap& options) {
    reject_unknown_options(name_, options,
                           {"enable_chroma", "enable_mse", "enable_apsnr", "reduced_hbd_peak", "min_sse"});
    chroma_ = option_bool(options, "enable_chroma", nullptr, true);
    mse_ = option_bool(options, "enable_mse", nullptr, false);
    reduced_peak_ = option_bool(options, "reduced_hbd_peak", nullptr, false);
    min_sse_ = option_double(options, "min_sse", nullptr, 0.0, 0.0, 1e300);
    apsnr_ = option_bool(options, "enable_apsnr", nullptr, false);
    // libvmaf writes all three aggregates even without chroma (then from no
    // samples: -inf, which its JSON prints as null).
    if (apsnr_) aggregates_ = {"apsnr_y", "apsnr_cb", "apsnr_cr"};
    // None of these options changes libvmaf's feature names. libvmaf writes
    // each plane's mse right after its psnr.
    const int planes = chroma_ ? 3 : 1;
    for (int p = 0; p < planes; ++p) {
      provides_.push_back(kPsnrNames[p]);
      if (mse_) provides_.push_back(kMseNames[p]);
    }
  }

  const std::string& name() const override { return name_; }
  const std::vector<std::string>& provides() const override { return provides_; }
  bool needs_chroma() const override { return chroma_; }
  const std::vector<std::string>& aggregates() const override { return aggregates_; }
  // Per plane: the frame's SSE as two exact 32-bit halves, and its sample count.
  std::size_t scratch() const override { return apsnr_ ? 9 : 0; }

  // libvmaf's APSNR: the clip's summed SSE over its summed sample count
  // (both 64-bit, wrapping as libvmaf's do), capped at
  // ceil(10 log10(peak^2 * samples * 2)).
  void aggregate(const FeatureHistory& history, std::span<double> out) const override {
    const unsigned base = static_cast<unsigned>(provides_.size());
    const auto lg = [](double x) { return x == 0.0 ? -HUGE_VAL : exact::log10(x); };
    for (unsigned p = 0; p < 3; ++p) {
      std::uint64_t sse = 0, samples = 0;
      for (unsigned i = 0; i < history.frames(); ++i) {
        const auto hi = static_cast<std::uint64_t>(history.value(i, base + 3 * p));
        const auto lo = static_cast<std::uint64_t>(history.value(i, base + 3 * p + 1));
        sse += (hi << 32) | lo;
        samples += static_cast<std::uint64_t>(history.value(i, base + 3 * p + 2));
      }
      const double apsnr = 10 * (lg(peak_sq_) + lg(static_cast<double>(samples)) - lg(static_cast<double>(sse)));
      const std::uint64_t cap_arg = std::uint64_t{peak_ * peak_} * samples * 2u;
      const double cap = std::ceil(10 * lg(static_cast<double>(cap_arg)));
      out[p] = apsnr < cap ? apsnr : cap;
    }
  }

  void init(const Geometry& g) override {
    if (g.bpc != 8 && g.bpc != 10 && g.bpc != 12 && g.bpc != 16)
      throw InputError("psnr supports 8, 10, 12 and 16-bit input as libvmaf does, got " + std::to_string(g.bpc) +
                       "-bit");
    if (chroma_ && (g.chroma_width <= 0 || g.chroma_height <= 0))
      throw InputError("psnr needs chroma planes; use psnr:enable_chroma=false for luma-only input");
    const unsigned bpc = static_cast<unsigned>(g.bpc);
    // 8-bit input always uses 255; deeper input 2^bpc - 1, or 255 << (bpc - 8)
    // with reduced_hbd_peak.
    const std::uint32_t peak = bpc == 8 ? 255u : reduced_peak_ ? 255u << (bpc - 8) : (1u << bpc) - 1u;
    peak_ = peak;
    peak_sq_ = static_cast<double>(peak * peak);
    const auto w = static_cast<unsigned>(g.width), h = static_cast<unsigned>(g.height);
    // A subsampled axis has ceil(n / 2^shift) chroma samples, of which libvmaf
    // reads floor(n / 2^shift).
    const unsigned sx = static_cast<unsigned>(g.chroma.shift_x), sy = static_cast<unsigned>(g.chroma.shift_y);
    if (chroma_ && (static_cast<int>((w + (1u << sx) - 1) >> sx) != g.chroma_width ||
                    static_cast<int>((h + (1u << sy) - 1) >> sy) != g.chroma_height))
      throw InputError("psnr: chroma planes " + std::to_string(g.chroma_width) + "x" +
                       std::to_string(g.chroma_height) + " are not " + chroma_layout_name(g.chroma) + " for " +
                       std::to_string(g.width) + "x" + std::to_string(g.height) + " luma");
    if (chroma_ && ((w >> sx) == 0 || (h >> sy) == 0))
      throw InputError("psnr: " + std::to_string(g.width) + "x" + std::to_string(g.height) + " " +
                       chroma_layout_name(g.chroma) + " has no chroma samples libvmaf reads (it takes " +
                       std::to_string(w >> sx) + "x" + std::to_string(h >> sy) +
                       "); psnr:enable_chroma=false gives psnr_y alone");
    for (unsigned p = 0; p < 3; ++p) {
      width_[p] = static_cast<int>(p ? w >> sx : w);
      height_[p] = static_cast<int>(p ? h >> sy : h);
      if (min_sse_ != 0.0) {
        const unsigned pw = static_cast<unsigned>(width_[p]), ph = static_cast<unsigned>(height_[p]);
        const double floor_mse = min_sse_ / static_cast<double>(pw * ph);
        psnr_max_[p] = std::ceil(10. * exact::log10(static_cast<double>(peak * peak) / floor_mse));
      } else {
        psnr_max_[p] = static_cast<double>(6 * bpc + 12);
      }
    }
    sse_ = kernels::select_psnr_sse(g.bpc);
  }

  void extract(const PicturePair& pair, unsigned index, std::span<double> out) override {
    (void)index;
    const int planes = chroma_ ? 3 : 1;
    for (int p = 0; p < planes; ++p) {
      Plane ref = p == 0 ? pair.ref : pair.ref_chroma[p - 1];
      Plane dist = p == 0 ? pair.dist : pair.dist_chroma[p - 1];
      ref.width = dist.width = width_[p];
      ref.height = dist.height = height_[p];
      const std::uint64_t sse = sse_(ref, dist);
      const unsigned n = static_cast<unsigned>(ref.width) * static_cast<unsigned>(ref.height);
      const double mse = static_cast<double>(sse) / static_cast<double>(n);
      const double floored = mse > 1e-16 ? mse : 1e-16;
      const double psnr = 10. * exact::log10(peak_sq_ / floored);
      const std::size_t at = static_cast<std::size_t>(p) * (mse_ ? 2 : 1);
      out[at] = psnr < psnr_max_[p] ? psnr : psnr_max_[p];
      if (mse_) out[at + 1] = mse;
      if (apsnr_) {
        const std::size_t at = provides_.size() + 3 * static_cast<std::size_t>(p);
        out[at] = static_cast<double>(sse >> 32);
        out[at + 1] = static_cast<double>(sse & 0xffffffffu);
        out[at + 2] = static_cast<double>(n);
      }
    }
  }

 private:
  std::string name_ = "psnr";
  std::vector<std::string> provides_;
  bool chroma_ = true;
  bool mse_ = false;
  bool reduced_peak_ = false;
  double min_sse_ = 0.0;
  bool apsnr_ = false;
  std::vector<std::string> aggregates_;
  std::uint32_t peak_ = 0;
  double peak_sq_ = 0.0;
  double psnr_max_[3] = {0.0, 0.0, 0.0};
  int width_[3] = {0, 0, 0}, height_[3] = {0, 0, 0};  // the part of each plane libvmaf reads
  kernels::PsnrSseFn sse_ = nullptr;
};

}  // namespace

std::unique_ptr<Extractor> make_psnr(const OptionMap& options) { return std::make_unique<PsnrExtractor>(options); }

}  // namespace pvt::feature
