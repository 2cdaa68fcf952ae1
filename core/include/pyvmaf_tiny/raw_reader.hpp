#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pyvmaf_tiny/picture.hpp"

namespace pvt {
namespace platform {
class FileView;
class RegularFile;
}  // namespace platform

// Frames of a file whose frames are equal-sized, back to back after a header:
// planar YUV (raw .yuv), luma first, then Cb and Cr when chroma_width > 0.
// Each frame may start with a fixed marker (`frame_marker`, checked: Y4M's
// "FRAME\n"), or, where `runs` is given, with a header whose length may
// change from frame to frame (Y4M frame parameters), re-checked by
// `header_ok` whenever the frame is read.
// read() fills plane buffers directly from the file, with no other copy when
// the buffer's rows are unpadded; map() views a frame in place, with no copy
// at all. Both are safe to call from any one thread.
// Frames [first_frame, next run's first_frame) start at offset, offset +
// (header_bytes + planes), ...: each with a header of header_bytes bytes.
struct FrameRun {
  std::uint64_t first_frame = 0;
  std::uint64_t offset = 0;
  std::uint64_t header_bytes = 0;
};

struct RawLayout {
  int width = 0, height = 0, bpc = 8;
  int chroma_width = 0, chroma_height = 0;  // 0: no chroma planes in the file
  std::uint64_t header = 0;                 // bytes before frame 0
  std::string frame_marker;                 // bytes before each frame's planes
  // Frames not evenly spaced: an index of runs of evenly spaced ones, in
  // order, frame 0 first, and the number of frames they hold (`header` and
  // `frame_marker` are then unused).
  std::vector<FrameRun> runs;
  std::uint64_t run_frames = 0;
  std::function<bool(const std::uint8_t* header, std::size_t bytes)> header_ok;
};

// One frame viewed in place in its file, through a read-only mapping that
// lives as long as this object (independently of the reader).
class MappedFrame {
 public:
  ~MappedFrame();
  MappedFrame(const MappedFrame&) = delete;
  MappedFrame& operator=(const MappedFrame&) = delete;

  const Plane& luma() const { return luma_; }
  // Cb and Cr, when map() was asked for them.
  const Plane* chroma() const { return chroma_; }
  // Whether the file was cut short under the mapping since map(): the lost
  // pages then read as zeros, and nothing computed from them may be used.
  bool truncated() const;
  // The reader's message for that case.
  std::string truncated_message() const;

 private:
  friend class RawReader;
  MappedFrame(std::unique_ptr<platform::FileView> view, std::string name, std::uint64_t index);

  std::unique_ptr<platform::FileView> view_;
  std::string name_;
  std::uint64_t index_;
  Plane luma_;
  Plane chroma_[2];
};

class RawReader {
 public:
  RawReader(std::string path, const RawLayout& layout);
  virtual ~RawReader();
  RawReader(const RawReader&) = delete;
  RawReader& operator=(const RawReader&) = delete;

  const RawLayout& layout() const { return layout_; }
  const std::string& name() const { return path_; }
  // Bytes of one frame: its planes, and its marker where that is fixed.
  std::uint64_t frame_bytes() const { return frame_bytes_; }
  std::uint64_t frame_count() const { return frame_count_; }

  // Reads frame `index`: luma into `luma`, and Cb / Cr into chroma[0..1]
  // when `chroma` is non-null. Buffers must match the layout. Throws
  // InputError if the file ends early or (9..15-bit) a sample exceeds bpc bits
  // (check_sample_range()).
  void read(std::uint64_t index, PlaneBuffer& luma, PlaneBuffer* chroma) const;
  // Frame `index` in place: luma, and Cb / Cr when `chroma`. Null when the
  // frame cannot be mapped (then read() it): PYVMAF_TINY_NO_MMAP=1 is set,
  // the file system refuses, or its 16-bit samples would be misaligned.
  // Throws as read() does.
  std::unique_ptr<MappedFrame> map(std::uint64_t index, bool chroma) const;

 protected:
  // Adopts `file`, an open regular file (closed by the reader, also when this
  // throws); `name` is what messages call it.
  RawReader(std::string name, std::unique_ptr<platform::RegularFile> file, const RawLayout& layout);

 private:
  struct FrameStart {
    std::uint64_t offset;        // where the frame's header starts
    std::uint64_t header_bytes;  // its length
  };
  FrameStart frame_start(std::uint64_t index) const;
  bool header_matches(const std::uint8_t* bytes, std::uint64_t index) const;
  void read_plane(std::uint64_t offset, PlaneBuffer& dst, std::uint64_t index) const;
  void read_exact(void* dst, std::size_t bytes, std::uint64_t offset, std::uint64_t index) const;

  std::string path_;
  RawLayout layout_;
  std::unique_ptr<platform::RegularFile> file_;
  std::uint64_t frame_bytes_ = 0;
  std::uint64_t frame_count_ = 0;
  bool mappable_ = true;
  mutable std::vector<std::uint8_t> staging_;  // for padded destination rows and markers
};

}  // namespace pvt
