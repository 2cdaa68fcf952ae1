#include "pyvmaf_tiny/raw_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>

#include "pyvmaf_tiny/errors.hpp"

namespace pvt {
namespace {

std::uint64_t plane_bytes(int w, int h, int bpc) {
  return static_cast<std::uint64_t>(w) * static_cast<std::uint64_t>(h) * (bpc > 8 ? 2u : 1u);
}

// The largest sample of a row of 16-bit samples, as the bits set in any.
std::uint16_t or_of(const std::uint16_t* p, int n) {
  std::uint16_t acc = 0;
  for (int i = 0; i < n; ++i) acc = static_cast<std::uint16_t>(acc | p[i]);
  return acc;
}

}  // namespace

RawReader::RawReader(std::string path, const RawLayout& layout) : path_(std::move(path)), layout_(layout) {
  const RawLayout& l = layout_;
  if (l.width <= 0 || l.height <= 0 || l.bpc < 8 || l.bpc > 16 || l.chroma_width < 0 || l.chroma_height < 0 ||
      l.chroma_width > l.width || l.chroma_height > l.height || ((l.chroma_width == 0) != (l.chroma_height == 0)))
    throw InputError(path_ + ": invalid raw frame layout");
  if constexpr (std::endian::native != std::endian::little)
    if (l.bpc > 8) throw InputError(path_ + ": 16-bit raw input needs a little-endian host");
  frame_bytes_ = l.frame_marker.size() + plane_bytes(l.width, l.height, l.bpc) +
                 2 * plane_bytes(l.chroma_width, l.chroma_height, l.bpc);
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw InputError(path_ + ": cannot open (" + std::strerror(errno) + ")");
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd_);
    throw InputError(path_ + ": not a regular file");
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  frame_count_ = size > l.header ? (size - l.header) / frame_bytes_ : 0;
#ifdef POSIX_FADV_SEQUENTIAL
  ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
}

RawReader::~RawReader() {
  if (fd_ >= 0) ::close(fd_);
}

void RawReader::read_exact(void* dst, std::size_t bytes, std::uint64_t offset, std::uint64_t index) const {
  auto* p = static_cast<std::uint8_t*>(dst);
  while (bytes > 0) {
    const ssize_t got = ::pread(fd_, p, bytes, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw InputError(path_ + ": read error in frame " + std::to_string(index) + " (" + std::strerror(errno) + ")");
    if (got == 0) throw InputError(path_ + ": truncated while reading frame " + std::to_string(index));
    p += got;
    bytes -= static_cast<std::size_t>(got);
    offset += static_cast<std::uint64_t>(got);
  }
}

void RawReader::read_plane(std::uint64_t offset, PlaneBuffer& dst, std::uint64_t index) const {
  const int w = dst.width(), h = dst.height();
  const std::size_t row = static_cast<std::size_t>(plane_bytes(w, 1, layout_.bpc));
  if (static_cast<std::size_t>(dst.stride()) == row) {
    read_exact(dst.row(0), row * static_cast<std::size_t>(h), offset, index);
  } else {
    staging_.resize(row * static_cast<std::size_t>(h));
    read_exact(staging_.data(), staging_.size(), offset, index);
    for (int y = 0; y < h; ++y) std::memcpy(dst.row(y), staging_.data() + row * static_cast<std::size_t>(y), row);
  }
  const int bpc = layout_.bpc;
  if (bpc > 8 && bpc < 16) {
    std::uint16_t bits = 0;
    for (int y = 0; y < h; ++y) bits = static_cast<std::uint16_t>(bits | or_of(reinterpret_cast<const std::uint16_t*>(dst.row(y)), w));
    if (bits >> bpc)
      throw InputError(path_ + ": frame " + std::to_string(index) + " has samples above " +
                       std::to_string((1 << bpc) - 1) + ", which is not " + std::to_string(bpc) +
                       "-bit data (wrong pix_fmt?)");
  }
}

void RawReader::read(std::uint64_t index, PlaneBuffer& luma, PlaneBuffer* chroma) const {
  const RawLayout& l = layout_;
  // frame_count_ is the count when opened: a file cut since reads as truncated.
  if (index > (UINT64_MAX - l.header) / frame_bytes_ - 1)
    throw InputError(path_ + ": frame " + std::to_string(index) + " is beyond any file");
  if (luma.width() != l.width || luma.height() != l.height || luma.bpc() != l.bpc)
    throw InputError("internal: raw reader buffer does not match the layout");
  std::uint64_t offset = l.header + index * frame_bytes_;
  if (!l.frame_marker.empty()) {
    staging_.resize(l.frame_marker.size());
    read_exact(staging_.data(), staging_.size(), offset, index);
    if (std::memcmp(staging_.data(), l.frame_marker.data(), staging_.size()) != 0)
      throw InputError(path_ + ": frame " + std::to_string(index) + ": missing or malformed frame marker");
    offset += l.frame_marker.size();
  }
  read_plane(offset, luma, index);
  if (!chroma) return;
  if (l.chroma_width == 0) throw InputError(path_ + ": has no chroma planes");
  offset += plane_bytes(l.width, l.height, l.bpc);
  for (int c = 0; c < 2; ++c) {
    if (chroma[c].width() != l.chroma_width || chroma[c].height() != l.chroma_height || chroma[c].bpc() != l.bpc)
      throw InputError("internal: raw reader buffer does not match the layout");
    read_plane(offset, chroma[c], index);
    offset += plane_bytes(l.chroma_width, l.chroma_height, l.bpc);
  }
}

}  // namespace pvt
