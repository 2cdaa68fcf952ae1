"""Time: frame rates, pairing frames by timestamp (``align="pts"``) and finding the distorted clip's delay
(``sync="auto"``).

Times are seconds since each clip's first frame (after any skipped frames), as exact fractions. A clip's
times come from its container's timestamps, else from its frame rate (a Y4M ``F`` tag); raw ``.yuv`` files
and arrays have neither.
"""

from __future__ import annotations

import logging
import math
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Optional

from .errors import InputError

if TYPE_CHECKING:
    from .io.source import FrameSource

log = logging.getLogger(__name__)

ALIGN_MODES = ("index", "pts")
SYNC_MODES = ("auto",)
ANALYSIS_SECONDS = 3.0  # how much of the clips the delay search compares
FALLBACK_RATE = Fraction(25)  # converts the search window to frames when neither clip has a frame rate
_SEARCH_WIDTH = 64  # the search compares luma box-averaged down to about this width
# The search's budget, whatever the frame rates say (a header's rate is the input's to choose): frames read
# from either clip, and frame pairs compared over all the delays tried.
MAX_SEARCH_FRAMES = 8192
MAX_SEARCH_COMPARISONS = 1 << 22


def rate_text(rate: Fraction) -> str:
    """24, 29.97, 12.5: how people write frame rates."""
    v = float(rate)
    return f"{v:.0f}" if abs(v - round(v)) < 5e-4 else f"{v:.3f}".rstrip("0")


def rates_differ(a: Optional[Fraction], b: Optional[Fraction]) -> bool:
    """Both known and more than 0.1% apart (29.97 and 30000/1001 are the same rate)."""
    return a is not None and b is not None and abs(a - b) > max(a, b) / 1000


def rates_clause(ref: FrameSource, dist: FrameSource) -> str:
    """"frame rates differ (24 vs 12 fps)", or "" when they do not (or are not known)."""
    if not rates_differ(ref.rate, dist.rate):
        return ""
    assert ref.rate is not None and dist.rate is not None
    return f"frame rates differ ({rate_text(ref.rate)} vs {rate_text(dist.rate)} fps)"


def rate_hint(ref: FrameSource, dist: FrameSource) -> str:
    """The rates clause as advice to end a frame-count mismatch with."""
    clause = rates_clause(ref, dist)
    return f"; {clause}: --align pts pairs frames by time (align='pts')" if clause else ""


def need_rate(src: FrameSource, why: str) -> Fraction:
    if src.rate is None:
        raise InputError(f"{src.name} has no frame rate or timestamps, which {why} needs (raw .yuv and arrays "
                         f"have none: use a .y4m with an F tag, or a container)")
    return src.rate


# -- pairing by timestamp -----------------------------------------------------------------------------------
#
# ffmpeg's fps filter, asked for the reference's rate, shows at each reference frame time the last distorted
# frame whose timestamp, rounded to the nearest reference frame slot (halves up), is not after it: frames
# are repeated when the distorted clip has fewer, dropped when it has more. The pairing ends when the
# distorted clip's last frame has been shown for its duration, or when the reference ends.


def pts_index_map(n_ref: int, ref_rate: Fraction, n_dist: int, dist_rate: Fraction,
                  dist_shift: Fraction = Fraction(0)) -> list[int]:
    """For each reference frame (by index) the distorted frame shown at its time, for clips of constant
    rates; `dist_shift` seconds are taken off the distorted clip's times (its delay)."""
    out: list[int] = []
    end = Fraction(n_dist) / dist_rate - dist_shift  # when the last distorted frame stops showing
    for k in range(n_ref):
        if Fraction(k) / ref_rate >= end:
            break
        # the last j with j / dist_rate - dist_shift < (k + 1/2) / ref_rate
        limit = ((Fraction(2 * k + 1, 2) / ref_rate) + dist_shift) * dist_rate
        out.append(min(max(math.ceil(limit) - 1, 0), n_dist - 1))
    return out


def pts_pairs(refs: Iterable[tuple[Fraction, Any]], dists: Iterable[tuple[Fraction, Any]], ref_rate: Fraction,
              dist_rate: Optional[Fraction], dist_shift: Fraction = Fraction(0)) -> Iterator[tuple[Any, Any]]:
    """(reference picture, distorted picture) pairs from two streams of (time, picture): the streaming form
    of pts_index_map(), for timestamps read while decoding. The distorted pictures must stay valid after
    the next one is read (FrameSource.pictures(), not stream())."""
    half = 1 / (2 * ref_rate)
    dist_iter = iter(dists)
    nxt = next(dist_iter, None)
    if nxt is None:
        return
    current: Optional[tuple[Fraction, Any]] = None
    last_period = 1 / (dist_rate or ref_rate)
    for t_ref, ref_pic in refs:
        while nxt is not None and nxt[0] - dist_shift < t_ref + half:
            if current is not None:
                last_period = nxt[0] - current[0] or last_period
            current, nxt = nxt, next(dist_iter, None)
        if current is None:
            continue  # the distorted clip starts later than this reference frame
        if nxt is None and t_ref >= current[0] - dist_shift + last_period:
            return  # past the distorted clip's end
        yield ref_pic, current[1]


# -- finding the delay --------------------------------------------------------------------------------------


def check_search_budget(ref: FrameSource, dist: FrameSource, window: int, pairs: int, ref_frames: int) -> None:
    """InputError unless a search of `window` delays either way over `pairs` frame pairs, reading `ref_frames`
    reference frames, fits the budget above (the frame rates, which set these sizes, are the inputs' to say)."""
    frames = max(pairs + window, ref_frames)
    comparisons = (2 * window + 1) * pairs
    if frames > MAX_SEARCH_FRAMES or comparisons > MAX_SEARCH_COMPARISONS:
        rates = " and ".join(f"{rate_text(s.rate)} fps" if s.rate else "no rate" for s in (ref, dist))
        raise InputError(f"{ref.name} / {dist.name}: sync='auto' at these frame rates ({rates}) would read up to "
                         f"{frames} frames and compare {comparisons} frame pairs, over its budget "
                         f"({MAX_SEARCH_FRAMES} frames, {MAX_SEARCH_COMPARISONS} pairs): pass a shorter sync_window "
                         f"(--sync-window) or give the delay (dist_delay, --dist-delay)")


def small_luma(picture: Any) -> Any:
    """A luma plane box-averaged to about _SEARCH_WIDTH columns, as float32: cheap to compare."""
    from ._lazy import np

    plane = np.asarray(picture)
    f = max(1, plane.shape[1] // _SEARCH_WIDTH)
    h, w = (plane.shape[0] // f) * f, (plane.shape[1] // f) * f
    if h == 0:
        f, h, w = 1, plane.shape[0], plane.shape[1]
    return plane[:h, :w].astype(np.float32).reshape(h // f, f, w // f, f).mean(axis=(1, 3))


def best_delay(refs: list[Any], dists: list[Any], window: int, pairs: int,
               ref_index: Optional[Callable[[int], Any]] = None) -> tuple[int, float]:
    """The delay d in -window..window, in distorted frames (> 0: the distorted clip lags), whose first
    `pairs` frame pairs differ least (mean squared error of small_luma planes), and that error. Distorted
    frame j pairs with reference frame `ref_index(d)[j]` (an integer array; default j - d, same frame
    rates). Ties go to the smallest |d|, so still content keeps its delay of 0."""
    from ._lazy import np

    if not refs or not dists:
        raise InputError("--sync auto: no frames to compare")
    if refs[0].shape != dists[0].shape:
        raise InputError("--sync auto: the clips' frame sizes differ")
    r, d = np.stack(refs), np.stack(dists)
    js = np.arange(len(d))
    need = max(1, min(pairs, len(r), len(d)) // 2)  # the fewest pairs a delay may be judged on
    best: Optional[tuple[float, int]] = None
    for delay in sorted(range(-window, window + 1), key=lambda x: (abs(x), x)):
        ks = js - delay if ref_index is None else ref_index(delay)
        valid = (ks >= 0) & (ks < len(r))
        k, j = ks[valid][:pairs], js[valid][:pairs]
        if len(k) < need:
            continue
        err = float(np.mean((r[k] - d[j]) ** 2))
        if best is None or err < best[0] * (1 - 1e-9) - 1e-12:
            best = (err, delay)
    if best is None:
        raise InputError("--sync auto: the clips are too short to compare")
    log.info("sync: delay %d frames (mean squared error %.4g of %dpx-wide luma)", best[1], best[0],
             refs[0].shape[1])
    return best[1], best[0]


def nearest_ref_frames(dist_times: list[Fraction], ref_rate: Fraction, dist_rate: Fraction) -> Callable[[int], Any]:
    """For align="pts": ref_index for best_delay(), pairing each distorted frame, its time less the delay,
    with the reference frame nearest that time."""
    from ._lazy import np

    def ref_index(delay: int) -> Any:
        shift = Fraction(delay) / dist_rate
        return np.array([math.floor((t - shift) * ref_rate + Fraction(1, 2)) for t in dist_times], dtype=np.int64)

    return ref_index
