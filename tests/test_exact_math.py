"""core/src/common/exact_math.hpp: the elementary functions the extractors and
the SVM use, the same bits on every platform (tests/test_cross_platform.py runs
the same cases on the aarch64 and Windows builds). Here: each result is the
correctly rounded one (decimal arithmetic at 60 digits says which), powf's is
glibc's own (the reference's: libvmaf's ADM pools with it), and C's special
values are kept."""

from __future__ import annotations

import math
import subprocess

import pytest

import exact_math_cases as cases
from native_builds import build, tool


@pytest.fixture(scope="module")
def mathcheck():
    return tool(build("native"), "pvt-mathcheck")


def _run(exe, inputs):
    proc = subprocess.run([str(exe)], input="".join(cases.line(*c) + "\n" for c in inputs).encode(),
                          capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout.decode().split()
    assert len(out) == len(inputs)
    return out


def test_results_are_correctly_rounded(mathcheck):
    inputs = cases.cases()
    wrong = []
    for (fn, x, y), text in zip(inputs, _run(mathcheck, inputs)):
        got, want = cases.parse(fn, text), cases.reference(fn, x, y)
        if got != want:
            wrong.append(f"{fn}({x!r}, {y!r}) = {got!r}, not {want!r}")
    assert not wrong, f"{len(wrong)} of {len(inputs)}:\n" + "\n".join(wrong[:20])


def test_powf_rounds_as_glibcs(mathcheck):
    powf = cases.glibc_powf()
    assert powf, "glibc's powf is the reference (this test runs on glibc Linux, as the oracle does)"
    inputs = cases.powf_cases()
    wrong = []
    for (fn, x, y), text in zip(inputs, _run(mathcheck, inputs)):
        got, want = cases.parse(fn, text), powf(x, y)
        if got != want or math.copysign(1, got) != math.copysign(1, want):
            wrong.append(f"powf({x!r}, {y!r}) = {got!r}, glibc {want!r}")
    assert not wrong, f"{len(wrong)} of {len(inputs)}:\n" + "\n".join(wrong[:20])


def test_special_values_are_c_s(mathcheck):
    inputs = [(fn, x, y) for fn, x, y, _ in cases.SPECIAL]
    for (fn, x, y, want), text in zip(cases.SPECIAL, _run(mathcheck, inputs)):
        got = cases.parse(fn, text)
        if math.isnan(want):
            assert math.isnan(got), (fn, x, y, got)
        else:
            assert got == want and math.copysign(1, got) == math.copysign(1, want), (fn, x, y, got, want)


def _bits(exe, fn, xs):
    return _run(exe, [(fn, x, 0.0) for x in xs])


def test_fast_exp_is_the_double_double_exp(mathcheck):
    """exp's fast path returns only what the double-double path would have:
    the same bits on every input, the hard cases near midpoints included."""
    xs = cases.exp_fast_cases()
    got, exact = _bits(mathcheck, "exp", xs), _bits(mathcheck, "exp_exact", xs)
    wrong = [f"exp({x!r}) = {g}, the double-double path's {e}" for x, g, e in zip(xs, got, exact) if g != e]
    assert not wrong, f"{len(wrong)} of {len(xs)}:\n" + "\n".join(wrong[:20])


def test_fast_exp_needs_its_rounding_check(mathcheck):
    """The near-midpoint inputs: the fast path alone (no rounding check) gets
    them wrong, so exp must fall back to get them right, and does."""
    xs = cases.EXP_NEAR_MIDPOINT
    unchecked = _bits(mathcheck, "exp_fast_unchecked", xs)
    got = [cases.parse("exp", t) for t in _bits(mathcheck, "exp", xs)]
    want = [cases.reference("exp", x) for x in xs]
    assert all(cases.parse("exp", u) != w for u, w in zip(unchecked, want)), "no longer hard cases for the fast path"
    assert got == want


def test_fast_exp_error_bound(mathcheck):
    """The fast path's error before rounding stays below the bound derived in
    exact_math.cpp (2^-65.3 absolute on [0.99, 2.02]: 2^-65.3 relative), well
    inside the 2^-63 margin its rounding check allows."""
    xs = cases.exp_fast_cases(seed=1, n=20000)
    xs = [x for x in xs if -708 < x < 709.78]
    errors = [abs(cases.parse("exp", t)) for t in _bits(mathcheck, "exp_fast_error", xs)]
    assert max(errors) < 2.0 ** -65.3, math.log2(max(errors))
