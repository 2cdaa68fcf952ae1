// integer_vif_scale0..3, as libvmaf 3.2's integer VIF defines them: visual
// information fidelity of the luma plane at four dyadic scales, in 16.16
// fixed point with log2 taken from a lookup table.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/vif_kernels.hpp"
#include "options.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/extractor.hpp"
#include "registry_entries.hpp"

namespace pvt::feature {
namespace {

using kernels::kVifPad;
using kernels::kVifScales;
using kernels::kVifTaps;

constexpr double kDefaultGainLimit = 100.0;
// Every scale must keep at least 2x2 samples; narrower planes make libvmaf
// mirror into memory it never wrote.
constexpr int kMinSize = 2 << (kVifScales - 1);

// Row index for each of rows [-kVifPad, rows + kVifPad): libvmaf mirrors
// about the first and last row, one step at a time, so that for very short
// planes the mirrored rows are themselves mirrored again.
std::vector<int> mirrored_rows(int rows) {
  std::vector<int> map(static_cast<std::size_t>(rows + 2 * kVifPad));
  int* m = map.data() + kVifPad;
  for (int i = 0; i < rows; ++i) m[i] = i;
  for (int i = 1; i <= kVifPad; ++i) {
    m[-i] = m[i];
    m[rows - 1 + i] = m[rows - 1 - i];
  }
  return map;
}

// The same mirroring applied in place to the `half` columns beyond each end.
template <class T>
void mirror_columns(T* row, int width, int half) {
  for (int i = 1; i <= half; ++i) {
    row[-i] = row[i];
    row[width - 1 + i] = row[width - 1 - i];
  }
}

// A padded scratch row whose pointer addresses column 0.
template <class T>
class PaddedRow {
 public:
  void resize(int width) { data_.assign(static_cast<std::size_t>(width + 2 * kVifPad), T{0}); }
  T* get() { return data_.data() + kVifPad; }

 private:
  std::vector<T> data_;
};

class VifExtractor final : public Extractor {
 public:
  explicit VifExtractor(const OptionMap& options) {
    reject_unknown_options(name_, options, {"vif_enhn_gain_limit", "egl", "vif_skip_scale0", "ssclz"});
    gain_limit_ = option_double(options, "vif_enhn_gain_limit", "egl", kDefaultGainLimit, 1.0, kDefaultGainLimit);
    skip_scale0_ = option_bool(options, "vif_skip_scale0", "ssclz", false);
    // libvmaf appends option suffixes in alphabetical order of option name.
    std::string suffix;
    if (gain_limit_ != kDefaultGainLimit) suffix += double_suffix("egl", gain_limit_);
    if (skip_scale0_) suffix += "_ssclz";
    for (int s = 0; s < kVifScales; ++s) provides_.push_back("integer_vif_scale" + std::to_string(s) + suffix);
  }

  const std::string& name() const override { return name_; }
  const std::vector<std::string>& provides() const override { return provides_; }

  void init(const Geometry& g) override {
    if (g.bpc < 8 || g.bpc > 16) throw InputError("vif supports 8 to 16 bits per sample, got " + std::to_string(g.bpc));
    if (g.width < kMinSize || g.height < kMinSize)
      throw InputError("vif needs frames of at least " + std::to_string(kMinSize) + "x" + std::to_string(kMinSize) +
                       " pixels (got " + std::to_string(g.width) + "x" + std::to_string(g.height) + ")");
    geometry_ = g;
    kernels_ = kernels::select_vif_kernels(g.bpc);
    log2_table_ = kernels::vif_log2_table();
    for (int s = 0; s < kVifScales; ++s) {
      width_[s] = g.width >> s;
      height_[s] = g.height >> s;
      row_map_[s] = mirrored_rows(height_[s]);
      if (s > 0) {
        const auto n = static_cast<std::size_t>(width_[s]) * static_cast<std::size_t>(height_[s]);
        ref_[s].assign(n, 0);
        dis_[s].assign(n, 0);
      }
    }
    for (auto& r : moments_) r.resize(g.width);
    ref_blur_.resize(g.width);
    dis_blur_.resize(g.width);
  }

  void extract(const PicturePair& pair, unsigned index, std::span<double> out) override {
    (void)index;
    for (int s = 0; s < kVifScales; ++s) {
      if (s > 0) downscale(pair, s);
      if (s == 0 && skip_scale0_) {
        out[0] = 0.0;
        continue;
      }
      kernels::VifSums sums;
      statistics(pair, s, sums);
      const double num = static_cast<double>(sums.num_log) / 2048.0 +
                         (static_cast<double>(sums.den_lin) - (static_cast<double>(sums.num_lin) / 16384.0) / 65025.0);
      const double den = static_cast<double>(sums.den_log) / 2048.0 + static_cast<double>(sums.den_lin);
      // libvmaf stores both as float and divides in float.
      out[static_cast<std::size_t>(s)] = static_cast<double>(static_cast<float>(num) / static_cast<float>(den));
    }
  }

 private:
  template <class T>
  struct TapRows {
    std::array<const T*, 17> ref{}, dis{};
  };

  // Indices of the `taps` rows of scale `s` that a filter centred on row `centre` reads.
  const int* tap_rows(int s, int centre, int taps) const {
    return row_map_[s].data() + kVifPad + centre - taps / 2;
  }

  template <class T>
  static TapRows<T> plane_rows(const PicturePair& pair, const int* rows, int taps) {
    TapRows<T> r;
    for (int t = 0; t < taps; ++t) {
      r.ref[t] = pair.ref.row<T>(rows[t]);
      r.dis[t] = pair.dist.row<T>(rows[t]);
    }
    return r;
  }

  TapRows<std::uint16_t> scale_rows(int s, const int* rows, int taps) const {
    TapRows<std::uint16_t> r;
    for (int t = 0; t < taps; ++t) {
      const auto offset = static_cast<std::size_t>(rows[t]) * static_cast<std::size_t>(width_[s]);
      r.ref[t] = ref_[s].data() + offset;
      r.dis[t] = dis_[s].data() + offset;
    }
    return r;
  }

  void statistics(const PicturePair& pair, int s, kernels::VifSums& sums) {
    const int taps = kVifTaps[s], w = width_[s];
    // Scale 0 starts from raw samples; deeper scales hold 16-bit means.
    int mu_shift = 16, sq_shift = 16;
    if (s == 0) {
      mu_shift = geometry_.bpc;
      sq_shift = 2 * (geometry_.bpc - 8);
    }
    const kernels::VifMoments m{moments_[0].get(), moments_[1].get(), moments_[2].get(), moments_[3].get(),
                                moments_[4].get()};
    for (int i = 0; i < height_[s]; ++i) {
      const int* rows = tap_rows(s, i, taps);
      if (s == 0 && geometry_.bpc == 8) {
        const auto r = plane_rows<std::uint8_t>(pair, rows, taps);
        kernels_.stat_vertical_u8(r.ref.data(), r.dis.data(), s, w, mu_shift, sq_shift, m);
      } else {
        const auto r = s == 0 ? plane_rows<std::uint16_t>(pair, rows, taps) : scale_rows(s, rows, taps);
        kernels_.stat_vertical_u16(r.ref.data(), r.dis.data(), s, w, mu_shift, sq_shift, m);
      }
      for (auto* p : {m.mu1, m.mu2, m.xx, m.yy, m.xy}) mirror_columns(p, w, taps / 2);
      kernels_.stat_horizontal(m, s, w, gain_limit_, log2_table_, sums);
    }
  }

  // Builds scale `s` from scale s - 1: blur with filter s, keep even rows and columns.
  void downscale(const PicturePair& pair, int s) {
    const int src = s - 1, taps = kVifTaps[s], w = width_[src];
    const int shift = src == 0 ? geometry_.bpc : 16;
    std::uint16_t* rb = ref_blur_.get();
    std::uint16_t* db = dis_blur_.get();
    for (int i = 0; i < height_[s]; ++i) {
      const int* rows = tap_rows(src, 2 * i, taps);
      if (src == 0 && geometry_.bpc == 8) {
        const auto r = plane_rows<std::uint8_t>(pair, rows, taps);
        kernels_.blur_vertical_u8(r.ref.data(), r.dis.data(), s, w, shift, rb, db);
      } else {
        const auto r = src == 0 ? plane_rows<std::uint16_t>(pair, rows, taps) : scale_rows(src, rows, taps);
        kernels_.blur_vertical_u16(r.ref.data(), r.dis.data(), s, w, shift, rb, db);
      }
      mirror_columns(rb, w, taps / 2);
      mirror_columns(db, w, taps / 2);
      const auto offset = static_cast<std::size_t>(i) * static_cast<std::size_t>(width_[s]);
      kernels_.blur_horizontal_decimate(rb, db, s, width_[s], ref_[s].data() + offset, dis_[s].data() + offset);
    }
  }

  std::string name_ = "vif";
  std::vector<std::string> provides_;
  double gain_limit_ = kDefaultGainLimit;
  bool skip_scale0_ = false;
  Geometry geometry_;
  kernels::VifKernels kernels_{};
  const std::uint16_t* log2_table_ = nullptr;
  std::array<int, kVifScales> width_{}, height_{};
  std::array<std::vector<int>, kVifScales> row_map_;
  // Scales 1..3 of ref and dist (index 0 unused: scale 0 is read in place).
  std::array<std::vector<std::uint16_t>, kVifScales> ref_, dis_;
  std::array<PaddedRow<std::uint32_t>, 5> moments_;
  PaddedRow<std::uint16_t> ref_blur_, dis_blur_;
};

}  // namespace

std::unique_ptr<Extractor> make_vif(const OptionMap& options) {
  return std::make_unique<VifExtractor>(options);
}

}  // namespace pvt::feature
