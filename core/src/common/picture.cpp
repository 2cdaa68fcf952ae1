#include <cstdint>
#include <cstring>
#include <new>

#include "pyvmaf_tiny/buffer_pool.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/picture.hpp"

namespace pvt {

namespace {

// Every bit set in any of n 16-bit samples (a loop the compiler vectorises).
std::uint16_t or_of(const std::uint16_t* p, int n) {
  std::uint16_t acc = 0;
  for (int i = 0; i < n; ++i) acc = static_cast<std::uint16_t>(acc | p[i]);
  return acc;
}

// Copies n samples and returns every bit set in any (one pass).
std::uint16_t copy_or(std::uint16_t* __restrict dst, const std::uint16_t* __restrict src, int n) {
  std::uint16_t acc = 0;
  for (int i = 0; i < n; ++i) {
    const std::uint16_t v = src[i];
    dst[i] = v;
    acc = static_cast<std::uint16_t>(acc | v);
  }
  return acc;
}

}  // namespace

std::optional<ChromaLayout> libvmaf_chroma_layout(int w, int h, int cw, int ch) {
  const auto fits = [&](int sx, int sy) {
    return cw == ((w + (1 << sx) - 1) >> sx) && ch == ((h + (1 << sy) - 1) >> sy);
  };
  // Least subsampled first: a 1-sample axis is the same size either way, and
  // then the whole sample counts.
  for (const ChromaLayout l : {ChromaLayout{0, 0}, ChromaLayout{1, 0}, ChromaLayout{1, 1}})
    if (w > 0 && h > 0 && fits(l.shift_x, l.shift_y)) return l;
  return std::nullopt;
}

std::string chroma_layout_name(ChromaLayout l) {
  if (l == ChromaLayout{0, 0}) return "4:4:4";
  if (l == ChromaLayout{1, 0}) return "4:2:2";
  if (l == ChromaLayout{1, 1}) return "4:2:0";
  return "chroma subsampled " + std::to_string(1 << l.shift_x) + "x" + std::to_string(1 << l.shift_y);
}

void check_sample_range(const Plane& plane, std::uint64_t frame, const std::string& source, PlaneBuffer* copy_to) {
  const int bpc = plane.bpc;
  const bool check = bpc > 8 && bpc < 16;
  // Misaligned 16-bit rows (a numpy view at an odd address) are copied first
  // and checked in the copy.
  const bool aligned = ((reinterpret_cast<std::uintptr_t>(plane.data) | static_cast<std::uintptr_t>(plane.stride)) &
                        (plane.bytes_per_sample() - 1)) == 0;
  if (copy_to) {
    if (!check || !aligned) {
      copy_to->assign(plane);
      if (check) check_sample_range(copy_to->view(), frame, source);
      return;
    }
    if (plane.width != copy_to->width() || plane.height != copy_to->height() || plane.bpc != copy_to->bpc())
      throw InputError("internal: plane geometry does not match its buffer");
  }
  if (!check) return;
  std::uint16_t bits = 0;
  for (int y = 0; y < plane.height; ++y) {
    const std::uint16_t* row = plane.row<std::uint16_t>(y);
    bits = static_cast<std::uint16_t>(
        bits | (copy_to ? copy_or(reinterpret_cast<std::uint16_t*>(copy_to->row(y)), row, plane.width)
                        : or_of(row, plane.width)));
  }
  if (bits >> bpc)
    throw InputError(source + ": frame " + std::to_string(frame) + " has samples above " +
                     std::to_string((1 << bpc) - 1) + ", which is not " + std::to_string(bpc) +
                     "-bit data (wrong pix_fmt?)");
}

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
