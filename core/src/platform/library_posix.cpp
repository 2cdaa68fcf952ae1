#include <dlfcn.h>
#include <stdlib.h>

#include <mutex>

#include "library.hpp"

namespace pvt::platform {

void* load_library(const std::string& path, std::string& error) {
  // dlerror() is per thread on glibc, but not everywhere: keep the pair together.
  static std::mutex mu;
  std::lock_guard lock(mu);
  ::dlerror();
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = ::dlerror();
    error = why ? why : "cannot load";
  }
  return handle;
}

void* symbol(void* library, const char* name) { return ::dlsym(library, name); }

void unload_library(void* library) { ::dlclose(library); }

void set_env_default(const char* name, const char* value) { ::setenv(name, value, 0); }

}  // namespace pvt::platform
