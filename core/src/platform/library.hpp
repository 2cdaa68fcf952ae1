#pragma once
// Loading a shared library at run time and finding its symbols (dlopen on
// POSIX, LoadLibraryEx on Windows).
#include <string>

namespace pvt::platform {

// Loads the library at `path` (UTF-8; a bare name is searched for as the
// system searches), its own symbols kept to itself, every symbol bound now.
// Null when it cannot, with the system's reason in `error`. On Windows a
// library given by a path finds the libraries it needs beside itself first.
// Libraries stay loaded until the process exits.
void* load_library(const std::string& path, std::string& error);

// The address of `name` in a library load_library() returned; null if absent.
void* symbol(void* library, const char* name);

// Unloads a library load_library() returned, none of whose code or data is in
// use any more (one refused before use).
void unload_library(void* library);

// Sets the environment variable `name` to `value` unless it is set already
// (for a library loaded later to read).
void set_env_default(const char* name, const char* value);

}  // namespace pvt::platform
