// SpEED's speed_prescale resampling, as libvmaf's vif_tools does it in
// single precision: nearest, bilinear, bicubic (a = -0.75) and Lanczos-4,
// with sample centres at (i + 0.5) * src / dst - 0.5 (nearest: i * src / dst,
// truncated) and mirrored borders. The taps depend only on the column and
// the row, so they are computed once per column and once per row.
#include <cmath>
#include <cstring>
#include <utility>

#include "resample_taps.hpp"
#include "speed_core.hpp"

namespace pvt::feature::speed {
namespace {

using resample::mirror;

// The centre of output sample i on the input grid.
float centre(int i, float ratio) { return static_cast<float>((i + 0.5) * ratio - 0.5); }

// Per output position along one axis: the first input index and the taps.
struct AxisTaps {
  int count = 0;  // taps per position
  std::vector<int> index;  // count per position
  std::vector<float> weight;
};

AxisTaps axis_taps(Resampler method, int out_n, int in_n, float ratio) {
  AxisTaps t;
  const float last = static_cast<float>(in_n - 1);
  switch (method) {
    case Resampler::nearest:
      t.count = 1;
      for (int i = 0; i < out_n; ++i) t.index.push_back(static_cast<int>(i * ratio));
      break;
    case Resampler::bilinear:
      // (lo, hi) and the distance from lo, which mirroring can make odd
      t.count = 2;
      for (int i = 0; i < out_n; ++i) {
        const float c = centre(i, ratio);
        const int lo = static_cast<int>(mirror(static_cast<float>(std::floor(c)), 0, last));
        const int hi = static_cast<int>(mirror(static_cast<float>(std::ceil(c)), 0, last));
        t.index.insert(t.index.end(), {lo, hi});
        t.weight.push_back(c - lo);
      }
      break;
    case Resampler::bicubic:
    case Resampler::lanczos4: {
      const int radius = method == Resampler::bicubic ? 1 : 4;
      const int first = -radius, last_tap = method == Resampler::bicubic ? 2 : 4;
      t.count = last_tap - first + 1;
      for (int i = 0; i < out_n; ++i) {
        const float c = centre(i, ratio);
        const int base = static_cast<int>(std::floor(c));
        const float d = c - base;
        for (int k = first; k <= last_tap; ++k) {
          t.index.push_back(static_cast<int>(mirror(static_cast<float>(base + k), 0, last)));
          t.weight.push_back(method == Resampler::bicubic ? resample::bicubic(k - d) : resample::lanczos(k - d, 4.0f));
        }
      }
      break;
    }
  }
  return t;
}

}  // namespace

Resampled::Resampled(const FloatImage& src, int width, int height, Resampler method)
    : src_(src), width_(width), height_(height), method_(method) {
  ratio_x_ = static_cast<float>(src.width) / width;
  ratio_y_ = static_cast<float>(src.height) / height;
  AxisTaps t = axis_taps(method_, width_, src_.width, ratio_x_);
  taps_ = t.count;
  column_ = std::move(t.index);
  weight_ = std::move(t.weight);
}

void Resampled::row(int y, float* out) const {
  if (src_.width == width_ && src_.height == height_) {
    std::memcpy(out, src_.row(y), sizeof(float) * static_cast<std::size_t>(width_));
    return;
  }
  switch (method_) {
    case Resampler::nearest: {
      const float* line = src_.row(static_cast<int>(y * ratio_y_));
      for (int x = 0; x < width_; ++x) out[x] = line[column_[x]];
      break;
    }
    case Resampler::bilinear: {
      const float cy = centre(y, ratio_y_);
      const float last = static_cast<float>(src_.height - 1);
      const int y1 = static_cast<int>(mirror(static_cast<float>(std::floor(cy)), 0, last));
      const int y2 = static_cast<int>(mirror(static_cast<float>(std::ceil(cy)), 0, last));
      const float dy = cy - y1;
      const float* l1 = src_.row(y1);
      const float* l2 = src_.row(y2);
      for (int x = 0; x < width_; ++x) {
        const int x1 = column_[2 * x], x2 = column_[2 * x + 1];
        const float dx = weight_[x];
        out[x] = (1 - dy) * (1 - dx) * l1[x1] + (1 - dy) * dx * l1[x2] + dy * (1 - dx) * l2[x1] + dy * dx * l2[x2];
      }
      break;
    }
    case Resampler::bicubic:
    case Resampler::lanczos4: {
      const bool cubic = method_ == Resampler::bicubic;
      const int n = taps_;
      const int radius = cubic ? 1 : 4;
      const float cy = centre(y, ratio_y_);
      const int base = static_cast<int>(std::floor(cy));
      const float d = cy - base;
      const float last = static_cast<float>(src_.height - 1);
      float wy[9];
      const float* lines[9];
      for (int k = 0; k < n; ++k) {
        wy[k] = cubic ? resample::bicubic(k - radius - d) : resample::lanczos(k - radius - d, 4.0f);
        lines[k] = src_.row(static_cast<int>(mirror(static_cast<float>(base + k - radius), 0, last)));
      }
      for (int x = 0; x < width_; ++x) {
        const int* ix = &column_[static_cast<std::size_t>(x) * n];
        const float* wx = &weight_[static_cast<std::size_t>(x) * n];
        float value = 0.0f, weight_sum = 0.0f;
        for (int j = 0; j < n; ++j)
          for (int i = 0; i < n; ++i) {
            const float w = wx[i] * wy[j];
            weight_sum += w;
            value += lines[j][ix[i]] * w;
          }
        out[x] = cubic ? value : value / weight_sum;
      }
      break;
    }
  }
}

}  // namespace pvt::feature::speed
