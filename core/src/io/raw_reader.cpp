#include "pyvmaf_tiny/raw_reader.hpp"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <iterator>

#include "pyvmaf_tiny/errors.hpp"
#include "../platform/file.hpp"
#include "../platform/mapping.hpp"

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

namespace {

void check_layout(const std::string& path, const RawLayout& l) {
  if (l.width <= 0 || l.height <= 0 || l.bpc < 8 || l.bpc > 16 || l.chroma_width < 0 || l.chroma_height < 0 ||
      l.chroma_width > l.width || l.chroma_height > l.height || ((l.chroma_width == 0) != (l.chroma_height == 0)))
    throw InputError(path + ": invalid raw frame layout");
  // Each plane's size fits 63 bits; a frame past 2^48 bytes is no file's.
  constexpr std::uint64_t kMaxFrameBytes = std::uint64_t{1} << 48;
  const std::uint64_t luma = plane_bytes(l.width, l.height, l.bpc);
  const std::uint64_t chroma = plane_bytes(l.chroma_width, l.chroma_height, l.bpc);
  if (luma > kMaxFrameBytes || chroma > kMaxFrameBytes || l.frame_marker.size() > kMaxFrameBytes ||
      luma + 2 * chroma + l.frame_marker.size() > kMaxFrameBytes)
    throw InputError(path + ": invalid raw frame layout (a frame of more than 2^48 bytes)");
  if (!l.runs.empty()) {
    bool ok = l.runs.front().first_frame == 0 && l.runs.back().first_frame < l.run_frames && l.header_ok;
    for (std::size_t i = 0; ok && i < l.runs.size(); ++i)
      ok = l.runs[i].header_bytes > 0 && (i == 0 || l.runs[i].first_frame > l.runs[i - 1].first_frame);
    if (!ok) throw InputError(path + ": invalid frame index");
  }
  if constexpr (std::endian::native != std::endian::little)
    if (l.bpc > 8) throw InputError(path + ": 16-bit raw input needs a little-endian host");
}

std::unique_ptr<platform::RegularFile> open_checked(const std::string& path, const RawLayout& layout) {
  check_layout(path, layout);
  return std::make_unique<platform::RegularFile>(path, "");
}

}  // namespace

RawReader::RawReader(std::string path, const RawLayout& layout)
    : RawReader(path, open_checked(path, layout), layout) {}

RawReader::RawReader(std::string name, std::unique_ptr<platform::RegularFile> file, const RawLayout& layout)
    : path_(std::move(name)), layout_(layout), file_(std::move(file)) {
  const RawLayout& l = layout_;
  check_layout(path_, l);
  frame_bytes_ = (l.runs.empty() ? l.frame_marker.size() : 0) + plane_bytes(l.width, l.height, l.bpc) +
                 2 * plane_bytes(l.chroma_width, l.chroma_height, l.bpc);
  const std::uint64_t size = file_->size(path_);
  if (!l.runs.empty()) frame_count_ = l.run_frames;
  else frame_count_ = size > l.header ? (size - l.header) / frame_bytes_ : 0;
  const char* no_mmap = std::getenv("PYVMAF_TINY_NO_MMAP");
  mappable_ = !(no_mmap && *no_mmap && std::strcmp(no_mmap, "0") != 0);
  file_->advise_sequential();
}

RawReader::~RawReader() = default;

void RawReader::read_exact(void* dst, std::size_t bytes, std::uint64_t offset, std::uint64_t index) const {
  const platform::RegularFile::Read got = file_->read_at(dst, bytes, offset);
  if (!got.error.empty())
    throw InputError(path_ + ": read error in frame " + std::to_string(index) + " (" + got.error + ")");
  if (got.bytes < bytes) throw InputError(truncated_text(path_, index));
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

RawReader::FrameStart RawReader::frame_start(std::uint64_t index) const {
  const RawLayout& l = layout_;
  if (l.runs.empty()) {
    if (index > (UINT64_MAX - l.header) / frame_bytes_ - 1)
      throw InputError(path_ + ": frame " + std::to_string(index) + " is beyond any file");
    return {l.header + index * frame_bytes_, l.frame_marker.size()};
  }
  if (index >= l.run_frames)
    throw InputError(path_ + ": frame " + std::to_string(index) + " is beyond its " + std::to_string(l.run_frames) +
                     " frames");
  const auto run = std::prev(std::upper_bound(l.runs.begin(), l.runs.end(), index,
                                              [](std::uint64_t i, const FrameRun& r) { return i < r.first_frame; }));
  // The index was built from the file, so these fit in 64 bits.
  return {run->offset + (index - run->first_frame) * (run->header_bytes + frame_bytes_), run->header_bytes};
}

bool RawReader::header_matches(const std::uint8_t* bytes, std::uint64_t n) const {
  if (!layout_.runs.empty()) return layout_.header_ok(bytes, static_cast<std::size_t>(n));
  return std::memcmp(bytes, layout_.frame_marker.data(), layout_.frame_marker.size()) == 0;
}

void RawReader::read(std::uint64_t index, PlaneBuffer& luma, PlaneBuffer* chroma) const {
  const RawLayout& l = layout_;
  // frame_count_ is the count when opened: a file cut since reads as truncated.
  const FrameStart start = frame_start(index);
  std::uint64_t offset = start.offset;
  if (luma.width() != l.width || luma.height() != l.height || luma.bpc() != l.bpc)
    throw InputError("internal: raw reader buffer does not match the layout");
  if (start.header_bytes) {
    staging_.resize(static_cast<std::size_t>(start.header_bytes));
    read_exact(staging_.data(), staging_.size(), offset, index);
    if (!header_matches(staging_.data(), start.header_bytes)) throw InputError(bad_marker_text(path_, index));
    offset += start.header_bytes;
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

MappedFrame::MappedFrame(std::unique_ptr<platform::FileView> view, std::string name, std::uint64_t index)
    : view_(std::move(view)), name_(std::move(name)), index_(index) {}

MappedFrame::~MappedFrame() = default;

bool MappedFrame::truncated() const { return view_->truncated(); }

std::string MappedFrame::truncated_message() const {
  return truncated_text(name_, index_);
}

std::unique_ptr<MappedFrame> RawReader::map(std::uint64_t index, bool chroma) const {
  if (!mappable_) return nullptr;
  const RawLayout& l = layout_;
  if (chroma && l.chroma_width == 0) throw InputError(path_ + ": has no chroma planes");
  const FrameStart frame_at = frame_start(index);
  const std::uint64_t start = frame_at.offset;
  const std::uint64_t luma_at = start + frame_at.header_bytes;
  const std::uint64_t luma_bytes = plane_bytes(l.width, l.height, l.bpc);
  const std::uint64_t chroma_bytes = plane_bytes(l.chroma_width, l.chroma_height, l.bpc);
  const std::uint64_t end = luma_at + luma_bytes + (chroma ? 2 * chroma_bytes : 0);
  if (l.bpc > 8 && luma_at % 2) return nullptr;
  // Cut short since it was opened: the message read() gives.
  if (file_->size(path_) < end) throw InputError(truncated_text(path_, index));
  if (end - start > SIZE_MAX) return nullptr;

  // Read in here, on the reading thread, as read() would fill its buffer.
  auto view = platform::map_file(*file_, start, static_cast<std::size_t>(end - start));
  if (!view) return nullptr;
  const std::uint8_t* p = view->data();
  std::unique_ptr<MappedFrame> frame(new MappedFrame(std::move(view), path_, index));
  const bool marker_ok = header_matches(p, frame_at.header_bytes);
  p += frame_at.header_bytes;
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
