#pragma once
// Rows of SpEED's input images: a plane converted to float as libvmaf's
// picture_copy does it (samples scaled to the 8-bit range, minus 128), or
// the difference of two such planes.
#include <cstdint>

#include "pyvmaf_tiny/picture.hpp"
#include "speed_core.hpp"

namespace pvt::feature::speed {

// libvmaf converts 8, 10, 12 and 16-bit samples only (others it misreads).
bool supported_bit_depth(int bpc);

// plane (width x height of it), as floats.
class PlaneRows final : public RowSource {
 public:
  PlaneRows(const Plane& plane, int width) : plane_(plane), width_(width) {}
  void row(int y, float* out) const override;

 private:
  const Plane& plane_;
  int width_;
};

// first - second, each converted as PlaneRows does.
class DifferenceRows final : public RowSource {
 public:
  DifferenceRows(const Plane& first, const Plane& second, int width, float* scratch)
      : first_(first), second_(second), width_(width), scratch_(scratch) {}
  void row(int y, float* out) const override;

 private:
  const Plane& first_;
  const Plane& second_;
  int width_;
  float* scratch_;  // width floats
};

}  // namespace pvt::feature::speed
