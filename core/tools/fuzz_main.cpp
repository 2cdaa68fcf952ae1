// pvt-fuzz: a deterministic, in-process fuzzer for the core's input parsers.
// Build it with the tools (PYVMAF_TINY_BUILD_TOOLS=ON) and, to fuzz, with
// PYVMAF_TINY_SANITIZE=address,undefined; docs/fuzzing.md has the commands.
//
//   pvt-fuzz --seeds tests/fuzz_seeds [--targets y4m,raw,...] [--cases N] [--seed S] [--first K]
//            [--out DIR] [--timeout-ms MS] [--memory-mb MB] [--vmaf-model FILE] [--emit FILE]
//   pvt-fuzz --replay TARGET FILE...
//
// Case K of a run is a function of (seed, K) and the seed corpus alone. A case
// that crashes, trips a sanitizer or overruns the time limit has its input
// written to --out before the process ends; other findings (an exception
// outside the contract, an allocation beyond the memory limit, an oracle
// failure) are written there and the run goes on. Exit status: 0 when no case
// found anything, 1 when some did, 2 on bad usage, 4 on a hang.
#include <dirent.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "fuzz_mutator.hpp"
#include "fuzz_targets.hpp"
#include "pyvmaf_tiny/errors.hpp"
#include "../src/platform/file.hpp"

#if defined(PVT_FUZZ_SANITIZED)
#include <sanitizer/common_interface_defs.h>
#endif

// ---- Memory: every operator new is counted, and a case may not hold more
// than the limit beyond what was live when it started.
namespace {
std::atomic<std::int64_t> g_live{0};
std::atomic<std::int64_t> g_case_base{0};
std::atomic<std::int64_t> g_limit{INT64_MAX};
std::atomic<bool> g_over{false};
std::atomic<std::uint64_t> g_over_request{0};
std::atomic<std::int64_t> g_case_peak{0};  // the most a case held beyond its start
std::atomic<bool> g_in_case{false};        // the limit holds only while a case runs

void* counted_alloc(std::size_t n, std::size_t align, bool nothrow) {
  const std::int64_t live = g_live.load(std::memory_order_relaxed);
  if (n > (std::size_t{1} << 62) ||
      (g_in_case.load(std::memory_order_relaxed) &&
       live - g_case_base.load(std::memory_order_relaxed) + static_cast<std::int64_t>(n) > g_limit.load())) {
    g_over_request.store(n);
    g_over.store(true);
    if (nothrow) return nullptr;
    throw std::bad_alloc();
  }
  void* p = align > alignof(std::max_align_t) ? std::aligned_alloc(align, (n + align - 1) / align * align)
                                              : std::malloc(n ? n : 1);
  if (!p) {
    if (nothrow) return nullptr;
    throw std::bad_alloc();
  }
  const std::int64_t held = g_live.fetch_add(static_cast<std::int64_t>(::malloc_usable_size(p)),
                                             std::memory_order_relaxed) +
                            static_cast<std::int64_t>(::malloc_usable_size(p)) - g_case_base.load(std::memory_order_relaxed);
  for (std::int64_t peak = g_case_peak.load(std::memory_order_relaxed);
       held > peak && !g_case_peak.compare_exchange_weak(peak, held, std::memory_order_relaxed);) {
  }
  return p;
}

void counted_free(void* p) noexcept {
  if (!p) return;
  g_live.fetch_sub(static_cast<std::int64_t>(::malloc_usable_size(p)), std::memory_order_relaxed);
  std::free(p);
}
}  // namespace

void* operator new(std::size_t n) { return counted_alloc(n, 0, false); }
void* operator new[](std::size_t n) { return counted_alloc(n, 0, false); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n, 0, true); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n, 0, true); }
void* operator new(std::size_t n, std::align_val_t a) { return counted_alloc(n, static_cast<std::size_t>(a), false); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted_alloc(n, static_cast<std::size_t>(a), false); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counted_alloc(n, static_cast<std::size_t>(a), true);
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counted_alloc(n, static_cast<std::size_t>(a), true);
}
void operator delete(void* p) noexcept { counted_free(p); }
void operator delete[](void* p) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { counted_free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { counted_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { counted_free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { counted_free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { counted_free(p); }

using namespace pvt_fuzz;

namespace {

// ---- The case in flight, for the crash and hang paths (async-signal-safe).
char g_crash_path[4096];
char g_hang_path[4096];
const char* volatile g_data = nullptr;
volatile std::size_t g_size = 0;
std::atomic<std::int64_t> g_case_start{0};  // steady-clock ns; 0 between cases
std::int64_t g_timeout_ns = 0;

void write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w <= 0) return;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

void say(const char* s) { write_all(2, s, std::strlen(s)); }

void dump_case(const char* path) {
  if (!g_data || !g_case_start.load()) return;
  const int fd = ::open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  write_all(fd, g_data, g_size);
  ::close(fd);
  say("pvt-fuzz: the failing case's input is in ");
  say(path);
  say("\n");
}

void on_death() { dump_case(g_crash_path); }

void on_signal(int sig) {
  dump_case(g_crash_path);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void install_crash_handlers() {
#if defined(PVT_FUZZ_SANITIZED)
  __sanitizer_set_death_callback(on_death);
  ::signal(SIGABRT, on_signal);  // std::terminate and assertions: not a sanitizer's
#else
  (void)on_death;
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) ::signal(sig, on_signal);
#endif
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void watchdog() {
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const std::int64_t start = g_case_start.load();
    if (start && now_ns() - start > g_timeout_ns) {
      say("pvt-fuzz: HANG: a case ran past the time limit\n");
      dump_case(g_hang_path);
      ::_exit(4);
    }
  }
}

// ---- Seeds and bookkeeping.
// Every file of `dir` in name order; kept findings (finding-*, regression-*)
// too unless `plain_only`.
std::vector<std::string> load_dir(const std::string& dir, bool plain_only) {
  std::vector<std::string> names, out;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* e = ::readdir(d))
      if (e->d_name[0] != '.' && std::strcmp(e->d_name, "README.md") != 0 &&
          !(plain_only && (std::strncmp(e->d_name, "finding-", 8) == 0 || std::strncmp(e->d_name, "regression-", 11) == 0)))
        names.push_back(e->d_name);
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    struct stat st {};
    const std::string path = dir + "/" + n;
    if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode))
      out.push_back(pvt::platform::read_regular_file(path, "seed", std::size_t{16} << 20, pvt::platform::FileError::input));
  }
  return out;
}

struct Stats {
  std::uint64_t cases = 0, accepted = 0, refused = 0, skipped = 0, findings = 0;
  double slowest_ms = 0;
  std::int64_t peak_bytes = 0;
  std::map<std::string, std::uint64_t> reasons;  // refusals, digits and quoted text masked
};

// A refusal's message with the case's particulars masked, to count kinds.
std::string reason_of(const std::string& message) {
  std::string out;
  bool quoted = false;
  for (char c : message.substr(0, 120)) {
    if (c == '\'') {
      quoted = !quoted;
      out += c;
    } else if (!quoted) {
      out += (c >= '0' && c <= '9') ? '#' : c;
    }
  }
  return out;
}

std::uint64_t case_seed(std::uint64_t seed, const char* target, std::uint64_t j) {
  Rng r(seed ^ fnv1a(target, std::strlen(target)) ^ (j * 0xD1B54A32D192ED03ull));
  return r.next();
}

bool write_file(const std::string& path, const std::string& data) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return false;
  const bool ok = std::fwrite(data.data(), 1, data.size(), f) == data.size();
  return std::fclose(f) == 0 && ok;
}

// Runs one input under the time and memory watch.
Result run_one(const Target& t, const std::string& input, const Context& ctx, const std::string& out_dir,
               const std::string& label, double& ms, std::int64_t& peak_bytes) {
  std::snprintf(g_crash_path, sizeof g_crash_path, "%s/crash-%s-%s.bin", out_dir.c_str(), t.name, label.c_str());
  std::snprintf(g_hang_path, sizeof g_hang_path, "%s/hang-%s-%s.bin", out_dir.c_str(), t.name, label.c_str());
  g_data = input.data();
  g_size = input.size();
  g_over.store(false);
  g_case_base.store(g_live.load());
  g_case_peak.store(0);
  const std::int64_t start = now_ns();
  g_case_start.store(start);
  g_in_case.store(true);
  Result r = t.run(input, ctx);
  g_in_case.store(false);
  g_case_start.store(0);
  ms = static_cast<double>(now_ns() - start) / 1e6;
  peak_bytes = g_case_peak.load();
  if (g_over.load()) {
    r.outcome = Outcome::finding;
    r.detail = "memory: a request of " + std::to_string(g_over_request.load()) + " bytes would pass the " +
               std::to_string(g_limit.load() >> 20) + " MiB per-case limit (the case then saw: " + r.detail + ")";
  }
  g_over.store(false);
  return r;
}

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: pvt-fuzz --seeds DIR [--targets LIST] [--cases N] [--seed S] [--first K] [--out DIR]\n"
               "                [--timeout-ms MS] [--memory-mb MB] [--vmaf-model FILE]... [--emit FILE] [--quiet]\n"
               "       pvt-fuzz --replay TARGET FILE... [--vmaf-model FILE]\n"
               "targets:");
  for (const Target& t : targets())
    if (!t.hidden) std::fprintf(stderr, " %s", t.name);
  std::fprintf(stderr, "\n");
  std::exit(2);
}

std::uint64_t number(const char* s) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(s, &end, 0);
  if (end == s || *end) usage();
  return v;
}

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::accepted: return "accepted";
    case Outcome::refused: return "refused";
    case Outcome::skipped: return "skipped";
    case Outcome::finding: return "FINDING";
  }
  return "?";
}

}  // namespace

#if defined(PVT_FUZZ_SANITIZED)
// Reports end the process (UBSan included, as the build asks); leaks are
// reported at exit. A case allocating beyond the limit is caught above.
extern "C" const char* __asan_default_options() { return "detect_leaks=1:allocator_may_return_null=1"; }
// UBSan's runtime keeps its own death callbacks: it aborts instead, and the
// SIGABRT handler writes the case out.
extern "C" const char* __ubsan_default_options() { return "abort_on_error=1:print_stacktrace=1"; }
#endif

int main(int argc, char** argv) {
  std::string seeds_dir, out_dir = ".", emit, replay_target;
  std::vector<std::string> replay_files, wanted, vmaf_paths;
  std::uint64_t cases = 600, seed = 1, first = 0;
  std::uint64_t timeout_ms = 10000, memory_mb = 256, max_bytes = 0;
  bool quiet = false, verbose = false, plain_seeds = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto arg = [&]() -> const char* {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (a == "--seeds") seeds_dir = arg();
    else if (a == "--targets") {
      std::string list = arg();
      for (std::size_t p = 0; p <= list.size();) {
        const std::size_t c = std::min(list.find(',', p), list.size());
        if (c > p) wanted.push_back(list.substr(p, c - p));
        p = c + 1;
      }
    } else if (a == "--cases") cases = number(arg());
    else if (a == "--seed") seed = number(arg());
    else if (a == "--first") first = number(arg());
    else if (a == "--out") out_dir = arg();
    else if (a == "--timeout-ms") timeout_ms = number(arg());
    else if (a == "--memory-mb") memory_mb = number(arg());
    else if (a == "--max-bytes") max_bytes = number(arg());
    else if (a == "--vmaf-model") vmaf_paths.push_back(arg());
    else if (a == "--emit") emit = arg();
    else if (a == "--quiet") quiet = true;
    else if (a == "--verbose") verbose = true;
    else if (a == "--plain-seeds") plain_seeds = true;
    else if (a == "--replay") {
      replay_target = arg();
      while (i + 1 < argc && std::strncmp(argv[i + 1], "--", 2) != 0) replay_files.push_back(argv[++i]);
    } else usage();
  }
  if (memory_mb == 0 || timeout_ms == 0) usage();
  g_limit.store(static_cast<std::int64_t>(std::min<std::uint64_t>(memory_mb, 1u << 20) << 20));
  g_timeout_ns = static_cast<std::int64_t>(timeout_ms) * 1000000;
  ::mkdir(out_dir.c_str(), 0755);

  const char* tmp = std::getenv("TMPDIR");
  std::string scratch_pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/pvt-fuzz-XXXXXX";
  std::vector<char> scratch_buf(scratch_pattern.begin(), scratch_pattern.end());
  scratch_buf.push_back('\0');
  if (!::mkdtemp(scratch_buf.data())) {
    std::perror("pvt-fuzz: mkdtemp");
    return 2;
  }
  const std::string scratch = scratch_buf.data();
  const auto cleanup = [&] {
    for (const char* f : {"/case.y4m", "/case.yuv"}) ::unlink((scratch + f).c_str());
    ::rmdir(scratch.c_str());
  };

  Context base_ctx{scratch, 0, {}};
  try {
    for (const auto& path : vmaf_paths)
      base_ctx.vmaf_models.push_back(pvt::platform::read_regular_file(path, "model", std::size_t{64} << 20));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pvt-fuzz: %s\n", e.what());
    cleanup();
    return 2;
  }
  install_crash_handlers();
  std::thread(watchdog).detach();

  if (!replay_target.empty()) {  // each file once, as it is
    const Target* t = find_target(replay_target);
    if (!t || replay_files.empty()) usage();
    int status = 0;
    for (const auto& file : replay_files) {
      std::string input;
      try {
        input = pvt::platform::read_regular_file(file, "input", std::size_t{64} << 20,
                                                 pvt::platform::FileError::input);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "pvt-fuzz: %s\n", e.what());
        status = 2;
        continue;
      }
      // Frames are scored without a model and with each one given.
      const int choices = t->scores ? static_cast<int>(base_ctx.vmaf_models.size()) : 0;
      for (int choice = -2; choice < choices; choice = choice == -2 ? 0 : choice + 1) {
        Context ctx = base_ctx;
        ctx.case_seed = fnv1a(input);
        ctx.model_choice = choice;
        double ms = 0;
        std::int64_t peak = 0;
        const std::string label = "replay-" + std::to_string(fnv1a(input) & 0xffffffffu);
        const Result r = run_one(*t, input, ctx, out_dir, label, ms, peak);
        std::printf("%s%s: %s%s%s\n", file.c_str(), choice >= 0 ? (" (model " + std::to_string(choice) + ")").c_str() : "",
                    outcome_name(r.outcome), r.detail.empty() ? "" : ": ", r.detail.substr(0, 300).c_str());
        if (r.outcome == Outcome::finding) status = std::max(status, 1);
      }
    }
    cleanup();
    return status;
  }

  if (seeds_dir.empty()) usage();
  std::vector<const Target*> selected;
  if (wanted.empty())
    for (const Target& t : targets())
      if (!t.hidden) selected.push_back(&t);
  for (const auto& name : wanted) {
    const Target* t = find_target(name);
    if (!t) usage();
    selected.push_back(t);
  }
  std::map<std::string, std::vector<std::string>> pools;
  for (const Target* t : selected) {
    auto& pool = pools[t->name];
    for (const char* dir : t->seed_dirs) {
      auto more = load_dir(seeds_dir + "/" + dir, plain_seeds);
      pool.insert(pool.end(), more.begin(), more.end());
    }
    if (pool.empty()) {
      std::fprintf(stderr, "pvt-fuzz: no seeds for %s in %s/%s\n", t->name, seeds_dir.c_str(), t->seed_dirs[0]);
      cleanup();
      return 2;
    }
  }

  std::map<std::string, Stats> stats;
  std::uint64_t findings = 0;
  const auto t0 = now_ns();
  FILE* log = nullptr;
  if (emit.empty() && !quiet)
    std::fprintf(stderr, "pvt-fuzz: seed %" PRIu64 ", cases %" PRIu64 "..%" PRIu64 ", %zu targets, %" PRIu64
                 " ms and %" PRIu64 " MiB per case\n", seed, first, first + cases, selected.size(), timeout_ms, memory_mb);
  for (std::uint64_t i = first; i < first + cases; ++i) {
    const Target& t = *selected[i % selected.size()];
    const std::uint64_t cs = case_seed(seed, t.name, i / selected.size());
    Rng r(cs);
    const auto& pool = pools[t.name];
    std::string input = pool[r.below(pool.size())];
    mutate(input, r, t.shape, pool, max_bytes ? max_bytes : t.max_bytes);
    if (!emit.empty()) {  // the case's input, not run
      if (!write_file(emit, input)) return 2;
      std::printf("%s case %" PRIu64 " (%s) -> %s\n", t.name, i, t.name, emit.c_str());
      cleanup();
      return 0;
    }
    Context ctx = base_ctx;
    ctx.case_seed = cs;
    double ms = 0;
    std::int64_t peak = 0;
    const Result res = run_one(t, input, ctx, out_dir, "case" + std::to_string(i), ms, peak);
    Stats& s = stats[t.name];
    ++s.cases;
    s.slowest_ms = std::max(s.slowest_ms, ms);
    s.peak_bytes = std::max(s.peak_bytes, peak);
    switch (res.outcome) {
      case Outcome::accepted: ++s.accepted; break;
      case Outcome::refused:
        ++s.refused;
        if (verbose) ++s.reasons[reason_of(res.detail)];
        break;
      case Outcome::skipped: ++s.skipped; break;
      case Outcome::finding: {
        ++s.findings;
        ++findings;
        const std::string path = out_dir + "/finding-" + t.name + "-case" + std::to_string(i) + ".bin";
        write_file(path, input);
        if (!log) log = std::fopen((out_dir + "/findings.txt").c_str(), "a");
        const std::string line = std::string(t.name) + " case " + std::to_string(i) + " (seed " +
                                 std::to_string(seed) + "): " + res.detail.substr(0, 400) + " -> " + path;
        if (log) std::fprintf(log, "%s\n", line.c_str());
        std::fprintf(stderr, "pvt-fuzz: FINDING %s\n", line.c_str());
        break;
      }
    }
    if (!quiet && (i - first + 1) % 2000 == 0)
      std::fprintf(stderr, "pvt-fuzz: %" PRIu64 "/%" PRIu64 " cases, %" PRIu64 " findings, %.1f s\n", i - first + 1,
                   cases, findings, static_cast<double>(now_ns() - t0) / 1e9);
  }
  if (log) std::fclose(log);

  std::printf("%-14s %8s %9s %8s %8s %9s %11s %9s\n", "target", "cases", "accepted", "refused", "skipped", "findings",
              "slowest_ms", "peak_mib");
  Stats total;
  std::string json;
  for (const Target* t : selected) {
    const Stats& s = stats[t->name];
    std::printf("%-14s %8" PRIu64 " %9" PRIu64 " %8" PRIu64 " %8" PRIu64 " %9" PRIu64 " %11.1f %9.1f\n", t->name,
                s.cases, s.accepted, s.refused, s.skipped, s.findings, s.slowest_ms,
                static_cast<double>(s.peak_bytes) / (1 << 20));
    total.cases += s.cases;
    total.accepted += s.accepted;
    total.refused += s.refused;
    total.skipped += s.skipped;
    total.findings += s.findings;
    total.slowest_ms = std::max(total.slowest_ms, s.slowest_ms);
    total.peak_bytes = std::max(total.peak_bytes, s.peak_bytes);
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "%s\"%s\": {\"cases\": %" PRIu64 ", \"accepted\": %" PRIu64 ", \"refused\": %" PRIu64
                  ", \"skipped\": %" PRIu64 ", \"findings\": %" PRIu64 "}",
                  json.empty() ? "" : ", ", t->name, s.cases, s.accepted, s.refused, s.skipped, s.findings);
    json += buf;
  }
  if (verbose)
    for (const Target* t : selected) {
      std::vector<std::pair<std::uint64_t, std::string>> top;
      for (const auto& [reason, n] : stats[t->name].reasons) top.emplace_back(n, reason);
      std::sort(top.rbegin(), top.rend());
      std::printf("%s: %zu kinds of refusal\n", t->name, top.size());
      for (std::size_t k = 0; k < std::min<std::size_t>(top.size(), 12); ++k)
        std::printf("  %6" PRIu64 "  %s\n", top[k].first, top[k].second.c_str());
    }
  std::printf("%-14s %8" PRIu64 " %9" PRIu64 " %8" PRIu64 " %8" PRIu64 " %9" PRIu64 " %11.1f %9.1f\n", "total",
              total.cases, total.accepted, total.refused, total.skipped, total.findings, total.slowest_ms,
              static_cast<double>(total.peak_bytes) / (1 << 20));
  std::printf("SUMMARY {\"targets\": {%s}, \"seed\": %" PRIu64 ", \"first\": %" PRIu64 ", \"seconds\": %.1f}\n", json.c_str(), seed,
              first, static_cast<double>(now_ns() - t0) / 1e9);
  cleanup();
  return findings ? 1 : 0;
}
