#pragma once
// Viewing part of a regular file in place, read-only, with one guarantee on
// every system: a file cut short under a view never kills the process nor
// goes unnoticed.
//
// - POSIX: reading a mapped page that a truncation took away raises SIGBUS.
//   While a view exists, such a fault inside it maps a zero page in the lost
//   one's place and marks the view truncated() (truncation_guard_posix.hpp);
//   a fault anywhere else goes to the handler that was there before.
// - Windows: a file cannot be cut short while a view of it exists (shrinking
//   it fails with ERROR_USER_MAPPED_FILE), and a view cannot reach past the
//   file's end when it is made (the mapping is then refused and the caller
//   reads instead, and finds the file short). truncated() is always false.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "file.hpp"

namespace pvt::platform {

class FileView {
 public:
  virtual ~FileView() = default;
  FileView(const FileView&) = delete;
  FileView& operator=(const FileView&) = delete;

  // The byte at the offset asked for.
  const std::uint8_t* data() const { return data_; }
  // Whether the file was cut short under the view since it was made: the
  // lost bytes then read as zeros, and nothing computed from them may be used.
  virtual bool truncated() const = 0;

 protected:
  FileView() = default;
  const std::uint8_t* data_ = nullptr;
};

// Bytes [offset, offset + length) of `file`, which must hold them now; null
// when the system will not map them (the caller then reads them). The view
// lives independently of `file`. Pages are read in here where the system
// allows (Linux), as a read would.
std::unique_ptr<FileView> map_file(const RegularFile& file, std::uint64_t offset, std::size_t length);

}  // namespace pvt::platform
