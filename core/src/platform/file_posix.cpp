#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "file.hpp"
#include "pyvmaf_tiny/errors.hpp"

namespace pvt::platform {
namespace {

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "is a directory, not a regular file";
  if (S_ISFIFO(mode)) return "is a FIFO, not a regular file";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "is a device, not a regular file";
  if (S_ISSOCK(mode)) return "is a socket, not a regular file";
  return "not a regular file";
}

int fd_of(std::intptr_t handle) { return static_cast<int>(handle); }

const char* kind_of_other(mode_t mode) {
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a folder";
}

std::string label(const char* what, const std::string& path) {
  return (*what ? std::string(what) + " " : std::string()) + path + ": ";
}

}  // namespace

RegularFile::RegularFile(const std::string& path, const char* what, FileError kind) {
  const std::string prefix = (*what ? std::string(what) + " " : std::string()) + path + ": ";
  // O_NONBLOCK: opening a FIFO must not wait for a writer. fstat() then
  // checks the object actually opened, whatever the path pointed at before.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    refuse(kind, prefix + (err == ENOENT ? std::string("no such file") : "cannot open (" + std::string(std::strerror(err)) + ")"));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const mode_t mode = st.st_mode;
    ::close(fd);
    refuse(kind, prefix + kind_of(mode));
  }
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  handle_ = fd;
}

RegularFile::~RegularFile() { ::close(fd_of(handle_)); }

std::uint64_t RegularFile::size(const std::string& name) const {
  struct stat st {};
  if (::fstat(fd_of(handle_), &st) != 0) throw InputError(name + ": cannot stat (" + std::strerror(errno) + ")");
  return static_cast<std::uint64_t>(st.st_size);
}

RegularFile::Read RegularFile::read_at(void* dst, std::size_t bytes, std::uint64_t offset) const {
  Read r;
  auto* p = static_cast<char*>(dst);
  while (r.bytes < bytes) {
    const ssize_t got = ::pread(fd_of(handle_), p + r.bytes, bytes - r.bytes, static_cast<off_t>(offset + r.bytes));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      r.error = std::strerror(errno);
      break;
    }
    if (got == 0) break;
    r.bytes += static_cast<std::size_t>(got);
  }
  return r;
}

void RegularFile::advise_sequential() const {
#ifdef POSIX_FADV_SEQUENTIAL
  ::posix_fadvise(fd_of(handle_), 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
}

WritableFile::WritableFile(const std::string& path, const char* what) : path_(path) {
  const std::string prefix = label(what, path);
  // Refused before any open: opening a device for writing can itself act.
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) throw InputError(prefix + kind_of(st.st_mode));
  // O_NONBLOCK: a FIFO swapped in since is refused (ENXIO) or opened at once,
  // then refused by fstat(); nothing is emptied before that check.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0666);
  if (fd < 0) {
    const int err = errno;
    throw InputError(prefix + (err == ENXIO ? std::string("is a FIFO, not a regular file")
                                            : "cannot write (" + std::string(std::strerror(err)) + ")"));
  }
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const mode_t mode = st.st_mode;
    ::close(fd);
    throw InputError(prefix + kind_of(mode));
  }
  if (::ftruncate(fd, 0) != 0) {
    const int err = errno;
    ::close(fd);
    throw InputError(prefix + "cannot empty it (" + std::strerror(err) + ")");
  }
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  handle_ = fd;
}

WritableFile::~WritableFile() { ::close(fd_of(handle_)); }

void WritableFile::write_at(const void* src, std::size_t bytes, std::uint64_t offset) const {
  const auto* p = static_cast<const char*>(src);
  std::size_t done = 0;
  while (done < bytes) {
    const ssize_t put = ::pwrite(fd_of(handle_), p + done, bytes - done, static_cast<off_t>(offset + done));
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) throw InputError(path_ + ": write failed (" + (put < 0 ? std::strerror(errno) : "no progress") + ")");
    done += static_cast<std::size_t>(put);
  }
}

void make_directories(const std::string& path, const char* what) {
  const std::string prefix = label(what, path);
  if (path.empty()) throw InputError(prefix + "an empty path names no folder");
  // Each prefix ending before a separator, then the whole path; a leading,
  // repeated or trailing separator adds none.
  for (std::size_t end = 0;;) {
    end = path.find('/', end + 1);
    const std::string part = path.substr(0, end);
    if (!part.empty() && part.back() != '/') {
      if (::mkdir(part.c_str(), 0770) != 0) {
        const int err = errno;
        struct stat st {};
        if (::stat(part.c_str(), &st) == 0) {
          if (!S_ISDIR(st.st_mode))
            throw InputError(prefix + (part == path ? std::string("is ") : part + " is ") + kind_of_other(st.st_mode) +
                             ", not a folder");
        } else {
          throw InputError(prefix + "cannot make the folder " + part + " (" + std::strerror(err) + ")");
        }
      }
    }
    if (end == std::string::npos) break;
  }
}

char path_separator() { return '/'; }

void binary_stdout() {}

}  // namespace pvt::platform
