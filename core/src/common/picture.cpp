#include <cstring>
#include <new>

#include "pyvmaf_tiny/buffer_pool.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/picture.hpp"

namespace pvt {

void PlaneBuffer::Free::operator()(std::uint8_t* p) const { pool_free(p, bytes); }

PlaneBuffer::PlaneBuffer(int width, int height, int bpc)
    : width_(width), height_(height), bpc_(bpc) {
  const std::size_t row_bytes = static_cast<std::size_t>(width) * (bpc > 8 ? 2 : 1);
  stride_ = static_cast<std::ptrdiff_t>((row_bytes + 63) & ~std::size_t{63});
  const std::size_t total = static_cast<std::size_t>(stride_) * static_cast<std::size_t>(height);
  storage_ = std::unique_ptr<std::uint8_t, Free>(static_cast<std::uint8_t*>(pool_allocate(total)), Free{total});
  data_ = storage_.get();
}

Plane PlaneBuffer::view() const {
  Plane p;
  p.data = data_;
  p.stride = stride_;
  p.width = width_;
  p.height = height_;
  p.bpc = bpc_;
  return p;
}

void PlaneBuffer::assign(const Plane& src) {
  if (src.width != width_ || src.height != height_ || src.bpc != bpc_)
    throw InputError("internal: plane geometry does not match its buffer");
  const std::size_t row_bytes = static_cast<std::size_t>(width_) * src.bytes_per_sample();
  for (int y = 0; y < height_; ++y) std::memcpy(row(y), src.data + src.stride * y, row_bytes);
}

}  // namespace pvt
