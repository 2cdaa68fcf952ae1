#include "pyvmaf_tiny/json.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

namespace pvt::json {
namespace {

class Reader {
 public:
  explicit Reader(std::string_view t) : t_(t) {}

  Value document() {
    Value v = value(0);
    skip_ws();
    if (pos_ != t_.size()) fail("unexpected trailing characters");
    return v;
  }

 private:
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
    if (!eat(c)) fail(std::string("expected '") + c + "'");
  }

  bool literal(std::string_view word) {
    if (t_.substr(pos_, word.size()) == word) {
      pos_ += word.size();
      return true;
    }
    return false;
  }

  Value value(int depth) {
    if (depth > 64) fail("nesting too deep");
    skip_ws();
    if (pos_ >= t_.size()) fail("unexpected end of input");
    const char c = t_[pos_];
    if (c == '{') return object(depth);
    if (c == '[') return array(depth);
    if (c == '"') return Value(string());
    if (literal("true")) return Value(true);
    if (literal("false")) return Value(false);
    if (literal("null")) return Value(nullptr);
    if (c == '-' || (c >= '0' && c <= '9')) return Value(number());
    fail(std::string("unexpected character '") + c + "'");
  }

  Value object(int depth) {
    ++pos_;
    Object o;
    if (eat('}')) return Value(std::move(o));
    do {
      skip_ws();
      if (pos_ >= t_.size() || t_[pos_] != '"') fail("expected a string key");
      std::string key = string();
      expect(':');
      Value v = value(depth + 1);
      if (!o.emplace(std::move(key), std::move(v)).second) fail("duplicate key");
    } while (eat(','));
    expect('}');
    return Value(std::move(o));
  }

  Value array(int depth) {
    ++pos_;
    Array a;
    if (eat(']')) return Value(std::move(a));
    do {
      a.push_back(value(depth + 1));
    } while (eat(','));
    expect(']');
    return Value(std::move(a));
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
    if (pos_ + 4 > t_.size()) fail("truncated \\u escape");
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

  std::string string() {
    ++pos_;  // opening quote
    std::string out;
    for (;;) {
      if (pos_ >= t_.size()) fail("unterminated string");
      const char c = t_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in string");
      if (c != '\\') {
        out += c;
        continue;
      }
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
  }

  double number() {
    const std::size_t start = pos_;
    if (t_[pos_] == '-') ++pos_;
    auto digits = [&] {
      const std::size_t s = pos_;
      while (pos_ < t_.size() && t_[pos_] >= '0' && t_[pos_] <= '9') ++pos_;
      return pos_ - s;
    };
    if (!digits()) fail("bad number");
    if (pos_ < t_.size() && t_[pos_] == '.') {
      ++pos_;
      if (!digits()) fail("bad number");
    }
    if (pos_ < t_.size() && (t_[pos_] == 'e' || t_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < t_.size() && (t_[pos_] == '+' || t_[pos_] == '-')) ++pos_;
      if (!digits()) fail("bad number");
    }
    const std::string text(t_.substr(start, pos_ - start));
    errno = 0;
    const double v = std::strtod(text.c_str(), nullptr);
    if (!std::isfinite(v)) fail("number out of range");
    return v;
  }

  std::string_view t_;
  std::size_t pos_ = 0;
};

[[noreturn]] void mismatch(std::string_view what, const char* expected) {
  throw ParseError(std::string(what) + " must be " + expected);
}

}  // namespace

bool Value::as_bool(std::string_view what) const {
  if (!is_bool()) mismatch(what, "true or false");
  return std::get<bool>(v_);
}
double Value::as_number(std::string_view what) const {
  if (!is_number()) mismatch(what, "a number");
  return std::get<double>(v_);
}
const std::string& Value::as_string(std::string_view what) const {
  if (!is_string()) mismatch(what, "a string");
  return std::get<std::string>(v_);
}
const Array& Value::as_array(std::string_view what) const {
  if (!is_array()) mismatch(what, "an array");
  return *std::get<std::shared_ptr<Array>>(v_);
}
const Object& Value::as_object(std::string_view what) const {
  if (!is_object()) mismatch(what, "an object");
  return *std::get<std::shared_ptr<Object>>(v_);
}
const Value* Value::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  const auto& o = *std::get<std::shared_ptr<Object>>(v_);
  auto it = o.find(key);
  return it == o.end() ? nullptr : &it->second;
}

Value parse(std::string_view text) { return Reader(text).document(); }

}  // namespace pvt::json
