#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "pyvmaf_tiny/picture.hpp"

namespace pvt {

// Frames of a file whose frames are equal-sized, back to back after a header:
// planar YUV (raw .yuv), luma first, then Cb and Cr when chroma_width > 0.
// Each frame may start with a fixed marker (`frame_marker`, checked: Y4M's
// "FRAME\n").
// read() fills plane buffers directly from the file, with no other copy when
// the buffer's rows are unpadded, and is safe to call from any one thread.
struct RawLayout {
  int width = 0, height = 0, bpc = 8;
  int chroma_width = 0, chroma_height = 0;  // 0: no chroma planes in the file
  std::uint64_t header = 0;                 // bytes before frame 0
  std::string frame_marker;                 // bytes before each frame's planes
};

class RawReader {
 public:
  RawReader(std::string path, const RawLayout& layout);
  ~RawReader();
  RawReader(const RawReader&) = delete;
  RawReader& operator=(const RawReader&) = delete;

  const RawLayout& layout() const { return layout_; }
  const std::string& name() const { return path_; }
  std::uint64_t frame_bytes() const { return frame_bytes_; }
  std::uint64_t frame_count() const { return frame_count_; }

  // Reads frame `index`: luma into `luma`, and Cb / Cr into chroma[0..1]
  // when `chroma` is non-null. Buffers must match the layout. Throws
  // InputError if the file ends early or (9..15-bit) a sample exceeds bpc bits.
  void read(std::uint64_t index, PlaneBuffer& luma, PlaneBuffer* chroma) const;

 private:
  void read_plane(std::uint64_t offset, PlaneBuffer& dst, std::uint64_t index) const;
  void read_exact(void* dst, std::size_t bytes, std::uint64_t offset, std::uint64_t index) const;

  std::string path_;
  RawLayout layout_;
  int fd_ = -1;
  std::uint64_t frame_bytes_ = 0;
  std::uint64_t frame_count_ = 0;
  mutable std::vector<std::uint8_t> staging_;  // for padded destination rows and markers
};

}  // namespace pvt
