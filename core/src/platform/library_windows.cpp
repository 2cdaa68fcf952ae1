#include <cstdlib>

#include "library.hpp"
#include "os_windows.hpp"

namespace pvt::platform {

void* load_library(const std::string& path, std::string& error) {
  std::wstring wide;
  if (!widen(path, wide)) {
    error = "the path is not valid UTF-8";
    return nullptr;
  }
  // A full path: its folder first for the libraries it needs (onnxruntime.dll
  // beside onnxruntime_providers_shared.dll), then the system's safe places.
  const bool has_folder = path.find_first_of("/\\") != std::string::npos;
  HMODULE module = ::LoadLibraryExW(
      wide.c_str(), nullptr, has_folder ? LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR | LOAD_LIBRARY_SEARCH_DEFAULT_DIRS : 0);
  if (!module) error = system_message(::GetLastError());
  return reinterpret_cast<void*>(module);
}

void set_env_default(const char* name, const char* value) {
  if (std::getenv(name)) return;
  // Both the C runtime's copy and the process's: a library may read either.
  ::SetEnvironmentVariableA(name, value);
  ::_putenv_s(name, value);
}

void* symbol(void* library, const char* name) {
  return reinterpret_cast<void*>(::GetProcAddress(reinterpret_cast<HMODULE>(library), name));
}

void unload_library(void* library) { ::FreeLibrary(reinterpret_cast<HMODULE>(library)); }

}  // namespace pvt::platform
