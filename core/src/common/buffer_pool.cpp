#include "pyvmaf_tiny/buffer_pool.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "../platform/memory.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define PVT_POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PVT_POOL_ASAN 1
#endif
#endif
#ifdef PVT_POOL_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace pvt {

namespace {

constexpr std::size_t kAlign = 64;
constexpr std::size_t kHuge = std::size_t{2} << 20;
// Kept blocks beyond this are unmapped, oldest first.
constexpr std::size_t kKeepLimit = std::size_t{256} << 20;
// Up to this much of what is kept stays resident as it is; the rest is
// marked reclaimable. Reusing a reclaimable block costs about 1.5 us a page
// on this VM, which is most of a short call's start-up.
constexpr std::size_t kResidentLimit = std::size_t{64} << 20;

#ifdef PVT_POOL_ASAN
// Under AddressSanitizer every buffer is pooled, so the sanitized runs cover
// the pool; each block sits between two inaccessible pages, and the bytes
// not handed out (slack, kept blocks) are poisoned, so overflows and use
// after free are still caught.
constexpr bool kGuarded = true;
constexpr std::size_t kPoolMinBytes = 1;
void poison(void* p, std::size_t n) { ASAN_POISON_MEMORY_REGION(p, n); }
void unpoison(void* p, std::size_t n) { ASAN_UNPOISON_MEMORY_REGION(p, n); }
#else
constexpr bool kGuarded = false;
constexpr std::size_t kPoolMinBytes = std::size_t{256} << 10;
void poison(void*, std::size_t) {}
void unpoison(void*, std::size_t) {}
#endif

struct Block {
  void* p = nullptr;
  std::size_t capacity = 0;  // usable bytes, a whole number of pages
  void* map = nullptr;       // the whole mapping (with guard pages under ASan)
  std::size_t map_bytes = 0;
  std::uint64_t freed_at = 0;
  bool resident = false;  // kept without MADV_FREE

  // Unpoisoned first: the address range may be mapped again by anyone.
  void unmap() const {
    unpoison(p, capacity);
    platform::unmap_pages(map, map_bytes);
  }
};

class Pool {
 public:
  void* allocate(std::size_t bytes) {
    const std::size_t size = round_up(bytes, page());
    Block b;
    bool found = false;
    {
      std::lock_guard lock(mu_);
      // The smallest kept block that fits without wasting more than a quarter.
      auto best = kept_.end();
      for (auto it = kept_.begin(); it != kept_.end(); ++it)
        if (it->capacity >= size && it->capacity - size <= size / 4 &&
            (best == kept_.end() || it->capacity < best->capacity))
          best = it;
      if (best != kept_.end()) {
        b = *best;
        kept_.erase(best);
        forget_locked(b);
        ++reused_;
        found = true;
      }
    }
    if (!found) b = map_block(size);
    try {
      std::lock_guard lock(mu_);
      live_.emplace(b.p, b);
      live_bytes_ += b.capacity;
    } catch (...) {
      b.unmap();
      throw;
    }
    unpoison(b.p, bytes);
    poison(static_cast<std::byte*>(b.p) + bytes, b.capacity - bytes);
    return b.p;
  }

  void free(void* p) noexcept {
    Block b;
    {
      std::lock_guard lock(mu_);
      const auto it = live_.find(p);
      if (it == live_.end()) return;  // not ours: cannot happen through PoolAllocator
      b = it->second;
      live_.erase(it);
      live_bytes_ -= b.capacity;
      b.resident = b.capacity <= kKeepLimit && resident_bytes_ + b.capacity <= kResidentLimit;
      if (b.resident) resident_bytes_ += b.capacity;  // reserved before the lock is dropped
    }
    poison(b.p, b.capacity);
    if (!b.resident) platform::discard_pages(b.p, b.capacity);
    std::lock_guard lock(mu_);
    b.freed_at = ++clock_;
    try {
      kept_.push_back(b);
    } catch (...) {
      if (b.resident) resident_bytes_ -= b.capacity;
      b.unmap();
      return;
    }
    kept_bytes_ += b.capacity;
    // A block above the cap alone is not kept (nor does it evict the rest).
    if (b.capacity > kKeepLimit) {
      kept_.pop_back();
      forget_locked(b);
      b.unmap();
      return;
    }
    while (kept_bytes_ > kKeepLimit) {
      const auto oldest = std::min_element(kept_.begin(), kept_.end(),
                                           [](const Block& x, const Block& y) { return x.freed_at < y.freed_at; });
      oldest->unmap();
      forget_locked(*oldest);
      kept_.erase(oldest);
    }
  }

  std::size_t release() {
    std::vector<Block> all;
    {
      std::lock_guard lock(mu_);
      all.swap(kept_);
      kept_bytes_ = 0;
      // Only what is taken here: a block being freed has its share reserved.
      for (const auto& b : all)
        if (b.resident) resident_bytes_ -= b.capacity;
    }
    std::size_t bytes = 0;
    for (const auto& b : all) {
      b.unmap();
      bytes += b.capacity;
    }
    return bytes;
  }

  // Held across fork() (platform::at_fork), so that a child forked while
  // another thread was inside the pool does not inherit a locked mutex.
  void lock_for_fork() { mu_.lock(); }
  void unlock_after_fork() { mu_.unlock(); }

  PoolStats stats() {
    std::lock_guard lock(mu_);
    return {kept_bytes_, kept_.size(), live_bytes_, reused_, resident_bytes_};
  }

 private:
  // Takes a block that leaves the kept list out of the counts.
  void forget_locked(const Block& b) {
    kept_bytes_ -= b.capacity;
    if (b.resident) resident_bytes_ -= b.capacity;
  }

  static std::size_t page() { return platform::page_size(); }
  static std::size_t round_up(std::size_t n, std::size_t unit) {
    if (n > SIZE_MAX - 2 * unit) throw std::bad_alloc();
    return (n + unit - 1) / unit * unit;
  }

  // `size` bytes of zeroed pages. From 2 MiB on they may be backed by huge
  // pages (platform::map_pages).
  static Block map_block(std::size_t size) {
    const bool huge = size >= kHuge && !kGuarded;
    const std::size_t guard = kGuarded ? page() : 0;
    const std::size_t span = size + 2 * guard;
    void* raw = platform::map_pages(span, huge);
    if (!raw) throw std::bad_alloc();
    auto* bytes = static_cast<std::byte*>(raw);
    if (guard) {
      platform::protect_pages(bytes, guard);
      platform::protect_pages(bytes + guard + size, guard);
    }
    return {bytes + guard, size, raw, span};
  }

  std::mutex mu_;
  std::vector<Block> kept_;
  std::unordered_map<void*, Block> live_;
  std::size_t kept_bytes_ = 0, live_bytes_ = 0, reused_ = 0;
  std::size_t resident_bytes_ = 0;  // of kept_bytes_, not marked reclaimable
  std::uint64_t clock_ = 0;
};

// Never destroyed: buffers may be freed by threads that outlive static
// destruction.
Pool& pool() {
  static Pool* p = [] {
    auto* made = new Pool;
    platform::at_fork([] { pool().lock_for_fork(); }, [] { pool().unlock_after_fork(); },
                      [] { pool().unlock_after_fork(); });
    return made;
  }();
  return *p;
}

}  // namespace

namespace {
thread_local std::size_t requested_here = 0;
}

std::size_t pool_bytes_requested_here() { return requested_here; }

void* pool_allocate(std::size_t bytes) {
  if (bytes > static_cast<std::size_t>(PTRDIFF_MAX)) throw std::bad_alloc();
  requested_here += bytes;
  if (bytes < kPoolMinBytes) return ::operator new(bytes ? bytes : 1, std::align_val_t{kAlign});
  return pool().allocate(bytes);
}

void pool_free(void* p, std::size_t bytes) noexcept {
  if (!p) return;
  if (bytes < kPoolMinBytes) {
    ::operator delete(p, std::align_val_t{kAlign});
    return;
  }
  pool().free(p);
}

PoolStats pool_stats() { return pool().stats(); }

std::size_t pool_release() { return pool().release(); }

}  // namespace pvt
