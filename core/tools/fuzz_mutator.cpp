#include "fuzz_mutator.hpp"

#include <algorithm>
#include <cstring>
#include <string_view>
#include <utility>

namespace pvt_fuzz {
namespace {

template <class T, std::size_t N>
const T& pick(Rng& r, const T (&items)[N]) {
  return items[r.below(N)];
}

const char* const kDecimals[] = {
    "0",          "1",          "2",          "3",          "4",          "7",           "8",
    "9",          "15",         "16",         "17",         "31",         "32",          "33",
    "63",         "64",         "65",         "127",        "128",        "255",         "256",
    "1023",       "1024",       "4095",       "4096",       "32767",      "32768",       "32769",
    "65535",      "65536",      "2147483647", "2147483648", "4294967295", "4294967296",  "9223372036854775807",
    "9223372036854775808",      "18446744073709551615",     "18446744073709551616",    "99999999999999999999999",
    "-1",         "-0",         "00",         "007",        "",           "1e9",         "0x10",
    "+8",         "8x",         " 8",         "1.5",
};

const char* const kY4mColours[] = {
    "420",    "420jpeg", "420mpeg2", "420paldv", "422",    "444",     "mono",    "420p9",  "422p9",
    "444p9",  "420p10",  "422p10",   "444p10",   "mono10", "420p12",  "422p12",  "444p12", "mono12",
    "420p14", "422p14",  "444p14",   "420p16",   "422p16", "444p16",  "mono16",
};
const char* const kY4mBadColours[] = {"411", "410", "420p11", "mono9", "mono14", "444alpha", "420jpe", "420jpegX",
                                      "",    "MONO", "444p",  "420p8", "420p10le", "yuv420p", "422p10 "};
const char* const kY4mInterlace[] = {"p", "?", "", "t", "b", "m", "x", "pp", "P", "0"};
const char* const kY4mRatios[] = {"25:1",   "30000:1001", "0:0",   "1:0",           "0:1",
                                  ":",      "25",         "25:",   "25:1:1",        "-1:1",
                                  "4294967296:1",         "2147483647:2147483647",  "2147483648:1",
                                  "1:2147483648",         "00:01", "1:1",           "128:117"};
const char* const kY4mExtensions[] = {"", "YSCSS=420", "YSCSS=420P10", "COLORRANGE=FULL", "COLORRANGE=LIMITED", "=",
                                      "XXXXXXXXXXXXXXXX"};
const char* const kFrameParams[] = {"Ip", "Ixyz", "XFOO=1", "A1:1", "", " ", "X", "I?", "Ib", "F25:1"};

const char* const kPixFmts[] = {"yuv420p",     "yuv422p",     "yuv444p",     "gray",      "yuv420p10le", "yuv422p12le",
                                "yuv444p16le", "gray16le",    "gray10le",    "yuv420p9le", "yuv420p14le", "nv12",
                                "yuv410p",     "yuv411p",     "rgb24",       "",          "yuv444p12le", "gray12le"};

const char* const kJsonNumbers[] = {
    "0",      "-0",      "1",       "-1",      "00",      "01",     "1.",      "-.5",       ".5",
    "1e",     "1e+",     "1e309",   "-1e309",  "1e-400",  "4.9e-324", "1.7976931348623157e308",
    "2.2250738585072014e-308",      "9007199254740993",   "123456789012345678901234567890",
    "NaN",    "Infinity", "-Infinity", "0x10", "+1",      "1E2",    "-",       "--1",       "1.0e+",
    "1e1000000000",     "1e300",    "-1e300",  "1e-300",  "-1e-300", "0.5",    "100",     "2",
    "1000000",          "-1000000", "3.0",     "0e0",     "-0.0",    "1e-7",   "65536",   "4294967296",
};
const char* const kJsonStrings[] = {
    "",        "\\u0000", "\\ud800",  "\\udc00\\ud800", "\\ud83d\\ude00", "\xff\xfe", "\xc0\x80", "\xed\xa0\x80",
    "\xf4\x90\x80\x80",  "a\\\"b",   "\\x41",  "\\u12",  "\t",        "../../etc/passwd", "/dev/zero",
    "model.onnx",        "m.onnx",   "pyvmaf-tiny/model/1", "pyvmaf-tiny/model/2", "fr_features",
    "VMAF_integer_feature_adm2_score", "VMAF_feature_adm2_score", "VMAF_integer_feature_vif_scale0_score",
    "VMAF_integer_feature_motion2_score", "integer_adm2", "integer_motion2", "integer_vif_scale0", "libsvmnusvr",
    "rbf",     "linear",  "fp16",     "int8",    "fp32",     "features", "vmaf",      "split_conformal",
    "adm_enhn_gain_limit", "NaN",    "0",        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
};
const char* const kJsonValues[] = {"null", "true", "false", "0", "\"\"", "[]", "{}", "[0]", "{\"a\":1}", "-1",
                                   "1e300", "[[]]", "\"x\"", "[1,2,3]"};
const char* const kJsonGarbage[] = {" ", "\t", "\r\n", "\f", "\v", "\xc2\xa0", "\xef\xbb\xbf", "/*c*/", "//c\n",
                                    ",", ":", "]", "}", "\"", "\\"};

const char* const kOnnxStrings[] = {
    "Concat",    "ReduceMean", "Gemm",     "Relu",      "Sigmoid",        "Mul",         "Add",
    "Sub",       "Div",        "MatMul",   "Squeeze",   "Unsqueeze",      "Reshape",     "Expand",
    "Tile",      "Loop",       "If",       "Scan",      "Identity",       "Constant",    "ConstantOfShape",
    "Range",     "Pad",        "Resize",   "com.microsoft", "ai.onnx",    "",            "ai.onnx.ml",
    "custom",    "features",   "vmaf",     "N",         "Clip",           "Softmax",     "Transpose",
    "Flatten",   "Cast",       "Shape",    "Gather",    "Slice",          "Split",       "Where",
};

const std::uint64_t kInts[] = {0,          1,          2,          7,          8,          16,         17,
                               18,         19,         20,         21,         22,         127,        128,
                               255,        256,        0x7fff,     0x8000,     0xffff,     0x10000,    0x7fffffff,
                               0x80000000, 0xffffffff, 1ull << 32, 1ull << 62, 0x7fffffffffffffffull,
                               0x8000000000000000ull,  ~0ull,      ~0ull - 1};
const unsigned char kBytes[] = {0, 1, 0x7f, 0x80, 0xff, '\n', ' ', ':', '0', '9', '"', '\\', '{', '[', ',', '-',
                                '.', 'e', 0xfe, 0x20, 0x0d, 0x09};

std::size_t pos_in(Rng& r, const std::string& d) { return r.below(d.size() + 1); }

void write_int(std::string& d, std::size_t at, std::uint64_t v, unsigned bytes, bool big_endian) {
  for (unsigned i = 0; i < bytes && at + i < d.size(); ++i) {
    const unsigned shift = 8 * (big_endian ? bytes - 1 - i : i);
    d[at + i] = static_cast<char>((v >> shift) & 0xff);
  }
}

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A decimal near `text` (its value +-1..3) when it fits 64 bits, else an interesting one.
std::string decimal_near(std::string_view text, Rng& r) {
  if (text.empty() || text.size() > 19 || r.chance(60)) return pick(r, kDecimals);
  std::uint64_t v = 0;
  for (char c : text) v = v * 10 + static_cast<std::uint64_t>(c - '0');
  const std::uint64_t delta = 1 + r.below(3);
  return std::to_string(r.chance(50) ? v + delta : v - std::min(v, delta));
}

}  // namespace

std::uint64_t fnv1a(const void* data, std::size_t n, std::uint64_t h) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

std::uint64_t fnv1a(const std::string& s) { return fnv1a(s.data(), s.size()); }

void mutate_bytes(std::string& d, Rng& r, const std::vector<std::string>& pool) {
  const std::size_t n = d.size();
  switch (r.below(n ? 12 : 2)) {
    case 0: {  // insert random bytes
      std::string ins(1 + r.below(16), '\0');
      for (char& c : ins) c = static_cast<char>(r.next());
      d.insert(pos_in(r, d), ins);
      break;
    }
    case 1: {  // splice with another seed: a chunk of it, or its tail after our head
      if (pool.empty()) break;
      const std::string& other = pool[r.below(pool.size())];
      if (other.empty()) break;
      if (r.chance(50)) {
        const std::size_t a = r.below(other.size()), len = 1 + r.below(std::min<std::size_t>(other.size() - a, 512));
        d.insert(pos_in(r, d), other, a, len);
      } else {
        d = d.substr(0, pos_in(r, d)) + other.substr(r.below(other.size()));
      }
      break;
    }
    case 2:
      d[r.below(n)] ^= static_cast<char>(1u << r.below(8));
      break;
    case 3:
      d[r.below(n)] = static_cast<char>(r.next());
      break;
    case 4:
      d[r.below(n)] = static_cast<char>(pick(r, kBytes));
      break;
    case 5: {  // an interesting integer, 1 to 8 bytes, either byte order
      const unsigned sizes[] = {1, 2, 4, 8};
      std::uint64_t v = pick(r, kInts);
      if (r.chance(30)) v = ~v + 1;  // negated
      write_int(d, r.below(n), v, pick(r, sizes), r.chance(50));
      break;
    }
    case 6: {
      const std::size_t at = r.below(n);
      d[at] = static_cast<char>(d[at] + (r.chance(50) ? 1 : -1) * static_cast<int>(1 + r.below(35)));
      break;
    }
    case 7: {  // delete a range, usually short
      const std::size_t at = r.below(n);
      const std::size_t len = 1 + r.below(std::min(n - at, r.chance(80) ? std::size_t{16} : n));
      d.erase(at, len);
      break;
    }
    case 8: {  // duplicate a chunk, sometimes several times over
      const std::size_t at = r.below(n);
      const std::size_t len = 1 + r.below(std::min(n - at, r.chance(80) ? std::size_t{256} : n));
      const std::string chunk = repeat(std::string_view(d).substr(at, len), r.chance(80) ? 1 : 2 + r.below(16));
      d.insert(pos_in(r, d), chunk);
      break;
    }
    case 9:
      d.insert(pos_in(r, d), std::string(1 + r.below(256), static_cast<char>(pick(r, kBytes))));
      break;
    case 10:
      d.resize(r.below(n));
      break;
    case 11: {  // swap two equal-length chunks
      const std::size_t len = 1 + r.below(std::min<std::size_t>(n, 32));
      if (len > n / 2) break;
      const std::size_t a = r.below(n - len + 1), b = r.below(n - len + 1);
      if (a + len <= b || b + len <= a)
        for (std::size_t i = 0; i < len; ++i) std::swap(d[a + i], d[b + i]);
      break;
    }
  }
}

void mutate_decimal(std::string& d, Rng& r) {
  // Runs of digits; a run is taken at random (the first of up to 256 seen
  // from a random start, so long binary payloads cost little).
  std::vector<std::pair<std::size_t, std::size_t>> runs;
  const std::size_t start = d.empty() ? 0 : (r.chance(50) ? 0 : r.below(d.size()));
  for (std::size_t i = start; i < d.size() && runs.size() < 256; ++i) {
    if (!is_digit(d[i])) continue;
    std::size_t j = i;
    while (j < d.size() && is_digit(d[j])) ++j;
    runs.emplace_back(i, j - i);
    i = j;
  }
  if (runs.empty()) {
    d.insert(pos_in(r, d), pick(r, kDecimals));
    return;
  }
  const auto [at, len] = runs[r.chance(50) ? r.below(std::min<std::size_t>(runs.size(), 8)) : r.below(runs.size())];
  // Numbers written as text anywhere (a libsvm model inside a JSON string, a
  // geometry line): near values, interesting integers, or extreme floats.
  d.replace(at, len, r.chance(15) ? std::string(pick(r, kJsonNumbers)) : decimal_near(std::string_view(d).substr(at, len), r));
}

namespace {

// The Y4M stream header line, split at spaces; the rest of the file after it.
struct Y4mParts {
  std::vector<std::string> tokens;
  std::string rest;  // from the header's newline on (empty when it has none)
};

Y4mParts split_y4m(const std::string& d) {
  Y4mParts p;
  std::size_t end = d.find('\n');
  if (end == std::string::npos || end > 2048) end = std::min<std::size_t>(d.size(), 2048);
  const std::string head = d.substr(0, end);
  p.rest = d.substr(end);
  std::size_t pos = 0;
  while (pos <= head.size()) {
    const std::size_t sp = std::min(head.find(' ', pos), head.size());
    p.tokens.push_back(head.substr(pos, sp - pos));
    pos = sp + 1;
  }
  return p;
}

std::string y4m_value(char tag, const std::string& old, Rng& r) {
  switch (tag) {
    case 'W':
    case 'H':
      return decimal_near(old.size() > 1 && std::all_of(old.begin() + 1, old.end(), is_digit) ? old.substr(1) : "", r);
    case 'C':
      return r.chance(75) ? pick(r, kY4mColours) : pick(r, kY4mBadColours);
    case 'I':
      return pick(r, kY4mInterlace);
    case 'F':
    case 'A':
      return pick(r, kY4mRatios);
    case 'X':
      return r.chance(90) ? pick(r, kY4mExtensions) : std::string(1 + r.below(1100), 'x');
    default:
      return r.chance(50) ? pick(r, kDecimals) : pick(r, kY4mExtensions);
  }
}

// A fresh, mostly well-formed file of small odd geometry: the header's other
// tags kept, new W, H, C and 1 to 4 frames, some with frame parameters.
void reframe_y4m(std::string& d, Rng& r) {
  Y4mParts p = split_y4m(d);
  const int dims[] = {1, 2, 3, 4, 5, 7, 8, 9, 11, 15, 16, 17, 18, 24, 31, 32, 33, 40};
  const int w = r.chance(20) ? 1 + static_cast<int>(r.below(48)) : pick(r, dims);
  const int h = r.chance(20) ? 1 + static_cast<int>(r.below(48)) : pick(r, dims);
  const std::string colour = r.chance(92) ? pick(r, kY4mColours) : pick(r, kY4mBadColours);
  std::string head = "YUV4MPEG2 W" + std::to_string(w) + " H" + std::to_string(h);
  for (std::size_t i = 1; i < p.tokens.size(); ++i) {
    const std::string& t = p.tokens[i];
    if (!t.empty() && t[0] != 'W' && t[0] != 'H' && t[0] != 'C') head += " " + t;
  }
  if (!(colour == "420jpeg" && r.chance(30))) head += " C" + colour;
  head += "\n";
  const int bpc = colour.find("p9") != std::string::npos    ? 9
                  : colour.find("10") != std::string::npos  ? 10
                  : colour.find("12") != std::string::npos  ? 12
                  : colour.find("14") != std::string::npos  ? 14
                  : colour.find("16") != std::string::npos  ? 16
                                                            : 8;
  const bool mono = colour.rfind("mono", 0) == 0;
  const int sx = colour.rfind("444", 0) == 0 ? 0 : 1, sy = colour.rfind("420", 0) == 0 ? 1 : 0;
  const std::size_t cw = mono ? 0 : static_cast<std::size_t>((w + (1 << sx) - 1) >> sx);
  const std::size_t ch = mono ? 0 : static_cast<std::size_t>((h + (1 << sy) - 1) >> sy);
  const std::size_t samples = static_cast<std::size_t>(w) * static_cast<std::size_t>(h) + 2 * cw * ch;
  const std::size_t bps = bpc > 8 ? 2 : 1;
  const std::size_t frames = 1 + r.below(4);
  const bool masked = r.chance(85);  // samples within the bit depth
  std::string out = head;
  for (std::size_t f = 0; f < frames; ++f) {
    if (r.chance(75)) {
      out += "FRAME\n";
    } else {
      out += "FRAME";
      for (std::size_t k = 0, n = 1 + r.below(3); k < n; ++k) out += std::string(" ") + pick(r, kFrameParams);
      out += "\n";
    }
    const std::size_t from = p.rest.empty() ? 0 : r.below(p.rest.size());
    for (std::size_t s = 0; s < samples; ++s) {
      std::uint32_t v = static_cast<std::uint32_t>(!p.rest.empty() && r.chance(50)
                                                       ? static_cast<unsigned char>(p.rest[(from + s) % p.rest.size()])
                                                       : r.next());
      if (bps == 2) {
        v = (v * 0x9E37u) & 0xffff;
        if (masked) v &= (1u << bpc) - 1;
        out += static_cast<char>(v & 0xff);
        out += static_cast<char>(v >> 8);
      } else {
        out += static_cast<char>(v);
      }
    }
  }
  d = std::move(out);
}

}  // namespace

void mutate_y4m(std::string& d, Rng& r) {
  switch (r.below(9)) {
    case 0:
    case 1:
    case 2: {  // a header tag
      Y4mParts p = split_y4m(d);
      if (p.tokens.size() < 2) {
        d.insert(0, "YUV4MPEG2 W8 H8\n");
        return;
      }
      const std::size_t i = 1 + r.below(p.tokens.size() - 1);
      std::string& t = p.tokens[i];
      switch (r.below(7)) {
        case 0:
        case 1: {
          const char tag = t.empty() ? 'W' : t[0];
          t = std::string(1, tag) + y4m_value(tag, t, r);
          break;
        }
        case 2:
          p.tokens.erase(p.tokens.begin() + static_cast<std::ptrdiff_t>(i));
          break;
        case 3:
          p.tokens.insert(p.tokens.begin() + static_cast<std::ptrdiff_t>(i), t);
          break;
        case 4: {
          const char tags[] = {'W', 'H', 'C', 'I', 'F', 'A', 'X', 'Z', 'w', '\t'};
          const char tag = pick(r, tags);
          p.tokens.insert(p.tokens.begin() + static_cast<std::ptrdiff_t>(i), std::string(1, tag) + y4m_value(tag, "", r));
          break;
        }
        case 5:
          std::swap(t, p.tokens[1 + r.below(p.tokens.size() - 1)]);
          break;
        case 6: {
          const char* const magics[] = {"YUV4MPEG", "YUV4MPEG2\t", "yuv4mpeg2", "YUV4MPEG3", "", "YUV4MPEG2 YUV4MPEG2"};
          p.tokens[0] = pick(r, magics);
          break;
        }
      }
      std::string head;
      for (std::size_t k = 0; k < p.tokens.size(); ++k) head += (k ? (r.chance(3) ? "  " : " ") : "") + p.tokens[k];
      d = head + p.rest;
      return;
    }
    case 3:
    case 4:
    case 5: {  // a frame header
      const std::size_t first = d.find('\n');
      std::vector<std::size_t> marks;
      for (std::size_t at = d.find("FRAME", first == std::string::npos ? 0 : first);
           at != std::string::npos && marks.size() < 64; at = d.find("FRAME", at + 5))
        marks.push_back(at);
      if (marks.empty()) {
        d.insert(first == std::string::npos ? d.size() : first + 1, "FRAME\n");
        return;
      }
      const std::size_t at = marks[r.below(marks.size())];
      const std::size_t nl = d.find('\n', at);
      const std::size_t end = nl == std::string::npos ? d.size() : nl;
      switch (r.below(7)) {
        case 0:
        case 1: {
          std::string params = std::string(" ") + pick(r, kFrameParams);
          if (r.chance(15)) params = " X" + std::string(r.chance(50) ? 1010 + r.below(20) : 1 + r.below(2000), 'p');
          if (r.chance(10)) params += static_cast<char>(r.chance(50) ? 0x01 : 0xc3);
          d.insert(end, params);
          break;
        }
        case 2:
          if (nl != std::string::npos) d.erase(nl, 1);
          break;
        case 3: {
          const char* const marks_alt[] = {"FRAMX", "FRAM", "frame", "FRAME\r", "FRAMEFRAME", "FRAME\n"};
          d.replace(at, 5, pick(r, marks_alt));
          break;
        }
        case 4:
          d.erase(at, end - at + (nl == std::string::npos ? 0 : 1));
          break;
        case 5:
          d.insert(at, d.substr(at, end - at + (nl == std::string::npos ? 0 : 1)));
          break;
        case 6:  // cut near the frame's start
          d.resize(std::min(d.size(), at + r.below(16)));
          break;
      }
      return;
    }
    case 6:
    case 7:
      reframe_y4m(d, r);
      return;
    case 8:
      mutate_decimal(d, r);
      return;
  }
}

namespace {

// "W H PIX_FMT" or "W H BPC CW CH HEADER [MARKER]" on the first line, then the file's bytes.
void mutate_raw_line(std::string& d, Rng& r) {
  std::size_t nl = d.find('\n');
  if (nl == std::string::npos || nl > 256) {
    d.insert(0, "16 16 yuv420p\n");
    return;
  }
  std::string line = d.substr(0, nl);
  const std::size_t payload = d.size() - nl - 1;
  switch (r.below(4)) {
    case 0: {  // another pixel format
      const std::size_t a = line.find(' '), b = a == std::string::npos ? a : line.find(' ', a + 1);
      if (b != std::string::npos && b + 1 < line.size() && !is_digit(line[b + 1])) {
        line.replace(b + 1, std::string::npos, pick(r, kPixFmts));
      } else {
        mutate_decimal(line, r);
      }
      break;
    }
    case 1: {  // a geometry that divides the payload into whole frames
      const char* const fmts[] = {"gray", "yuv444p", "yuv420p", "gray16le", "yuv444p10le"};
      const std::size_t per_sample[] = {2, 6, 3, 4, 12};  // bytes per sample x 2 (4:2:0 counts half)
      const std::size_t k = r.below(5);
      const std::size_t frames = 1 + r.below(3);
      const std::size_t budget = payload * 2 / per_sample[k] / frames;
      const std::size_t w = 1 + r.below(std::max<std::size_t>(1, std::min<std::size_t>(budget, 64)));
      const std::size_t h = std::max<std::size_t>(1, budget / w);
      line = std::to_string(w) + " " + std::to_string(h) + " " + fmts[k];
      break;
    }
    default:
      mutate_decimal(line, r);
      break;
  }
  d.replace(0, nl, line);
}

struct Token {
  std::size_t pos, len;
  char kind;  // 's' string, 'n' number, 'w' word, 'p' punctuation
};

std::vector<Token> json_tokens(const std::string& d, std::size_t limit = 4096) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < d.size() && out.size() < limit) {
    const char c = d[i];
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    char kind = 'p';
    if (c == '"') {
      kind = 's';
      while (j < d.size() && d[j] != '"') j += d[j] == '\\' ? 2 : 1;
      j = std::min(j + 1, d.size());
    } else if (c == '-' || is_digit(c)) {
      kind = 'n';
      while (j < d.size() && (is_digit(d[j]) || std::strchr("eE+-.", d[j]))) ++j;
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      kind = 'w';
      while (j < d.size() && ((d[j] >= 'a' && d[j] <= 'z') || (d[j] >= 'A' && d[j] <= 'Z'))) ++j;
    }
    out.push_back({i, j - i, kind});
    i = j;
  }
  return out;
}

// The token index closing the container opened at token `open` (or the last).
std::size_t matching(const std::string& d, const std::vector<Token>& t, std::size_t open) {
  int depth = 0;
  for (std::size_t k = open; k < t.size(); ++k) {
    if (t[k].kind != 'p') continue;
    const char c = d[t[k].pos];
    if (c == '[' || c == '{') ++depth;
    if (c == ']' || c == '}') --depth;
    if (depth == 0) return k;
  }
  return t.size() - 1;
}

}  // namespace

void mutate_json(std::string& d, Rng& r, std::size_t max_bytes) {
  const std::vector<Token> t = json_tokens(d);
  if (t.empty()) {
    d += pick(r, kJsonValues);
    return;
  }
  std::vector<std::size_t> of[128];
  for (std::size_t k = 0; k < t.size(); ++k) of[static_cast<int>(t[k].kind)].push_back(k);
  const auto any_of_kind = [&](char kind) -> const Token* {
    const auto& v = of[static_cast<int>(kind)];
    return v.empty() ? nullptr : &t[v[r.below(v.size())]];
  };
  const Token& tok = t[r.below(t.size())];
  const std::size_t room = max_bytes > d.size() ? max_bytes - d.size() : 0;
  switch (r.below(12)) {
    case 0:
      if (const Token* n = any_of_kind('n')) d.replace(n->pos, n->len, pick(r, kJsonNumbers));
      break;
    case 1:
      if (const Token* s = any_of_kind('s')) {
        std::string text;
        if (r.chance(30)) {
          const Token* other = any_of_kind('s');
          text = d.substr(other->pos, other->len);
        } else {
          text = std::string("\"") + (r.chance(5) ? std::string(5000, 'a') : std::string(pick(r, kJsonStrings))) + "\"";
        }
        d.replace(s->pos, s->len, text);
      }
      break;
    case 2:
      if (tok.kind != 'p') d.replace(tok.pos, tok.len, pick(r, kJsonValues));
      break;
    case 3:
      d.erase(tok.pos, tok.len);
      break;
    case 4:
      d.insert(tok.pos + tok.len, (r.chance(50) ? "," : "") + d.substr(tok.pos, tok.len));
      break;
    case 5: {  // a container repeated (duplicate elements, members, sub-trees)
      const auto& opens = of[static_cast<int>('p')];
      std::vector<std::size_t> containers;
      for (std::size_t k : opens)
        if (d[t[k].pos] == '[' || d[t[k].pos] == '{') containers.push_back(k);
      if (containers.empty()) break;
      const std::size_t open = containers[r.below(containers.size())];
      const std::size_t close = matching(d, t, open);
      const std::size_t a = t[open].pos, b = t[close].pos + t[close].len;
      const std::string chunk = "," + d.substr(a, b - a);
      const std::size_t times = r.chance(70) ? 1 : std::min<std::size_t>(1 + r.below(1000), room / (chunk.size() + 1));
      d.insert(b, repeat(chunk, times));
      break;
    }
    case 6: {  // deep nesting around a value
      const std::size_t depths[] = {2, 10, 62, 63, 64, 65, 66, 100, 1000, 5000, 100000};
      const std::size_t k = std::min(pick(r, depths), room / 2);
      const bool objects = r.chance(30);
      std::string open, close;
      for (std::size_t i = 0; i < k && open.size() + 6 < room; ++i) {
        open += objects ? "{\"a\":" : "[";
        close += objects ? "}" : "]";
      }
      d.insert(tok.pos + tok.len, close);
      d.insert(tok.pos, open);
      break;
    }
    case 7: {  // a long array in place of a value
      if (tok.kind == 'p') break;
      const std::size_t counts[] = {100, 1000, 10000, 100000, 1000000};
      const char* const items[] = {"{}", "0", "[]", "null", "1e300"};
      const std::string item = std::string(pick(r, items)) + ",";
      const std::size_t n = std::min(pick(r, counts), room / item.size());
      d.replace(tok.pos, tok.len, "[" + repeat(item, n) + "0]");
      break;
    }
    case 8: {
      const std::string g = r.chance(10) ? std::string(1, '\0') : std::string(pick(r, kJsonGarbage));
      d.insert(r.chance(50) ? tok.pos : tok.pos + tok.len, g);
      break;
    }
    case 9:
      d.resize(r.chance(50) ? tok.pos : tok.pos + tok.len);
      break;
    case 10: {  // swap two tokens of one kind (keys, numbers)
      const auto& v = of[static_cast<int>(tok.kind)];
      const Token& other = t[v[r.below(v.size())]];
      if (&other == &tok) break;
      const Token& a = tok.pos < other.pos ? tok : other;
      const Token& b = tok.pos < other.pos ? other : tok;
      const std::string sa = d.substr(a.pos, a.len), sb = d.substr(b.pos, b.len);
      d.replace(b.pos, b.len, sa);
      d.replace(a.pos, a.len, sb);
      break;
    }
    case 11: {  // a member added to an object (often a duplicate key)
      std::vector<std::size_t> objects;
      for (std::size_t k : of[static_cast<int>('p')])
        if (d[t[k].pos] == '{') objects.push_back(k);
      if (objects.empty()) break;
      const Token& o = t[objects[r.below(objects.size())]];
      std::string key = "\"x\"";
      if (const Token* s = any_of_kind('s'); s && r.chance(70)) key = d.substr(s->pos, s->len);
      std::string value = pick(r, kJsonValues);
      if (const Token* n = any_of_kind('n'); n && r.chance(30)) value = d.substr(n->pos, n->len);
      d.insert(o.pos + 1, key + ":" + value + ",");
      break;
    }
  }
}

namespace {

// Protocol buffers (ONNX files), parsed into a tree where nested messages parse.
struct PbField {
  std::uint64_t number = 0;
  unsigned wire = 0;
  std::uint64_t varint = 0;
  std::string bytes;  // fixed32/64 and length-delimited payloads that are not messages
  std::vector<PbField> children;
  bool message = false;
};

bool read_varint(std::string_view s, std::size_t& i, std::uint64_t& v) {
  v = 0;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    if (i >= s.size()) return false;
    const auto b = static_cast<unsigned char>(s[i++]);
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

bool parse_pb(std::string_view s, std::vector<PbField>& out, int depth, std::size_t& budget) {
  std::size_t i = 0;
  while (i < s.size()) {
    if (budget == 0) return false;
    --budget;
    std::uint64_t key = 0;
    if (!read_varint(s, i, key) || (key >> 3) == 0 || (key >> 3) > (1u << 29)) return false;
    PbField f;
    f.number = key >> 3;
    f.wire = static_cast<unsigned>(key & 7);
    switch (f.wire) {
      case 0:
        if (!read_varint(s, i, f.varint)) return false;
        break;
      case 1:
      case 5: {
        const std::size_t n = f.wire == 1 ? 8 : 4;
        if (s.size() - i < n) return false;
        f.bytes = s.substr(i, n);
        i += n;
        break;
      }
      case 2: {
        std::uint64_t n = 0;
        if (!read_varint(s, i, n) || n > s.size() - i) return false;
        const std::string_view payload = s.substr(i, static_cast<std::size_t>(n));
        i += static_cast<std::size_t>(n);
        std::vector<PbField> kids;
        if (depth < 8 && !payload.empty() && parse_pb(payload, kids, depth + 1, budget)) {
          f.children = std::move(kids);
          f.message = true;
        } else {
          f.bytes = payload;
        }
        break;
      }
      default:
        return false;
    }
    out.push_back(std::move(f));
  }
  return true;
}

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

std::string serialize_pb(const std::vector<PbField>& fields) {
  std::string out;
  for (const PbField& f : fields) {
    put_varint(out, (f.number << 3) | f.wire);
    if (f.wire == 0) {
      put_varint(out, f.varint);
    } else if (f.wire == 2) {
      const std::string payload = f.message ? serialize_pb(f.children) : f.bytes;
      put_varint(out, payload.size());
      out += payload;
    } else {
      out += f.bytes;
    }
  }
  return out;
}

void collect(std::vector<PbField>& fields, std::vector<std::pair<std::vector<PbField>*, std::size_t>>& out) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    out.emplace_back(&fields, i);
    if (fields[i].message) collect(fields[i].children, out);
  }
}

}  // namespace

void mutate_protobuf(std::string& d, Rng& r) {
  std::vector<PbField> root;
  std::size_t budget = 20000;
  if (d.empty() || !parse_pb(d, root, 0, budget)) {
    mutate_bytes(d, r, {});
    return;
  }
  std::vector<std::pair<std::vector<PbField>*, std::size_t>> all;
  collect(root, all);
  auto [parent, index] = all[r.below(all.size())];
  PbField& f = (*parent)[index];
  switch (r.below(7)) {
    case 0:
      if (f.wire == 0) {
        f.varint = r.chance(40) ? f.varint + (r.chance(50) ? 1 : -1) : pick(r, kInts);
      } else if (!f.message && f.wire == 2) {
        f.bytes = pick(r, kOnnxStrings);
      } else {
        f.wire = 0;
        f.varint = pick(r, kInts);
        f.children.clear();
        f.message = false;
      }
      break;
    case 1:
      parent->erase(parent->begin() + static_cast<std::ptrdiff_t>(index));
      break;
    case 2: {  // the field repeated, sometimes many times (node and tensor amplification)
      const PbField copy = f;
      const std::size_t times = r.chance(70) ? 1 : 2 + r.below(40);
      parent->insert(parent->begin() + static_cast<std::ptrdiff_t>(index), times, copy);
      break;
    }
    case 3:
      if (!f.message && f.wire == 2) {
        if (r.chance(50)) f.bytes = pick(r, kOnnxStrings);
        else mutate_bytes(f.bytes, r, {});
      } else if (f.message && f.children.size() > 1) {
        std::swap(f.children[r.below(f.children.size())], f.children[r.below(f.children.size())]);
      }
      break;
    case 4:
      f.number = r.chance(50) ? f.number + 1 : 1 + r.below(20);
      break;
    case 5: {  // another field's copy moved in here (graph surgery)
      const auto [p2, i2] = all[r.below(all.size())];
      const PbField copy = (*p2)[i2];
      if (f.message) f.children.push_back(copy);
      break;
    }
    case 6:
      if (f.wire == 2 && !f.message && !f.bytes.empty()) f.bytes.resize(r.below(f.bytes.size()));
      else if (f.message && !f.children.empty()) f.children.pop_back();
      break;
  }
  d = serialize_pb(root);
}

void mutate(std::string& d, Rng& r, Shape shape, const std::vector<std::string>& pool, std::size_t max_bytes,
            unsigned max_edits) {
  // Mostly one edit, now and then several stacked: inputs stay near the
  // seeds' structure, so most cases get past the first check.
  unsigned edits = 1;
  while (edits < max_edits && r.chance(40)) ++edits;
  for (unsigned e = 0; e < edits; ++e) {
    const unsigned roll = static_cast<unsigned>(r.below(100));
    switch (shape) {
      case Shape::y4m:
        if (roll < 45) mutate_y4m(d, r);
        else mutate_bytes(d, r, pool);
        break;
      case Shape::raw:
        if (roll < 40) mutate_raw_line(d, r);
        else mutate_bytes(d, r, pool);
        break;
      case Shape::json:
        if (roll < 65) mutate_json(d, r, max_bytes);
        else if (roll < 75) mutate_decimal(d, r);
        else mutate_bytes(d, r, pool);
        break;
      case Shape::protobuf:
        if (roll < 55) mutate_protobuf(d, r);
        else mutate_bytes(d, r, pool);
        break;
    }
    if (d.size() > max_bytes) d.resize(max_bytes);
  }
}

}  // namespace pvt_fuzz
