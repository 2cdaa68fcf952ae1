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

void binary_stdout() {}

}  // namespace pvt::platform
