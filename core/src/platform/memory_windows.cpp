#include "memory.hpp"
#include "os_windows.hpp"

namespace pvt::platform {

std::size_t page_size() {
  static const std::size_t size = [] {
    SYSTEM_INFO info{};
    ::GetSystemInfo(&info);
    return static_cast<std::size_t>(info.dwPageSize);
  }();
  return size;
}

// Windows has no transparent huge pages (large pages need a privilege and
// are never swapped), so `huge` changes nothing.
void* map_pages(std::size_t bytes, bool) {
  return ::VirtualAlloc(nullptr, bytes, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
}

void unmap_pages(void* p, std::size_t) { ::VirtualFree(p, 0, MEM_RELEASE); }

void protect_pages(void* p, std::size_t bytes) {
  DWORD was = 0;
  ::VirtualProtect(p, bytes, PAGE_NOACCESS, &was);
}

void discard_pages(void* p, std::size_t bytes) { ::VirtualAlloc(p, bytes, MEM_RESET, PAGE_READWRITE); }

void at_fork(void (*)(), void (*)(), void (*)()) {}  // no fork() on Windows

}  // namespace pvt::platform
