#pragma once
// Opening files for a caller: only regular files (after links), never
// blocking on a FIFO or device, and reads capped while they happen; files
// written for a caller (and their folders) likewise. With
// mapping.hpp, the only place that knows the OS's file calls (file_posix.cpp,
// file_windows.cpp). Paths are UTF-8.
#include <cstddef>
#include <cstdint>
#include <string>

namespace pvt::platform {

enum class FileError { input, model };  // which error type a refusal raises

// An open, read-only handle of a regular file; closed on destruction.
class RegularFile {
 public:
  // Throws InputError or ModelError ("<what> <path>: ...", or "<path>: ..."
  // when `what` is empty) when `path` is
  // missing, unreadable or not a regular file.
  RegularFile(const std::string& path, const char* what, FileError kind = FileError::input);
  ~RegularFile();
  RegularFile(const RegularFile&) = delete;
  RegularFile& operator=(const RegularFile&) = delete;

  // Its size now; InputError "<name>: cannot stat (...)" when the OS cannot say.
  std::uint64_t size(const std::string& name) const;

  struct Read {
    std::size_t bytes = 0;  // fewer than asked only at the end of the file
    std::string error;      // the OS's reason, when a read failed
  };
  // Reads `bytes` at `offset` (retrying short and interrupted reads), without
  // moving any shared position: safe from several threads at once.
  Read read_at(void* dst, std::size_t bytes, std::uint64_t offset) const;

  // Tells the OS the file will be read front to back (a hint; may do nothing).
  void advise_sequential() const;

  // The OS's handle: a descriptor (POSIX) or a HANDLE (Windows).
  std::intptr_t native() const { return handle_; }

 private:
  std::intptr_t handle_;
};

// A regular file opened for writing: created if missing (mode 0666 before
// the umask on POSIX), emptied once it is known to be a regular file. Writes
// are positional, so several threads may write their own byte ranges at once.
class WritableFile {
 public:
  // Throws InputError ("<what> <path>: ...") when `path` exists and is not a
  // regular file (a FIFO or device is refused without waiting on it), or
  // cannot be created or opened for writing.
  WritableFile(const std::string& path, const char* what);
  ~WritableFile();
  WritableFile(const WritableFile&) = delete;
  WritableFile& operator=(const WritableFile&) = delete;

  // Writes all `bytes` at `offset` (retrying short and interrupted writes)
  // without moving any shared position; InputError "<path>: write failed (...)".
  void write_at(const void* src, std::size_t bytes, std::uint64_t offset) const;

  const std::string& path() const { return path_; }

 private:
  std::intptr_t handle_;
  std::string path_;
};

// `path` as a folder, made with any missing parents (as mkdir -p; mode 0770
// before the umask on POSIX). InputError ("<what> <path>: ...", naming the
// component at fault) when a component exists and is not a folder (after
// links) or cannot be made.
void make_directories(const std::string& path, const char* what);

// The separator between a folder and a name in the paths this OS takes.
char path_separator();

// The whole of a regular file, refused once it is found to hold more than
// `cap` bytes (the size is not trusted: the read itself is bounded).
std::string read_regular_file(const std::string& path, const char* what, std::size_t cap,
                              FileError kind = FileError::model);

// Writes stdout's bytes as given (no "\r\n" for "\n" on Windows).
void binary_stdout();

// Throws InputError or ModelError, as `kind` says.
[[noreturn]] void refuse(FileError kind, const std::string& text);

}  // namespace pvt::platform
