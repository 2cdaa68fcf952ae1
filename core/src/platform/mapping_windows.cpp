#include "mapping.hpp"
#include "os_windows.hpp"

namespace pvt::platform {
namespace {

class WindowsView final : public FileView {
 public:
  WindowsView(void* base, std::size_t skip) : base_(base) { data_ = static_cast<const std::uint8_t*>(base) + skip; }
  ~WindowsView() override { ::UnmapViewOfFile(base_); }
  // While this view exists the file cannot be shortened (mapping.hpp).
  bool truncated() const override { return false; }

 private:
  void* base_;
};

}  // namespace

std::unique_ptr<FileView> map_file(const RegularFile& file, std::uint64_t offset, std::size_t length) {
  static const std::uint64_t granularity = [] {
    SYSTEM_INFO info{};
    ::GetSystemInfo(&info);
    return static_cast<std::uint64_t>(info.dwAllocationGranularity);
  }();
  const std::uint64_t first = offset / granularity * granularity;
  const auto skip = static_cast<std::size_t>(offset - first);
  // A section of the file's size now: a view past its end is refused, so a
  // file cut short before this point is never mapped (nor is an empty one).
  const HANDLE section =
      ::CreateFileMappingW(reinterpret_cast<HANDLE>(file.native()), nullptr, PAGE_READONLY, 0, 0, nullptr);
  if (!section) return nullptr;
  void* base = ::MapViewOfFile(section, FILE_MAP_READ, static_cast<DWORD>(first >> 32), static_cast<DWORD>(first),
                               skip + length);
  ::CloseHandle(section);  // the view keeps the section alive
  if (!base) return nullptr;
  return std::make_unique<WindowsView>(base, skip);
}

}  // namespace pvt::platform
