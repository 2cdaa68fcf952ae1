#include "truncation_guard_posix.hpp"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <deque>
#include <mutex>

namespace pvt::platform {
namespace {

struct Entry {
  std::atomic<bool> used{false};
  std::atomic<std::uintptr_t> begin{0}, end{0};
  std::atomic<bool> hit{false};
};

// Two frames per slot of every pipeline alive at once.
constexpr int kEntries = 1024;
Entry g_entries[kEntries];
std::uintptr_t g_page_size = 0;

// What SIGBUS did before the guard took it over. Earlier ones are kept too:
// a handler running on another thread may still be reading one.
std::mutex g_install_mu;
std::deque<struct sigaction> g_previous_store;
std::atomic<const struct sigaction*> g_previous{nullptr};
bool g_refused = false;  // a sanitizer kept SIGBUS for itself

void on_sigbus(int sig, siginfo_t* info, void* context);

bool is_ours(const struct sigaction& a) { return (a.sa_flags & SA_SIGINFO) && a.sa_sigaction == on_sigbus; }

// Puts the previous handler back. A fault then happens again when this
// handler returns and reaches it; a signal someone sent is sent again.
void step_aside(int sig, const siginfo_t* info) {
  struct sigaction fallback {};
  fallback.sa_handler = SIG_DFL;
  const struct sigaction* previous = g_previous.load();
  ::sigaction(sig, previous ? previous : &fallback, nullptr);
  if (!info || info->si_code <= 0) ::raise(sig);
}

void on_sigbus(int sig, siginfo_t* info, void*) {
  const int saved_errno = errno;
  if (info && info->si_code > 0) {
    const auto addr = reinterpret_cast<std::uintptr_t>(info->si_addr);
    for (Entry& e : g_entries) {
      const std::uintptr_t begin = e.begin.load(std::memory_order_acquire);
      if (begin == 0 || addr < begin || addr >= e.end.load(std::memory_order_relaxed)) continue;
      void* page = reinterpret_cast<void*>(addr & ~(g_page_size - 1));
      if (::mmap(page, g_page_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED) break;
      e.hit.store(true, std::memory_order_relaxed);
      errno = saved_errno;
      return;
    }
  }
  step_aside(sig, info);
  errno = saved_errno;
}

// Installs the handler unless it is in place; again if someone replaced it
// since (Python's faulthandler.enable(), for one).
bool ensure_installed() {
  std::lock_guard lock(g_install_mu);
  if (g_refused) return false;
  struct sigaction current {};
  if (::sigaction(SIGBUS, nullptr, &current) != 0) return false;
  if (is_ours(current)) return true;
  if (!g_page_size) g_page_size = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  g_previous.store(&g_previous_store.emplace_back(current));
  struct sigaction act {};
  act.sa_sigaction = on_sigbus;
  act.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&act.sa_mask);
  if (::sigaction(SIGBUS, &act, nullptr) != 0 || ::sigaction(SIGBUS, nullptr, &current) != 0 || !is_ours(current)) {
    g_refused = true;
    return false;
  }
  return true;
}

}  // namespace

bool TruncationGuard::watch(const void* begin, std::size_t bytes) {
  release();
  if (!ensure_installed()) return false;
  const auto b = reinterpret_cast<std::uintptr_t>(begin);
  for (int i = 0; i < kEntries; ++i) {
    Entry& e = g_entries[i];
    bool expected = false;
    if (!e.used.compare_exchange_strong(expected, true)) continue;
    e.hit.store(false);
    e.end.store(b + bytes, std::memory_order_relaxed);
    e.begin.store(b, std::memory_order_release);
    entry_ = i;
    return true;
  }
  return false;
}

bool TruncationGuard::hit() const { return entry_ >= 0 && g_entries[entry_].hit.load(); }

void TruncationGuard::release() {
  if (entry_ < 0) return;
  Entry& e = g_entries[entry_];
  e.begin.store(0, std::memory_order_release);
  e.end.store(0, std::memory_order_relaxed);
  e.used.store(false);
  entry_ = -1;
}

}  // namespace pvt::platform
