#include "pyvmaf_tiny/json.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>
#include <string>

namespace pvt::json {

class Reader {
 public:
  Reader(std::string_view t, const Limits& limits, Document& doc) : t_(t), limits_(limits), doc_(doc) {}

  void document() {
    if (t_.size() >= 3 && t_.substr(0, 3) == "\xEF\xBB\xBF") fail("a byte order mark is not allowed");
    if (t_.size() > std::numeric_limits<std::uint32_t>::max()) fail("document larger than 4 GiB");
    doc_.root_ = value(0);
    skip_ws();
    if (pos_ != t_.size()) fail("unexpected trailing characters");
  }

 private:
  using Node = Document::Node;

  [[noreturn]] void fail(const std::string& msg) const {
    throw ParseError("invalid JSON at byte " + std::to_string(pos_) + ": " + msg);
  }

  void skip_ws() {
    while (pos_ < t_.size() && (t_[pos_] == ' ' || t_[pos_] == '\n' || t_[pos_] == '\r' || t_[pos_] == '\t')) ++pos_;
  }

  bool eat(char c) {
    skip_ws();
    if (pos_ < t_.size() && t_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  void expect(char c) {
    if (!eat(c)) fail(pos_ >= t_.size() ? std::string("unexpected end of input") : std::string("expected '") + c + "'");
  }

  bool literal(std::string_view word) {
    if (t_.substr(pos_, word.size()) == word) {
      pos_ += word.size();
      return true;
    }
    return false;
  }

  std::uint32_t add(Type type, std::uint32_t first = 0, std::uint64_t bits = 0) {
    if (doc_.nodes_.size() >= limits_.max_values)
      fail("more than " + std::to_string(limits_.max_values) + " values (the budget for model files)");
    doc_.nodes_.push_back(Node{static_cast<std::uint32_t>(type), first, bits});
    return static_cast<std::uint32_t>(doc_.nodes_.size() - 1);
  }

  std::uint32_t value(unsigned depth) {
    skip_ws();
    if (pos_ >= t_.size()) fail("unexpected end of input");
    const char c = t_[pos_];
    if (c == '{' || c == '[') {
      if (depth >= limits_.max_depth) fail("nesting deeper than " + std::to_string(limits_.max_depth) + " levels");
      return c == '{' ? object(depth) : array(depth);
    }
    if (c == '"') return string();
    if (literal("true")) return add(Type::boolean, 0, 1);
    if (literal("false")) return add(Type::boolean, 0, 0);
    if (literal("null")) return add(Type::null);
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    if (static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7F)
      fail(std::string("unexpected character '") + c + "'");
    fail("unexpected byte 0x" + hex(static_cast<unsigned char>(c)));
  }

  static std::string hex(unsigned char b) {
    const char* digits = "0123456789abcdef";
    return {digits[b >> 4], digits[b & 15]};
  }

  // Moves the last `count` entries of the child stack into the document's
  // slots; returns where they start.
  std::uint32_t settle(std::size_t count) {
    const std::size_t from = stack_.size() - count;
    const auto first = static_cast<std::uint32_t>(doc_.slots_.size());
    doc_.slots_.insert(doc_.slots_.end(), stack_.begin() + static_cast<std::ptrdiff_t>(from), stack_.end());
    stack_.resize(from);
    return first;
  }

  std::uint32_t object(unsigned depth) {
    ++pos_;
    const std::uint32_t self = add(Type::object);
    std::size_t members = 0;
    if (!eat('}')) {
      do {
        skip_ws();
        if (pos_ >= t_.size() || t_[pos_] != '"') fail(pos_ >= t_.size() ? "unexpected end of input" : "expected a string key");
        const std::uint32_t key = string();
        expect(':');
        const std::uint32_t val = value(depth + 1);
        stack_.push_back(key);
        stack_.push_back(val);
        ++members;
      } while (eat(','));
      expect('}');
    }
    const std::uint32_t first = settle(2 * members);
    if (members > 1) {
      std::vector<std::string_view> keys;
      keys.reserve(members);
      for (std::size_t i = 0; i < members; ++i) keys.push_back(doc_.chars(doc_.node(doc_.slots_[first + 2 * i])));
      std::sort(keys.begin(), keys.end());
      const auto dup = std::adjacent_find(keys.begin(), keys.end());
      if (dup != keys.end()) fail("duplicate key \"" + excerpt(*dup, 40) + "\"");
    }
    doc_.nodes_[self].first = first;
    doc_.nodes_[self].bits = members;
    return self;
  }

  std::uint32_t array(unsigned depth) {
    ++pos_;
    const std::uint32_t self = add(Type::array);
    std::size_t count = 0;
    if (!eat(']')) {
      do {
        stack_.push_back(value(depth + 1));
        ++count;
      } while (eat(','));
      expect(']');
    }
    doc_.nodes_[self].first = settle(count);
    doc_.nodes_[self].bits = count;
    return self;
  }

  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  unsigned hex4() {
    if (t_.size() - pos_ < 4) fail("truncated \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = t_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<unsigned>(c - 'A' + 10);
      else fail("bad \\u escape");
    }
    return v;
  }

  // The length of the well-formed UTF-8 sequence at pos_ (lead byte >= 0x80),
  // or 0: no overlong forms, no surrogates, nothing above U+10FFFF.
  std::size_t utf8_length() const {
    const auto* p = reinterpret_cast<const unsigned char*>(t_.data()) + pos_;
    const std::size_t avail = t_.size() - pos_;
    auto cont = [&](std::size_t i, unsigned lo = 0x80, unsigned hi = 0xBF) {
      return i < avail && p[i] >= lo && p[i] <= hi;
    };
    const unsigned b = p[0];
    if (b >= 0xC2 && b <= 0xDF) return cont(1) ? 2 : 0;
    if (b == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
    if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) return cont(1) && cont(2) ? 3 : 0;
    if (b == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
    if (b == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
    if (b >= 0xF1 && b <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
    if (b == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
    return 0;
  }

  std::uint32_t string() {
    ++pos_;  // opening quote
    std::string& out = doc_.chars_;
    const auto first = static_cast<std::uint32_t>(out.size());
    for (;;) {
      // A run of plain bytes is copied at once.
      std::size_t run = pos_;
      while (run < t_.size()) {
        const auto b = static_cast<unsigned char>(t_[run]);
        if (b == '"' || b == '\\' || b < 0x20 || b >= 0x80) break;
        ++run;
      }
      out.append(t_.data() + pos_, run - pos_);
      pos_ = run;
      if (pos_ >= t_.size()) fail("unterminated string");
      const auto b = static_cast<unsigned char>(t_[pos_]);
      if (b == '"') {
        ++pos_;
        break;
      }
      if (b < 0x20) fail("control character in string");
      if (b >= 0x80) {
        const std::size_t n = utf8_length();
        if (!n) fail("invalid UTF-8");
        out.append(t_.data() + pos_, n);
        pos_ += n;
        continue;
      }
      ++pos_;  // backslash
      if (pos_ >= t_.size()) fail("unterminated escape");
      const char e = t_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00) {
            if (!literal("\\u")) fail("lone surrogate");
            const unsigned lo = hex4();
            if (lo < 0xDC00 || lo >= 0xE000) fail("bad surrogate pair");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp < 0xE000) {
            fail("lone surrogate");
          }
          append_utf8(out, cp);
          break;
        }
        default: fail("bad escape");
      }
    }
    return add(Type::string, first, out.size() - first);
  }

  std::size_t digits() {
    const std::size_t s = pos_;
    while (pos_ < t_.size() && t_[pos_] >= '0' && t_[pos_] <= '9') ++pos_;
    return pos_ - s;
  }

  std::uint32_t number() {
    const std::size_t start = pos_;
    const bool negative = t_[pos_] == '-';
    if (negative) ++pos_;
    // Decimal magnitude of the first significant digit, to tell overflow from underflow.
    long magnitude = 0;
    bool significant = false;
    if (pos_ < t_.size() && t_[pos_] == '0') {
      ++pos_;
      if (pos_ < t_.size() && t_[pos_] >= '0' && t_[pos_] <= '9') fail("leading zeros are not allowed");
    } else {
      const std::size_t n = digits();
      if (!n) fail("bad number");
      magnitude = static_cast<long>(n);
      significant = true;
    }
    bool integer = true;
    if (pos_ < t_.size() && t_[pos_] == '.') {
      ++pos_;
      integer = false;
      const std::size_t frac = pos_;
      if (!digits()) fail("bad number: digits must follow '.'");
      if (!significant) {
        std::size_t z = frac;
        while (z < pos_ && t_[z] == '0') ++z;
        magnitude = -static_cast<long>(z - frac);
      }
    }
    if (pos_ < t_.size() && (t_[pos_] == 'e' || t_[pos_] == 'E')) {
      ++pos_;
      integer = false;
      bool neg_exp = false;
      if (pos_ < t_.size() && (t_[pos_] == '+' || t_[pos_] == '-')) neg_exp = t_[pos_++] == '-';
      const std::size_t exp_start = pos_;
      if (!digits()) fail("bad number: digits must follow the exponent");
      long e = 0;
      for (std::size_t i = exp_start; i < pos_ && e < 100000; ++i) e = e * 10 + (t_[i] - '0');
      magnitude += neg_exp ? -e : e;
    }
    const char* first = t_.data() + start;
    const char* last = t_.data() + pos_;
    if (integer) {
      std::int64_t i = 0;
      const auto r = std::from_chars(first, last, i);
      if (r.ec == std::errc() && r.ptr == last) {
        std::uint64_t bits;
        std::memcpy(&bits, &i, sizeof bits);
        const std::uint32_t id = add(Type::number, 0, bits);
        doc_.nodes_[id].kind |= Document::kIntegerFlag;
        return id;
      }
    }
    double d = 0.0;
    const auto r = std::from_chars(first, last, d, std::chars_format::general);
    if (r.ec == std::errc::result_out_of_range) {
      if (magnitude > 0) fail("number out of range");
      d = negative ? -0.0 : 0.0;  // below the smallest double: rounds to zero
    } else if (r.ec != std::errc() || r.ptr != last) {
      fail("bad number");
    }
    std::uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    return add(Type::number, 0, bits);
  }

  std::string_view t_;
  const Limits& limits_;
  Document& doc_;
  std::size_t pos_ = 0;
  std::vector<std::uint32_t> stack_;  // children of the containers being read
};

namespace {

[[noreturn]] void mismatch(std::string_view what, const char* expected) {
  throw ParseError(std::string(what) + " must be " + expected);
}

}  // namespace

Type Value::type() const { return static_cast<Type>(doc_->node(index_).kind & 0xFF); }

bool Value::is_integer() const { return is_number() && (doc_->node(index_).kind & Document::kIntegerFlag); }

bool Value::as_bool(std::string_view what) const {
  if (!is_bool()) mismatch(what, "true or false");
  return doc_->node(index_).bits != 0;
}

double Value::as_number(std::string_view what) const {
  if (!is_number()) mismatch(what, "a number");
  const auto& n = doc_->node(index_);
  if (n.kind & Document::kIntegerFlag) {
    std::int64_t i;
    std::memcpy(&i, &n.bits, sizeof i);
    return static_cast<double>(i);
  }
  double d;
  std::memcpy(&d, &n.bits, sizeof d);
  return d;
}

std::int64_t Value::as_integer(std::string_view what) const {
  if (!is_integer()) mismatch(what, "an integer");
  std::int64_t i;
  std::memcpy(&i, &doc_->node(index_).bits, sizeof i);
  return i;
}

std::string_view Value::as_string(std::string_view what) const {
  if (!is_string()) mismatch(what, "a string");
  return doc_->chars(doc_->node(index_));
}

ArrayView Value::as_array(std::string_view what) const {
  if (!is_array()) mismatch(what, "an array");
  const auto& n = doc_->node(index_);
  return ArrayView(doc_, n.first, static_cast<std::size_t>(n.bits));
}

ObjectView Value::as_object(std::string_view what) const {
  if (!is_object()) mismatch(what, "an object");
  const auto& n = doc_->node(index_);
  return ObjectView(doc_, n.first, static_cast<std::size_t>(n.bits));
}

Value Value::find(std::string_view key) const {
  if (!is_object()) return {};
  return as_object("").find(key);
}

Value ArrayView::item(std::size_t i) const { return Value(doc_, doc_->slots_[first_ + i]); }

ObjectView::Member ObjectView::item(std::size_t i) const {
  const std::uint32_t key = doc_->slots_[first_ + 2 * i];
  return {doc_->chars(doc_->node(key)), Value(doc_, doc_->slots_[first_ + 2 * i + 1])};
}

Value ObjectView::find(std::string_view key) const {
  for (std::size_t i = 0; i < size_; ++i) {
    auto [k, v] = item(i);
    if (k == key) return v;
  }
  return {};
}

std::string excerpt(std::string_view bytes, std::size_t max) {
  static const char* const digits = "0123456789abcdef";
  std::string out;
  for (const char c : bytes.substr(0, max)) {
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0x20 && b < 0x7F) out += c;
    else out += std::string("\\x") + digits[b >> 4] + digits[b & 15];
  }
  return bytes.size() > max ? out + "..." : out;
}

Document parse(std::string_view text, const Limits& limits) {
  Document doc;
  Reader(text, limits, doc).document();
  return doc;
}

}  // namespace pvt::json
