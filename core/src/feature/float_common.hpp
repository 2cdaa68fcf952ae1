#pragma once
// What libvmaf's float extractors (float_vif, float_adm, float_motion,
// float_ansnr, float_psnr) share: the float planes they work on, and the
// option rules and feature-name suffixes of their option tables.
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "pyvmaf_tiny/buffer_pool.hpp"
#include "pyvmaf_tiny/extractor.hpp"
#include "pyvmaf_tiny/picture.hpp"

namespace pvt::feature::flt {

// libvmaf's float extractors read 8, 10, 12 and 16-bit samples only (other
// depths would be read as bytes); anything else is refused.
void check_depth(const std::string& extractor, int bpc);

// A float plane: rows of `stride` floats, each 64-byte aligned, with
// `pad` spare floats before and after every row for mirrored samples, and
// 64 more floats after the last row that vector loads may touch.
class FloatPlane {
 public:
  void resize(int width, int height, int pad = 0);
  float* row(int y) { return data_.data() + origin_ + static_cast<std::ptrdiff_t>(y) * stride_; }
  const float* row(int y) const { return data_.data() + origin_ + static_cast<std::ptrdiff_t>(y) * stride_; }
  int width() const { return width_; }
  int height() const { return height_; }
  std::ptrdiff_t stride() const { return stride_; }

 private:
  PooledVector<float> data_;
  std::ptrdiff_t stride_ = 0, origin_ = 0;
  int width_ = 0, height_ = 0;
};

// 64-byte aligned float scratch memory, kept between frames.
class FloatScratch {
 public:
  // At least `floats` floats, zeroed.
  float* reset(std::size_t floats);

 private:
  PooledVector<float> data_;
};

// The peak and the cap libvmaf's float PSNR and ANPSNR use for a bit depth:
// (2^bpc - 1) / 2^(bpc - 8) (255, 255.75, 255.9375, 255.99609375) and
// 6 * bpc + 12 dB.
struct PsnrRange {
  double peak;
  double max_db;
};
PsnrRange psnr_range(int bpc);

// Samples as libvmaf's picture_copy turns them into floats: in float
// arithmetic, sample / 2^(bpc - 8) + offset (offset -128 for VIF, ADM,
// motion and ANSNR; 0 for PSNR). Reads plane.width x plane.height samples.
void load_plane(const Plane& plane, float offset, FloatPlane& out);

// libvmaf's VIF prescale methods (vif_scale_frame_s), which float_motion's
// scale-1 term also uses.
enum class Resample { nearest, bilinear, bicubic, lanczos4 };

// Parses "nearest", "bilinear", "bicubic" or "lanczos4"; throws InputError.
Resample resample_method(const std::string& extractor, const std::string& name);

// Resamples `src` to out.width() x out.height() as libvmaf does (sample
// centres aligned, mirrored edges, float weights); a copy when the sizes agree.
void resample(Resample method, const FloatPlane& src, FloatPlane& out);

// The rows of a plane of `rows` rows for indices [-pad, rows + pad),
// reflected about the first and last row without repeating them (-1 -> 1,
// rows -> rows - 2), as libvmaf's float convolutions read them. Indices
// further out than one reflection reaches are clamped (filters that fit the
// plane never read them).
std::vector<int> reflect101_rows(int rows, int pad);

// Options as libvmaf's option tables parse them, and the feature-name
// suffix libvmaf adds for every option that differs from its default:
// "_<alias>" for a boolean, "_<alias>_<value>" otherwise (%d, %g or the
// string), in alphabetical order of option name.
class OptionReader {
 public:
  OptionReader(std::string extractor, const OptionMap& options);
  bool boolean(const char* name, const char* alias, bool fallback, bool in_name = true);
  int integer(const char* name, const char* alias, int fallback, int lo, int hi, bool in_name = true);
  double real(const char* name, const char* alias, double fallback, double lo, double hi, bool in_name = true);
  std::string text(const char* name, const char* alias, const std::string& fallback, bool in_name = true);
  // Throws InputError for any option not read; returns the name suffix.
  std::string finish() const;

 private:
  const std::string* find(const char* name, const char* alias);
  [[noreturn]] void bad(const char* name, const std::string& text, const std::string& why) const;

  std::string extractor_;
  OptionMap options_;
  std::vector<std::string> read_;
  std::map<std::string, std::string> suffix_;  // option name -> suffix part
};

}  // namespace pvt::feature::flt
