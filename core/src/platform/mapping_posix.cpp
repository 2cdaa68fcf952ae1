#include <sys/mman.h>
#include <unistd.h>

#include "mapping.hpp"
#include "truncation_guard_posix.hpp"

namespace pvt::platform {
namespace {

class PosixView final : public FileView {
 public:
  PosixView(void* base, std::size_t length, std::size_t skip) : base_(base), length_(length) {
    data_ = static_cast<const std::uint8_t*>(base) + skip;
  }
  ~PosixView() override {
    guard_.release();
    ::munmap(base_, length_);
  }
  bool truncated() const override { return guard_.hit(); }
  bool watch() { return guard_.watch(base_, length_); }

 private:
  void* base_;
  std::size_t length_;
  TruncationGuard guard_;
};

}  // namespace

std::unique_ptr<FileView> map_file(const RegularFile& file, std::uint64_t offset, std::size_t length) {
  static const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  const std::uint64_t first_page = offset / page * page;
  const auto skip = static_cast<std::size_t>(offset - first_page);
  const std::size_t span = skip + length;
#ifdef MAP_POPULATE
  constexpr int populate = MAP_POPULATE;
#else
  constexpr int populate = 0;  // the first reads fault the pages in
#endif
  void* base = ::mmap(nullptr, span, PROT_READ, MAP_SHARED | populate, static_cast<int>(file.native()),
                      static_cast<off_t>(first_page));
  if (base == MAP_FAILED) return nullptr;
  auto view = std::make_unique<PosixView>(base, span, skip);
  if (!view->watch()) return nullptr;  // not guarded: not to be read
  return view;
}

}  // namespace pvt::platform
