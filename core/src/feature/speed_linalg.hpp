#pragma once
// The small dense linear algebra SpEED needs, in single precision and in
// libvmaf's order of operations: eigenvalues of a symmetric matrix
// (Householder tridiagonalisation, then implicit QR steps with Wilkinson
// shifts, as GSL does it) and the solution of A X = B by a Householder QR of A.
#include <vector>

namespace pvt::feature::speed {

// The eigenvalues of the symmetric n x n matrix `a` (row-major), unsorted.
// `scratch` is resized as needed.
void symmetric_eigenvalues(const float* a, int n, float* eigenvalues, std::vector<float>& scratch);

// X = A^-1 B for the n x n matrix `a` and n x cols matrix `b` (row-major);
// false, with X partly written, when R has a diagonal entry under 1e-6 in
// magnitude.
bool solve(const float* a, int n, const float* b, int cols, float* x, std::vector<float>& scratch);

}  // namespace pvt::feature::speed
