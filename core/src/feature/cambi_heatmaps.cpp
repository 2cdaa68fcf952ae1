#include "cambi_heatmaps.hpp"

#include <cstdint>
#include <limits>

#include "pyvmaf_tiny/errors.hpp"

namespace pvt::feature::cambi {
namespace {

// libvmaf converts with a C cast from double to uint16_t; its x86 builds do
// that through a signed 32-bit conversion, which gives INT32_MIN for what
// does not fit (NaN, infinities), and keep the low 16 bits.
std::uint16_t to_u16_as_x86(double v) {
  const std::int32_t wide = v > -2147483649.0 && v < 2147483648.0 ? static_cast<std::int32_t>(v)
                                                                    : std::numeric_limits<std::int32_t>::min();
  return static_cast<std::uint16_t>(static_cast<std::uint32_t>(wide));
}

}  // namespace

Heatmaps::Heatmaps(const std::string& dir, int enc_width, int enc_height) {
  platform::make_directories(dir, "cambi heatmaps_path");
  int w = enc_width, h = enc_height;
  for (int s = 0; s < kScales; ++s) {
    const std::string path = dir + platform::path_separator() + "cambi_heatmap_scale_" + std::to_string(s) + "_" +
                             std::to_string(w) + "x" + std::to_string(h) + "_16b.gray";
    files_.push_back(std::make_unique<platform::WritableFile>(path, "cambi heatmap"));
    w = (w + 1) >> 1;
    h = (h + 1) >> 1;
  }
}

void Heatmaps::write(int scale, unsigned index, const float* values, int w, int h, int window, int max_weight) const {
  const int max_c = max_weight * window * window / 4;
  const std::size_t n = static_cast<std::size_t>(w) * static_cast<std::size_t>(h);
  std::vector<std::uint16_t> out(n, 0);
  // A range top of 0 (a one-pixel window with weights below 4) scales by
  // infinity: libvmaf's conversion then gives 0 everywhere.
  if (max_c > 0) {
    const double scaling = 65535.0 / static_cast<double>(max_c);
    for (std::size_t i = 0; i < n; ++i) out[i] = to_u16_as_x86(scaling * static_cast<double>(values[i]));
  }
  // The frame's rows are contiguous in the file: one write.
  files_.at(static_cast<std::size_t>(scale))->write_at(out.data(), n * sizeof(std::uint16_t),
                                                         static_cast<std::uint64_t>(index) * n * sizeof(std::uint16_t));
}

}  // namespace pvt::feature::cambi
