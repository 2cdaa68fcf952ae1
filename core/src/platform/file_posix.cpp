#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "file.hpp"
#include "pyvmaf_tiny/errors.hpp"

namespace pvt::platform {
namespace {

[[noreturn]] void refuse(FileError kind, const std::string& text) {
  if (kind == FileError::model) throw ModelError(text);
  throw InputError(text);
}

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "is a directory, not a regular file";
  if (S_ISFIFO(mode)) return "is a FIFO, not a regular file";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "is a device, not a regular file";
  if (S_ISSOCK(mode)) return "is a socket, not a regular file";
  return "not a regular file";
}

}  // namespace

RegularFile::RegularFile(const std::string& path, const char* what, FileError kind) {
  const std::string prefix = (*what ? std::string(what) + " " : std::string()) + path + ": ";
  // O_NONBLOCK: opening a FIFO must not wait for a writer. fstat() then
  // checks the object actually opened, whatever the path pointed at before.
  fd_ = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd_ < 0) {
    const int err = errno;
    refuse(kind, prefix + (err == ENOENT ? std::string("no such file") : "cannot open (" + std::string(std::strerror(err)) + ")"));
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    const mode_t mode = st.st_mode;
    ::close(fd_);
    fd_ = -1;
    refuse(kind, prefix + kind_of(mode));
  }
  const int flags = ::fcntl(fd_, F_GETFL);
  if (flags >= 0) ::fcntl(fd_, F_SETFL, flags & ~O_NONBLOCK);
}

RegularFile::~RegularFile() {
  if (fd_ >= 0) ::close(fd_);
}

int RegularFile::release() { return std::exchange(fd_, -1); }

std::string read_regular_file(const std::string& path, const char* what, std::size_t cap, FileError kind) {
  RegularFile file(path, what, kind);
  std::string data;
  char buf[1 << 16];
  for (;;) {
    const ssize_t got = ::read(file.fd(), buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) refuse(kind, std::string(what) + " " + path + ": read failed (" + std::strerror(errno) + ")");
    if (got == 0) break;
    if (static_cast<std::size_t>(got) > cap - data.size())
      refuse(kind, std::string(what) + " " + path + ": larger than the " +
                       (cap % (1u << 20) == 0 ? std::to_string(cap >> 20) + " MiB" : std::to_string(cap) + " bytes") +
                       " cap");
    data.append(buf, static_cast<std::size_t>(got));
  }
  return data;
}

}  // namespace pvt::platform
