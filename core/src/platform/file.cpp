// The OS-independent half of file.hpp.
#include "file.hpp"

#include "pyvmaf_tiny/errors.hpp"

namespace pvt::platform {

void refuse(FileError kind, const std::string& text) {
  if (kind == FileError::model) throw ModelError(text);
  throw InputError(text);
}

std::string read_regular_file(const std::string& path, const char* what, std::size_t cap, FileError kind) {
  RegularFile file(path, what, kind);
  std::string data;
  char buf[1 << 16];
  for (;;) {
    const RegularFile::Read got = file.read_at(buf, sizeof buf, data.size());
    if (!got.error.empty()) refuse(kind, std::string(what) + " " + path + ": read failed (" + got.error + ")");
    if (got.bytes > cap - data.size())
      refuse(kind, std::string(what) + " " + path + ": larger than the " +
                       (cap % (1u << 20) == 0 ? std::to_string(cap >> 20) + " MiB" : std::to_string(cap) + " bytes") +
                       " cap");
    data.append(buf, got.bytes);
    if (got.bytes < sizeof buf) break;
  }
  return data;
}

}  // namespace pvt::platform
