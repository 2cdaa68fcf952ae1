#include "barten_csf.hpp"

#include "../common/exact_math.hpp"

namespace pvt::feature {

float barten_csf(int lambda, double view_dist, int display_height, double scale) {
  constexpr float anchors[6] = {0.002f, 0.02f, 0.2f, 2.0f, 20.0f, 150.0f};
  constexpr float params[6][5] = {{0.0160737f, 0.991265f, 3.74038f, 0.50722f, 4.46044f},
                                  {0.383873f, 0.800889f, 3.54104f, 0.682505f, 4.94958f},
                                  {0.929301f, 0.476505f, 4.37453f, 0.750315f, 5.28678f},
                                  {1.29776f, 0.405782f, 4.40602f, 0.935314f, 5.61425f},
                                  {1.49222f, 0.334278f, 3.79542f, 1.07327f, 6.4635f},
                                  {1.46213f, 0.394533f, 2.7755f, 1.16577f, 7.45665f}};
  constexpr float sa[4] = {30.162f, 4.0627f, 1.6596f, 0.2712f};
  constexpr float mtf_a[4] = {0.424838596301290f, 0.572435103936480f, 0.000167576239164937f, 0.00255872352306433f};
  constexpr float mtf_b[4] = {0.028f, 0.37f, 37.0f, 360.0f};
  const auto r = static_cast<float>(view_dist * display_height * 3.14159265358979323846 / 180.0);
  const auto f = static_cast<float>(r / exact::pow(2, lambda + 1));
  const double lum = kBartenLuminance > anchors[5] ? anchors[5] : kBartenLuminance < anchors[0] ? anchors[0] : kBartenLuminance;
  int lo = 0, hi = 0;
  for (int i = 0; i < 5; ++i)
    if (lum >= anchors[i] && lum <= anchors[i + 1]) {
      lo = i, hi = i + 1;
      break;
    }
  const auto lo_pos = static_cast<float>(exact::log10(static_cast<double>(anchors[lo])));
  const auto hi_pos = static_cast<float>(exact::log10(static_cast<double>(anchors[hi])));
  const auto pos = static_cast<float>(exact::log10(lum));
  float p[4];
  for (int c = 0; c < 4; ++c)
    p[c] = params[lo][c + 1] + ((params[hi][c + 1] - params[lo][c + 1]) / (hi_pos - lo_pos)) * (pos - lo_pos);
  const auto a = static_cast<float>(1.0f + exact::pow(static_cast<double>(p[0] * f), static_cast<double>(p[1])));
  const auto b = static_cast<float>(1.0f / exact::pow(1 - exact::exp(-exact::pow(static_cast<double>(f / 7), 2)),
                                                    static_cast<double>(p[2])));
  const auto csf = static_cast<float>(p[3] / exact::pow(static_cast<double>(a * b), 0.5));
  float mtf = 0.0f;
  for (int i = 0; i < 4; ++i) mtf = static_cast<float>(mtf + mtf_a[i] * exact::exp(static_cast<double>(-mtf_b[i] * f)));
  const auto lum_f = static_cast<float>(kBartenLuminance);
  const auto rod_cone = static_cast<float>(
      sa[0] * exact::pow(exact::pow(static_cast<double>(sa[1] / lum_f), static_cast<double>(sa[2])) + 1,
                       static_cast<double>(-sa[3])));
  return static_cast<float>(csf * mtf * rod_cone * scale);
}

}  // namespace pvt::feature
