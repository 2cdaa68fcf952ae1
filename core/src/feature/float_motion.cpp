// float_motion: libvmaf 3.2's floating-point motion (VMAF_feature_motion_score,
// motion2 and motion3, logged as motion, motion2, motion3). motion[i] is the
// mean absolute difference between the blurred reference luma of frames
// i - 1 and i; motion2[i] = min(motion[i], motion[i + 1]); motion3 blends
// motion2 towards an offset. The first frame scores 0, except motion3, which
// takes frame 1's value, as in libvmaf. With motion_add_uv, motion adds the
// same mean for each chroma plane.
#include <algorithm>
#include <string>
#include <vector>

#include "float_common.hpp"
#include "kernels/float_motion_kernels.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/extractor.hpp"
#include "registry_entries.hpp"

namespace pvt::feature {
namespace {

constexpr float kFilter5[5] = {0.054488685f, 0.244201342f, 0.402619947f, 0.244201342f, 0.054488685f};
constexpr float kFilter3[3] = {0.166378498f, 0.667243004f, 0.166378498f};
constexpr float kIdentity5[5] = {0.0f, 0.0f, 1.0f, 0.0f, 0.0f};

class FloatMotionExtractor final : public Extractor {
 public:
  explicit FloatMotionExtractor(const OptionMap& options) {
    flt::OptionReader o(name_, options);
    debug_ = o.boolean("debug", nullptr, true, false);
    force_zero_ = o.boolean("motion_force_zero", "force_0", false);
    fps_weight_ = o.real("motion_fps_weight", "mfw", 1.0, 0.0, 5.0);
    blend_factor_ = o.real("motion_blend_factor", "mbf", 1.0, 0.0, 1.0);
    blend_offset_ = o.real("motion_blend_offset", "mbo", 40.0, 0.0, 1000.0);
    add_scale1_ = o.boolean("motion_add_scale1", "mdc", false);
    const int filter_size = o.integer("motion_filter_size", "mfs", 5, 0, 9);
    add_uv_ = o.boolean("motion_add_uv", "mau", false);
    max_val_ = o.real("motion_max_val", "mmxv", 10000.0, 0.0, 10000.0);
    const std::string suffix = o.finish();
    if (filter_size == 1) taps_.assign(std::begin(kIdentity5), std::end(kIdentity5));
    else if (filter_size == 3) taps_.assign(std::begin(kFilter3), std::end(kFilter3));
    else taps_.assign(std::begin(kFilter5), std::end(kFilter5));
    // The order libvmaf first writes them in.
    provides_ = {"motion2" + suffix};
    if (debug_ && !force_zero_) provides_.push_back("motion" + suffix);
    provides_.push_back("motion3" + suffix);
    if (debug_ && force_zero_) provides_.push_back("motion" + suffix);
  }

  const std::string& name() const override { return name_; }
  const std::vector<std::string>& provides() const override { return provides_; }
  bool temporal() const override { return true; }
  bool needs_chroma() const override { return add_uv_; }

  void init(const Geometry& g) override {
    flt::check_depth(name_, g.bpc);
    if (g.width < 3 || g.height < 3) throw InputError("float_motion needs frames of at least 3x3 pixels");
    kernels_ = kernels::select_float_motion_kernels();
    channels_.assign(add_uv_ ? 3 : 1, Channel{});
    channels_[0].resize(g.width, g.height, static_cast<int>(taps_.size()) / 2, add_scale1_);
    if (add_uv_) {
      // libvmaf sizes its 4:2:0 chroma buffers at h / 2 rows and writes
      // (h + 1) / 2 into them.
      if (g.chroma == ChromaLayout{1, 1} && g.height % 2)
        throw InputError("float_motion: motion_add_uv needs an even frame height in 4:2:0 (libvmaf writes past its "
                         "chroma buffers at " + std::to_string(g.height) + " rows)");
      // Its scale-1 term steps through subsampled chroma at the chroma
      // width's stride, not the buffers' (luma) stride, into memory it never wrote.
      if (add_scale1_ && !(g.chroma == ChromaLayout{0, 0}))
        throw InputError("float_motion: motion_add_uv with motion_add_scale1 needs 4:4:4 input (on subsampled chroma "
                         "libvmaf reads memory it never wrote)");
      if (g.chroma_width < 3 || g.chroma_height < 3)
        throw InputError("float_motion: motion_add_uv needs chroma planes of at least 3x3 samples");
      for (int c = 1; c < 3; ++c)
        channels_[c].resize(g.chroma_width, g.chroma_height, static_cast<int>(taps_.size()) / 2, add_scale1_);
    }
    scratch_aligned_ = scratch_.reset(kernels::float_blur_scratch_floats(g.width));
  }

  void extract(const PicturePair& pair, unsigned index, std::span<double> out) override {
    std::fill(out.begin(), out.end(), 0.0);
    if (force_zero_) return;
    // When this instance blurred frame index - 1 last, blur[cur_] holds it.
    const bool have_prev = index > 0 && cached_ == static_cast<long long>(index) - 1;
    const int prev = have_prev ? cur_ : 1 - cur_, now = 1 - prev;
    for (std::size_t c = 0; c < channels_.size(); ++c) {
      Channel& ch = channels_[c];
      blur(c == 0 ? pair.ref : pair.ref_chroma[c - 1], ch, ch.blur[now]);
      if (index > 0 && !have_prev) {
        if (!pair.prev_ref || (c > 0 && !pair.prev_ref_chroma))
          throw Error("internal: float_motion needs the previous reference frame");
        blur(c == 0 ? *pair.prev_ref : pair.prev_ref_chroma[c - 1], ch, ch.blur[prev]);
      }
    }
    cur_ = now;
    cached_ = index;
    if (index == 0) return;
    // Luma's mean, then each chroma plane's added in double, as libvmaf sums them.
    double score = mean_difference(channels_[0], prev, now);
    for (std::size_t c = 1; c < channels_.size(); ++c) score += mean_difference(channels_[c], prev, now);
    out[0] = score;  // rewritten by finalize()
    if (debug_) out[1] = clip(score * fps_weight_);
  }

  void finalize(const FeatureHistory& history, unsigned index, bool last, std::span<double> out) const override {
    if (force_zero_) return;
    const std::size_t m3 = debug_ ? 2 : 1;
    double m;
    if (index == 0) {
      out[0] = 0.0;
      if (last) {
        out[m3] = 0.0;
        return;
      }
      m = history.value(1, 0);  // libvmaf gives frame 0 frame 1's motion3
    } else {
      const double s = history.value(index, 0);
      const double next = last ? s : history.value(index + 1, 0);
      m = s < next ? s : next;
      out[0] = clip(m * fps_weight_);
    }
    out[m3] = clip(blend(m * fps_weight_));
  }

 private:
  double clip(double v) const { return v < max_val_ ? v : max_val_; }
  double blend(double v) const {
    return v * blend_factor_ + (1 - blend_factor_) * (blend_offset_ < v ? blend_offset_ : v);
  }

  // One plane's buffers: its samples as floats, the blurred plane of this
  // frame and the previous one, and their half-size copies (add_scale1).
  struct Channel {
    std::vector<int> row_map;
    std::vector<const float*> rows;
    flt::FloatPlane plane, blur[2], half[2];

    void resize(int w, int h, int pad, bool with_half) {
      row_map = flt::reflect101_rows(h, pad);
      rows.resize(row_map.size());
      plane.resize(w, h);
      for (auto& b : blur) b.resize(w, h);
      if (with_half)
        for (auto& x : half) x.resize(static_cast<int>(w * 0.5 + 0.5), static_cast<int>(h * 0.5 + 0.5));
    }
  };

  void blur(const Plane& src, Channel& ch, flt::FloatPlane& out) {
    flt::load_plane(src, -128.0f, ch.plane);
    const int pad = static_cast<int>(taps_.size()) / 2;
    for (std::size_t i = 0; i < ch.rows.size(); ++i) ch.rows[i] = ch.plane.row(ch.row_map[i]);
    kernels::FloatBlurArgs a;
    a.rows = ch.rows.data() + pad;
    a.width = src.width;
    a.height = src.height;
    a.taps = taps_.data();
    a.n_taps = static_cast<int>(taps_.size());
    a.out = out.row(0);
    a.out_stride = out.stride();
    a.scratch = scratch_aligned_;
    kernels_.blur(a);
  }

  // libvmaf's vmaf_image_sad_c: the mean in float, plus the mean at half
  // size (bilinear) with motion_add_scale1.
  double mean_difference(Channel& ch, int prev, int now) {
    const flt::FloatPlane &a = ch.blur[prev], &b = ch.blur[now];
    const int w = a.width(), h = a.height();
    float score = kernels_.sad(a.row(0), b.row(0), a.stride(), w, h) / static_cast<float>(w * h);
    if (add_scale1_) {
      flt::resample(flt::Resample::bilinear, a, ch.half[0]);
      flt::resample(flt::Resample::bilinear, b, ch.half[1]);
      const int hw = ch.half[0].width(), hh = ch.half[0].height();
      score += kernels_.sad(ch.half[0].row(0), ch.half[1].row(0), ch.half[0].stride(), hw, hh) /
               static_cast<float>(hw * hh);
    }
    return score;
  }

  std::string name_ = "float_motion";
  std::vector<std::string> provides_;
  bool debug_ = true, force_zero_ = false, add_scale1_ = false, add_uv_ = false;
  double fps_weight_ = 1.0, blend_factor_ = 1.0, blend_offset_ = 40.0, max_val_ = 10000.0;
  std::vector<float> taps_;
  kernels::FloatMotionKernels kernels_{};
  std::vector<Channel> channels_;  // luma, then Cb and Cr with add_uv_
  int cur_ = 0;
  long long cached_ = -1;  // the frame whose blur is in each channel's blur[cur_]
  flt::FloatScratch scratch_;
  float* scratch_aligned_ = nullptr;
};

}  // namespace

std::unique_ptr<Extractor> make_float_motion(const OptionMap& options) {
  return std::make_unique<FloatMotionExtractor>(options);
}

}  // namespace pvt::feature
