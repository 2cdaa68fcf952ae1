#include "pyvmaf_tiny/raw_reader.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "pyvmaf_tiny/errors.hpp"
#include "../platform/file.hpp"
#include "truncation_guard.hpp"

namespace pvt {
namespace {

std::uint64_t plane_bytes(int w, int h, int bpc) {
  return static_cast<std::uint64_t>(w) * static_cast<std::uint64_t>(h) * (bpc > 8 ? 2u : 1u);
}

std::string truncated_text(const std::string& path, std::uint64_t index) {
  return path + ": truncated while reading frame " + std::to_string(index);
}

std::string bad_marker_text(const std::string& path, std::uint64_t index) {
  return path + ": frame " + std::to_string(index) + ": missing or malformed frame marker";
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
  fd_ = platform::RegularFile(path_, "").release();
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    ::close(fd_);
    throw InputError(path_ + ": cannot stat (" + std::strerror(errno) + ")");
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  frame_count_ = size > l.header ? (size - l.header) / frame_bytes_ : 0;
  const char* no_mmap = std::getenv("PYVMAF_TINY_NO_MMAP");
  mappable_ = !(no_mmap && *no_mmap && std::strcmp(no_mmap, "0") != 0);
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
    if (got == 0) throw InputError(truncated_text(path_, index));
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
  check_sample_range(dst.view(), index, path_);
}

std::uint64_t RawReader::frame_offset(std::uint64_t index) const {
  if (index > (UINT64_MAX - layout_.header) / frame_bytes_ - 1)
    throw InputError(path_ + ": frame " + std::to_string(index) + " is beyond any file");
  return layout_.header + index * frame_bytes_;
}

void RawReader::read(std::uint64_t index, PlaneBuffer& luma, PlaneBuffer* chroma) const {
  const RawLayout& l = layout_;
  // frame_count_ is the count when opened: a file cut since reads as truncated.
  std::uint64_t offset = frame_offset(index);
  if (luma.width() != l.width || luma.height() != l.height || luma.bpc() != l.bpc)
    throw InputError("internal: raw reader buffer does not match the layout");
  if (!l.frame_marker.empty()) {
    staging_.resize(l.frame_marker.size());
    read_exact(staging_.data(), staging_.size(), offset, index);
    if (std::memcmp(staging_.data(), l.frame_marker.data(), staging_.size()) != 0)
      throw InputError(bad_marker_text(path_, index));
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

MappedFrame::MappedFrame(void* base, std::size_t length, std::string name, std::uint64_t index)
    : base_(base), length_(length), guard_(std::make_unique<io::TruncationGuard>()), name_(std::move(name)),
      index_(index) {}

MappedFrame::~MappedFrame() {
  guard_->release();
  ::munmap(base_, length_);
}

bool MappedFrame::truncated() const { return guard_->hit(); }

std::string MappedFrame::truncated_message() const {
  return truncated_text(name_, index_);
}

std::unique_ptr<MappedFrame> RawReader::map(std::uint64_t index, bool chroma) const {
  if (!mappable_) return nullptr;
  const RawLayout& l = layout_;
  if (chroma && l.chroma_width == 0) throw InputError(path_ + ": has no chroma planes");
  const std::uint64_t start = frame_offset(index);
  const std::uint64_t luma_at = start + l.frame_marker.size();
  const std::uint64_t luma_bytes = plane_bytes(l.width, l.height, l.bpc);
  const std::uint64_t chroma_bytes = plane_bytes(l.chroma_width, l.chroma_height, l.bpc);
  const std::uint64_t end = luma_at + luma_bytes + (chroma ? 2 * chroma_bytes : 0);
  if (l.bpc > 8 && luma_at % 2) return nullptr;
  // Cut short since it was opened: the message read() gives.
  struct stat st {};
  if (::fstat(fd_, &st) != 0) throw InputError(path_ + ": cannot stat (" + std::strerror(errno) + ")");
  if (static_cast<std::uint64_t>(st.st_size) < end)
    throw InputError(truncated_text(path_, index));

  static const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  const std::uint64_t first_page = start / page * page;
  const auto length = static_cast<std::size_t>(end - first_page);
  // Populated here, on the reading thread, as read() would fill its buffer
  // (Linux; elsewhere the extractors fault the pages in).
#ifdef MAP_POPULATE
  constexpr int populate = MAP_POPULATE;
#else
  constexpr int populate = 0;
#endif
  void* base = ::mmap(nullptr, length, PROT_READ, MAP_SHARED | populate, fd_, static_cast<off_t>(first_page));
  if (base == MAP_FAILED) return nullptr;
  std::unique_ptr<MappedFrame> frame(new MappedFrame(base, length, path_, index));
  if (!frame->guard_->watch(base, length)) return nullptr;

  const auto* p = static_cast<const std::uint8_t*>(base) + (start - first_page);
  const bool marker_ok = std::memcmp(p, l.frame_marker.data(), l.frame_marker.size()) == 0;
  p += l.frame_marker.size();
  const auto row = static_cast<std::ptrdiff_t>(plane_bytes(l.width, 1, l.bpc));
  frame->luma_ = Plane{p, row, l.width, l.height, l.bpc};
  check_sample_range(frame->luma_, index, path_);
  if (chroma) {
    const auto crow = static_cast<std::ptrdiff_t>(plane_bytes(l.chroma_width, 1, l.bpc));
    for (int c = 0; c < 2; ++c) {
      frame->chroma_[c] = Plane{p + luma_bytes + c * chroma_bytes, crow, l.chroma_width, l.chroma_height, l.bpc};
      check_sample_range(frame->chroma_[c], index, path_);
    }
  }
  if (frame->truncated()) throw InputError(frame->truncated_message());
  if (!marker_ok) throw InputError(bad_marker_text(path_, index));
  return frame;
}

}  // namespace pvt
