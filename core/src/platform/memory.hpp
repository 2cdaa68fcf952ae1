#pragma once
// Whole pages of memory straight from the OS, for the buffer pool
// (memory_posix.cpp: mmap / madvise; memory_windows.cpp: VirtualAlloc).
#include <cstddef>

namespace pvt::platform {

std::size_t page_size();

// Zeroed read-write pages, `bytes` of them (a multiple of page_size()), or
// null when the system has none. With `huge`, where the system backs memory
// with transparent huge pages (Linux), the block is aligned for them and
// offered them.
void* map_pages(std::size_t bytes, bool huge);
// Returns what map_pages() gave, all of it (the same `bytes`).
void unmap_pages(void* p, std::size_t bytes);
// Makes pages inside a block inaccessible (guard pages).
void protect_pages(void* p, std::size_t bytes);
// Lets the system take the pages' contents back under memory pressure; they
// stay mapped and read as either their old bytes or zeros.
void discard_pages(void* p, std::size_t bytes);

// Calls `prepare` before a fork() and `parent` / `child` after it, where the
// system forks (POSIX); nothing elsewhere.
void at_fork(void (*prepare)(), void (*parent)(), void (*child)());

}  // namespace pvt::platform
