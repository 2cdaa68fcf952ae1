"""Encoding planar numpy frames with PyAV and decoding them back.

Shared by the demo, the training corpus and the tests' content. A frame is a
list of planes (luma first), uint8 or little-endian uint16 as `pix_fmt` says.
"""

from __future__ import annotations

import io
from typing import Optional, Sequence

import numpy as np

Frames = Sequence[Sequence[np.ndarray]]


def quick_options(codec: str, crf: int) -> dict[str, str]:
    """Fast, quiet settings of the corpus encoders at `crf`."""
    opts = {"crf": str(crf)}
    if codec == "libx264":
        opts["preset"] = "veryfast"
    elif codec == "libx265":
        opts.update(preset="ultrafast", **{"x265-params": "log-level=error"})
    elif codec == "libvpx-vp9":
        opts.update({"b": "0", "deadline": "realtime", "cpu-used": "8"})
    elif codec == "libsvtav1":
        opts["preset"] = "12"
    return opts


def frame_from_planes(planes: Sequence[np.ndarray], pix_fmt: str):
    """A PyAV frame holding `planes` (each plane's rows padded to its line size)."""
    import av

    h, w = planes[0].shape
    frame = av.VideoFrame(w, h, pix_fmt)
    for dst, src in zip(frame.planes, planes):
        per_row = dst.line_size // src.dtype.itemsize
        view = np.frombuffer(dst, src.dtype)[: per_row * dst.height].reshape(dst.height, per_row)
        view[:, : dst.width] = src
    return frame


def planes_of(frame) -> list[np.ndarray]:
    """The visible samples of each plane of a PyAV frame, as views."""
    deep = frame.format.name.endswith("le")
    dtype = np.dtype("<u2") if deep else np.dtype(np.uint8)
    out = []
    for plane in frame.planes:
        per_row = plane.line_size // dtype.itemsize
        a = np.frombuffer(plane, dtype)[: per_row * plane.height].reshape(plane.height, per_row)
        out.append(a[:, : plane.width])
    return out


def encode(frames: Frames, codec: str, pix_fmt: str, options: dict[str, str], *, container: str = "matroska",
           rate: int = 25, threads: Optional[int] = 1) -> bytes:
    """The bitstream of `frames` encoded by `codec` in `container` (`threads=None`: the codec's default)."""
    import av

    buf = io.BytesIO()
    h, w = frames[0][0].shape
    with av.open(buf, "w", format=container) as out:
        stream = out.add_stream(codec, rate=rate)
        stream.width, stream.height, stream.pix_fmt = w, h, pix_fmt
        if threads is not None:
            stream.codec_context.thread_count = threads
        stream.options = options
        for t, planes in enumerate(frames):
            frame = frame_from_planes(planes, pix_fmt)
            frame.pts = t
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


def decode(data: bytes) -> list[tuple[str, list[np.ndarray]]]:
    """Every frame of the first video stream of `data`: its pixel format and a copy of its planes."""
    import av

    out = []
    with av.open(io.BytesIO(data), "r") as inp:
        for frame in inp.decode(video=0):
            out.append((frame.format.name, [p.copy() for p in planes_of(frame)]))
    return out
