// float_psnr: libvmaf 3.2's floating-point luma PSNR. libvmaf scales samples
// to the 8-bit range in float, squares each difference in float and sums the
// squares in double; the peak is 255 scaled likewise (255.75 for 10-bit
// input) and the result is capped at 60, 72, 84 or 108 dB.
//
// Up to 12 bits every scaled difference and its square are exact in float
// and every partial sum is exact in double, so the integer sum of squared
// differences gives libvmaf's value whatever the order. A 16-bit square may
// round in float; the rounded squares are integers after scaling by 2^16,
// and their integer sum is exact in double too while it stays below 2^53
// (beyond that, the squares are summed in double in libvmaf's order).
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "../common/exact_math.hpp"
#include "float_common.hpp"
#include "kernels/psnr_kernels.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/extractor.hpp"
#include "registry_entries.hpp"

namespace pvt::feature {
namespace {

// libvmaf's 8-bit psnr kernel keeps each row's sum in 32 bits: fine below this width.
constexpr int kMaxRowWidth = 66052;

// Sum of squared float differences of 16-bit planes (scaled to 8-bit range), in double.
double noise_16bit(const Plane& ref, const Plane& dist) {
  constexpr std::uint64_t kExact = std::uint64_t{1} << 53;
  std::uint64_t scaled = 0;  // sum of square * 2^16
  for (int i = 0; i < ref.height; ++i) {
    const std::uint16_t* a = ref.row<std::uint16_t>(i);
    const std::uint16_t* b = dist.row<std::uint16_t>(i);
    std::uint64_t row = 0;
    for (int j = 0; j < ref.width; ++j) {
      const float d = (static_cast<float>(a[j]) / 256.0f - 128.0f) - (static_cast<float>(b[j]) / 256.0f - 128.0f);
      row += static_cast<std::uint64_t>(d * d * 65536.0f);
    }
    scaled += row;
    if (scaled >= kExact) break;
  }
  if (scaled < kExact) return static_cast<double>(scaled) / 65536.0;
  double noise = 0.0;
  for (int i = 0; i < ref.height; ++i) {
    const std::uint16_t* a = ref.row<std::uint16_t>(i);
    const std::uint16_t* b = dist.row<std::uint16_t>(i);
    for (int j = 0; j < ref.width; ++j) {
      const float d = (static_cast<float>(a[j]) / 256.0f - 128.0f) - (static_cast<float>(b[j]) / 256.0f - 128.0f);
      noise += d * d;
    }
  }
  return noise;
}

class FloatPsnrExtractor final : public Extractor {
 public:
  explicit FloatPsnrExtractor(const OptionMap& options) {
    flt::OptionReader o(name_, options);
    o.finish();
  }

  const std::string& name() const override { return name_; }
  const std::vector<std::string>& provides() const override { return provides_; }

  void init(const Geometry& g) override {
    flt::check_depth(name_, g.bpc);
    if (g.width > kMaxRowWidth) throw InputError("float_psnr: frames wider than 66052 pixels are not supported");
    bpc_ = g.bpc;
    const flt::PsnrRange range = flt::psnr_range(g.bpc);
    peak_ = range.peak;
    psnr_max_ = range.max_db;
    sse_ = kernels::select_psnr_sse(g.bpc);
  }

  void extract(const PicturePair& pair, unsigned index, std::span<double> out) override {
    (void)index;
    double noise;
    if (bpc_ == 16) {
      noise = noise_16bit(pair.ref, pair.dist);
    } else {
      const double scale = static_cast<double>(1 << (bpc_ - 8));
      noise = static_cast<double>(sse_(pair.ref, pair.dist)) / (scale * scale);
    }
    noise /= static_cast<double>(pair.ref.width * pair.ref.height);
    const double psnr = 10 * exact::log10(peak_ * peak_ / (noise > 1e-10 ? noise : 1e-10));
    out[0] = psnr < psnr_max_ ? psnr : psnr_max_;
  }

 private:
  std::string name_ = "float_psnr";
  std::vector<std::string> provides_ = {"float_psnr"};
  int bpc_ = 8;
  double peak_ = 255.0, psnr_max_ = 60.0;
  kernels::PsnrSseFn sse_ = nullptr;
};

}  // namespace

std::unique_ptr<Extractor> make_float_psnr(const OptionMap& options) {
  return std::make_unique<FloatPsnrExtractor>(options);
}

}  // namespace pvt::feature
