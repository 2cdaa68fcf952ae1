#include "cambi_params.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "../common/exact_math.hpp"
#include "pyvmaf_tiny/errors.hpp"

namespace pvt::feature::cambi {
namespace {

// 10-bit limited ("studio") range, which CAMBI always assumes.
constexpr int kFoot = 64;
constexpr int kHead = 940;
constexpr int kMax10 = 1023;

double bt1886(double v) {
  const double gamma = 2.4, white = 300.0, black = 0.01;
  const double wr = exact::pow(white, 1.0 / gamma), br = exact::pow(black, 1.0 / gamma);
  const double a = exact::pow(wr - br, gamma);
  const double b = br / (wr - br);
  return a * exact::pow(std::max(v + b, 0.0), gamma);
}

double pq(double v) {
  const double m1 = 0.1593017578125, m2 = 78.84375;
  const double c1 = 0.8359375, c2 = 18.8515625, c3 = 18.6875;
  const double e = exact::pow(v, 1.0 / m2);
  const double num = std::max(e - c1, 0.0);
  const double den = c2 - c3 * e;
  return 10000 * exact::pow(num / den, 1.0 / m1);
}

// Is a step of `diff` codes above `sample` visible (relative luminance change
// above the threshold)?
bool visible(int sample, int diff, double threshold, Eotf eotf) {
  const double base = luminance(sample, eotf);
  return luminance(sample + diff, eotf) - base > threshold * base;
}

enum class Probe { below, at, above };  // the limit is below / at / above `sample`

Probe probe(int sample, int diff, double threshold, Eotf eotf) {
  if (!visible(sample, diff, threshold, eotf)) return Probe::below;
  if (visible(sample + 1, diff, threshold, eotf)) return Probe::above;
  return Probe::at;
}

}  // namespace

Eotf parse_eotf(const std::string& name) {
  if (name == "bt1886") return Eotf::bt1886;
  if (name == "pq") return Eotf::pq;
  throw InputError("cambi: eotf '" + name + "' is not one of bt1886, pq");
}

double luminance(int sample, Eotf eotf) {
  const int s = std::clamp(sample, kFoot, kHead);
  const double v = static_cast<double>(s - kFoot) / (kHead - kFoot);
  return eotf == Eotf::pq ? pq(v) : bt1886(v);
}

int visibility_limit(int diff, double threshold, Eotf eotf) {
  int lo = kFoot, hi = kHead - diff - 1;
  switch (probe(lo, diff, threshold, eotf)) {
    case Probe::below: return 0;
    case Probe::at: return lo;
    case Probe::above: break;
  }
  switch (probe(hi, diff, threshold, eotf)) {
    case Probe::above: return kMax10;
    case Probe::at: return hi;
    case Probe::below: break;
  }
  for (;;) {
    const int mid = lo + (hi - lo) / 2;
    switch (probe(mid, diff, threshold, eotf)) {
      case Probe::below: hi = mid; break;
      case Probe::above: lo = mid; break;
      case Probe::at: return mid;
    }
  }
}

int dark_limit(double nits, Eotf eotf) {
  int s = kFoot;
  while (luminance(s, eotf) < nits) {
    // libvmaf counts on past the head, where luminance stops growing: it
    // never returns.
    if (s >= kHead)
      throw InputError("cambi: cambi_vis_lum_threshold is above the brightest luminance of the eotf");
    ++s;
  }
  return s == kFoot ? 0 : s;
}

int adjusted_window(int window, int w, int h, bool high_res_speedup) {
  // Scaled by (w + h) / (3840 + 2160), in libvmaf's integer steps, kept odd.
  int ws = static_cast<std::uint16_t>((window * (w + h)) / 375 >> 4);
  if (high_res_speedup) ws = (ws + 1) >> 1;
  return ws | 1;
}

const std::array<float, kReciprocalSize>& reciprocal_table() {
  // libvmaf's table holds 1/i written with 9 significant digits, read back as
  // float: 42 of its entries differ from 1.0f / i by an ulp.
  static const std::array<float, kReciprocalSize> table = [] {
    std::array<float, kReciprocalSize> t{};
    for (int i = 1; i < kReciprocalSize; ++i) {
      char text[32];
      std::snprintf(text, sizeof text, "%.9g", 1.0 / i);
      t[i] = std::strtof(text, nullptr);
    }
    return t;
  }();
  return table;
}

ContrastTables make_contrast_tables(int max_log_contrast, double tvi_threshold, double vis_lum_threshold,
                                    Eotf eotf) {
  ContrastTables t;
  t.num_diffs = 1 << max_log_contrast;
  for (int d = 0; d < t.num_diffs; ++d) {
    t.tvi[d] = static_cast<std::uint16_t>(visibility_limit(d + 1, tvi_threshold, eotf) + t.num_diffs);
    t.weight[d] = kContrastWeights[d];
    // The kernels read p(v + d + 1) only below tvi[d]; that stays inside the
    // histogram band only if the limits grow with d.
    if (d > 0 && t.tvi[d] < t.tvi[d - 1]) throw Error("internal: cambi visibility limits are not monotonic");
  }
  t.vlt = dark_limit(vis_lum_threshold, eotf);
  t.band_base = std::max(t.vlt - 3 * t.num_diffs + 1, 0);
  // A dark cut-off above every luma where a step can be visible leaves no
  // band: every c-value is 0. (libvmaf keeps the size in 16 bits, which wraps;
  // its histogram updates then write before the buffer, and it either crashes
  // or scores 0.)
  t.band_size = std::max(t.tvi[t.num_diffs - 1] + 1 - t.band_base, 0);
  t.reciprocal = reciprocal_table().data();
  return t;
}

}  // namespace pvt::feature::cambi
