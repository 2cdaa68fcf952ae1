#pragma once
// The part of each chroma plane libvmaf reads, for extractors that read
// chroma. The layout (4:2:0, 4:2:2 or 4:4:4) is Geometry::chroma; libvmaf
// sizes a subsampled chroma plane as floor(n / 2) where the planes we carry
// have ceil(n / 2) samples, so of an odd axis it reads one sample fewer.
#include <string>

#include "pyvmaf_tiny/extractor.hpp"

namespace pvt::feature {

struct ChromaPlanes {
  bool sub_x = false;  // 4:2:0 and 4:2:2
  bool sub_y = false;  // 4:2:0
  int width = 0;       // the part of each chroma plane libvmaf reads
  int height = 0;
};

// Throws InputError naming `extractor` when `g` has no chroma planes, a layout
// other than 4:2:0, 4:2:2 and 4:4:4, or no chroma sample libvmaf reads.
ChromaPlanes chroma_planes(const Geometry& g, const std::string& extractor);

}  // namespace pvt::feature
