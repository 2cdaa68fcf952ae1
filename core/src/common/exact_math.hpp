#pragma once
// The elementary functions the extractors and models call, computed the same
// way on every platform. Each C library rounds exp, log10, pow... its own way
// (glibc, the Windows CRT, macOS's libm each misround a different ~0.1-2% of
// inputs by one ulp), so scores would differ in their last bits from one
// system to another. These use IEEE +, -, *, / alone (no fused multiply-add),
// so they give the same bits everywhere. Special values (zeros, infinities,
// NaNs, negative bases) follow C's.
//
// - exp, log, log2, log10, pow, cos, sin: double-double arithmetic, correctly
//   rounded in all but about one case in 2^40. exp first tries a fast
//   double-precision form and keeps its result only when its error bound
//   proves it rounds as the double-double one does (Ziv's strategy): the
//   same bits, about 15x faster.
// - powf: glibc's and musl's own algorithm, step for step, so its (not
//   correctly rounded) results: libvmaf's ADM pools with powf, and a float
//   ulp there moves VMAF by up to a few 1e-6.
namespace pvt::exact {

double exp(double x);
double log(double x);
double log2(double x);
double log10(double x);
double pow(double x, double y);
float powf(float x, float y);  // as glibc and musl round it
double cos(double x);  // cos and sin for |x| up to about 1e5
double sin(double x);

// For pvt-mathcheck's tests of exp's fast path: the double-double path alone,
// the fast path's result whether or not it is sure (normal results only), and
// its relative error before rounding, measured against the double-double.
namespace detail {
double exp_exact(double x);
double exp_fast_unchecked(double x);
double exp_fast_error(double x);
}  // namespace detail

}  // namespace pvt::exact
