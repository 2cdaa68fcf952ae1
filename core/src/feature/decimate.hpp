#pragma once
// The 2x decimation the half_* extractors share (kernels/decimate_kernels.hpp).
#include <cstdint>
#include <vector>

#include "kernels/decimate_kernels.hpp"
#include "pyvmaf_tiny/extractor.hpp"

namespace pvt::feature {

// The half-size geometry of `g` (same bit depth, no chroma).
inline Geometry half_geometry(const Geometry& g) { return Geometry{(g.width + 1) / 2, (g.height + 1) / 2, g.bpc}; }

// Decimates `src` into `buf` (resized as needed; 16-bit samples live in the same
// new-allocated, so suitably aligned, storage) and returns a Plane viewing it.
inline Plane decimate_2x2(const Plane& src, std::vector<std::uint8_t>& buf, const Geometry& half,
                          kernels::DecimateFn fn) {
  const int bytes = half.bpc > 8 ? 2 : 1;
  buf.resize(static_cast<std::size_t>(half.width) * static_cast<std::size_t>(half.height) * bytes);
  if (fn) fn(src, buf.data(), half.width, half.height);  // null: only size the buffer
  Plane p;
  p.data = buf.data();
  p.stride = static_cast<std::ptrdiff_t>(half.width) * bytes;
  p.width = half.width;
  p.height = half.height;
  p.bpc = half.bpc;
  return p;
}

}  // namespace pvt::feature
