#include "pyvmaf_tiny/errors.hpp"
#include "pyvmaf_tiny/model.hpp"

namespace pvt {

Pooled pool(const double* values, std::size_t n) {
  if (n == 0) throw InputError("cannot pool zero frames");
  Pooled p;
  double sum = 0.0, inv_sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double s = values[i];
    sum += s;
    inv_sum += 1.0 / (s + 1.0);
    if (i == 0 || s < p.min) p.min = s;
    if (i == 0 || s > p.max) p.max = s;
  }
  p.mean = sum / static_cast<double>(n);
  p.harmonic_mean = static_cast<double>(n) / inv_sum - 1.0;
  return p;
}

}  // namespace pvt
