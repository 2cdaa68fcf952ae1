#include "speed_linalg.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace pvt::feature::speed {
namespace {

constexpr double kTiny = 1e-6;
constexpr int kMaxSweeps = 500;

int sign_of(float v) { return v >= 0 ? 1 : -1; }

float hypotenuse(float a, float b) { return static_cast<float>(std::sqrt(static_cast<double>(a * a + b * b))); }

float norm(const float* v, int n) {
  float sum = 0.0f;
  for (int i = 0; i < n; ++i) sum += v[i] * v[i];
  return static_cast<float>(std::sqrt(static_cast<double>(sum)));
}

// dst = x * y for n x n x, n x cols y (accumulated over the inner index in order).
void multiply(float* dst, const float* x, const float* y, int n, int cols) {
  std::fill_n(dst, static_cast<std::size_t>(n) * cols, 0.0f);
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < n; ++k) {
      const float xik = x[i * n + k];
      for (int j = 0; j < cols; ++j) dst[i * cols + j] += xik * y[k * cols + j];
    }
}

// The Householder reflection that zeroes a[start + 1 .., col]: scales the
// column below `start` into the reflector (implicit leading 1), puts beta at
// `start` and returns tau (0 when there is nothing to reflect).
float householder(float* a, int n, int col, int start) {
  if (n - start == 1) return 0.0f;
  float below = 0.0f;
  for (int i = start + 1; i < n; ++i) below += a[i * n + col] * a[i * n + col];
  const float below_norm = static_cast<float>(std::sqrt(static_cast<double>(below)));
  if (below_norm == 0.0f) return 0.0f;
  const float alpha = a[start * n + col];
  const float beta = static_cast<float>(-sign_of(alpha)) * hypotenuse(alpha, below_norm);
  const float tau = (beta - alpha) / beta;
  const float s = alpha - beta;
  if (s != 0.0f) {
    for (int i = start; i < n; ++i) a[i * n + col] /= s;
    a[start * n + col] = beta;
  }
  return tau;
}

// Reduces the symmetric a (overwritten) to tridiagonal form: diagonal d,
// subdiagonal sd. v and x are scratch of n floats.
void tridiagonalise(float* a, int n, float* d, float* sd, float* v, float* x) {
  for (int i = 0; i + 2 < n; ++i) {
    const float tau = householder(a, n, i, i + 1);
    for (int j = i + 1; j < n; ++j) v[j] = a[j * n + i];
    if (tau == 0.0f) continue;
    v[i + 1] = 1.0f;
    const int s = i + 1;
    for (int r = s; r < n; ++r) {
      x[r] = 0.0f;
      for (int c = s; c < n; ++c) x[r] += tau * a[r * n + c] * v[c];
    }
    float xv = 0.0f;
    for (int r = s; r < n; ++r) xv += x[r] * v[r];
    const float alpha = static_cast<float>(-0.5 * tau * xv);
    for (int r = s; r < n; ++r) x[r] += alpha * v[r];
    for (int r = s; r < n; ++r)
      for (int c = s; c < n; ++c) a[r * n + c] -= x[r] * v[c] + v[r] * x[c];
  }
  for (int i = 0; i < n; ++i) d[i] = a[i * n + i];
  for (int i = 0; i + 1 < n; ++i) sd[i] = a[(i + 1) * n + i];
}

void chop_small(float* d, float* sd, int n) {
  for (int i = 0; i + 1 < n; ++i)
    if (std::fabs(sd[i]) < kTiny * (std::fabs(d[i]) + std::fabs(d[i + 1]))) sd[i] = 0.0f;
}

// Wilkinson's shift: the eigenvalue of the trailing 2x2 block closer to its
// last diagonal entry.
float wilkinson_shift(const float* d, const float* sd, int n) {
  const float ta = d[n - 2], tb = d[n - 1], tab = sd[n - 2];
  const float dt = static_cast<float>((ta - tb) / 2.0);
  if (dt > 0) return tb - tab * (tab / (dt + hypotenuse(dt, tab)));
  if (dt == 0) return tb - std::fabs(tab);
  return tb + tab * (tab / (-dt + hypotenuse(dt, tab)));
}

void givens(float a, float b, float& c, float& s) {
  if (b == 0) {
    c = 1, s = 0;
  } else if (std::fabs(b) > std::fabs(a)) {
    const float t = -a / b;
    const float s1 = static_cast<float>(1.0 / std::sqrt(static_cast<double>(1 + t * t)));
    s = s1, c = s1 * t;
  } else {
    const float t = -b / a;
    const float c1 = static_cast<float>(1.0 / std::sqrt(static_cast<double>(1 + t * t)));
    c = c1, s = c1 * t;
  }
}

// One implicit symmetric QR step on the unreduced block (d, sd) of size n.
void qr_step(float* d, float* sd, int n) {
  float mu = wilkinson_shift(d, sd, n);
  if (kTiny * std::fabs(mu) > std::fabs(d[0]) + std::fabs(sd[0])) mu = 0;
  float x = d[0] - mu, z = sd[0];
  float ak = 0, bk = 0, zk = 0;
  float ap = d[0], bp = sd[0], aq = d[1];
  if (n == 2) {
    float c, s;
    givens(x, z, c, s);
    d[0] = c * (c * ap - s * bp) + s * (s * aq - c * bp);
    sd[0] = c * (s * ap + c * bp) - s * (s * bp + c * aq);
    d[1] = s * (s * ap + c * bp) + c * (s * bp + c * aq);
    return;
  }
  float bq = sd[1];
  for (int k = 0; k < n - 1; ++k) {
    float c, s;
    givens(x, z, c, s);
    const float bk1 = c * bk - s * zk;
    const float ap1 = c * (c * ap - s * bp) + s * (s * aq - c * bp);
    const float bp1 = c * (s * ap + c * bp) - s * (s * bp + c * aq);
    const float zp1 = -s * bq;
    const float aq1 = s * (s * ap + c * bp) + c * (s * bp + c * aq);
    const float bq1 = c * bq;
    ak = ap1, bk = bp1, zk = zp1, ap = aq1, bp = bq1;
    if (k < n - 2) aq = d[k + 2];
    if (k < n - 3) bq = sd[k + 2];
    d[k] = ak;
    if (k > 0) sd[k - 1] = bk1;
    if (k < n - 2) sd[k + 1] = bp;
    x = bk, z = zk;
  }
  d[n - 1] = ap;
  sd[n - 2] = bk;
}

}  // namespace

void symmetric_eigenvalues(const float* a_in, int n, float* eigenvalues, std::vector<float>& scratch) {
  const std::size_t nn = static_cast<std::size_t>(n) * n;
  scratch.resize(nn + 4 * static_cast<std::size_t>(n));
  float* a = scratch.data();
  float* d = a + nn;
  float* sd = d + n;
  float* v = sd + n;
  float* x = v + n;
  std::copy_n(a_in, nn, a);
  if (n == 1) {
    eigenvalues[0] = a[0];
    return;
  }
  tridiagonalise(a, n, d, sd, v, x);
  chop_small(d, sd, n);
  int b = n - 1, sweeps = 0;
  while (b > 0 && sweeps < kMaxSweeps) {
    if (sd[b - 1] == 0.0f) {
      --b;
      continue;
    }
    int lo = b - 1;
    while (lo > 0 && sd[lo - 1] != 0.0f) --lo;
    qr_step(d + lo, sd + lo, b - lo + 1);
    chop_small(d + lo, sd + lo, b - lo + 1);
    ++sweeps;
  }
  std::copy_n(d, n, eigenvalues);
}

bool solve(const float* a, int n, const float* b, int cols, float* x, std::vector<float>& scratch) {
  const std::size_t nn = static_cast<std::size_t>(n) * n;
  scratch.resize(4 * nn + static_cast<std::size_t>(n) * cols);
  float* q = scratch.data();
  float* r = q + nn;
  float* reflector = r + nn;
  float* z = reflector + nn;
  float* qb = z + nn;
  float* vec = r;  // R is free until the end

  // Householder QR: Q accumulates the reflectors, z the reduced matrix.
  std::copy_n(a, nn, z);
  std::fill_n(q, nn, 0.0f);
  for (int i = 0; i < n; ++i) q[i * n + i] = 1.0f;
  for (int k = 0; k + 1 < n; ++k) {
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j)
        if (i < k || j < k) z[i * n + j] = i == j ? 1.0f : 0.0f;
    for (int i = 0; i < n; ++i) vec[i] = z[i * n + k];
    // The sign comes from the input matrix, not the reduced one (as libvmaf has it).
    vec[k] += static_cast<float>(sign_of(a[k * n + k])) * norm(vec, n);
    const float vn = norm(vec, n);
    for (int i = 0; i < n; ++i) vec[i] = vec[i] / vn;
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) reflector[i * n + j] = -2 * vec[i] * vec[j];
    for (int i = 0; i < n; ++i) reflector[i * n + i] += 1;
    multiply(r, reflector, z, n, n);
    std::copy_n(r, nn, z);
    multiply(r, reflector, q, n, n);
    std::copy_n(r, nn, q);
  }
  multiply(r, q, a, n, n);  // R = Q A, upper triangular
  multiply(qb, q, b, n, cols);

  // Back substitution R X = Q B.
  for (int i = n - 1; i >= 0; --i) {
    const float diagonal = r[i * n + i];
    if (std::fabs(diagonal) < kTiny) return false;
    for (int j = 0; j < cols; ++j) {
      float term = qb[i * cols + j];
      for (int k = i + 1; k < n; ++k) term -= x[k * cols + j] * r[i * n + k];
      x[i * cols + j] = term / diagonal;
    }
  }
  return true;
}

}  // namespace pvt::feature::speed
