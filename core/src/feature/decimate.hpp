#pragma once
// The 2x decimation the half_* extractors share: each output sample is the
// rounded mean of a 2x2 block, (a + b + c + d + 2) >> 2, with the last row or
// column paired with itself for odd sizes. Integer arithmetic only, so it is
// the same on every ISA.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "pyvmaf_tiny/extractor.hpp"

namespace pvt::feature {

template <class T>
void decimate_2x2_rows(const Plane& src, T* dst, int w, int h) {
  for (int y = 0; y < h; ++y) {
    const T* r0 = src.row<T>(2 * y);
    const T* r1 = src.row<T>(std::min(2 * y + 1, src.height - 1));
    T* out = dst + static_cast<std::size_t>(y) * static_cast<std::size_t>(w);
    const int pairs = src.width / 2;
    for (int x = 0; x < pairs; ++x) {
      const std::uint32_t s = std::uint32_t{r0[2 * x]} + r0[2 * x + 1] + r1[2 * x] + r1[2 * x + 1];
      out[x] = static_cast<T>((s + 2) >> 2);
    }
    if (pairs < w) {  // odd width: the last column pairs with itself
      const std::uint32_t s = 2 * (std::uint32_t{r0[src.width - 1]} + r1[src.width - 1]);
      out[pairs] = static_cast<T>((s + 2) >> 2);
    }
  }
}

// The half-size geometry of `g` (same bit depth, no chroma).
inline Geometry half_geometry(const Geometry& g) { return Geometry{(g.width + 1) / 2, (g.height + 1) / 2, g.bpc}; }

// Decimates `src` into `buf` (resized as needed) and returns a Plane viewing it.
inline Plane decimate_2x2(const Plane& src, std::vector<std::uint8_t>& buf, const Geometry& half) {
  const int bytes = half.bpc > 8 ? 2 : 1;
  buf.resize(static_cast<std::size_t>(half.width) * static_cast<std::size_t>(half.height) * bytes);
  if (bytes == 1)
    decimate_2x2_rows(src, buf.data(), half.width, half.height);
  else  // 16-bit samples in the same (new-allocated, so suitably aligned) storage
    decimate_2x2_rows(src, reinterpret_cast<std::uint16_t*>(buf.data()), half.width, half.height);
  Plane p;
  p.data = buf.data();
  p.stride = static_cast<std::ptrdiff_t>(half.width) * bytes;
  p.width = half.width;
  p.height = half.height;
  p.bpc = half.bpc;
  return p;
}

}  // namespace pvt::feature
