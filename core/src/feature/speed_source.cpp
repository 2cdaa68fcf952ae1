#include "speed_source.hpp"

namespace pvt::feature::speed {
namespace {

void convert_row(const Plane& p, int y, int width, float* out) {
  if (p.bpc == 8) {
    const std::uint8_t* in = p.row<std::uint8_t>(y);
    for (int x = 0; x < width; ++x) out[x] = static_cast<float>(in[x]) + -128.0f;
  } else {
    const float scaler = static_cast<float>(1 << (p.bpc - 8));
    const std::uint16_t* in = p.row<std::uint16_t>(y);
    for (int x = 0; x < width; ++x) out[x] = static_cast<float>(in[x]) / scaler + -128.0f;
  }
}

}  // namespace

bool supported_bit_depth(int bpc) { return bpc == 8 || bpc == 10 || bpc == 12 || bpc == 16; }

void PlaneRows::row(int y, float* out) const { convert_row(plane_, y, width_, out); }

void DifferenceRows::row(int y, float* out) const {
  convert_row(first_, y, width_, out);
  convert_row(second_, y, width_, scratch_);
  for (int x = 0; x < width_; ++x) out[x] -= scratch_[x];
}

}  // namespace pvt::feature::speed
