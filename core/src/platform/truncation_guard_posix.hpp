#pragma once
// Keeps a file being cut short under a mapping from killing the process
// (POSIX; mapping_posix.cpp's views use it, see mapping.hpp).
//
// Reading a mapped page that a truncation of the file has taken away raises
// SIGBUS. While a range is watched, a SIGBUS inside it is answered by mapping
// a zero page in place of the lost one and marking the range: the reader sees
// zeros, and its owner, which checks hit() after reading, reports the file as
// truncated. A SIGBUS anywhere else goes to the handler that was there before
// (the default action, Python's faulthandler, a sanitizer): the guard steps
// aside and lets the fault happen again.
#include <cstddef>

namespace pvt::platform {

class TruncationGuard {
 public:
  // Watches [begin, begin + bytes) (page-aligned), or returns false when the
  // guard cannot (too many ranges, or no handler could be installed): then
  // the caller must not map.
  bool watch(const void* begin, std::size_t bytes);
  // Whether a page of the range was found truncated since watch().
  bool hit() const;
  // Stops watching; call before unmapping the range.
  void release();

  TruncationGuard() = default;
  ~TruncationGuard() { release(); }
  TruncationGuard(const TruncationGuard&) = delete;
  TruncationGuard& operator=(const TruncationGuard&) = delete;

 private:
  int entry_ = -1;
};

}  // namespace pvt::platform
