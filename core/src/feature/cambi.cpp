// CAMBI, libvmaf 3.2's banding detector, under its output names: "cambi"
// (with libvmaf's option suffixes) for the distorted picture, and with
// full_ref=true also "cambi_source" (the reference) and
// "cambi_full_reference" (their clipped difference).
//
// Per picture: convert the luma to 10 bits at the encode's resolution
// (nearest-neighbour when the encode was smaller, a 2x2 anti-dithering
// average below 10-bit encodes), mark flat areas, then at five dyadic scales
// take a 3x3 mode filter, each flat pixel's banding value from the window
// histograms of its neighbouring luma levels, and the mean of the top k of
// those; the scales' means are weighted 16:8:4:2:1.
// Nothing carries from frame to frame: CAMBI is not temporal. With
// heatmaps_path, each distorted frame's per-pixel values at every scale are
// also written to files, as libvmaf writes them (cambi_heatmaps.hpp).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "cambi_heatmaps.hpp"
#include "cambi_params.hpp"
#include "kernels/cambi_kernels.hpp"
#include "options.hpp"
#include "pyvmaf_tiny/buffer_pool.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/extractor.hpp"
#include "registry_entries.hpp"

namespace pvt::feature {
namespace {

using kernels::CambiImage;
using kernels::CambiMask;

constexpr double kDefaultTopk = 0.6;
constexpr double kDefaultTvi = 0.019;
constexpr double kDefaultMaxVal = 1000.0;
constexpr int kDefaultWindow = 65;
constexpr int kDefaultMaxLogContrast = 2;
constexpr const char* kDefaultEotf = "bt1886";

int align32(int n) { return (n + 31) & ~31; }

// An uninitialised float buffer from the buffer pool.
class PoolFloats {
 public:
  PoolFloats() = default;
  explicit PoolFloats(std::size_t n) : data_(static_cast<float*>(pool_allocate(n * sizeof(float)))), n_(n) {}
  PoolFloats(PoolFloats&& o) noexcept : data_(std::exchange(o.data_, nullptr)), n_(std::exchange(o.n_, 0)) {}
  PoolFloats& operator=(PoolFloats&& o) noexcept {
    std::swap(data_, o.data_);
    std::swap(n_, o.n_);
    return *this;
  }
  ~PoolFloats() {
    if (data_) pool_free(data_, n_ * sizeof(float));
  }
  float* data() { return data_; }

 private:
  float* data_ = nullptr;
  std::size_t n_ = 0;
};

// A picture's geometry and window for one CAMBI pass.
struct Pass {
  int w = 0, h = 0;  // the resolution CAMBI scores it at
  int window = 0;
};

class CambiExtractor final : public Extractor {
 public:
  explicit CambiExtractor(const OptionMap& options) {
    reject_unknown_options(name_, options,
                           {"cambi_max_val", "cmxv", "enc_width", "encw", "enc_height", "ench", "enc_bitdepth", "encbd",
                            "src_width", "srcw", "src_height", "srch", "window_size", "ws", "topk", "cambi_topk",
                            "ctpk", "tvi_threshold", "tvit", "cambi_vis_lum_threshold", "vlt", "max_log_contrast",
                            "mlc", "heatmaps_path", "full_ref", "eotf", "cambi_eotf", "ceot",
                            "cambi_high_res_speedup", "hrs"});
    heatmaps_path_ = option_text(options, "heatmaps_path", nullptr, "");
    if (options.count("heatmaps_path") && heatmaps_path_.empty())
      throw InputError("cambi: heatmaps_path is empty; it names the folder the heatmaps are written to");
    max_val_ = option_double(options, "cambi_max_val", "cmxv", kDefaultMaxVal, 0.0, 1000.0);
    enc_w_ = option_int(options, "enc_width", "encw", 0, 180, 7680);
    enc_h_ = option_int(options, "enc_height", "ench", 0, 150, 7680);
    enc_bpc_ = option_int(options, "enc_bitdepth", "encbd", 0, 6, 16);
    src_w_ = option_int(options, "src_width", "srcw", 0, 320, 7680);
    src_h_ = option_int(options, "src_height", "srch", 0, 200, 4320);
    window_ = option_int(options, "window_size", "ws", kDefaultWindow, 15, 127);
    const double topk = option_double(options, "topk", nullptr, kDefaultTopk, 0.0001, 1.0);
    const double cambi_topk = option_double(options, "cambi_topk", "ctpk", kDefaultTopk, 0.0001, 1.0);
    tvi_ = option_double(options, "tvi_threshold", "tvit", kDefaultTvi, 0.0001, 1.0);
    vlt_ = option_double(options, "cambi_vis_lum_threshold", "vlt", 0.0, 0.0, 300.0);
    max_log_contrast_ = option_int(options, "max_log_contrast", "mlc", kDefaultMaxLogContrast, 0, 5);
    full_ref_ = option_bool(options, "full_ref", nullptr, false);
    const std::string eotf = option_text(options, "eotf", nullptr, kDefaultEotf);
    const std::string cambi_eotf = option_text(options, "cambi_eotf", "ceot", kDefaultEotf);
    speedup_ = option_int(options, "cambi_high_res_speedup", "hrs", 0, 0, 2160);
    // topk wins where set, else cambi_topk; cambi_eotf wins where set, else eotf.
    topk_ = topk != kDefaultTopk ? topk : cambi_topk;
    eotf_ = cambi::parse_eotf(cambi_eotf != kDefaultEotf ? cambi_eotf : eotf);

    // libvmaf's suffix: each non-default option, in alphabetical order of
    // option name, as _<alias>_<value> (doubles as %g).
    std::string suffix;
    const auto add_int = [&](const char* alias, int v, int def) {
      if (v != def) suffix += std::string("_") + alias + "_" + std::to_string(v);
    };
    const auto add_double = [&](const char* alias, double v, double def) {
      if (v != def) suffix += double_suffix(alias, v);
    };
    const auto add_text = [&](const char* alias, const std::string& v) {
      if (v != kDefaultEotf) suffix += std::string("_") + alias + "_" + v;
    };
    add_text("ceot", cambi_eotf);
    add_int("hrs", speedup_, 0);
    add_double("cmxv", max_val_, kDefaultMaxVal);
    add_double("ctpk", cambi_topk, kDefaultTopk);
    add_double("vlt", vlt_, 0.0);
    add_int("encbd", enc_bpc_, 0);
    add_int("ench", enc_h_, 0);
    add_int("encw", enc_w_, 0);
    add_text("eotf", eotf);
    add_int("mlc", max_log_contrast_, kDefaultMaxLogContrast);
    add_int("srch", src_h_, 0);
    add_int("srcw", src_w_, 0);
    add_double("topk", topk, kDefaultTopk);
    add_double("tvit", tvi_, kDefaultTvi);
    add_int("ws", window_, kDefaultWindow);
    provides_ = {"cambi" + suffix};
    if (full_ref_) {
      provides_.push_back("cambi_source");
      provides_.push_back("cambi_full_reference");
    }
  }

  const std::string& name() const override { return name_; }
  const std::vector<std::string>& provides() const override { return provides_; }

  void restrict_outputs(const std::vector<bool>& wanted) override {
    // The difference needs both pictures; each score alone needs its own.
    const bool diff = full_ref_ && wanted[2];
    want_dist_ = wanted[0] || diff || heatmaps();
    want_src_ = full_ref_ && (wanted[1] || diff);
  }

  void init(const Geometry& g) override {
    const int w = g.width, h = g.height;
    if (heatmaps() && g.encodes > 1)
      throw InputError("cambi: heatmaps_path is not supported with several encodes (ladder mode): each would write "
                       "the same files; score each encode alone");
    bpc_ = g.bpc;
    if (enc_bpc_ == 0) enc_bpc_ = g.bpc;
    if (enc_w_ == 0 || enc_h_ == 0) enc_w_ = w, enc_h_ = h;
    if (src_w_ == 0 || src_h_ == 0) src_w_ = w, src_h_ = h;
    // An encode given as larger than the input was not upscaled: score it as it is.
    if (enc_w_ > w || enc_h_ > h) enc_w_ = w, enc_h_ = h;
    const auto dims = [](int a, int b) { return std::to_string(a) + "x" + std::to_string(b); };
    if (enc_w_ < cambi::kMinDimension && enc_h_ < cambi::kMinDimension)
      throw InputError("cambi needs a width or height of at least 216 pixels; the encode is " + dims(enc_w_, enc_h_));
    if (src_w_ < cambi::kMinDimension && src_h_ < cambi::kMinDimension)
      throw InputError("cambi needs a width or height of at least 216 pixels; the source is " + dims(src_w_, src_h_));
    if ((src_w_ > enc_w_ && src_h_ < enc_h_) || (src_w_ < enc_w_ && src_h_ > enc_h_))
      throw InputError("cambi: source " + dims(src_w_, src_h_) + " and encode " + dims(enc_w_, enc_h_) +
                       " are scaled in opposite directions");
    const long enc_pixels = static_cast<long>(enc_w_) * enc_h_;
    const long threshold = speedup_ == 1080 ? 1920L * 1080 : speedup_ == 1440 ? 2560L * 1440
                                           : speedup_ == 2160 ? 3840L * 2160 : -1;
    const bool speedup = threshold > 0 && enc_pixels >= threshold;

    dist_ = {enc_w_, enc_h_, cambi::adjusted_window(window_, enc_w_, enc_h_, speedup)};
    src_ = {src_w_, src_h_, cambi::adjusted_window(window_, src_w_, src_h_, speedup)};
    speedup_on_ = speedup;
    const int max_window = std::max(dist_.window, src_.window);
    if (max_window * max_window >= cambi::kReciprocalSize)
      throw InputError("cambi: window_size " + std::to_string(window_) + " gives a " + std::to_string(max_window) +
                       "-pixel window at this resolution, too large (libvmaf refuses it)");
    for (const Pass* p : {&dist_, full_ref_ ? &src_ : nullptr}) {
      if (!p) continue;
      // libvmaf's window loops run from row h - pad: below zero when the
      // smallest scale has fewer rows than half a window, and it then writes
      // before its buffers.
      int rows = p->h;
      for (int s = 0; s < cambi::kScales - (speedup ? 0 : 1); ++s) rows = (rows + 1) >> 1;
      if (rows < p->window / 2)
        throw InputError("cambi: a " + dims(p->w, p->h) + " picture is too wide for its height: its smallest scale has " +
                         std::to_string(rows) + " rows, under half CAMBI's " + std::to_string(p->window) +
                         "-pixel window (libvmaf writes outside its buffers)");
      // Columns past a small scale's corner are read from what the larger
      // scales left there; past the picture itself they would be another's.
      if (p->w < p->window / 2)
        throw InputError("cambi: a " + dims(p->w, p->h) + " picture is narrower than half CAMBI's " +
                         std::to_string(p->window) + "-pixel window");
    }
    alloc_w_ = full_ref_ ? std::max(src_w_, enc_w_) : enc_w_;
    alloc_h_ = full_ref_ ? std::max(src_h_, enc_h_) : enc_h_;
    // libvmaf copies same-size 10-bit input with the input's row stride into a
    // buffer with its own; they differ only when a larger source widens the buffer.
    if (full_ref_ && bpc_ == 10 && enc_w_ == w && enc_h_ == h && align32(alloc_w_) != align32(w))
      throw InputError("cambi: with 10-bit input, src_width " + std::to_string(src_w_) +
                       " above the input width is not supported (libvmaf misreads the rows)");

    tables_ = cambi::make_contrast_tables(max_log_contrast_, tvi_, vlt_, eotf_);
    k_ = kernels::select_cambi_kernels();

    // Buffers of the full picture (rows padded for vector over-reads).
    stride_ = ((alloc_w_ + 63) & ~63) + 64;
    image_.assign(static_cast<std::size_t>(stride_) * (alloc_h_ + 2), 0);
    mask_.assign(static_cast<std::size_t>(stride_) * (alloc_h_ + 2), 0);
    // Room for every pixel's c-value; only as many as are non-zero get written
    // (and so become resident).
    c_values_ = PoolFloats(static_cast<std::size_t>(alloc_w_) * alloc_h_ + 64);
    // (the SIMD kernels keep them in tiles of 32 columns)
    hist_.assign(static_cast<std::size_t>((alloc_w_ + 31) & ~31) * std::max(tables_.band_size, 1) + 64, 0);
    mode_scratch_.assign(3 * static_cast<std::size_t>(alloc_w_) + 64, 0);
    mask_scratch_.assign(kernels::cambi_mask_scratch(alloc_w_) + 64, 0);
    if (heatmaps()) dense_ = PoolFloats(static_cast<std::size_t>(enc_w_) * enc_h_ + 64);
  }

  std::shared_ptr<RunShared> open_run() override {
    if (!heatmaps()) return nullptr;
    return std::make_shared<cambi::Heatmaps>(heatmaps_path_, enc_w_, enc_h_);
  }

  void join_run(std::shared_ptr<RunShared> shared) override {
    heatmap_files_ = std::static_pointer_cast<cambi::Heatmaps>(std::move(shared));
  }

  void extract(const PicturePair& pair, unsigned index, std::span<double> out) override {
    double dist = 0.0, src = 0.0;
    if (want_dist_) dist = score(pair.dist, dist_, heatmaps() ? &index : nullptr);
    out[0] = std::min(dist, max_val_);
    if (full_ref_) {
      if (want_src_) src = score(pair.ref, src_);
      out[1] = std::min(src, max_val_);
      out[2] = std::min(std::max(0.0, dist - src), max_val_);
    }
  }

 private:
  CambiImage image() { return {image_.data(), stride_}; }
  CambiMask mask() { return {mask_.data(), stride_}; }

  bool heatmaps() const { return !heatmaps_path_.empty(); }

  // The pass's score; with `heatmap_frame`, its values are also written as
  // that frame's heatmaps.
  double score(const Plane& plane, const Pass& pass, const unsigned* heatmap_frame = nullptr) {
    const bool dither = enc_bpc_ < 10;
    // (Samples above the bit depth, which libvmaf refuses, are refused by
    // every reader before they get here.)
    if (pass.w == plane.width && pass.h == plane.height) {
      k_.to10(plane, image(), dither);
    } else {
      resize_to_10bit(plane, pass.w, pass.h);
      if (dither) k_.anti_dither(image(), pass.w, pass.h);
    }

    const int threshold = mask_threshold(pass.w, pass.h);
    k_.mask(image(), mask(), pass.w, pass.h, threshold, aligned(mask_scratch_.data()));
    const int pad = pass.window / 2;
    int w = pass.w, h = pass.h;
    double weighted = 0.0;
    for (int s = 0; s < cambi::kScales; ++s) {
      if (s > 0 || speedup_on_) {
        w = (w + 1) >> 1;
        h = (h + 1) >> 1;
        k_.decimate(image(), w, h);
        k_.decimate_mask(mask(), w, h);
      }
      k_.mode(image(), w, h, mode_scratch_.data());
      kernels::CambiCValueStats stats;
      if (heatmap_frame) {
        if (!heatmap_files_) throw Error("internal: cambi heatmaps without their files");
        stats = kernels::cambi_c_values_dense(image(), mask(), w, h, pad, tables_, hist_.data(), c_values_.data(),
                                              dense_.data());
        heatmap_files_->write(s, *heatmap_frame, dense_.data(), w, h, pass.window,
                              *std::max_element(tables_.weight.begin(), tables_.weight.begin() + tables_.num_diffs));
      } else {
        stats = k_.c_values(image(), mask(), w, h, pad, tables_, hist_.data(), c_values_.data());
      }
      const std::size_t n = static_cast<std::size_t>(w) * static_cast<std::size_t>(h);
      // libvmaf truncates topk * n to an int, then keeps it within [1, n].
      const long k = std::clamp(static_cast<long>(static_cast<int>(topk_ * static_cast<double>(n))), 1L,
                                static_cast<long>(n));
      weighted += kernels::cambi_topk_mean(c_values_.data(), static_cast<std::size_t>(k), stats) *
                  cambi::kScaleWeights[s];
    }
    return weighted / static_cast<double>(pass.window * pass.window);
  }

  // Into image_: 10-bit samples at out_w x out_h (another size than the
  // input's), picked nearest-neighbour with libvmaf's float stepping.
  void resize_to_10bit(const Plane& p, int out_w, int out_h) {
    const int bpc = p.bpc;
    const auto convert = [bpc](unsigned v) -> std::uint16_t {
      if (bpc <= 10) return static_cast<std::uint16_t>(v << (10 - bpc));
      const int shift = bpc - 10;
      return static_cast<std::uint16_t>((v + (1u << (shift - 1))) >> shift);
    };
    const auto sample = [&](int y, int x) -> unsigned {
      return bpc == 8 ? p.row<std::uint8_t>(y)[x] : p.row<std::uint16_t>(y)[x];
    };
    const float ratio_x = static_cast<float>(p.width) / static_cast<float>(out_w);
    const float ratio_y = static_cast<float>(p.height) / static_cast<float>(out_h);
    const float start_x = static_cast<float>(static_cast<double>(ratio_x / 2) - 0.5);
    float y = static_cast<float>(static_cast<double>(ratio_y / 2) - 0.5);
    for (int i = 0; i < out_h; ++i) {
      const int sy = static_cast<int>(static_cast<double>(y) + 0.5);
      std::uint16_t* dst = image_.data() + stride_ * i;
      float x = start_x;
      for (int j = 0; j < out_w; ++j) {
        const int sx = static_cast<int>(static_cast<double>(x) + 0.5);
        dst[j] = convert(sample(sy, sx));
        x += ratio_x;
      }
      y += ratio_y;
    }
  }

  // More than this many of a 7x7 neighbourhood must be flat; grows with the
  // picture's area (libvmaf's formula, in 64x64 blocks).
  static int mask_threshold(int w, int h) {
    const std::uint32_t blocks = static_cast<std::uint32_t>(w >> 6) * static_cast<std::uint32_t>(h >> 6);
    int log2 = 0;
    for (std::uint32_t t = blocks == 0 ? 0 : blocks - 1; t > 0; t >>= 1) ++log2;
    return static_cast<std::uint16_t>((cambi::kMaskFilter * cambi::kMaskFilter + 3 * (log2 - 11) - 1) >> 1);
  }

  static std::uint8_t* aligned(std::uint8_t* p) {
    return reinterpret_cast<std::uint8_t*>((reinterpret_cast<std::uintptr_t>(p) + 63) & ~std::uintptr_t{63});
  }

  std::string name_ = "cambi";
  std::vector<std::string> provides_;
  // options
  double max_val_ = kDefaultMaxVal, topk_ = kDefaultTopk, tvi_ = kDefaultTvi, vlt_ = 0.0;
  int enc_w_ = 0, enc_h_ = 0, enc_bpc_ = 0, src_w_ = 0, src_h_ = 0, window_ = kDefaultWindow;
  int max_log_contrast_ = kDefaultMaxLogContrast, speedup_ = 0;
  bool full_ref_ = false;
  std::string heatmaps_path_;  // empty: none
  cambi::Eotf eotf_ = cambi::Eotf::bt1886;
  bool want_dist_ = true, want_src_ = true;
  // run state
  int bpc_ = 8;
  bool speedup_on_ = false;
  Pass dist_, src_;
  int alloc_w_ = 0, alloc_h_ = 0;
  std::ptrdiff_t stride_ = 0;
  cambi::ContrastTables tables_;
  kernels::CambiKernels k_{};
  PooledVector<std::uint16_t> image_;
  PooledVector<std::uint8_t> mask_;
  PoolFloats c_values_;
  PoolFloats dense_;  // with heatmaps: every pixel's c-value
  std::shared_ptr<const cambi::Heatmaps> heatmap_files_;
  PooledVector<std::uint16_t> hist_;
  PooledVector<std::uint16_t> mode_scratch_;
  PooledVector<std::uint8_t> mask_scratch_;
};

}  // namespace

std::unique_ptr<Extractor> make_cambi(const OptionMap& options) { return std::make_unique<CambiExtractor>(options); }

}  // namespace pvt::feature
