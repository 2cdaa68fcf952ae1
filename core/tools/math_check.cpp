// pvt-mathcheck: evaluates core/src/common/exact_math.hpp's functions on the
// inputs read from stdin, one "FUNCTION X [Y]" a line, X and Y as the hex of
// their IEEE bits (64-bit; 32-bit for powf), and prints each result's bits the
// same way, so builds for different platforms can be compared byte for byte
// (tests/test_cross_platform.py).
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "../src/common/exact_math.hpp"
#include "../src/platform/file.hpp"

namespace {

double as_double(std::uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

float as_float(std::uint64_t bits) {
  const auto b = static_cast<std::uint32_t>(bits);
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}

}  // namespace

int main() {
  pvt::platform::binary_stdout();
  char name[32];
  std::uint64_t a = 0, b = 0;
  char line[256];
  while (std::fgets(line, sizeof line, stdin)) {
    const int n = std::sscanf(line, "%31s %" SCNx64 " %" SCNx64, name, &a, &b);
    if (n < 2) continue;
    const std::string f = name;
    if (f == "powf") {
      const float r = pvt::exact::powf(as_float(a), as_float(b));
      std::uint32_t bits;
      std::memcpy(&bits, &r, sizeof bits);
      std::printf("%08" PRIx32 "\n", bits);
      continue;
    }
    const double x = as_double(a), y = as_double(b);
    double r;
    if (f == "exp") r = pvt::exact::exp(x);
    else if (f == "exp_exact") r = pvt::exact::detail::exp_exact(x);
    else if (f == "exp_fast_unchecked") r = pvt::exact::detail::exp_fast_unchecked(x);
    else if (f == "exp_fast_error") r = pvt::exact::detail::exp_fast_error(x);
    else if (f == "log") r = pvt::exact::log(x);
    else if (f == "log2") r = pvt::exact::log2(x);
    else if (f == "log10") r = pvt::exact::log10(x);
    else if (f == "pow") r = pvt::exact::pow(x, y);
    else if (f == "cos") r = pvt::exact::cos(x);
    else if (f == "sin") r = pvt::exact::sin(x);
    else {
      std::fprintf(stderr, "pvt-mathcheck: unknown function %s\n", name);
      return 2;
    }
    std::uint64_t bits;
    std::memcpy(&bits, &r, sizeof bits);
    std::printf("%016" PRIx64 "\n", bits);
  }
  return 0;
}
