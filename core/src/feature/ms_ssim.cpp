// float_ms_ssim, as libvmaf 3.2 defines it (Wang's MS-SSIM): five scales,
// each made from the previous one by the 9x9 low-pass and 2:1 decimation;
// per scale the mean luminance, contrast and structure terms of the 11x11
// Gaussian SSIM map (each rounded to float), combined as a product of powers
// with the weights of Wang et al.
#include <array>
#include <cmath>
#include <span>
#include <string>
#include <vector>

#include "../common/exact_math.hpp"
#include "options.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/extractor.hpp"
#include "registry_entries.hpp"
#include "ssim_core.hpp"

namespace pvt::feature {
namespace {

constexpr int kScales = 5;
constexpr float kAlpha[kScales] = {0.0f, 0.0f, 0.0f, 0.0f, 0.1333f};
constexpr float kBeta[kScales] = {0.0448f, 0.2856f, 0.3001f, 0.2363f, 0.1333f};
constexpr float kGamma[kScales] = {0.0448f, 0.2856f, 0.3001f, 0.2363f, 0.1333f};
constexpr int kLowPass = kernels::kMsSsimLowPass;

// libvmaf's size check halves (rounding down) between scales and wants the
// window to fit at every one: 11 * 16 = 176 samples along each axis.
bool fits_all_scales(int n) {
  for (int s = 0; s < kScales; ++s, n /= 2)
    if (n < kernels::kSsimWindow) return false;
  return true;
}

double max_db_for(const Geometry& g) {
  const unsigned peak = (1u << static_cast<unsigned>(g.bpc)) - 1u;
  const double mse = 0.5 / static_cast<double>(static_cast<unsigned>(g.width) * static_cast<unsigned>(g.height));
  return std::ceil(10. * exact::log10(static_cast<double>(peak * peak) / mse));
}

class MsSsimExtractor final : public Extractor {
 public:
  explicit MsSsimExtractor(const OptionMap& options) {
    reject_unknown_options(name_, options, {"enable_lcs", "enable_db", "clip_db"});
    lcs_ = option_bool(options, "enable_lcs", nullptr, false);
    db_ = option_bool(options, "enable_db", nullptr, false);
    clip_db_ = option_bool(options, "clip_db", nullptr, false);
    // None of these options changes libvmaf's feature names.
    provides_ = {"float_ms_ssim"};
    if (lcs_)
      for (const char* term : {"l", "c", "s"})
        for (int s = 0; s < kScales; ++s)
          provides_.push_back("float_ms_ssim_" + std::string(term) + "_scale" + std::to_string(s));
  }

  const std::string& name() const override { return name_; }
  const std::vector<std::string>& provides() const override { return provides_; }

  void init(const Geometry& g) override {
    require_float_conversion(name_, g.bpc);
    if (!fits_all_scales(g.width) || !fits_all_scales(g.height))
      throw InputError("float_ms_ssim needs frames of at least 176x176 pixels (got " + std::to_string(g.width) +
                       "x" + std::to_string(g.height) + ")");
    // Ladder mode: each encode's scales (the first encode's are the single pair's).
    encodes_ = static_cast<int>(g.encodes);
    ladder_.assign(g.encodes - 1, Pyramid{});
    int w = g.width, h = g.height;
    for (int s = 0; s < kScales; ++s) {
      // Every scale but the last feeds the low-pass, which reads 4 mirrored columns.
      const int pad = s + 1 < kScales ? kLowPass / 2 : 0;
      ref_[s].resize(w, h, pad);
      dist_[s].resize(w, h, pad);
      for (auto& p : ladder_) p[s].resize(w, h, pad);
      w = decimated_size(w, 2);
      h = decimated_size(h, 2);
    }
    acc_.assign(static_cast<std::size_t>(g.width), 0.0);
    map_.init(g.width, static_cast<int>(g.encodes));
    max_db_ = clip_db_ ? max_db_for(g) : INFINITY;
    kernels_ = kernels::select_ssim_kernels();
  }

  void extract(const PicturePair& pair, unsigned index, std::span<double> out) override {
    build_pyramid(pair.ref, ref_);
    build_pyramid(pair.dist, dist_);
    kernels::SsimSums sums[kScales];
    for (int s = 0; s < kScales; ++s) sums[s] = map_.run(ref_[s], dist_[s]);
    write(sums, index, out);
  }

  // The reference's scales and its filtered rows once for every encode.
  void extract_ladder(std::span<const PicturePair> pairs, unsigned index,
                      std::span<const std::span<double>> outs) override {
    const std::size_t n = pairs.size();
    if (n > static_cast<std::size_t>(encodes_)) throw Error("float_ms_ssim: more encodes than init() was told of");
    const auto scales = [&](std::size_t e) -> Pyramid& { return e == 0 ? dist_ : ladder_[e - 1]; };
    build_pyramid(pairs[0].ref, ref_);
    for (std::size_t e = 0; e < n; ++e) build_pyramid(pairs[e].dist, scales(e));
    std::vector<kernels::SsimSums> sums(n * kScales);  // [e * kScales + s]
    std::vector<const FloatPlane*> dists(n);
    std::vector<kernels::SsimSums> part(n);
    for (int s = 0; s < kScales; ++s) {
      for (std::size_t e = 0; e < n; ++e) dists[e] = &scales(e)[s];
      map_.run_ladder(ref_[s], dists.data(), static_cast<int>(n), part.data());
      for (std::size_t e = 0; e < n; ++e) sums[e * kScales + s] = part[e];
    }
    for (std::size_t e = 0; e < n; ++e) write(&sums[e * kScales], index, outs[e]);
  }

 private:
  using Pyramid = std::array<FloatPlane, kScales>;

  // `src` converted to float, then each scale from the previous one.
  void build_pyramid(const Plane& src, std::span<FloatPlane, kScales> scales) {
    convert_to_float(src, scales[0]);
    const float* taps = kernels::kMsSsimLowPass2d.data();
    for (int s = 1; s < kScales; ++s) {
      scales[s - 1].mirror_columns();
      decimate(kernels_, scales[s - 1], taps, kLowPass, kLowPass, 2, scales[s], acc_.data(), rows_);
    }
  }

  void write(const kernels::SsimSums* sums, unsigned index, std::span<double> out) const {
    double score = 1.0;
    double l[kScales], c[kScales], st[kScales];
    for (int s = 0; s < kScales; ++s) {
      const double n = static_cast<double>(SsimMap::positions(ref_[s].width(), ref_[s].height()));
      // libvmaf hands the means over as float.
      l[s] = round_to_float(sums[s].l / n);
      c[s] = round_to_float(sums[s].c / n);
      st[s] = round_to_float(sums[s].s / n);
      const double weighted =
          exact::pow(l[s], static_cast<double>(kAlpha[s])) * exact::pow(c[s], static_cast<double>(kBeta[s]));
      score *= weighted * exact::pow(st[s], static_cast<double>(kGamma[s]));
      // libvmaf gives up on the frame here.
      if (score == INFINITY) throw Error("float_ms_ssim is infinite on frame " + std::to_string(index));
    }
    if (db_) {
      const double db = -10. * exact::log10(1 - score);
      score = db < max_db_ ? db : max_db_;
    }
    out[0] = score;
    if (lcs_) {
      for (int s = 0; s < kScales; ++s) {
        out[static_cast<std::size_t>(1 + s)] = l[s];
        out[static_cast<std::size_t>(1 + kScales + s)] = c[s];
        out[static_cast<std::size_t>(1 + 2 * kScales + s)] = st[s];
      }
    }
  }

  std::string name_ = "float_ms_ssim";
  std::vector<std::string> provides_;
  bool lcs_ = false, db_ = false, clip_db_ = false;
  double max_db_ = INFINITY;
  kernels::SsimKernels kernels_{};
  Pyramid ref_, dist_;
  int encodes_ = 1;
  std::vector<Pyramid> ladder_;  // encodes 1..
  std::vector<double> acc_;
  const float* rows_[kLowPass] = {};
  SsimMap map_;
};

}  // namespace

std::unique_ptr<Extractor> make_float_ms_ssim(const OptionMap& options) {
  return std::make_unique<MsSsimExtractor>(options);
}

}  // namespace pvt::feature
