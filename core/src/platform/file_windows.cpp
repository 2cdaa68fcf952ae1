#include <fcntl.h>
#include <io.h>

#include <algorithm>
#include <cstdio>

#include "file.hpp"
#include "os_windows.hpp"
#include "pyvmaf_tiny/errors.hpp"

namespace pvt::platform {
namespace {

HANDLE handle_of(std::intptr_t h) { return reinterpret_cast<HANDLE>(h); }

std::string label(const char* what, const std::string& path) {
  return (*what ? std::string(what) + " " : std::string()) + path + ": ";
}

bool is_separator(char c) { return c == '\\' || c == '/'; }

// Why an open handle is not a regular file on a disk, or nullptr when it is.
const char* not_regular(HANDLE h) {
  switch (::GetFileType(h)) {
    case FILE_TYPE_DISK: {
      BY_HANDLE_FILE_INFORMATION info{};
      if (!::GetFileInformationByHandle(h, &info)) return "not a regular file";
      if (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) return "is a directory, not a regular file";
      if (info.dwFileAttributes & FILE_ATTRIBUTE_DEVICE) return "is a device, not a regular file";
      return nullptr;
    }
    case FILE_TYPE_PIPE: return "is a pipe, not a regular file";
    case FILE_TYPE_CHAR: return "is a device, not a regular file";
    default: return "not a regular file";
  }
}

}  // namespace

RegularFile::RegularFile(const std::string& path, const char* what, FileError kind) {
  const std::string prefix = label(what, path);
  std::wstring wide;
  if (!widen(path, wide)) refuse(kind, prefix + "cannot open (the path is not valid UTF-8)");
  // Shared for writing and deleting as POSIX files are. Opening never waits:
  // a busy pipe fails at once, and devices open without blocking; the type
  // check below then refuses what is not a file on a disk.
  const HANDLE h = ::CreateFileW(wide.c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                                 nullptr, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (h == INVALID_HANDLE_VALUE) {
    const DWORD err = ::GetLastError();
    if (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND) refuse(kind, prefix + "no such file");
    const DWORD attributes = ::GetFileAttributesW(wide.c_str());
    if (attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY))
      refuse(kind, prefix + "is a directory, not a regular file");
    refuse(kind, prefix + "cannot open (" + system_message(err) + ")");
  }
  const char* bad = not_regular(h);
  if (bad) {
    ::CloseHandle(h);
    refuse(kind, prefix + bad);
  }
  handle_ = reinterpret_cast<std::intptr_t>(h);
}

RegularFile::~RegularFile() { ::CloseHandle(handle_of(handle_)); }

std::uint64_t RegularFile::size(const std::string& name) const {
  LARGE_INTEGER size{};
  if (!::GetFileSizeEx(handle_of(handle_), &size))
    throw InputError(name + ": cannot stat (" + system_message(::GetLastError()) + ")");
  return static_cast<std::uint64_t>(size.QuadPart);
}

RegularFile::Read RegularFile::read_at(void* dst, std::size_t bytes, std::uint64_t offset) const {
  Read r;
  auto* p = static_cast<char*>(dst);
  while (r.bytes < bytes) {
    // An explicit offset on each call: no shared file position is used.
    const std::uint64_t at = offset + r.bytes;
    OVERLAPPED where{};
    where.Offset = static_cast<DWORD>(at);
    where.OffsetHigh = static_cast<DWORD>(at >> 32);
    const auto want = static_cast<DWORD>(std::min<std::size_t>(bytes - r.bytes, std::size_t{1} << 30));
    DWORD got = 0;
    if (!::ReadFile(handle_of(handle_), p + r.bytes, want, &got, &where)) {
      const DWORD err = ::GetLastError();
      if (err != ERROR_HANDLE_EOF) r.error = system_message(err);
      break;
    }
    if (got == 0) break;
    r.bytes += got;
  }
  return r;
}

void RegularFile::advise_sequential() const {}  // Windows takes this hint only when a file is opened

WritableFile::WritableFile(const std::string& path, const char* what) : path_(path) {
  const std::string prefix = label(what, path);
  std::wstring wide;
  if (!widen(path, wide)) throw InputError(prefix + "cannot write (the path is not valid UTF-8)");
  const DWORD attributes = ::GetFileAttributesW(wide.c_str());
  if (attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY))
    throw InputError(prefix + "is a directory, not a regular file");
  // OPEN_ALWAYS, not CREATE_ALWAYS: nothing is emptied before the type check
  // below. Opening never waits (a busy pipe fails at once).
  const HANDLE h = ::CreateFileW(wide.c_str(), GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                                 nullptr, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (h == INVALID_HANDLE_VALUE) throw InputError(prefix + "cannot write (" + system_message(::GetLastError()) + ")");
  const char* bad = not_regular(h);
  std::string failed;
  if (!bad) {
    LARGE_INTEGER zero{};
    if (!::SetFilePointerEx(h, zero, nullptr, FILE_BEGIN) || !::SetEndOfFile(h))
      failed = "cannot empty it (" + system_message(::GetLastError()) + ")";
  }
  if (bad || !failed.empty()) {
    ::CloseHandle(h);
    throw InputError(prefix + (bad ? std::string(bad) : failed));
  }
  handle_ = reinterpret_cast<std::intptr_t>(h);
}

WritableFile::~WritableFile() { ::CloseHandle(handle_of(handle_)); }

void WritableFile::write_at(const void* src, std::size_t bytes, std::uint64_t offset) const {
  const auto* p = static_cast<const char*>(src);
  std::size_t done = 0;
  while (done < bytes) {
    // An explicit offset on each call: no shared file position is used.
    const std::uint64_t at = offset + done;
    OVERLAPPED where{};
    where.Offset = static_cast<DWORD>(at);
    where.OffsetHigh = static_cast<DWORD>(at >> 32);
    const auto want = static_cast<DWORD>(std::min<std::size_t>(bytes - done, std::size_t{1} << 30));
    DWORD put = 0;
    if (!::WriteFile(handle_of(handle_), p + done, want, &put, &where))
      throw InputError(path_ + ": write failed (" + system_message(::GetLastError()) + ")");
    if (put == 0) throw InputError(path_ + ": write failed (no progress)");
    done += put;
  }
}

void make_directories(const std::string& path, const char* what) {
  const std::string prefix = label(what, path);
  if (path.empty()) throw InputError(prefix + "an empty path names no folder");
  // A UNC path's \\server\share is where folders start, never made here.
  std::size_t start = 0;
  if (path.size() > 2 && is_separator(path[0]) && is_separator(path[1])) {
    int seen = 0;
    for (start = 2; start < path.size() && seen < 2; ++start)
      if (is_separator(path[start])) ++seen;
  }
  for (std::size_t end = start;;) {
    while (end < path.size() && !is_separator(path[end])) ++end;
    const std::string part = path.substr(0, end);
    const bool last = end >= path.size();
    if (!part.empty() && !is_separator(part.back()) && part.back() != ':') {
      std::wstring wide;
      if (!widen(part, wide)) throw InputError(prefix + "cannot make the folder (the path is not valid UTF-8)");
      if (!::CreateDirectoryW(wide.c_str(), nullptr)) {
        const DWORD err = ::GetLastError();
        const DWORD attributes = ::GetFileAttributesW(wide.c_str());
        if (attributes == INVALID_FILE_ATTRIBUTES)
          throw InputError(prefix + "cannot make the folder " + part + " (" + system_message(err) + ")");
        if (!(attributes & FILE_ATTRIBUTE_DIRECTORY))
          throw InputError(prefix + (part == path ? std::string("is ") : part + " is ") + "a file, not a folder");
      }
    }
    if (last) break;
    ++end;
  }
}

char path_separator() { return '\\'; }

void binary_stdout() {
  std::fflush(stdout);
  ::_setmode(::_fileno(stdout), _O_BINARY);
}

}  // namespace pvt::platform
