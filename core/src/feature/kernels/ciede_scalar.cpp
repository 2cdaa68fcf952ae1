// The scalar CIEDE2000 kernel: ciede_math.hpp over plain doubles.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "ciede_kernels.hpp"
#include "pyvmaf_tiny/cpu.hpp"

#ifdef PVT_HAVE_X86_KERNELS
#include "../x86/ciede_x86.hpp"
#endif

namespace pvt::feature::kernels {
namespace ciede_math {
namespace {

inline bool both(bool a, bool b) { return a && b; }
inline bool either(bool a, bool b) { return a || b; }
inline double select(bool m, double if_true, double if_false) { return m ? if_true : if_false; }
inline double vsqrt(double x) { return std::sqrt(x); }
inline double vabs(double x) { return std::fabs(x); }
inline double vfloor(double x) { return std::floor(x); }
inline double vround(double x) { return std::nearbyint(x); }
// GCC 12's SLP vectoriser drops the rounding of neighbouring (double)(float)
// conversions at -O2 and above; an empty asm on the float hides it from the
// optimiser (MSVC does not vectorise it so).
inline double to_float(double x) {
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
  float f = static_cast<float>(x);
  asm("" : "+x"(f));
#elif defined(__GNUC__) && defined(__aarch64__)
  float f = static_cast<float>(x);
  asm("" : "+w"(f));
#else
  volatile float f = static_cast<float>(x);
#endif
  return static_cast<double>(f);
}
inline double copy_sign(double magnitude, double sign) { return std::copysign(magnitude, sign); }

inline double pow2i(double k) {
  // Lanes whose result is discarded may carry any k: keep the conversion defined.
  if (!(k >= -1022.0)) k = -1022.0;
  if (!(k <= 1023.0)) k = 1023.0;
  const std::uint64_t bits = static_cast<std::uint64_t>(static_cast<std::int64_t>(k) + 1023) << 52;
  double out;
  std::memcpy(&out, &bits, sizeof out);
  return out;
}

inline void split_exponent(double x, double& m, double& e) {
  std::uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  e = static_cast<double>((bits >> 52) & 0x7ff) - 1023.0;
  bits = (bits & 0x000fffffffffffffull) | 0x3ff0000000000000ull;
  std::memcpy(&m, &bits, sizeof m);
}

}  // namespace
}  // namespace ciede_math
}  // namespace pvt::feature::kernels

#include "ciede_math.hpp"

namespace pvt::feature::kernels {

void ciede_scalar(const CiedePixels& ref, const CiedePixels& dist, std::size_t n, int bpc, float* out) {
  ciede_math::run<double, 1>(
      ref, dist, n, bpc, out, [](const float* p) { return static_cast<double>(*p); },
      [](float* p, double v) { *p = static_cast<float>(v); });
}

CiedeFn select_ciede() {
#ifdef PVT_HAVE_X86_KERNELS
  switch (active_isa()) {
    case Isa::avx512: return ciede_avx512;
    case Isa::avx2: return ciede_avx2;
    case Isa::scalar:
    case Isa::neon: break;  // no NEON kernels yet: scalar
  }
#endif
  return ciede_scalar;
}

}  // namespace pvt::feature::kernels
