#pragma once
#include <cstddef>
#include <limits>
#include <new>
#include <vector>

namespace pvt {

// Working buffers of 256 KiB or more (an extractor's planes, a frame copy;
// every buffer under AddressSanitizer) come from a process-wide pool. A
// block freed at the end of a scoring call is kept and handed to the next
// call that asks for about as much: that call then skips the page faults of
// fresh memory. The first 64 MiB kept stay resident; beyond that, kept
// blocks are marked reclaimable (the kernel may take their pages back under
// memory pressure). Blocks of 2 MiB and more are 2 MiB aligned and
// offered transparent huge pages (Linux). Smaller requests go to operator
// new.
// Thread-safe.
void* pool_allocate(std::size_t bytes);  // 64-byte aligned; throws std::bad_alloc
void pool_free(void* p, std::size_t bytes) noexcept;
// Bytes the calling thread has asked pool_allocate() for, ever (what a piece
// of code allocates is the difference across it).
std::size_t pool_bytes_requested_here();

struct PoolStats {
  std::size_t kept_bytes = 0;   // freed blocks waiting for reuse
  std::size_t kept_blocks = 0;
  std::size_t live_bytes = 0;   // pooled blocks in use
  std::size_t reused_blocks = 0;  // allocations served by a kept block, ever
  std::size_t resident_bytes = 0;  // of kept_bytes, those not marked reclaimable
};
PoolStats pool_stats();

// Unmaps every kept block; returns the bytes handed back.
std::size_t pool_release();

template <class T>
struct PoolAllocator {
  using value_type = T;
  PoolAllocator() = default;
  template <class U>
  PoolAllocator(const PoolAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    if (n > std::numeric_limits<std::size_t>::max() / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(pool_allocate(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept { pool_free(p, n * sizeof(T)); }

  template <class U>
  bool operator==(const PoolAllocator<U>&) const noexcept {
    return true;
  }
};

template <class T>
using PooledVector = std::vector<T, PoolAllocator<T>>;

}  // namespace pvt
