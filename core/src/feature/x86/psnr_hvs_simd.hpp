#pragma once
// The PSNR-HVS kernel written once over a vector ISA `I` (psnr_hvs_avx2.cpp,
// psnr_hvs_avx512.cpp). Include only from files compiled for that ISA.
//
// Each lane is one 8x8 block: I::lanes neighbouring blocks of a block row are
// processed together, every per-block statistic evaluated lane-wise with the
// scalar kernel's operations in its order (single precision, no FMA; the DCT
// in wrapping 32-bit integers). The per-coefficient terms are then added to
// the plane's total one by one in raster order, as the scalar kernel does.
#include <cstddef>
#include <cstdint>

#include "../kernels/psnr_hvs_common.hpp"

namespace pvt::feature::kernels {
namespace {

template <class I>
struct PsnrHvsSimd {
  using VI = typename I::VI;
  using VF = typename I::VF;
  static constexpr int L = I::lanes;

  static VI scaled(VI v, std::int32_t mul, int shift) {
    return I::srai(I::add(I::mullo(v, I::set1(mul)), I::set1(1 << (shift - 1))), shift);
  }
  static VI half(VI v) { return I::srai(I::add(I::srli(v, 31), v), 1); }

  // hvs_fdct8 lane-wise: in[k * stride], k < 8 -> out[0..7].
  static void fdct8(const VI* in, int stride, VI* out) {
    VI a0 = in[0], a4 = in[stride], a2 = in[2 * stride], a6 = in[3 * stride];
    VI a7 = in[4 * stride], a3 = in[5 * stride], a5 = in[6 * stride], a1 = in[7 * stride];
    a1 = I::sub(a0, a1);
    const VI a1h = half(a1);
    a0 = I::sub(a0, a1h);
    a4 = I::add(a4, a5);
    const VI a4h = half(a4);
    a5 = I::sub(a5, a4h);
    a3 = I::sub(a2, a3);
    a2 = I::sub(a2, half(a3));
    a6 = I::add(a6, a7);
    const VI a6h = half(a6);
    a7 = I::sub(a6h, a7);
    a0 = I::add(a0, a6h);
    a6 = I::sub(a0, a6);
    a2 = I::sub(a4h, a2);
    a4 = I::sub(a2, a4);
    a0 = I::sub(a0, scaled(a4, 13573, 15));
    a4 = I::add(a4, scaled(a0, 11585, 14));
    a0 = I::sub(a0, scaled(a4, 13573, 15));
    a6 = I::sub(a6, scaled(a2, 21895, 15));
    a2 = I::add(a2, scaled(a6, 15137, 14));
    a6 = I::sub(a6, scaled(a2, 21895, 15));
    a3 = I::add(a3, scaled(a5, 19195, 15));
    a5 = I::add(a5, scaled(a3, 11585, 14));
    a3 = I::sub(a3, scaled(a5, 7489, 13));
    a7 = I::sub(half(a5), a7);
    a5 = I::sub(a5, a7);
    a3 = I::sub(a1h, a3);
    a1 = I::sub(a1, a3);
    a7 = I::add(a7, scaled(a1, 3227, 15));
    a1 = I::sub(a1, scaled(a7, 6393, 15));
    a7 = I::add(a7, scaled(a1, 3227, 15));
    a5 = I::add(a5, scaled(a3, 2485, 13));
    a3 = I::sub(a3, scaled(a5, 18205, 15));
    a5 = I::add(a5, scaled(a3, 2485, 13));
    out[0] = a0, out[1] = a1, out[2] = a2, out[3] = a3;
    out[4] = a4, out[5] = a5, out[6] = a6, out[7] = a7;
  }

  // block_masking() lane-wise; px[k] holds sample k of each lane's block.
  static VF masking(const VI* px, VI* coeffs, const HvsWeights& w) {
    VF mean = I::zero(), quad_mean[4] = {I::zero(), I::zero(), I::zero(), I::zero()};
    for (int i = 0; i < 8; ++i)
      for (int j = 0; j < 8; ++j) {
        const VF v = I::to_float(px[i * 8 + j]);
        mean = I::fadd(mean, v);
        quad_mean[hvs_quadrant(i, j)] = I::fadd(quad_mean[hvs_quadrant(i, j)], v);
      }
    mean = I::fdiv(mean, I::fset1(64.0f));
    for (VF& m : quad_mean) m = I::fdiv(m, I::fset1(16.0f));
    VF var = I::zero(), quad_var[4] = {I::zero(), I::zero(), I::zero(), I::zero()};
    for (int i = 0; i < 8; ++i)
      for (int j = 0; j < 8; ++j) {
        const VF v = I::to_float(px[i * 8 + j]);
        const int q = hvs_quadrant(i, j);
        const VF d = I::fsub(v, mean), e = I::fsub(v, quad_mean[q]);
        var = I::fadd(var, I::fmul(d, d));
        quad_var[q] = I::fadd(quad_var[q], I::fmul(e, e));
      }
    var = I::fmul(var, I::fset1(kHvsWholeVarScale));
    for (VF& v : quad_var) v = I::fmul(v, I::fset1(kHvsQuadVarScale));
    const VF ratio = I::fdiv(I::fadd(I::fadd(I::fadd(quad_var[0], quad_var[1]), quad_var[2]), quad_var[3]), var);
    var = I::select(I::greater(var, I::zero()), ratio, var);

    VI mid[64];
    for (int c = 0; c < 8; ++c) fdct8(px + c, 8, mid + 8 * c);
    for (int c = 0; c < 8; ++c) fdct8(mid + c, 8, coeffs + 8 * c);
    VF energy = I::zero();
    for (int k = 1; k < 64; ++k)
      energy = I::fadd(energy, I::fmul(I::to_float(I::mullo(coeffs[k], coeffs[k])), I::fset1(w.mask[k])));
    // float(sqrt(double(x)) / 32) is sqrtf(x) / 32 exactly
    return I::fmul(I::fsqrt(I::fmul(energy, var)), I::fset1(1.0f / 32.0f));
  }

  template <class T>
  static float plane(const Plane& ref, const Plane& dist, int width, int height, HvsTable table) {
    const HvsWeights& w = hvs_weights(table);
    alignas(64) std::int32_t s[64 * L], d[64 * L];
    alignas(64) float terms[64 * L];
    VI cs[64], cd[64];
    float total = 0.0f;
    int count = 0;
    const int blocks_x = width >= 8 ? (width - 8) / kHvsStep + 1 : 0;
    for (int y = 0; y < height - 7; y += kHvsStep) {
      for (int b0 = 0; b0 < blocks_x; b0 += L) {
        const int n = blocks_x - b0 < L ? blocks_x - b0 : L;
        for (int l = 0; l < L; ++l) {
          const int x = kHvsStep * (b0 + (l < n ? l : 0));  // spare lanes repeat the first block
          for (int i = 0; i < 8; ++i) {
            const T* r = ref.row<T>(y + i) + x;
            const T* e = dist.row<T>(y + i) + x;
            for (int j = 0; j < 8; ++j) {
              s[(i * 8 + j) * L + l] = r[j];
              d[(i * 8 + j) * L + l] = e[j];
            }
          }
        }
        VI sv[64], dv[64];
        for (int k = 0; k < 64; ++k) sv[k] = I::load(s + k * L), dv[k] = I::load(d + k * L);
        const VF ms = masking(sv, cs, w), md = masking(dv, cd, w);
        const VF mask = I::select(I::greater(md, ms), md, ms);
        for (int k = 0; k < 64; ++k) {
          VF err = I::to_float(I::abs(I::sub(cs[k], cd[k])));
          if (k != 0) {
            const VF threshold = I::fdiv(mask, I::fset1(w.mask[k]));
            err = I::select(I::less(err, threshold), I::zero(), I::fsub(err, threshold));
          }
          const VF weighted = I::fmul(err, I::fset1(w.csf[k]));
          I::store(terms + k * L, I::fmul(weighted, weighted));
        }
        for (int l = 0; l < n; ++l)
          for (int k = 0; k < 64; ++k) total += terms[k * L + l];
        count += 64 * n;
      }
    }
    return hvs_normalise(total, count, ref.bpc);
  }

  static float run(const Plane& ref, const Plane& dist, int width, int height, HvsTable table) {
    return ref.bpc == 8 ? plane<std::uint8_t>(ref, dist, width, height, table)
                        : plane<std::uint16_t>(ref, dist, width, height, table);
  }
};

}  // namespace
}  // namespace pvt::feature::kernels
