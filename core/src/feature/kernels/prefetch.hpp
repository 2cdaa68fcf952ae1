#pragma once
// A read prefetch into all cache levels, for the SIMD kernel templates of any
// architecture.
#if defined(_M_X64) || defined(_M_IX86) || defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#elif defined(_MSC_VER) && !defined(__clang__) && defined(_M_ARM64)
#include <intrin.h>
#endif

namespace pvt::feature::kernels {

inline void prefetch_read(const void* p) {
#if defined(_M_X64) || defined(_M_IX86) || defined(__x86_64__) || defined(__i386__)
  _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T0);
#elif defined(_MSC_VER) && !defined(__clang__)
  __prefetch(p);
#else
  __builtin_prefetch(p);
#endif
}

}  // namespace pvt::feature::kernels
