#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

#include "memory.hpp"

namespace pvt::platform {
namespace {
constexpr std::size_t kHuge = std::size_t{2} << 20;
}

std::size_t page_size() {
  static const auto size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

void* map_pages(std::size_t bytes, bool huge) {
#ifndef MADV_HUGEPAGE
  huge = false;
#endif
  // For huge pages: 2 MiB aligned, from a larger mapping whose spare head
  // and tail are unmapped.
  const std::size_t span = huge ? bytes + kHuge : bytes;
  if (span < bytes) return nullptr;
  void* raw = ::mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  if (!huge) return raw;
  const auto base = reinterpret_cast<std::uintptr_t>(raw);
  const std::uintptr_t start = (base + kHuge - 1) & ~(std::uintptr_t{kHuge} - 1);
  if (start > base) ::munmap(raw, start - base);
  const std::uintptr_t end = start + bytes;
  if (base + span > end) ::munmap(reinterpret_cast<void*>(end), base + span - end);
#ifdef MADV_HUGEPAGE
  ::madvise(reinterpret_cast<void*>(start), bytes, MADV_HUGEPAGE);
#endif
  return reinterpret_cast<void*>(start);
}

void unmap_pages(void* p, std::size_t bytes) { ::munmap(p, bytes); }

void protect_pages(void* p, std::size_t bytes) { ::mprotect(p, bytes, PROT_NONE); }

void discard_pages(void* p, std::size_t bytes) {
#ifdef MADV_FREE
  ::madvise(p, bytes, MADV_FREE);
#else
  (void)p;
  (void)bytes;
#endif
}

void at_fork(void (*prepare)(), void (*parent)(), void (*child)()) { ::pthread_atfork(prepare, parent, child); }

}  // namespace pvt::platform
