#pragma once
// The chroma layout of a geometry, for extractors that read chroma: 4:2:0,
// 4:2:2 or 4:4:4, told apart by the chroma plane sizes (a subsampled axis
// carries ceil(n / 2) samples). libvmaf sizes a subsampled chroma plane as
// floor(n / 2), so of an odd axis it reads one sample fewer than we carry.
#include <string>

#include "pyvmaf_tiny/extractor.hpp"

namespace pvt::feature {

struct ChromaLayout {
  bool sub_x = false;  // 4:2:0 and 4:2:2
  bool sub_y = false;  // 4:2:0
  int width = 0;       // the part of each chroma plane libvmaf reads
  int height = 0;
};

// Throws InputError naming `extractor` when `g` has no chroma planes or a
// layout other than 4:2:0, 4:2:2 and 4:4:4.
ChromaLayout chroma_layout(const Geometry& g, const std::string& extractor);

}  // namespace pvt::feature
