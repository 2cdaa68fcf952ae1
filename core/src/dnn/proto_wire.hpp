#pragma once
// Protocol-buffers wire format: just enough to walk ModelProto. Errors are
// ModelError("model <origin>: not a valid ONNX file (...)").
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "pyvmaf_tiny/errors.hpp"

namespace pvt::dnn {

class Wire {
 public:
  Wire(std::string_view bytes, const std::string& origin) : p_(bytes), origin_(origin) {}

  bool done() const { return pos_ >= p_.size(); }
  // Where the next read starts, in the caller's buffer.
  const char* cursor() const { return p_.data() + pos_; }

  // Reads the next key; returns false at the end.
  bool next(int& field, int& type) {
    if (done()) return false;
    const std::uint64_t key = varint();
    field = static_cast<int>(key >> 3);
    type = static_cast<int>(key & 7);
    if (field <= 0) fail("bad field number");
    return true;
  }

  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (done()) fail("truncated varint");
      const auto b = static_cast<unsigned char>(p_[pos_++]);
      v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
    fail("varint too long");
  }

  std::string_view bytes() {
    const std::uint64_t n = varint();
    if (n > p_.size() - pos_) fail("truncated field");
    const auto out = p_.substr(pos_, static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return out;
  }

  void skip(int type) {
    switch (type) {
      case 0: varint(); break;
      case 1: advance(8); break;
      case 2: bytes(); break;
      case 5: advance(4); break;
      default: fail("unsupported wire type " + std::to_string(type));
    }
  }

  [[noreturn]] void fail(const std::string& msg) const {
    throw ModelError("model " + origin_ + ": not a valid ONNX file (" + msg + ")");
  }

 private:
  void advance(std::size_t n) {
    if (n > p_.size() - pos_) fail("truncated field");
    pos_ += n;
  }

  std::string_view p_;
  std::size_t pos_ = 0;
  const std::string& origin_;
};

}  // namespace pvt::dnn
