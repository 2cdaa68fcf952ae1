#pragma once
// CAMBI's per-run constants, derived once from its options as libvmaf 3.2
// derives them: the luminance model (BT.1886 or PQ over 10-bit limited range),
// the just-visible luma step per contrast level, the dark cut-off, the window
// size for a resolution, and the reciprocal table the contrast terms use.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace pvt::feature::cambi {

inline constexpr int kScales = 5;
inline constexpr int kScaleWeights[kScales] = {16, 8, 4, 2, 1};
inline constexpr int kMaxDiffs = 32;  // 1 << max_log_contrast, max_log_contrast <= 5
// Suprathreshold contrast response, one weight per luma step (1-based).
inline constexpr int kContrastWeights[kMaxDiffs] = {1, 2, 3, 4, 4, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7, 8,
                                                    8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};
// Entries of the reciprocal table; a window's pixel count must stay below it.
inline constexpr int kReciprocalSize = 4226;
inline constexpr int kMinDimension = 216;  // below this in both directions libvmaf refuses
inline constexpr int kMaskFilter = 7;      // the flat-area mask counts a 7x7 neighbourhood

enum class Eotf { bt1886, pq };

// Parses "bt1886" / "pq"; throws InputError otherwise.
Eotf parse_eotf(const std::string& name);

// Display luminance (cd/m^2) of a 10-bit limited-range luma sample.
double luminance(int sample, Eotf eotf);

// The highest 10-bit luma below which a step of `diff` codes is visible
// (libvmaf's bisection: 0 if never visible, 1023 if always).
int visibility_limit(int diff, double tvi_threshold, Eotf eotf);

// The smallest luma whose luminance reaches `nits` (0 when that is the foot of
// the range); throws InputError where libvmaf's search would never end.
int dark_limit(double nits, Eotf eotf);

// libvmaf's window size for a picture of w x h (65 is about one degree at 4K).
int adjusted_window(int window, int w, int h, bool high_res_speedup);

// lut[i] = 1/i as libvmaf's table holds it (lut[0] = 0).
const std::array<float, kReciprocalSize>& reciprocal_table();

// What the contrast kernel needs, fixed for a run.
struct ContrastTables {
  int num_diffs = 4;
  // Per luma step d + 1: the largest adjusted value (luma + num_diffs) at which
  // it counts, and its weight.
  std::array<std::uint16_t, kMaxDiffs> tvi{};
  std::array<int, kMaxDiffs> weight{};
  int vlt = 0;  // dark cut-off luma
  // Luma values that enter the histograms: [band_base, band_base + band_size).
  // band_size may be 0: no value can score, every c-value is 0.
  int band_base = 0;
  int band_size = 0;
  const float* reciprocal = nullptr;
};

ContrastTables make_contrast_tables(int max_log_contrast, double tvi_threshold, double vis_lum_threshold,
                                    Eotf eotf);

}  // namespace pvt::feature::cambi
