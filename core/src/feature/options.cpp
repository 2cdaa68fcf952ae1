#include "options.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "pyvmaf_tiny/errors.hpp"

namespace pvt::feature {

const std::string* option_lookup(const OptionMap& options, const char* key, const char* alias) {
  const auto full = options.find(key);
  const auto other = alias ? options.find(alias) : options.end();
  if (full != options.end() && other != options.end() && full->second != other->second)
    throw InputError("options '" + std::string(key) + "' and '" + alias + "' are the same option, given " +
                     full->second + " and " + other->second + "; give one");
  if (full != options.end()) return &full->second;
  if (other != options.end()) return &other->second;
  return nullptr;
}

double option_double(const OptionMap& options, const char* key, const char* alias,
                     double fallback, double lo, double hi) {
  const std::string* text = option_lookup(options, key, alias);
  if (!text) return fallback;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text->c_str(), &end);
  if (text->empty() || *end != '\0' || errno == ERANGE || !std::isfinite(v))
    throw InputError("option '" + std::string(key) + "': '" + *text + "' is not a number");
  if (v < lo || v > hi) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "option '%s': %g is outside [%g, %g]", key, v, lo, hi);
    throw InputError(buf);
  }
  return v;
}

bool option_bool(const OptionMap& options, const char* key, const char* alias, bool fallback) {
  const std::string* text = option_lookup(options, key, alias);
  if (!text) return fallback;
  if (*text == "true" || *text == "1") return true;
  if (*text == "false" || *text == "0") return false;
  throw InputError("option '" + std::string(key) + "': '" + *text + "' is not true/false");
}

int option_int(const OptionMap& options, const char* key, const char* alias, int fallback, int lo, int hi) {
  const std::string* text = option_lookup(options, key, alias);
  if (!text) return fallback;
  errno = 0;
  char* end = nullptr;
  const long v = std::strtol(text->c_str(), &end, 10);
  if (text->empty() || *end != '\0' || errno == ERANGE)
    throw InputError("option '" + std::string(key) + "': '" + *text + "' is not an integer");
  if (v < lo || v > hi)
    throw InputError("option '" + std::string(key) + "': " + std::to_string(v) + " is outside [" +
                     std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return static_cast<int>(v);
}

std::string option_text(const OptionMap& options, const char* key, const char* alias, const char* fallback) {
  const std::string* text = option_lookup(options, key, alias);
  return text ? *text : fallback;
}

void reject_unknown_options(const std::string& extractor, const OptionMap& options,
                            const std::vector<std::string>& known) {
  for (const auto& [key, value] : options) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      throw InputError("extractor '" + extractor + "' has no option '" + key +
                       "' (known: " + (list.empty() ? "none" : list) + ")");
    }
  }
}

std::string double_suffix(const char* alias, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "_%s_%g", alias, value);
  return buf;
}

}  // namespace pvt::feature
