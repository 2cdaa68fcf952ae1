#include "pyvmaf_tiny/y4m.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "pyvmaf_tiny/errors.hpp"
#include "../platform/file.hpp"

namespace pvt {
namespace {

constexpr std::string_view kMagic = "YUV4MPEG2 ";
constexpr std::string_view kFrame = "FRAME";

struct Colour {
  std::string_view tag, layout;
  int bpc;
};

// Every colour space the package reads: its C tag, planar layout and depth.
constexpr Colour kColours[] = {
    {"420", "yuv420p", 8},       {"420jpeg", "yuv420p", 8},   {"420mpeg2", "yuv420p", 8},
    {"420paldv", "yuv420p", 8},  {"422", "yuv422p", 8},       {"444", "yuv444p", 8},
    {"mono", "gray", 8},         {"420p9", "yuv420p", 9},     {"422p9", "yuv422p", 9},
    {"444p9", "yuv444p", 9},     {"420p10", "yuv420p", 10},   {"422p10", "yuv422p", 10},
    {"444p10", "yuv444p", 10},   {"mono10", "gray", 10},      {"420p12", "yuv420p", 12},
    {"422p12", "yuv422p", 12},   {"444p12", "yuv444p", 12},   {"mono12", "gray", 12},
    {"420p14", "yuv420p", 14},   {"422p14", "yuv422p", 14},   {"444p14", "yuv444p", 14},
    {"420p16", "yuv420p", 16},   {"422p16", "yuv422p", 16},   {"444p16", "yuv444p", 16},
    {"mono16", "gray", 16},
};

// Decimal digits only, at most `max`; false otherwise (no sign, no overflow).
bool parse_uint(std::string_view s, std::uint64_t max, std::uint64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  std::uint64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (max - d) / 10) return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

// "N:D", each at most 2^31 - 1 (0:0 is "unknown").
bool parse_ratio(std::string_view s, std::uint32_t& num, std::uint32_t& den) {
  const auto colon = s.find(':');
  std::uint64_t n = 0, d = 0;
  if (colon == std::string_view::npos || !parse_uint(s.substr(0, colon), 0x7fffffff, n) ||
      !parse_uint(s.substr(colon + 1), 0x7fffffff, d))
    return false;
  num = static_cast<std::uint32_t>(n);
  den = static_cast<std::uint32_t>(d);
  return true;
}

[[noreturn]] void malformed(const std::string& name, const std::string& what) {
  throw InputError(name + ": malformed Y4M header: " + what);
}

std::uint64_t plane_bytes(int w, int h, int bpc) {
  return static_cast<std::uint64_t>(w) * static_cast<std::uint64_t>(h) * (bpc > 8 ? 2u : 1u);
}

// Reads a file front to back through one window, for the frame headers.
class Window {
 public:
  Window(const platform::RegularFile& file, std::uint64_t size, const std::string& name)
      : file_(file), size_(size), name_(name) {}

  // Up to `want` bytes at `pos` (fewer only at the end of the file); a refill
  // reads `fill` bytes ahead, so headers of small frames come from one read.
  std::string_view at(std::uint64_t pos, std::size_t want, std::size_t fill) {
    want = static_cast<std::size_t>(std::min<std::uint64_t>(want, size_ - std::min(pos, size_)));
    if (pos < at_ || pos + want > at_ + buf_.size()) {
      buf_.resize(std::max(want, fill));
      const platform::RegularFile::Read got = file_.read_at(buf_.data(), buf_.size(), pos);
      if (!got.error.empty()) throw InputError(name_ + ": read error (" + got.error + ")");
      buf_.resize(got.bytes);
      at_ = pos;
      want = std::min(want, got.bytes);
    }
    return {buf_.data() + (pos - at_), want};
  }

 private:
  const platform::RegularFile& file_;
  std::uint64_t size_;
  const std::string& name_;
  std::string buf_;
  std::uint64_t at_ = 0;
};

}  // namespace

Y4mFormat parse_y4m_header(std::string_view bytes, const std::string& name, const Y4mLimits& limits) {
  if (bytes.empty()) throw InputError(name + ": file is empty");
  const auto end = bytes.substr(0, limits.max_stream_header).find('\n');
  if (bytes.substr(0, kMagic.size()) != kMagic || end == std::string_view::npos)
    throw InputError(name + ": not a Y4M file (the header must start with 'YUV4MPEG2 ' and end in a newline, within " +
                     std::to_string(limits.max_stream_header) + " bytes)");
  const std::string_view fields = bytes.substr(kMagic.size(), end - kMagic.size());
  for (const char c : fields) {
    if (static_cast<unsigned char>(c) >= 0x80) malformed(name, "non-ASCII bytes");
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) malformed(name, "control characters");
  }
  Y4mFormat f;
  f.header_bytes = end + 1;
  std::string seen;  // tags given so far (each at most once)
  std::size_t pos = 0;
  while (pos < fields.size()) {
    const auto space = std::min(fields.find(' ', pos), fields.size());
    const std::string_view field = fields.substr(pos, space - pos);
    pos = space + 1;
    if (field.empty()) continue;
    const char tag = field[0];
    const std::string_view value = field.substr(1);
    if (tag == 'X') {
      f.extensions.emplace_back(value);
      continue;
    }
    if (std::string_view("WHCIFA").find(tag) == std::string_view::npos) continue;  // unknown tags are skipped
    if (seen.find(tag) != std::string::npos) malformed(name, std::string(1, tag) + " given twice");
    seen += tag;
    std::uint64_t v = 0;
    switch (tag) {
      case 'W':
      case 'H':
        if (!parse_uint(value, kY4mMaxDimension, v) || v == 0)
          malformed(name, std::string("bad ") + tag + " value '" + std::string(value) + "' (1 to " +
                              std::to_string(kY4mMaxDimension) + ")");
        (tag == 'W' ? f.width : f.height) = static_cast<int>(v);
        break;
      case 'C':
        f.colour = value;
        break;
      case 'I':
        if (value == "p" || value == "?" || value.empty()) f.interlace = value == "p" ? 'p' : '?';
        else throw InputError(name + ": interlaced Y4M (I" + std::string(value) + ") is not supported");
        break;
      case 'F':
        if (!parse_ratio(value, f.fps_num, f.fps_den)) malformed(name, "bad F value '" + std::string(value) + "'");
        break;
      case 'A':
        if (!parse_ratio(value, f.sar_num, f.sar_den)) malformed(name, "bad A value '" + std::string(value) + "'");
        break;
    }
  }
  if (f.width == 0 || f.height == 0) malformed(name, "no W (width) or H (height)");
  const auto colour = std::find_if(std::begin(kColours), std::end(kColours),
                                   [&](const Colour& c) { return c.tag == f.colour; });
  if (colour == std::end(kColours)) throw InputError(name + ": unsupported Y4M colour space C" + f.colour);
  f.layout = colour->layout;
  f.bpc = colour->bpc;
  if (f.layout != "gray") {
    const int sx = f.layout == "yuv444p" ? 0 : 1, sy = f.layout == "yuv420p" ? 1 : 0;
    f.chroma_width = (f.width + (1 << sx) - 1) >> sx;
    f.chroma_height = (f.height + (1 << sy) - 1) >> sy;
  }
  return f;
}

bool y4m_frame_header_ok(const std::uint8_t* bytes, std::size_t n) {
  if (n < kFrame.size() + 1 || std::memcmp(bytes, kFrame.data(), kFrame.size()) != 0 || bytes[n - 1] != '\n')
    return false;
  if (n == kFrame.size() + 1) return true;
  if (bytes[kFrame.size()] != ' ') return false;
  for (std::size_t i = kFrame.size() + 1; i + 1 < n; ++i)
    if (bytes[i] < 0x20 || bytes[i] > 0x7e) return false;
  return true;
}

Y4mReader::Y4mReader(std::string name, std::unique_ptr<platform::RegularFile> file, const RawLayout& layout,
                     Y4mFormat format, bool plain)
    : RawReader(std::move(name), std::move(file), layout), format_(std::move(format)), plain_(plain), runs_(layout.runs.size()) {}

std::unique_ptr<Y4mReader> Y4mReader::open(const std::string& path, const std::string& given_name,
                                           const Y4mLimits& limits) {
  const std::string& name = given_name.empty() ? path : given_name;
  auto file = std::make_unique<platform::RegularFile>(path, "");
  const std::uint64_t size = file->size(name);
  Window window(*file, size, name);
  Y4mFormat format = parse_y4m_header(window.at(0, limits.max_stream_header, limits.max_stream_header), name, limits);

  RawLayout layout;
  layout.width = format.width;
  layout.height = format.height;
  layout.bpc = format.bpc;
  layout.chroma_width = format.chroma_width;
  layout.chroma_height = format.chroma_height;
  const std::uint64_t planes = plane_bytes(format.width, format.height, format.bpc) +
                               2 * plane_bytes(format.chroma_width, format.chroma_height, format.bpc);
  // Small frames: their headers come many to a read.
  const std::size_t fill = planes < (1u << 16) ? (1u << 16) : limits.max_frame_header;

  bool plain = true;
  std::uint64_t pos = format.header_bytes, count = 0;
  std::uint64_t run_header = 0, run_next = 0;  // the current run's header length, and where it would continue
  while (pos < size) {
    const std::string_view head = window.at(pos, limits.max_frame_header, fill);
    const auto newline = head.find('\n');
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(head.data());
    if (newline == std::string_view::npos || !y4m_frame_header_ok(bytes, newline + 1))
      throw InputError(name + ": frame " + std::to_string(count) + ": missing or malformed FRAME marker");
    const std::uint64_t header = newline + 1;
    plain = plain && header == kFrame.size() + 1;
    if (layout.runs.empty() || header != run_header || pos != run_next) {
      if (layout.runs.size() >= limits.max_index_runs)
        throw InputError(name + ": frame " + std::to_string(count) + ": frame headers change length more than " +
                         std::to_string(limits.max_index_runs) + " times; too many to index");
      layout.runs.push_back(FrameRun{count, pos, header});
      run_header = header;
    }
    if (size - pos - header < planes)
      throw InputError(name + ": truncated: frame " + std::to_string(count) + " has " +
                       std::to_string(size - pos - header) + " of " + std::to_string(planes) + " bytes");
    pos += header + planes;
    run_next = pos;
    ++count;
  }
  if (count == 0) throw InputError(name + ": no frames");
  layout.run_frames = count;
  layout.header_ok = y4m_frame_header_ok;
  return std::unique_ptr<Y4mReader>(new Y4mReader(name, std::move(file), layout, std::move(format), plain));
}

}  // namespace pvt
