#include "chroma_planes.hpp"

#include "pyvmaf_tiny/errors.hpp"

namespace pvt::feature {

ChromaPlanes chroma_planes(const Geometry& g, const std::string& extractor) {
  if (g.chroma_width <= 0 || g.chroma_height <= 0)
    throw InputError("'" + extractor + "' needs chroma planes; the input has only luma");
  const ChromaLayout l = g.chroma;
  const bool known = l == ChromaLayout{0, 0} || l == ChromaLayout{1, 0} || l == ChromaLayout{1, 1};
  const auto ceil_shift = [](int n, int s) { return (n + (1 << s) - 1) >> s; };
  if (!known || ceil_shift(g.width, l.shift_x) != g.chroma_width || ceil_shift(g.height, l.shift_y) != g.chroma_height)
    throw InputError("'" + extractor + "' reads 4:2:0, 4:2:2 and 4:4:4 chroma only, got " +
                     std::to_string(g.chroma_width) + "x" + std::to_string(g.chroma_height) + " " +
                     chroma_layout_name(l) + " chroma for " + std::to_string(g.width) + "x" +
                     std::to_string(g.height) + " luma");
  ChromaPlanes c;
  c.sub_x = l.shift_x == 1;
  c.sub_y = l.shift_y == 1;
  c.width = g.width >> l.shift_x;
  c.height = g.height >> l.shift_y;
  if (c.width == 0 || c.height == 0)
    throw InputError("'" + extractor + "': " + std::to_string(g.width) + "x" + std::to_string(g.height) + " " +
                     chroma_layout_name(l) + " has no chroma samples libvmaf reads");
  return c;
}

}  // namespace pvt::feature
