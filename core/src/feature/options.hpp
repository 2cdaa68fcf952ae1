#pragma once
// Helpers shared by extractors for parsing options and naming features the
// way libvmaf does when an option differs from its default.
#include <string>
#include <vector>

#include "pyvmaf_tiny/extractor.hpp"

namespace pvt::feature {

// Reads option `key` (or its `alias`) as a double within [lo, hi]; returns
// `fallback` when absent. Throws InputError on a malformed or out-of-range value.
double option_double(const OptionMap& options, const char* key, const char* alias,
                     double fallback, double lo, double hi);
// The text of an option given by its name or its alias (null if neither); both at once are refused
// unless they agree.
const std::string* option_lookup(const OptionMap& options, const char* key, const char* alias);
bool option_bool(const OptionMap& options, const char* key, const char* alias, bool fallback);
// The same for an integer within [lo, hi], and for a string taken as it is.
int option_int(const OptionMap& options, const char* key, const char* alias, int fallback, int lo, int hi);
std::string option_text(const OptionMap& options, const char* key, const char* alias, const char* fallback);

// Throws InputError if `options` holds a key not in `known` (names and aliases).
void reject_unknown_options(const std::string& extractor, const OptionMap& options,
                            const std::vector<std::string>& known);

// libvmaf's suffix for a non-default double option: "_<alias>_<%g value>".
std::string double_suffix(const char* alias, double value);

}  // namespace pvt::feature
