// integer_vif_scale0..3, as libvmaf 3.2's integer VIF defines them: visual
// information fidelity of the luma plane at four dyadic scales, in 16.16
// fixed point with log2 taken from a lookup table.
//
// vif_row_step (rs) N > 1 gives a cheap estimate instead: each scale s pools
// its statistics over every max(1, N >> s)-th row only (the same rows of the
// source at every scale), so scale 0 costs about 1/N of its exact work.
// vif_sample_rows (sr) R picks the step for about R rows at scale 0 instead,
// max(1, height / R): the same share of the picture at any size, and every
// row of small ones. The sums are integers, so the estimate is the same on
// every ISA.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "kernels/vif_kernels.hpp"
#include "options.hpp"
#include "row_sample.hpp"
#include "pyvmaf_tiny/buffer_pool.hpp"
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
constexpr int kMaxRowStep = 256;

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

// Row pointers of one plane for rows [-kVifPad, rows + kVifPad), following a
// mirrored_rows() map; get() addresses row 0.
template <class T>
class RowTable {
 public:
  void fill(const std::vector<int>& map, const T* base, std::ptrdiff_t stride_bytes) {
    rows_.resize(map.size());
    for (std::size_t i = 0; i < map.size(); ++i)
      rows_[i] = reinterpret_cast<const T*>(reinterpret_cast<const std::uint8_t*>(base) + stride_bytes * map[i]);
  }
  const T* const* get() const { return rows_.data() + kVifPad; }

 private:
  std::vector<const T*> rows_;
};

class VifExtractor final : public Extractor {
 public:
  explicit VifExtractor(const OptionMap& options, const char* name = "vif") : name_(name) {
    reject_unknown_options(name_, options,
                           {"vif_enhn_gain_limit", "egl", "vif_skip_scale0", "ssclz", "vif_row_step", "rs",
                            "vif_sample_rows", "sr", "debug"});
    debug_ = option_bool(options, "debug", nullptr, false);
    gain_limit_ = option_double(options, "vif_enhn_gain_limit", "egl", kDefaultGainLimit, 1.0, kDefaultGainLimit);
    skip_scale0_ = option_bool(options, "vif_skip_scale0", "ssclz", false);
    row_step_ = option_int(options, "vif_row_step", "rs", 1, 1, kMaxRowStep);
    sample_rows_ = option_int(options, "vif_sample_rows", "sr", 0, 0, 1 << 16);
    if (row_step_ != 1 && sample_rows_ != 0)
      throw InputError("vif: vif_row_step and vif_sample_rows are alternatives; give one");
    // libvmaf appends option suffixes in alphabetical order of option name.
    std::string suffix;
    if (gain_limit_ != kDefaultGainLimit) suffix += double_suffix("egl", gain_limit_);
    if (row_step_ != 1) suffix += "_rs_" + std::to_string(row_step_);
    if (sample_rows_ != 0) suffix += "_sr_" + std::to_string(sample_rows_);
    if (skip_scale0_) suffix += "_ssclz";
    for (int s = 0; s < kVifScales; ++s) provides_.push_back("integer_vif_scale" + std::to_string(s) + suffix);
    // libvmaf's debug outputs: the pooled score and its sums, then each scale's.
    if (debug_) {
      for (const char* f : {"integer_vif", "integer_vif_num", "integer_vif_den"}) provides_.push_back(f + suffix);
      for (int s = 0; s < kVifScales; ++s)
        for (const char* f : {"integer_vif_num_scale", "integer_vif_den_scale"})
          provides_.push_back(f + std::to_string(s) + suffix);
    }
  }

  const std::string& name() const override { return name_; }
  const std::vector<std::string>& provides() const override { return provides_; }

  // Scales nobody asked for are not computed; deeper ones still need the
  // downscales in between.
  void restrict_outputs(const std::vector<bool>& wanted) override {
    // The debug outputs need every scale.
    const bool all = std::find(wanted.begin() + kVifScales, wanted.end(), true) != wanted.end();
    for (int s = 0; s < kVifScales; ++s) wanted_[s] = all || wanted.at(static_cast<std::size_t>(s));
  }

  void init(const Geometry& g) override {
    if (g.bpc < 8 || g.bpc > 16) throw InputError("vif supports 8 to 16 bits per sample, got " + std::to_string(g.bpc));
    if (g.width < kMinSize || g.height < kMinSize)
      throw InputError("vif needs frames of at least " + std::to_string(kMinSize) + "x" + std::to_string(kMinSize) +
                       " pixels (got " + std::to_string(g.width) + "x" + std::to_string(g.height) + ")");
    geometry_ = g;
    if (sample_rows_ > 0) row_step_ = std::clamp(g.height / sample_rows_, 1, kMaxRowStep);
    kernels_ = kernels::select_vif_kernels(g.bpc);
    log2_table_ = kernels::vif_log2_table();
    for (int s = 0; s < kVifScales; ++s) {
      width_[s] = g.width >> s;
      height_[s] = g.height >> s;
      row_map_[s] = mirrored_rows(height_[s]);
      sampled_[s] = sampled_rows(0, height_[s], row_step(s));
      if (s > 0) {
        const auto n = static_cast<std::size_t>(width_[s]) * static_cast<std::size_t>(height_[s]);
        ref_[s].assign(n, 0);
        dis_[s].assign(n, 0);
        const auto stride = static_cast<std::ptrdiff_t>(width_[s] * sizeof(std::uint16_t));
        ref_rows_[s].fill(row_map_[s], ref_[s].data(), stride);
        dis_rows_[s].fill(row_map_[s], dis_[s].data(), stride);
      }
    }
    constexpr std::size_t kAlign = 64;
    const std::size_t scratch = g.encodes > 1 ? kernels::vif_ladder_scratch_bytes(g.width)
                                              : kernels::vif_scratch_bytes(g.width);
    scratch_.assign(scratch + kAlign, std::byte{0});
    const auto misalign = reinterpret_cast<std::uintptr_t>(scratch_.data()) % kAlign;
    scratch_aligned_ = scratch_.data() + (misalign ? kAlign - misalign : 0);
    // Ladder mode: scales 1..3 of each encode (the reference's are ref_, the
    // first encode's dis_).
    ladder_.clear();
    if (g.encodes > 1) {
      ladder_.resize(g.encodes);
      for (std::size_t k = 0; k < ladder_.size(); ++k)
        for (int s = 1; s < kVifScales; ++s) {
          LadderPlanes& e = ladder_[k];
          if (k > 0) e.storage[s].assign(static_cast<std::size_t>(width_[s]) * static_cast<std::size_t>(height_[s]), 0);
          e.planes[s] = k > 0 ? e.storage[s].data() : dis_[s].data();
          e.rows[s].fill(row_map_[s], e.planes[s], static_cast<std::ptrdiff_t>(width_[s] * sizeof(std::uint16_t)));
        }
    }
  }

  void extract(const PicturePair& pair, unsigned index, std::span<double> out) override {
    (void)index;
    if (geometry_.bpc == 8) {
      ref8_.fill(row_map_[0], pair.ref.row<std::uint8_t>(0), pair.ref.stride);
      dis8_.fill(row_map_[0], pair.dist.row<std::uint8_t>(0), pair.dist.stride);
    } else {
      ref_rows_[0].fill(row_map_[0], pair.ref.row<std::uint16_t>(0), pair.ref.stride);
      dis_rows_[0].fill(row_map_[0], pair.dist.row<std::uint16_t>(0), pair.dist.stride);
    }
    int last = kVifScales - 1;
    while (last > 0 && !wanted_[last]) --last;
    Fractions f;
    for (int s = 0; s < kVifScales && s <= last; ++s) {
      if (s > 0) downscale(s);
      if ((s == 0 && skip_scale0_) || !wanted_[s]) continue;
      f.set(s, statistics(s));
    }
    finish(f, out);
  }

  // The reference's statistics terms (and its denominator) once per row for
  // every encode, its downscales once per frame.
  void extract_ladder(std::span<const PicturePair> pairs, unsigned index,
                      std::span<const std::span<double>> outs) override {
    const auto n = static_cast<int>(pairs.size());
    if (n > static_cast<int>(ladder_.size())) throw Error("vif: more encodes than init() was told of");
    const PicturePair& first = pairs[0];
    if (geometry_.bpc == 8) {
      ref8_.fill(row_map_[0], first.ref.row<std::uint8_t>(0), first.ref.stride);
      for (int k = 0; k < n; ++k)
        ladder_[k].rows8.fill(row_map_[0], pairs[k].dist.row<std::uint8_t>(0), pairs[k].dist.stride);
    } else {
      ref_rows_[0].fill(row_map_[0], first.ref.row<std::uint16_t>(0), first.ref.stride);
      for (int k = 0; k < n; ++k)
        ladder_[k].rows[0].fill(row_map_[0], pairs[k].dist.row<std::uint16_t>(0), pairs[k].dist.stride);
    }
    (void)index;
    int last = kVifScales - 1;
    while (last > 0 && !wanted_[last]) --last;
    std::vector<kernels::VifSums> sums(static_cast<std::size_t>(n));
    std::vector<Fractions> f(static_cast<std::size_t>(n));
    for (int s = 0; s < kVifScales && s <= last; ++s) {
      if (s > 0) ladder_downscale(s, n);
      if ((s == 0 && skip_scale0_) || !wanted_[s]) continue;
      std::fill(sums.begin(), sums.end(), kernels::VifSums{});
      ladder_statistics(s, n, sums.data());
      for (int k = 0; k < n; ++k) f[static_cast<std::size_t>(k)].set(s, sums[static_cast<std::size_t>(k)]);
    }
    for (int k = 0; k < n; ++k) finish(f[static_cast<std::size_t>(k)], outs[k]);
  }

 private:
  // Each scale's numerator and denominator, which libvmaf stores as float;
  // scales not computed score 0 (a skipped scale 0 logs num 0 and den -1).
  struct Fractions {
    float num[kVifScales] = {}, den[kVifScales] = {};
    bool computed[kVifScales] = {};
    void set(int s, const kernels::VifSums& sums) {
      num[s] = static_cast<float>(static_cast<double>(sums.num_log) / 2048.0 +
                                  (static_cast<double>(sums.den_lin) -
                                   (static_cast<double>(sums.num_lin) / 16384.0) / 65025.0));
      den[s] = static_cast<float>(static_cast<double>(sums.den_log) / 2048.0 + static_cast<double>(sums.den_lin));
      computed[s] = true;
    }
  };

  // The scale scores (libvmaf divides in float), then the debug outputs.
  void finish(const Fractions& f, std::span<double> out) const {
    for (int s = 0; s < kVifScales; ++s)
      out[static_cast<std::size_t>(s)] = f.computed[s] ? static_cast<double>(f.num[s] / f.den[s]) : 0.0;
    if (!debug_) return;
    double num_total = 0.0, den_total = 0.0;
    for (int s = skip_scale0_ ? 1 : 0; s < kVifScales; ++s) {
      num_total += static_cast<double>(f.num[s]);
      den_total += static_cast<double>(f.den[s]);
    }
    std::size_t i = kVifScales;
    out[i++] = den_total == 0.0 ? 1.0 : num_total / den_total;
    out[i++] = num_total;
    out[i++] = den_total;
    for (int s = 0; s < kVifScales; ++s) {
      out[i++] = f.num[s];
      out[i++] = s == 0 && skip_scale0_ ? -1.0 : f.den[s];
    }
  }

  // Bits of the samples scale `s` is computed from.
  int sample_bits(int s) const { return s == 0 ? geometry_.bpc : 16; }

  kernels::VifStatsParams stats_params(int s) const {
    kernels::VifStatsParams p;
    p.scale = s;
    p.width = width_[s];
    p.height = height_[s];
    p.sample_bits = sample_bits(s);
    // Scale 0 starts from raw samples; deeper scales hold 16-bit means.
    if (s == 0) {
      p.mu_shift = geometry_.bpc;
      p.sq_shift = 2 * (geometry_.bpc - 8);
    }
    p.gain_limit = gain_limit_;
    p.log2_table = log2_table_;
    p.scratch = scratch_aligned_;
    return p;
  }

  // The step of scale `s` (vif_row_step); its rows are sampled_[s].
  int row_step(int s) const { return std::max(1, row_step_ >> s); }

  kernels::VifSums statistics(int s) {
    kernels::VifStatsParams p = stats_params(s);
    kernels::VifSums sums;
    const int step = row_step(s);
    if (step == 1) {
      if (s == 0 && geometry_.bpc == 8)
        kernels_.stats_u8(ref8_.get(), dis8_.get(), p, sums);
      else
        kernels_.stats_u16(ref_rows_[s].get(), dis_rows_[s].get(), p, sums);
      return sums;
    }
    // One row at a time: the kernels read rows [-pad, height + pad) around row 0 of what they are given.
    p.height = 1;
    for (const int r : sampled_[s]) {
      if (s == 0 && geometry_.bpc == 8)
        kernels_.stats_u8(ref8_.get() + r, dis8_.get() + r, p, sums);
      else
        kernels_.stats_u16(ref_rows_[s].get() + r, dis_rows_[s].get() + r, p, sums);
    }
    return sums;
  }

  void ladder_statistics(int s, int n, kernels::VifSums* sums) {
    kernels::VifStatsParams p = stats_params(s);
    // Every row in one call, or the sampled ones one at a time.
    static const std::vector<int> kWhole = {0};
    if (row_step(s) > 1) p.height = 1;
    ladder_dis_.resize(static_cast<std::size_t>(n));
    ladder_dis8_.resize(static_cast<std::size_t>(n));
    for (const int r : row_step(s) > 1 ? sampled_[s] : kWhole) {
      if (s == 0 && geometry_.bpc == 8) {
        for (int k = 0; k < n; ++k) ladder_dis8_[k] = ladder_[k].rows8.get() + r;
        kernels_.ladder_stats_u8(ref8_.get() + r, ladder_dis8_.data(), n, p, sums);
      } else {
        for (int k = 0; k < n; ++k) ladder_dis_[k] = ladder_[k].rows[s].get() + r;
        kernels_.ladder_stats_u16(ref_rows_[s].get() + r, ladder_dis_.data(), n, p, sums);
      }
    }
  }

  // Scale `s` of the reference and of each encode. The kernels downscale two
  // planes at a time, each independently of the other: the reference goes
  // with the first encode, then the others two by two (an odd one out with
  // itself, into the same plane twice).
  void ladder_downscale(int s, int n) {
    const kernels::VifDownscaleParams p = downscale_params(s);
    const auto src8 = [&](int i) { return i == 0 ? ref8_.get() : ladder_[i - 1].rows8.get(); };
    const auto src16 = [&](int i) { return i == 0 ? ref_rows_[s - 1].get() : ladder_[i - 1].rows[s - 1].get(); };
    const auto dst = [&](int i) { return i == 0 ? ref_[s].data() : ladder_[i - 1].planes[s]; };
    for (int i = 0; i <= n; i += 2) {
      const int j = i + 1 <= n ? i + 1 : i;
      if (s == 1 && geometry_.bpc == 8)
        kernels_.downscale_u8(src8(i), src8(j), p, dst(i), dst(j));
      else
        kernels_.downscale_u16(src16(i), src16(j), p, dst(i), dst(j));
    }
  }

  kernels::VifDownscaleParams downscale_params(int s) const {
    kernels::VifDownscaleParams p;
    p.scale = s;
    p.src_width = width_[s - 1];
    p.width = width_[s];
    p.height = height_[s];
    p.shift = s == 1 ? geometry_.bpc : 16;
    p.scratch = scratch_aligned_;
    return p;
  }

  // Builds scale `s` from scale s - 1: blur with filter s, keep even rows and columns.
  void downscale(int s) {
    const kernels::VifDownscaleParams p = downscale_params(s);
    if (s == 1 && geometry_.bpc == 8)
      kernels_.downscale_u8(ref8_.get(), dis8_.get(), p, ref_[s].data(), dis_[s].data());
    else
      kernels_.downscale_u16(ref_rows_[s - 1].get(), dis_rows_[s - 1].get(), p, ref_[s].data(), dis_[s].data());
  }

  std::string name_;
  std::vector<std::string> provides_;
  double gain_limit_ = kDefaultGainLimit;
  bool skip_scale0_ = false;
  int row_step_ = 1;    // vif_row_step, or from vif_sample_rows
  int sample_rows_ = 0;  // vif_sample_rows (0: not given)
  std::array<std::vector<int>, kVifScales> sampled_;  // rows each scale pools
  bool debug_ = false;
  std::array<bool, kVifScales> wanted_{true, true, true, true};
  Geometry geometry_;
  kernels::VifKernels kernels_{};
  const std::uint16_t* log2_table_ = nullptr;
  std::array<int, kVifScales> width_{}, height_{};
  std::array<std::vector<int>, kVifScales> row_map_;
  // Scales 1..3 of ref and dist (index 0 unused: scale 0 is read in place).
  std::array<PooledVector<std::uint16_t>, kVifScales> ref_, dis_;
  // Mirrored row pointers of every scale; 8-bit scale 0 uses ref8_/dis8_.
  std::array<RowTable<std::uint16_t>, kVifScales> ref_rows_, dis_rows_;
  RowTable<std::uint8_t> ref8_, dis8_;
  PooledVector<std::byte> scratch_;
  void* scratch_aligned_ = nullptr;
  // Ladder mode: each encode's scales 1..3 and row tables (8-bit scale 0 in rows8).
  struct LadderPlanes {
    std::array<PooledVector<std::uint16_t>, kVifScales> storage;  // but the first encode's
    std::array<std::uint16_t*, kVifScales> planes{};
    std::array<RowTable<std::uint16_t>, kVifScales> rows;
    RowTable<std::uint8_t> rows8;
  };
  std::vector<LadderPlanes> ladder_;
  std::vector<const std::uint16_t* const*> ladder_dis_;
  std::vector<const std::uint8_t* const*> ladder_dis8_;
};

}  // namespace

std::unique_ptr<Extractor> make_vif(const OptionMap& options) {
  return std::make_unique<VifExtractor>(options);
}

std::unique_ptr<Extractor> make_vif_sampled(const OptionMap& options) {
  OptionMap o = options;
  if (!o.count("vif_row_step") && !o.count("rs") && !o.count("vif_sample_rows") && !o.count("sr"))
    o["vif_sample_rows"] = std::to_string(kSampledRows);
  return std::make_unique<VifExtractor>(o, "vif_sampled");
}

}  // namespace pvt::feature
