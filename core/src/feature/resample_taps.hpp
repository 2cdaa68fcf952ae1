// libvmaf's single-precision resampling taps, shared by the float extractors'
// prescale (float_common.cpp) and SpEED's (speed_resample.cpp).
#pragma once

#include "../common/exact_math.hpp"

namespace pvt::feature::resample {

inline constexpr double kPi = 3.14159265358979323846;

// The border mirror, in float: -i below left, 2 right - i above right.
inline float mirror(float i, float left, float right) { return i < left ? -i : i > right ? 2 * right - i : i; }

// Bicubic with a = -0.75.
inline float bicubic(float t) {
  const float a = -0.75f;
  if (t < 0) t = -t;
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}

inline float lanczos(float x, float a) {
  if (x == 0.0f) return 1.0f;
  if (x > -a && x < a)
    return static_cast<float>(a * exact::sin(kPi * x) * exact::sin(kPi * x / a) / (kPi * kPi * x * x));
  return 0.0f;
}

}  // namespace pvt::feature::resample
