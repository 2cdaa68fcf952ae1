#include "fuzz_targets.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <typeinfo>

#include "pyvmaf_tiny/dnn.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/json.hpp"
#include "pyvmaf_tiny/model.hpp"
#include "pyvmaf_tiny/pipeline.hpp"
#include "pyvmaf_tiny/raw_reader.hpp"
#include "pyvmaf_tiny/registry.hpp"
#include "pyvmaf_tiny/y4m.hpp"
#include "../src/dnn/onnx_check.hpp"

namespace pvt_fuzz {
namespace {

// Frames are scored only while this small (the campaign stays fast).
constexpr long kMaxScoredSamples = 48 * 48;
constexpr std::uint64_t kMaxFramesChecked = 4, kMaxFramesScored = 3;

struct Finding : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void write_file(const std::string& path, const std::string& data) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("harness: cannot write " + path + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      throw std::runtime_error("harness: short write to " + path);
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
}

// Every frame read two ways (copied into buffers, viewed in place) must give
// the same samples.
void check_frames(const pvt::RawReader& reader) {
  const pvt::RawLayout& l = reader.layout();
  const bool chroma = l.chroma_width > 0;
  for (std::uint64_t i = 0; i < std::min(reader.frame_count(), kMaxFramesChecked); ++i) {
    pvt::PlaneBuffer planes[3] = {pvt::PlaneBuffer(l.width, l.height, l.bpc)};
    if (chroma)
      for (int c = 1; c < 3; ++c) planes[c] = pvt::PlaneBuffer(l.chroma_width, l.chroma_height, l.bpc);
    reader.read(i, planes[0], chroma ? &planes[1] : nullptr);
    const auto mapped = reader.map(i, chroma);
    if (!mapped) continue;
    for (int c = 0; c < (chroma ? 3 : 1); ++c) {
      const pvt::Plane a = planes[c].view(), b = c == 0 ? mapped->luma() : mapped->chroma()[c - 1];
      const std::size_t row = static_cast<std::size_t>(a.width) * static_cast<std::size_t>(a.bytes_per_sample());
      for (int y = 0; y < a.height; ++y)
        if (std::memcmp(a.row<std::uint8_t>(y), b.row<std::uint8_t>(y), row) != 0)
          throw Finding("frame " + std::to_string(i) + " plane " + std::to_string(c) + " row " + std::to_string(y) +
                        ": read() and map() disagree");
    }
  }
}

// Scores up to three frame pairs (frame i against frame i + 1) with extractors
// picked by the case seed; every value must be finite.
void score(const pvt::RawReader& ref, const pvt::RawReader& dist, const Context& ctx) {
  const pvt::RawLayout& l = ref.layout();
  if (static_cast<long>(l.width) * l.height > kMaxScoredSamples || ref.frame_count() == 0) return;
  Rng r(ctx.case_seed ^ 0x5c0e5c0e5c0eull);
  // Mostly extractors that take this geometry (else the pipeline refuses
  // before reading a frame); now and then any, for the refusals.
  const pvt::Geometry g{l.width, l.height, l.bpc, l.chroma_width, l.chroma_height};
  const auto takes = [&](const pvt::ExtractorSpec& spec) {
    try {
      auto ex = pvt::make_extractor(spec.name, spec.options);
      if (ex->needs_chroma() && l.chroma_width == 0) return false;
      ex->init(g);
      return true;
    } catch (const pvt::InputError&) {
      return false;
    }
  };
  // Every registered extractor (new ones are fuzzed as soon as they exist),
  // each with even odds.
  std::vector<std::string> names;
  for (const auto& info : pvt::extractor_catalog()) names.push_back(info.name);
  const bool any = r.chance(10);
  std::vector<pvt::ExtractorSpec> specs;
  for (const auto& name : names)
    if (r.chance(50) && (any || takes({name, {}}))) specs.push_back({name, {}});
  if (specs.empty())
    for (const auto& name : names)
      if (takes({name, {}})) {
        specs.push_back({name, {}});
        break;
      }
  if (specs.empty()) specs.push_back({names[r.below(names.size())], {}});
  std::shared_ptr<pvt::SvmModel> model;
  int choice = ctx.model_choice;
  if (choice == -1) choice = !ctx.vmaf_models.empty() && r.chance(40) ? static_cast<int>(r.below(ctx.vmaf_models.size())) : -2;
  if (choice >= 0 && static_cast<std::size_t>(choice) < ctx.vmaf_models.size()) {
    const std::string& text = ctx.vmaf_models[static_cast<std::size_t>(choice)];
    model = std::make_shared<pvt::SvmModel>(pvt::SvmModel::from_json(text, "vmaf model"));
    const auto needed = model->extractor_specs();
    if (!std::all_of(needed.begin(), needed.end(), takes)) model.reset();
    for (const auto& spec : model ? needed : std::vector<pvt::ExtractorSpec>{})
      if (std::none_of(specs.begin(), specs.end(), [&](const auto& s) { return s.name == spec.name; }))
        specs.push_back(spec);
  }
  pvt::Pipeline pipeline(specs, 1 + static_cast<unsigned>(r.below(2)));
  if (model) pipeline.set_model(model, r.chance(50) ? pvt::Pipeline::ModelMode::stream : pvt::Pipeline::ModelMode::batch);
  const std::uint64_t n = std::min(ref.frame_count(), dist.frame_count());
  for (std::uint64_t i = 0; i < std::min(n, kMaxFramesScored); ++i) pipeline.push_read(ref, i, dist, (i + 1) % n);
  pipeline.close();
  const auto values = pipeline.final_values();
  // An infinite PSNR-style value of identical planes is a value (libvmaf logs
  // it as null); NaN never is.
  for (std::size_t k = 0; k < values.size(); ++k)
    if (std::isnan(values[k]))
      throw Finding("feature " + pipeline.columns()[k % pipeline.columns().size()] + " is NaN");
  if (model)
    for (double s : pipeline.scores(0, pipeline.scored_count()))
      if (!std::isfinite(s)) throw Finding("the VMAF score is not finite");
}

Result guarded(const std::string& input, const Context& ctx,
               void (*body)(const std::string&, const Context&), bool parse_error_ok = false) {
  try {
    body(input, ctx);
    return {Outcome::accepted, ""};
  } catch (const pvt::InputError& e) {
    return {Outcome::refused, e.what()};
  } catch (const pvt::ModelError& e) {
    return {Outcome::refused, e.what()};
  } catch (const pvt::json::ParseError& e) {
    if (parse_error_ok) return {Outcome::refused, e.what()};
    return {Outcome::finding, std::string("json::ParseError escaped: ") + e.what()};
  } catch (const Finding& e) {
    return {Outcome::finding, e.what()};
  } catch (const std::bad_alloc& e) {
    return {Outcome::finding, std::string("allocation failure (std::bad_alloc): ") + e.what()};
  } catch (const std::exception& e) {
    return {Outcome::finding, std::string("non-contract exception ") + typeid(e).name() + ": " + e.what()};
  } catch (...) {
    return {Outcome::finding, "non-standard exception"};
  }
}

void y4m_case(const std::string& input, const Context& ctx) {
  const std::string path = ctx.scratch + "/case.y4m";
  write_file(path, input);
  const auto reader = pvt::Y4mReader::open(path, "case.y4m");
  const auto& f = reader->format();
  if (f.width < 1 || f.height < 1 || f.width > pvt::kY4mMaxDimension || f.height > pvt::kY4mMaxDimension ||
      reader->frame_count() == 0)
    throw Finding("Y4mReader accepted a header out of bounds");
  check_frames(*reader);
  const auto dist = pvt::Y4mReader::open(path, "case.y4m");
  score(*reader, *dist, ctx);
}

// Parses "W H PIX_FMT" (the CLI's form) or "W H BPC CW CH HEADER [MARKER]"
// (RawReader's own arguments) into a layout; false if the line is neither.
bool parse_geometry(const std::string& line, pvt::RawLayout& l) {
  std::vector<std::string> tok;
  std::size_t pos = 0;
  while (pos < line.size()) {
    const std::size_t sp = std::min(line.find(' ', pos), line.size());
    if (sp > pos) tok.push_back(line.substr(pos, sp - pos));
    pos = sp + 1;
  }
  const auto number = [](const std::string& s, long long& v) {
    char* end = nullptr;
    errno = 0;
    v = std::strtoll(s.c_str(), &end, 10);
    if (end == s.c_str() || *end) return false;
    if (errno == ERANGE) v = v < 0 ? LLONG_MIN : LLONG_MAX;
    return true;
  };
  const auto clamp_int = [](long long v) { return static_cast<int>(std::clamp<long long>(v, INT_MIN, INT_MAX)); };
  long long w = 0, h = 0;
  if (tok.size() < 3 || !number(tok[0], w) || !number(tok[1], h)) return false;
  l.width = clamp_int(w);
  l.height = clamp_int(h);
  long long v = 0;
  if (!number(tok[2], v)) {  // an ffmpeg pix_fmt name, as pvt-features parses it
    if (tok.size() != 3) return false;
    std::string base = tok[2];
    l.bpc = 8;
    for (int b : {9, 10, 12, 14, 16}) {
      const std::string tag = std::to_string(b) + "le";
      if (base.size() > tag.size() && base.compare(base.size() - tag.size(), tag.size(), tag) == 0) {
        l.bpc = b;
        base.resize(base.size() - tag.size());
      }
    }
    int sx = 0, sy = 0;
    if (base == "yuv420p") sx = sy = 1;
    else if (base == "yuv422p") sx = 1;
    else if (base == "gray") sx = -1;
    else if (base != "yuv444p") throw pvt::InputError("unsupported pix_fmt " + tok[2]);
    if (sx >= 0 && l.width > 0 && l.height > 0) {
      l.chroma_width = static_cast<int>((static_cast<long long>(l.width) + (1 << sx) - 1) >> sx);
      l.chroma_height = static_cast<int>((static_cast<long long>(l.height) + (1 << sy) - 1) >> sy);
    }
    return true;
  }
  long long cw = 0, ch = 0, header = 0;
  if (tok.size() < 6 || tok.size() > 7 || !number(tok[3], cw) || !number(tok[4], ch) || !number(tok[5], header))
    return false;
  l.bpc = clamp_int(v);
  l.chroma_width = clamp_int(cw);
  l.chroma_height = clamp_int(ch);
  l.header = static_cast<std::uint64_t>(header);
  if (tok.size() == 7) l.frame_marker = tok[6];
  return true;
}

void raw_case(const std::string& input, const Context& ctx) {
  const std::size_t nl = input.find('\n');
  pvt::RawLayout layout;
  if (nl == std::string::npos || nl > 256 || !parse_geometry(input.substr(0, nl), layout))
    throw std::invalid_argument("skip: no geometry line");
  const std::string path = ctx.scratch + "/case.yuv";
  write_file(path, input.substr(nl + 1));
  const pvt::RawReader reader(path, layout), dist(path, layout);
  check_frames(reader);
  score(reader, dist, ctx);
}

void libvmaf_json_case(const std::string& input, const Context& ctx) {
  const pvt::SvmModel model = pvt::SvmModel::from_json(input, "case.json");
  (void)model.extractor_specs();
  const std::size_t f = model.columns().size();
  Rng r(ctx.case_seed ^ 0x6d6f64656cull);
  const double values[] = {0.0, 0.5, 1.0, 0.25, 0.9, 3.0, 20.0, 100.0, 1e-3};
  std::vector<double> x(3 * f), out(3);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = i < f ? 0.5 : values[r.below(std::size(values))];
  model.predict(x.data(), 3, out.data());
  for (double s : out)
    if (!std::isfinite(s)) throw Finding("nonfinite: predict() gave a non-finite score for finite features");
}

void sidecar_case(const std::string& input, const Context&) {
  const pvt::Sidecar s = pvt::parse_sidecar(input, "case.json");
  if (s.features.empty()) throw Finding("parse_sidecar accepted a sidecar without features");
}

void onnx_case(const std::string& input, const Context& ctx) {
  const pvt::dnn::OnnxSummary summary = pvt::dnn::check_onnx(input, "case.onnx");
  // Mostly the feature count the model declares, so check_io passes too.
  std::size_t features = 1 + ctx.case_seed % 6;
  if (ctx.case_seed % 5 && !summary.inputs.empty() && summary.inputs[0].dims.size() == 2 &&
      summary.inputs[0].dims[1] > 0 && summary.inputs[0].dims[1] < 1024)
    features = static_cast<std::size_t>(summary.inputs[0].dims[1]);
  pvt::dnn::check_io(summary, "features", features, "vmaf", "case.onnx");
}

void json_case(const std::string& input, const Context&) {
  (void)pvt::json::parse(input);
  std::string why;
  if (!strict_json(input, &why)) throw Finding("json::parse accepted text that is not RFC 8259 JSON (" + why + ")");
}

// Inputs that make the harness see each kind of failure, so its tests can
// check that each is caught: "crash", "heap-overflow", "ub", "hang",
// "alloc", "throw"; anything else is refused.
void selftest_case(const std::string& input, const Context&) {
  if (input == "crash") {
    volatile int* volatile p = nullptr;
    *p = 1;
  } else if (input == "heap-overflow") {
    std::vector<char> v(8);
    volatile char c = v.data()[8 + input.size() % 2];
    (void)c;
  } else if (input == "ub") {
    volatile int x = INT_MAX;
    x = x + static_cast<int>(input.size() - 1);
  } else if (input == "hang") {
    for (;;) ::pause();
  } else if (input == "alloc") {
    std::vector<char> v(std::size_t{1} << 40);
    v[0] = 1;
  } else if (input == "throw") {
    throw std::logic_error("selftest: an exception outside the contract");
  }
  throw pvt::InputError("selftest: refused");
}

Result run_selftest(const std::string& in, const Context& c) { return guarded(in, c, selftest_case); }
Result run_y4m(const std::string& in, const Context& c) { return guarded(in, c, y4m_case); }
Result run_raw(const std::string& in, const Context& c) {
  Result r = guarded(in, c, raw_case);
  if (r.outcome == Outcome::finding && r.detail.find("skip: no geometry line") != std::string::npos)
    r.outcome = Outcome::skipped;
  return r;
}
Result run_libvmaf_json(const std::string& in, const Context& c) { return guarded(in, c, libvmaf_json_case); }
Result run_sidecar(const std::string& in, const Context& c) { return guarded(in, c, sidecar_case); }
Result run_onnx(const std::string& in, const Context& c) { return guarded(in, c, onnx_case); }
Result run_json(const std::string& in, const Context& c) { return guarded(in, c, json_case, true); }

// An RFC 8259 recogniser without recursion (deep nesting is input here).
class StrictJson {
 public:
  explicit StrictJson(const std::string& t) : t_(t) {}

  bool run(std::string* why) {
    std::vector<char> stack;  // '[' or '{' per open container
    ws();
    for (;;) {
      if (!value(stack)) return fail(why);
      // After a value: close containers or move to the next element.
      for (;;) {
        ws();
        if (stack.empty()) {
          if (i_ != t_.size()) return fail(why, "trailing characters");
          return true;
        }
        if (eat(',')) {
          ws();
          if (stack.back() == '{' && !member_key()) return fail(why);
          break;
        }
        if (eat(stack.back() == '[' ? ']' : '}')) {
          stack.pop_back();
          continue;
        }
        return fail(why, "expected ',' or a closing bracket");
      }
    }
  }

 private:
  bool fail(std::string* why, const char* what = nullptr) {
    if (why) *why = std::string(what ? what : err_ ? err_ : "invalid") + " at byte " + std::to_string(i_);
    return false;
  }
  bool bad(const char* what) {
    err_ = what;
    return false;
  }
  void ws() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\n' || t_[i_] == '\r')) ++i_;
  }
  bool eat(char c) {
    if (i_ < t_.size() && t_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool member_key() {
    if (i_ >= t_.size() || t_[i_] != '"') return bad("expected a string key");
    if (!string()) return false;
    ws();
    if (!eat(':')) return bad("expected ':'");
    ws();
    return true;
  }
  // One value; an opened container is pushed and its first element (if any) started.
  bool value(std::vector<char>& stack) {
    for (;;) {
      ws();
      if (i_ >= t_.size()) return bad("unexpected end");
      const char c = t_[i_];
      if (c == '[' || c == '{') {
        ++i_;
        ws();
        if (eat(c == '[' ? ']' : '}')) return true;  // empty container: a complete value
        stack.push_back(c);
        if (c == '{' && !member_key()) return false;
        continue;  // its first element
      }
      if (c == '"') return string();
      if (c == '-' || (c >= '0' && c <= '9')) return number();
      for (const char* word : {"true", "false", "null"})
        if (t_.compare(i_, std::strlen(word), word) == 0) {
          i_ += std::strlen(word);
          return true;
        }
      return bad("unexpected character");
    }
  }
  bool digits() {
    const std::size_t start = i_;
    while (i_ < t_.size() && t_[i_] >= '0' && t_[i_] <= '9') ++i_;
    return i_ > start;
  }
  bool number() {
    eat('-');
    if (eat('0')) {
      if (i_ < t_.size() && t_[i_] >= '0' && t_[i_] <= '9') return bad("leading zero");
    } else if (!digits()) {
      return bad("bad number");
    }
    if (eat('.') && !digits()) return bad("bad fraction");
    if (eat('e') || eat('E')) {
      if (!eat('+')) eat('-');
      if (!digits()) return bad("bad exponent");
    }
    return true;
  }
  bool string() {
    ++i_;
    while (i_ < t_.size()) {
      const auto c = static_cast<unsigned char>(t_[i_]);
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c < 0x20) return bad("control character in string");
      if (c == '\\') {
        ++i_;
        if (i_ >= t_.size()) break;
        const char e = t_[i_++];
        if (e == 'u') {
          for (int k = 0; k < 4; ++k, ++i_)
            if (i_ >= t_.size() || !std::isxdigit(static_cast<unsigned char>(t_[i_]))) return bad("bad \\u escape");
        } else if (!std::strchr("\"\\/bfnrt", e) || e == 0) {
          return bad("bad escape");
        }
        continue;
      }
      if (c < 0x80) {
        ++i_;
        continue;
      }
      if (!utf8()) return bad("invalid UTF-8");
    }
    return bad("unterminated string");
  }
  // One multi-byte UTF-8 sequence: no overlong forms, surrogates or code points past U+10FFFF.
  bool utf8() {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(i_ + k < t_.size() ? t_[i_ + k] : 0); };
    const unsigned char c = b(0);
    const auto cont = [&](std::size_t k, unsigned lo = 0x80, unsigned hi = 0xBF) { return b(k) >= lo && b(k) <= hi; };
    std::size_t n = 0;
    if (c >= 0xC2 && c <= 0xDF) n = cont(1) ? 2 : 0;
    else if (c == 0xE0) n = cont(1, 0xA0) && cont(2) ? 3 : 0;
    else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) n = cont(1) && cont(2) ? 3 : 0;
    else if (c == 0xED) n = cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
    else if (c == 0xF0) n = cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
    else if (c >= 0xF1 && c <= 0xF3) n = cont(1) && cont(2) && cont(3) ? 4 : 0;
    else if (c == 0xF4) n = cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
    i_ += n;
    return n > 0;
  }

  const std::string& t_;
  std::size_t i_ = 0;
  const char* err_ = nullptr;
};

}  // namespace

bool strict_json(const std::string& text, std::string* why) { return StrictJson(text).run(why); }

const std::vector<Target>& targets() {
  static const std::vector<Target> all = {
      {"y4m", Shape::y4m, {"y4m"}, 64 << 10, run_y4m, false, true},
      {"raw", Shape::raw, {"raw"}, 64 << 10, run_raw, false, true},
      {"libvmaf-json", Shape::json, {"libvmaf-json"}, 256 << 10, run_libvmaf_json},
      {"sidecar", Shape::json, {"sidecar"}, 64 << 10, run_sidecar},
      {"onnx", Shape::protobuf, {"onnx"}, 64 << 10, run_onnx},
      {"json", Shape::json, {"json", "libvmaf-json", "sidecar"}, 256 << 10, run_json},
      {"selftest", Shape::raw, {"selftest"}, 64, run_selftest, true},
  };
  return all;
}

const Target* find_target(const std::string& name) {
  for (const Target& t : targets())
    if (name == t.name) return &t;
  return nullptr;
}

}  // namespace pvt_fuzz
