"""Inputs for core/src/common/exact_math.hpp and what it must return: the
correctly rounded results, computed with Python's decimal module at 60 digits,
and for powf glibc's own (pvt-mathcheck's line format: "FUNCTION X [Y]", the
IEEE bits in hex)."""

from __future__ import annotations

import math
import random
import struct
from decimal import Decimal, localcontext

PREC = 60


def bits64(x: float) -> str:
    return f"{struct.unpack('<Q', struct.pack('<d', x))[0]:016x}"


def bits32(x: float) -> str:
    return f"{struct.unpack('<I', struct.pack('<f', x))[0]:08x}"


def f32(x: float) -> float:
    return struct.unpack("<f", struct.pack("<f", x))[0]


def _cos(x: Decimal) -> Decimal:
    total, term, n = Decimal(1), Decimal(1), 0
    while abs(term) > Decimal(10) ** -(PREC + 5):
        n += 2
        term = -term * x * x / (n * (n - 1))
        total += term
    return total


def _sin(x: Decimal) -> Decimal:
    total, term, n = x, x, 1
    while abs(term) > Decimal(10) ** -(PREC + 5):
        n += 2
        term = -term * x * x / (n * (n - 1))
        total += term
    return total


def reference(fn: str, x: float, y: float = 0.0) -> float:
    """The correctly rounded fn(x[, y]) for finite arguments in the functions'
    domains (not powf, which rounds as glibc's does: see glibc_powf)."""
    with localcontext() as ctx:
        ctx.prec = PREC
        dx = Decimal(x)
        if fn == "exp":
            return float(dx.exp())
        if fn == "log":
            return float(dx.ln())
        if fn == "log10":
            return float(dx.log10())
        if fn == "log2":
            return float(dx.ln() / Decimal(2).ln())
        if fn == "cos":
            return float(_cos(dx))
        if fn == "sin":
            return float(_sin(dx))
        value = (Decimal(y) * abs(dx).ln()).exp()
        if x < 0 and y % 2 == 1:
            value = -value
        if fn == "pow":
            return float(value)
    raise ValueError(fn)


def glibc_powf():
    """The C library's powf when it is glibc's (the reference's), else None."""
    import ctypes
    import platform

    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    libm = ctypes.CDLL("libm.so.6")
    libm.powf.restype = ctypes.c_float
    libm.powf.argtypes = [ctypes.c_float, ctypes.c_float]
    return libm.powf


def powf_cases(seed: int = 0, n: int = 20000) -> list[tuple[str, float, float]]:
    """powf inputs: ADM's cube roots over a wide range, other exponents,
    negative bases with integer exponents, subnormal bases."""
    rng = random.Random(seed)
    out = [("powf", f32(10 ** rng.uniform(-8, 12)), f32(1 / 3)) for _ in range(n)]
    out += [("powf", f32(10 ** rng.uniform(-40, 38)), f32(rng.uniform(-5, 5))) for _ in range(n // 4)]
    out += [("powf", -f32(rng.uniform(0.01, 100)), float(rng.randint(-20, 20))) for _ in range(n // 10)]
    out += [("powf", struct.unpack("<f", struct.pack("<I", rng.randint(1, 0x7FFFFF)))[0], f32(rng.uniform(-2, 2)))
            for _ in range(n // 20)]
    return out


def cases(seed: int = 0, n: int = 400) -> list[tuple[str, float, float]]:
    """(function, x, y): random inputs over the ranges the extractors and the
    SVM use and well beyond, and the exact cases (powers of 2 and 10)."""
    rng = random.Random(seed)
    out: list[tuple[str, float, float]] = []
    for _ in range(n):
        out.append(("exp", rng.uniform(-60, 5), 0.0))
        out.append(("exp", rng.uniform(-740, 705), 0.0))
        out.append(("exp", rng.uniform(-1e-6, 1e-6), 0.0))
        for fn in ("log", "log10", "log2"):
            out.append((fn, 10 ** rng.uniform(-300, 300), 0.0))
            out.append((fn, rng.uniform(0.5, 2.0), 0.0))
            out.append((fn, float(rng.randint(1, 1 << 32)), 0.0))
        out.append(("pow", rng.uniform(0, 1), rng.uniform(-3, 3)))
        out.append(("pow", 10 ** rng.uniform(-10, 10), rng.uniform(-5, 5)))
        out.append(("pow", float(rng.randint(1, 1 << 16)), 3.0))
        out.append(("pow", -rng.uniform(0.1, 10), float(rng.randint(-6, 6))))
        out.append(("cos", rng.uniform(-10, 10), 0.0))
        out.append(("sin", rng.uniform(-10, 10), 0.0))
        out.append(("sin", rng.uniform(-1e-3, 1e-3), 0.0))
    out += [("log2", 2.0 ** k, 0.0) for k in range(-1074, 1024, 7)]
    out += [("log10", 10.0 ** k, 0.0) for k in range(0, 23)]
    out += [("pow", 2.0, float(k)) for k in range(-60, 60)]
    out += [("pow", 10.0, float(k)) for k in range(0, 23)]
    out += [("log", 5e-324, 0.0), ("log2", 5e-324, 0.0), ("exp", 0.0, 0.0), ("exp", -745.0, 0.0),
            ("exp", 709.7, 0.0), ("cos", math.pi / 180, 0.0), ("sin", math.pi, 0.0),
            ("sin", math.pi / 3, 0.0)]
    return out


# C's special values, as pow/powf/log/exp must give them (NaNs compared as NaN).
POWF_SPECIAL = [("powf", 0.0, 2.0, 0.0), ("powf", -0.0, 3.0, -0.0), ("powf", -2.0, 0.5, math.nan),
                ("powf", 10.0, 50.0, math.inf), ("powf", -10.0, 51.0, -math.inf), ("powf", 10.0, -50.0, 0.0),
                ("powf", -10.0, -51.0, -0.0), ("powf", math.inf, -1.0, 0.0), ("powf", 1.0, math.nan, 1.0)]
INF, NAN = math.inf, math.nan
SPECIAL = [
    ("pow", 0.0, 2.0, 0.0), ("pow", -0.0, 3.0, -0.0), ("pow", -0.0, 2.0, 0.0), ("pow", 0.0, -1.0, INF),
    ("pow", -0.0, -1.0, -INF), ("pow", -0.0, -2.0, INF), ("pow", -2.0, 0.5, NAN), ("pow", -2.0, 3.0, -8.0),
    ("pow", -2.0, 2.0, 4.0), ("pow", NAN, 0.0, 1.0), ("pow", 1.0, NAN, 1.0), ("pow", NAN, 1.0, NAN),
    ("pow", 0.5, INF, 0.0), ("pow", 0.5, -INF, INF), ("pow", 2.0, INF, INF), ("pow", -1.0, INF, 1.0),
    ("pow", INF, -1.0, 0.0), ("pow", -INF, 3.0, -INF), ("pow", -INF, 2.0, INF), ("pow", -INF, -3.0, -0.0),
    ("pow", 10.0, 400.0, INF), ("pow", 10.0, -400.0, 0.0), ("pow", 1.5, 1e300, INF),
    ("exp", NAN, 0, NAN), ("exp", 800.0, 0, INF), ("exp", -800.0, 0, 0.0), ("exp", INF, 0, INF),
    ("exp", -INF, 0, 0.0), ("log", 0.0, 0, -INF), ("log", -1.0, 0, NAN), ("log", INF, 0, INF),
    ("log10", 0.0, 0, -INF), ("log2", -0.5, 0, NAN), ("cos", INF, 0, NAN),
    ("sin", -0.0, 0, -0.0), ("sin", NAN, 0, NAN),
] + POWF_SPECIAL


def line(fn: str, x: float, y: float) -> str:
    if fn == "powf":
        return f"powf {bits32(x)} {bits32(y)}"
    return f"{fn} {bits64(x)} {bits64(y)}"


def parse(fn: str, text: str) -> float:
    value = int(text, 16)
    if fn == "powf":
        return struct.unpack("<f", struct.pack("<I", value))[0]
    return struct.unpack("<d", struct.pack("<Q", value))[0]


def exp_fast_cases(seed: int = 0, n: int = 60000) -> list[float]:
    """exp inputs for its fast path against its double-double path: the SVM's
    -gamma d2, the whole range, near 0, both ends of the fast path's range."""
    rng = random.Random(seed)
    out = [-rng.uniform(0, 60) for _ in range(n)]
    out += [rng.uniform(-745, 709.78) for _ in range(n)]
    out += [rng.choice((-1, 1)) * 2.0 ** rng.uniform(-60, 0) for _ in range(n // 4)]
    out += [rng.uniform(-708.5, -707.5) for _ in range(n // 20)] + [rng.uniform(709, 709.8) for _ in range(n // 20)]
    return out + EXP_NEAR_MIDPOINT + exp_midpoint_cases()


def exp_midpoint_cases(seed: int = 0, n: int = 1000) -> list[float]:
    """x = ln(m) rounded, for m halfway between two doubles near 1: exp(x) is
    then within about |x| 2^-53 ulp of that midpoint, a hard case."""
    rng = random.Random(seed)
    out = []
    with localcontext() as ctx:
        ctx.prec = PREC
        for _ in range(n):
            odd = 2 * rng.randrange(1 << rng.randint(1, 40)) + 1
            m = 1 + odd * Decimal(2) ** -53 if rng.random() < 0.5 else 1 - odd * Decimal(2) ** -54
            out.append(float(m.ln()))
    return out


# Inputs whose exp lies so near a midpoint between two doubles that exp's fast
# path, unchecked, rounds them the wrong way (found by running 2e6 random
# inputs in [-708, 710] and [-60, 0] through pvt-mathcheck's
# exp_fast_unchecked and exp_exact and keeping those that differ).
EXP_NEAR_MIDPOINT = [struct.unpack("<d", struct.pack("<Q", int(h, 16)))[0]
                     for h in ("c06bf90c2cda1e9a", "c0807ffd62472cb7", "4078f2405e73c34c", "4080fca72cd3d31e")]
