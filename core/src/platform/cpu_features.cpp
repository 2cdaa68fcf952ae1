// Per compiler and architecture, not per OS: MSVC's intrinsics or GCC/Clang's
// <cpuid.h> on x86; nothing to ask on aarch64.
#include "cpu_features.hpp"

#include <cstddef>
#include <cstdint>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__) || defined(_M_IX86)
#define PVT_X86 1
#if defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>
#else
#include <cpuid.h>
#endif
#if defined(__APPLE__)
#include <sys/sysctl.h>
#endif
#endif

namespace pvt::platform {
namespace {

#ifdef PVT_X86
struct Regs {
  std::uint32_t a = 0, b = 0, c = 0, d = 0;
};

Regs cpuid(std::uint32_t leaf, std::uint32_t subleaf) {
  Regs r;
#if defined(_MSC_VER) && !defined(__clang__)
  int x[4];
  __cpuidex(x, static_cast<int>(leaf), static_cast<int>(subleaf));
  r = {static_cast<std::uint32_t>(x[0]), static_cast<std::uint32_t>(x[1]), static_cast<std::uint32_t>(x[2]),
       static_cast<std::uint32_t>(x[3])};
#else
  __cpuid_count(leaf, subleaf, r.a, r.b, r.c, r.d);
#endif
  return r;
}

// XCR0: which register states the OS saves; only call when OSXSAVE is set.
std::uint64_t xcr0() {
#if defined(_MSC_VER) && !defined(__clang__)
  return _xgetbv(0);
#else
  std::uint32_t lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (std::uint64_t{hi} << 32) | lo;
#endif
}

bool bit(std::uint32_t word, int n) { return (word >> n) & 1u; }

#if defined(__APPLE__)
bool sysctl_flag(const char* name) {
  int value = 0;
  std::size_t size = sizeof value;
  return ::sysctlbyname(name, &value, &size, nullptr, 0) == 0 && value != 0;
}
#endif

CpuFeatures detect() {
  CpuFeatures f;
  const std::uint32_t max_leaf = cpuid(0, 0).a;
  if (max_leaf < 7) return f;
  const Regs l1 = cpuid(1, 0);
  if (!bit(l1.c, 27) || !bit(l1.c, 28)) return f;  // OSXSAVE and AVX
  const std::uint64_t xcr = xcr0();
  const bool ymm = (xcr & 0x6) == 0x6;             // SSE and AVX state
#if defined(__APPLE__)
  // macOS turns the AVX-512 state on for a thread at its first AVX-512
  // instruction, so XCR0 does not show it beforehand; the kernel's flag does.
  const bool zmm = ymm && sysctl_flag("hw.optional.avx512f");
#else
  const bool zmm = ymm && (xcr & 0xe0) == 0xe0;  // opmask, upper ZMM0-15, ZMM16-31
#endif
  if (!ymm) return f;
  f.fma = bit(l1.c, 12);
  const Regs l7 = cpuid(7, 0);
  f.avx2 = bit(l7.b, 5);
  f.bmi2 = bit(l7.b, 8);
  if (zmm) {
    f.avx512f = bit(l7.b, 16);
    f.avx512dq = bit(l7.b, 17);
    f.avx512cd = bit(l7.b, 28);
    f.avx512bw = bit(l7.b, 30);
    f.avx512vl = bit(l7.b, 31);
    f.avx512vnni = f.avx512f && bit(l7.c, 11);
  }
  if (l7.a >= 1) f.avxvnni = bit(cpuid(7, 1).a, 4);
  return f;
}
#else
CpuFeatures detect() {
  CpuFeatures f;
#if defined(__aarch64__) || defined(_M_ARM64)
  f.neon = true;
#endif
  return f;
}
#endif

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

}  // namespace pvt::platform
