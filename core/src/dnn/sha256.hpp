#pragma once
// SHA-256 (FIPS 180-4), for checking a model file against its sidecar.
#include <cstddef>
#include <string>
#include <string_view>

namespace pvt::dnn {

// Lower-case hex digest of `data`.
std::string sha256_hex(std::string_view data);

}  // namespace pvt::dnn
