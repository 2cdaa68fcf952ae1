#pragma once
// YUV4MPEG2 (.y4m) files: the stream header's geometry and format, and an
// index of every frame, so that all frames (with or without per-frame
// parameters) are read, mapped or copied, by the RawReader underneath.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pyvmaf_tiny/raw_reader.hpp"

namespace pvt {

struct Y4mLimits {
  std::size_t max_stream_header = 1024;  // bytes, its newline included
  std::size_t max_frame_header = 1024;   // "FRAME", its parameters and newline
  // Index entries, one per place where the frame headers change length; a
  // file of evenly spaced frames needs one, whatever its length.
  std::size_t max_index_runs = std::size_t{1} << 20;
};

inline constexpr int kY4mMaxDimension = 1 << 15;

struct Y4mFormat {
  int width = 0, height = 0;
  std::string colour = "420jpeg";  // the C tag; 420jpeg when there is none
  std::string layout;              // "yuv420p", "yuv422p", "yuv444p" or "gray"
  int bpc = 8;
  int chroma_width = 0, chroma_height = 0;  // 0 for gray
  char interlace = '?';                     // 'p' or '?': interlaced streams are refused
  std::uint32_t fps_num = 0, fps_den = 0;   // F; 0:0 when absent or unknown
  std::uint32_t sar_num = 0, sar_den = 0;   // A; 0:0 when absent or unknown
  std::vector<std::string> extensions;      // X tags, without the X
  std::uint64_t header_bytes = 0;           // the stream header, newline included
};

// Parses the stream header at the start of `bytes` (which need not hold more
// than the header). Throws InputError naming `name`.
Y4mFormat parse_y4m_header(std::string_view bytes, const std::string& name, const Y4mLimits& limits = {});

// Whether bytes[0, n) is one frame header: "FRAME", then either "\n" or " "
// and printable parameters, ending in its only newline.
bool y4m_frame_header_ok(const std::uint8_t* bytes, std::size_t n);

class Y4mReader final : public RawReader {
 public:
  // Opens `path` (a regular file; messages call it `name`, or `path` when
  // `name` is empty), parses its stream header and indexes every frame
  // header. Throws InputError: not a Y4M file, a bad header, a truncated or
  // malformed frame, no frames, or an index beyond limits.max_index_runs.
  static std::unique_ptr<Y4mReader> open(const std::string& path, const std::string& name = "",
                                         const Y4mLimits& limits = {});

  const Y4mFormat& format() const { return format_; }
  // Whether every frame header is the plain "FRAME\n".
  bool plain_frames() const { return plain_; }
  std::size_t index_runs() const { return runs_; }

 private:
  Y4mReader(std::string name, std::unique_ptr<platform::RegularFile> file, const RawLayout& layout, Y4mFormat format,
            bool plain);
  Y4mFormat format_;
  bool plain_ = true;
  std::size_t runs_ = 0;
};

}  // namespace pvt
