#pragma once
// Opening files for a caller: only regular files (after links), never
// blocking on a FIFO or device, and reads capped while they happen. The only
// place (with raw_reader's mapping) that knows the OS's file calls.
#include <cstddef>
#include <string>

namespace pvt::platform {

enum class FileError { input, model };  // which error type a refusal raises

// An open, read-only descriptor of a regular file; closed on destruction.
class RegularFile {
 public:
  // Throws InputError or ModelError ("<what> <path>: ...", or "<path>: ..."
  // when `what` is empty) when `path` is
  // missing, unreadable or not a regular file.
  RegularFile(const std::string& path, const char* what, FileError kind = FileError::input);
  ~RegularFile();
  RegularFile(const RegularFile&) = delete;
  RegularFile& operator=(const RegularFile&) = delete;

  int fd() const { return fd_; }
  // Hands the descriptor over; the caller closes it.
  int release();

 private:
  int fd_ = -1;
};

// The whole of a regular file, refused once it is found to hold more than
// `cap` bytes (the size is not trusted: the read itself is bounded).
std::string read_regular_file(const std::string& path, const char* what, std::size_t cap,
                              FileError kind = FileError::model);

}  // namespace pvt::platform
