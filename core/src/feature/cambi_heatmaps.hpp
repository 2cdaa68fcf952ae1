#pragma once
// libvmaf's CAMBI heatmaps (the heatmaps_path option): per scale, one file of
// every distorted frame's per-pixel banding values, 16-bit, frame after frame.
// One set of files a run, shared by the extractor's instances on every worker
// thread: each frame is written at its own place, in any order.
#include <memory>
#include <string>
#include <vector>

#include "../platform/file.hpp"
#include "cambi_params.hpp"
#include "pyvmaf_tiny/extractor.hpp"

namespace pvt::feature::cambi {

class Heatmaps final : public RunShared {
 public:
  // Makes `dir` (with its parents) and opens, emptied, the file of each scale,
  // named as libvmaf names it: cambi_heatmap_scale_<s>_<w>x<h>_16b.gray with
  // the encode's size halved, rounding up, s times (whatever size the scale's
  // values have). InputError naming the path when that cannot be done.
  Heatmaps(const std::string& dir, int enc_width, int enc_height);

  // Frame `index`'s values at `scale` (w x h, row-major) into the scale's
  // file at byte (index * h * w * 2): each value c as the native-endian
  // uint16 of c * 65535 / max_c, where max_c = max_weight * window^2 / 4 in
  // integers (libvmaf's top of the range). Safe from several threads at once.
  void write(int scale, unsigned index, const float* values, int w, int h, int window, int max_weight) const;

 private:
  std::vector<std::unique_ptr<platform::WritableFile>> files_;
};

}  // namespace pvt::feature::cambi
