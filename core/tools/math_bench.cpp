// pvt-mathbench: nanoseconds per call of exact_math's exp (its fast path with
// the fallback, as the SVM calls it), of its double-double path alone, and of
// the C library's exp, over SVM-like arguments (bench/README.md).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>

#include "../src/common/exact_math.hpp"

namespace {

template <class F>
double ns_per_call(const std::vector<double>& xs, F f, int rounds) {
  volatile double sink = 0;
  double best = 1e300;
  for (int r = 0; r < rounds; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    double s = 0;
    for (const double x : xs) s += f(x);
    const auto t1 = std::chrono::steady_clock::now();
    sink = sink + s;
    best = std::min(best, std::chrono::duration<double, std::nano>(t1 - t0).count() / xs.size());
  }
  return best;
}

}  // namespace

int main() {
  std::vector<double> xs(200000);
  unsigned state = 12345;
  for (double& x : xs) {  // -gamma * d2 of an RBF kernel: mostly in [-40, 0]
    state = state * 1664525u + 1013904223u;
    x = -40.0 * (state >> 8) / 16777216.0;
  }
  std::printf("exact::exp            %7.1f ns/call\n", ns_per_call(xs, pvt::exact::exp, 7));
  std::printf("exact::exp (dd only)  %7.1f ns/call\n", ns_per_call(xs, pvt::exact::detail::exp_exact, 3));
  std::printf("std::exp (C library)  %7.1f ns/call\n", ns_per_call(xs, [](double x) { return std::exp(x); }, 7));
  return 0;
}
