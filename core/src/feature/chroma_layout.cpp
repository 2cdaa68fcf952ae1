#include "chroma_layout.hpp"

#include "pyvmaf_tiny/errors.hpp"

namespace pvt::feature {

ChromaLayout chroma_layout(const Geometry& g, const std::string& extractor) {
  if (g.chroma_width <= 0 || g.chroma_height <= 0)
    throw InputError("'" + extractor + "' needs chroma planes; the input has only luma");
  ChromaLayout c;
  c.sub_x = g.chroma_width < g.width;
  c.sub_y = g.chroma_height < g.height;
  const auto expected = [](bool sub, int n) { return sub ? (n + 1) / 2 : n; };
  if (g.chroma_width != expected(c.sub_x, g.width) || g.chroma_height != expected(c.sub_y, g.height) ||
      (c.sub_y && !c.sub_x))
    throw InputError("'" + extractor + "' reads 4:2:0, 4:2:2 and 4:4:4 chroma only, got " +
                     std::to_string(g.chroma_width) + "x" + std::to_string(g.chroma_height) + " chroma for " +
                     std::to_string(g.width) + "x" + std::to_string(g.height) + " luma");
  c.width = c.sub_x ? g.width / 2 : g.width;
  c.height = c.sub_y ? g.height / 2 : g.height;
  return c;
}

}  // namespace pvt::feature
