#pragma once
// The one JSON reader of model files and sidecars: strict RFC 8259 (valid
// UTF-8 only, no byte order mark, no leading zeros, finite numbers, no
// duplicate keys), with budgets on the number of values and the nesting depth.
// A parsed Document keeps every value in flat arrays (16 bytes a value, plus
// 4 or 8 bytes a container slot), so memory stays proportional to what the
// budget allows. Errors raise ParseError with a byte offset.
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pvt::json {

class ParseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Limits {
  std::size_t max_values = std::size_t{1} << 20;  // every value and object key counts
  unsigned max_depth = 64;                        // containers inside containers
};

enum class Type : std::uint8_t { null, boolean, number, string, array, object };

class Document;
class ArrayView;
class ObjectView;

// A read-only handle on one value of a Document (valid while it lives). A
// default-constructed Value is "absent": what find() returns for a missing key.
class Value {
 public:
  Value() = default;

  bool present() const { return doc_ != nullptr; }
  Type type() const;
  bool is_null() const { return present() && type() == Type::null; }
  bool is_bool() const { return present() && type() == Type::boolean; }
  bool is_number() const { return present() && type() == Type::number; }
  // A number written without fraction or exponent that fits in 64 bits.
  bool is_integer() const;
  bool is_string() const { return present() && type() == Type::string; }
  bool is_array() const { return present() && type() == Type::array; }
  bool is_object() const { return present() && type() == Type::object; }

  // Typed accessors; `what` names the value in the error raised on a type mismatch.
  bool as_bool(std::string_view what) const;
  double as_number(std::string_view what) const;
  std::int64_t as_integer(std::string_view what) const;
  std::string_view as_string(std::string_view what) const;
  ArrayView as_array(std::string_view what) const;
  ObjectView as_object(std::string_view what) const;

  // Member lookup on an object; absent when missing (or when not an object).
  Value find(std::string_view key) const;

 private:
  friend class Document;
  friend class ArrayView;
  friend class ObjectView;
  Value(const Document* doc, std::uint32_t index) : doc_(doc), index_(index) {}
  const Document* doc_ = nullptr;
  std::uint32_t index_ = 0;
};

// Walks a view by index: `*it` is view.item(i).
template <class View>
class IndexIterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = decltype(std::declval<const View&>().item(0));
  using difference_type = std::ptrdiff_t;
  using pointer = void;
  using reference = value_type;
  IndexIterator(const View* view, std::size_t i) : view_(view), i_(i) {}
  value_type operator*() const { return view_->item(i_); }
  IndexIterator& operator++() {
    ++i_;
    return *this;
  }
  bool operator==(const IndexIterator& o) const { return i_ == o.i_; }
  bool operator!=(const IndexIterator& o) const { return i_ != o.i_; }

 private:
  const View* view_;
  std::size_t i_;
};

// What ArrayView and ObjectView share: a run of container slots.
template <class Self>
class IndexedView {
 public:
  using iterator = IndexIterator<Self>;
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  iterator begin() const { return {static_cast<const Self*>(this), 0}; }
  iterator end() const { return {static_cast<const Self*>(this), size_}; }

 protected:
  IndexedView(const Document* doc, std::uint32_t first, std::size_t size) : doc_(doc), first_(first), size_(size) {}
  const Document* doc_;
  std::uint32_t first_;
  std::size_t size_;
};

class ArrayView : public IndexedView<ArrayView> {
 public:
  Value item(std::size_t i) const;
  Value operator[](std::size_t i) const { return item(i); }

 private:
  friend class Value;
  ArrayView(const Document* doc, std::uint32_t first, std::size_t size) : IndexedView(doc, first, size) {}
};

// Members in document order.
class ObjectView : public IndexedView<ObjectView> {
 public:
  using Member = std::pair<std::string_view, Value>;
  Member item(std::size_t i) const;
  Value find(std::string_view key) const;

 private:
  friend class Value;
  ObjectView(const Document* doc, std::uint32_t first, std::size_t size) : IndexedView(doc, first, size) {}
};

class Document {
 public:
  Document() = default;
  Document(Document&&) noexcept = default;
  Document& operator=(Document&&) noexcept = default;
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;

  // The top-level value (absent for a default-constructed Document).
  Value root() const { return nodes_.empty() ? Value() : Value(this, root_); }
  // How many values (keys included) it holds.
  std::size_t values() const { return nodes_.size(); }

 private:
  friend class Value;
  friend class ArrayView;
  friend class ObjectView;
  friend class Reader;
  struct Node {
    std::uint32_t kind;   // Type, plus kIntegerFlag for integer literals
    std::uint32_t first;  // string: offset in chars_; array/object: index in slots_
    std::uint64_t bits;   // boolean: 0/1; number: double or int64 bits; string: length; containers: count
  };
  static constexpr std::uint32_t kIntegerFlag = 0x100;
  const Node& node(std::uint32_t i) const { return nodes_[i]; }
  std::string_view chars(const Node& n) const { return {chars_.data() + n.first, static_cast<std::size_t>(n.bits)}; }

  std::vector<Node> nodes_;
  std::vector<std::uint32_t> slots_;  // array: element nodes; object: key node, value node per member
  std::string chars_;                 // every string and key, unescaped
  std::uint32_t root_ = 0;
};

// Parses a complete document within `limits`.
Document parse(std::string_view text, const Limits& limits = {});

// Text from a model file quoted in an error message: at most `max` bytes,
// anything but printable ASCII written as \xNN, so a message stays one line.
std::string excerpt(std::string_view bytes, std::size_t max = 64);

}  // namespace pvt::json
