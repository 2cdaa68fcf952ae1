"""Containers and compressed streams (MP4, MKV, WebM, IVF, MOV, ...) through PyAV.

Luma is taken from the decoded frame's first plane without any colour
conversion; only formats whose first plane *is* luma are accepted.
"""

from __future__ import annotations

from typing import Iterator, Optional

from .._lazy import np

from ..errors import BackendUnavailable, InputError
from .source import FrameSource

# Decoded formats whose plane 0 is the luma plane, and its bit depth.
# Packed high-bit-depth formats (p010 & co.) keep the samples in the top bits.
_LUMA_FORMATS = {
    **{f"{layout}": 8 for layout in ("yuv420p", "yuv422p", "yuv444p", "yuv440p", "yuv411p", "yuv410p", "gray",
                                      "yuvj420p", "yuvj422p", "yuvj444p", "yuvj440p", "nv12", "nv21", "nv16",
                                      "nv24", "yuva420p", "yuva422p", "yuva444p")},
    **{f"{layout}{b}le": b for layout in ("yuv420p", "yuv422p", "yuv444p", "gray", "yuv440p")
       for b in (9, 10, 12, 14, 16)},
}
_MSB_FORMATS = {"p010le": 10, "p012le": 12, "p016le": 16, "p210le": 10, "p216le": 16, "p410le": 10, "p416le": 16}


def _av():
    try:
        import av
    except ImportError:
        raise BackendUnavailable("reading containers needs PyAV: pip install 'pyvmaf-tiny[video]'") from None
    return av


class ContainerSource(FrameSource):
    def __init__(self, path: str):
        av = _av()
        self.name = str(path)
        try:
            self._container = av.open(self.name)
        except FileNotFoundError:
            raise InputError(f"{self.name}: no such file") from None
        except av.error.FFmpegError as e:
            raise InputError(f"{self.name}: cannot open as a video container ({_reason(e)})") from None
        try:
            streams = self._container.streams.video
            if not streams:
                raise InputError(f"{self.name}: no video stream")
            self._stream = streams[0]
            ctx = self._stream.codec_context
            self.width, self.height = int(ctx.width), int(ctx.height)
            fmt = ctx.pix_fmt or ""
            if fmt in _LUMA_FORMATS:
                self.bpc = _LUMA_FORMATS[fmt]
            elif fmt in _MSB_FORMATS:
                self.bpc = _MSB_FORMATS[fmt]
            elif fmt:
                raise InputError(
                    f"{self.name}: pixel format {fmt} has no luma plane to read exactly; "
                    "convert it to YUV first (e.g. ffmpeg -pix_fmt yuv420p)"
                )
            else:
                raise InputError(f"{self.name}: the video stream has no pixel format (corrupt file?)")
            if self.width <= 0 or self.height <= 0:
                raise InputError(f"{self.name}: the video stream has no frame size (corrupt file?)")
        except BaseException:
            self._container.close()
            raise

    def frame_count(self) -> Optional[int]:
        return None  # container frame counts are hints, not facts

    @property
    def has_chroma(self) -> bool:
        return not self._stream.codec_context.pix_fmt.startswith("gray")

    def pictures(self, chroma: bool) -> Iterator:
        av = _av()
        index = 0
        try:
            for frame in self._container.decode(self._stream):
                yield self._planes(frame, index, chroma)
                index += 1
        except av.error.FFmpegError as e:
            raise InputError(f"{self.name}: decoding failed at frame {index} ({_reason(e)})") from None
        if index == 0:
            raise InputError(f"{self.name}: no decodable frames")

    def _planes(self, frame, index: int, chroma: bool):
        fmt = frame.format.name
        if (frame.width, frame.height) != (self.width, self.height):
            raise InputError(f"{self.name}: frame {index} is {frame.width}x{frame.height}, "
                             f"the stream is {self.width}x{self.height} (resolution changes are not supported)")
        if fmt in _LUMA_FORMATS:
            bpc, shift = _LUMA_FORMATS[fmt], 0
        elif fmt in _MSB_FORMATS:
            bpc = _MSB_FORMATS[fmt]
            shift = 16 - bpc
        else:
            raise InputError(f"{self.name}: frame {index} decoded as {fmt}, which has no exact luma plane")
        if bpc != self.bpc:
            raise InputError(f"{self.name}: frame {index} is {bpc}-bit, the stream started {self.bpc}-bit")
        dtype = np.dtype("<u2") if bpc > 8 or shift else np.dtype(np.uint8)
        out_type = np.uint16 if bpc > 8 else np.uint8

        def read(plane, interleave=1, offset=0):
            per_row = plane.line_size // dtype.itemsize
            rows = np.frombuffer(plane, dtype)[: per_row * plane.height].reshape(plane.height, per_row)
            samples = rows[:, offset : plane.width * interleave : interleave]
            # copies: the decoder may reuse its buffers
            return (samples >> shift).astype(out_type) if shift else samples.astype(out_type, copy=True)

        luma = read(frame.planes[0])
        if not chroma:
            return luma
        if fmt.startswith("gray"):
            raise InputError(f"{self.name}: {fmt} has no chroma planes")
        if len(frame.planes) >= 3:
            return luma, read(frame.planes[1]), read(frame.planes[2])
        # semi-planar: one plane of interleaved chroma pairs (nv21 stores Cr first)
        first, second = (1, 0) if fmt == "nv21" else (0, 1)
        return luma, read(frame.planes[1], 2, first), read(frame.planes[1], 2, second)

    def close(self) -> None:
        self._container.close()


def _reason(e: Exception) -> str:
    return getattr(e, "strerror", None) or str(e)
