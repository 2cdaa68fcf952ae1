#pragma once
// What the *_windows.cpp files share: <windows.h> without its macros' worst,
// UTF-8 paths to the wide ones Windows takes, and the OS's error text.
#ifndef NOMINMAX
#define NOMINMAX
#endif
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <string>

namespace pvt::platform {

// `text` (UTF-8) as UTF-16; false when it is not valid UTF-8.
bool widen(const std::string& text, std::wstring& out);

// The system's message for an error code, without its trailing line break.
std::string system_message(DWORD code);

}  // namespace pvt::platform
