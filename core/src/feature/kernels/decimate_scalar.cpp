#include <algorithm>

#include "decimate_kernels.hpp"
#include "pyvmaf_tiny/cpu.hpp"
#ifdef PVT_HAVE_X86_KERNELS
#include "../x86/decimate_x86.hpp"
#endif

namespace pvt::feature::kernels {
namespace {

template <class T>
void row_tail(const Plane& src, T* out, int w, int y, int from) {
  const T* r0 = src.row<T>(2 * y);
  const T* r1 = src.row<T>(std::min(2 * y + 1, src.height - 1));
  for (int x = from; x < w; ++x) {
    const int x1 = std::min(2 * x + 1, src.width - 1);
    const std::uint32_t s = std::uint32_t{r0[2 * x]} + r0[x1] + r1[2 * x] + r1[x1];
    out[x] = static_cast<T>((s + 2) >> 2);
  }
}

template <class T>
FineSums fine_tail(const Plane& ref, const Plane& dist, int y, int w, int from) {
  FineSums s;
  const T* a0 = ref.row<T>(2 * y);
  const T* a1 = ref.row<T>(std::min(2 * y + 1, ref.height - 1));
  const T* b0 = dist.row<T>(2 * y);
  const T* b1 = dist.row<T>(std::min(2 * y + 1, dist.height - 1));
  for (int x = from; x < w; ++x) {
    const int x0 = 2 * x, x1 = std::min(2 * x + 1, ref.width - 1);
    const std::int64_t ra = a0[x0], rb = a0[x1], rc = a1[x0], rd = a1[x1];
    const std::int64_t ta = b0[x0], tb = b0[x1], tc = b1[x0], td = b1[x1];
    const std::int64_t r[3] = {ra + rb - rc - rd, ra - rb + rc - rd, ra - rb - rc + rd};
    const std::int64_t t[3] = {ta + tb - tc - td, ta - tb + tc - td, ta - tb - tc + td};
    for (int k = 0; k < 3; ++k) {
      const std::uint64_t ar = static_cast<std::uint64_t>(r[k] < 0 ? -r[k] : r[k]);
      const std::uint64_t at = static_cast<std::uint64_t>(t[k] < 0 ? -t[k] : t[k]);
      const std::uint64_t kept = (r[k] ^ t[k]) >= 0 ? std::min(ar, at) : 0;
      s.restored += kept;
      s.reference += ar;
      s.added += at - kept;
    }
  }
  return s;
}

}  // namespace

FineSums fine_row_tail(const Plane& ref, const Plane& dist, int y, int w, int from) {
  return ref.bpc == 8 ? fine_tail<std::uint8_t>(ref, dist, y, w, from) : fine_tail<std::uint16_t>(ref, dist, y, w, from);
}

FineSums decimate_pair_scalar(const Plane& ref, const Plane& dist, void* ref_out, void* dist_out, int w, int h) {
  FineSums total;
  for (int y = 0; y < h; ++y) {
    decimate_row_tail(ref, ref_out, w, y, 0);
    decimate_row_tail(dist, dist_out, w, y, 0);
    const FineSums s = fine_row_tail(ref, dist, y, w, 0);
    total.restored += s.restored;
    total.reference += s.reference;
    total.added += s.added;
  }
  return total;
}

DecimatePairFn select_decimate_pair(int bpc) {
#ifdef PVT_HAVE_X86_KERNELS
  if (bpc == 8 && (active_isa() == Isa::avx2 || active_isa() == Isa::avx512)) return decimate_pair_avx2;
#endif
  (void)bpc;
  return decimate_pair_scalar;
}

void decimate_row_tail(const Plane& src, void* dst, int w, int y, int from) {
  const std::size_t offset = static_cast<std::size_t>(y) * static_cast<std::size_t>(w);
  if (src.bpc == 8)
    row_tail(src, static_cast<std::uint8_t*>(dst) + offset, w, y, from);
  else
    row_tail(src, static_cast<std::uint16_t*>(dst) + offset, w, y, from);
}

void decimate_scalar(const Plane& src, void* dst, int w, int h) {
  for (int y = 0; y < h; ++y) decimate_row_tail(src, dst, w, y, 0);
}

DecimateFn select_decimate(int bpc) {
  (void)bpc;
#ifdef PVT_HAVE_X86_KERNELS
  switch (active_isa()) {
    case Isa::avx512:  // AVX-512 CPUs run the AVX2 kernel: the work is memory-bound
    case Isa::avx2: return decimate_avx2;
    default: break;
  }
#endif
  return decimate_scalar;
}

}  // namespace pvt::feature::kernels
