"""The common shape of every frame source: geometry plus an iterator of luma planes."""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Iterator, Optional

from .._lazy import np

from ..errors import InputError


class FrameSource:
    """Yields 2-D luma planes, uint8 for 8-bit and uint16 above, one per frame."""

    name: str = "<frames>"
    width: int = 0
    height: int = 0
    bpc: int = 8

    def frame_count(self) -> Optional[int]:
        """The number of frames if known without decoding, else None."""
        return None

    has_chroma: bool = False

    @property
    def rate(self) -> Optional[Fraction]:
        """Frames per second when the input says (a container's stream, a Y4M F tag), else None."""
        fr = getattr(self, "frame_rate", None)  # (num, den) from the Y4M header; (0, 0) when it has none
        if fr and fr[0] > 0 and fr[1] > 0:
            return Fraction(int(fr[0]), int(fr[1]))
        return None

    def timed(self, chroma: bool) -> Iterator[tuple[Fraction, Any]]:
        """(seconds since the first frame, picture) for each frame of pictures(); from the frame rate here,
        from timestamps in containers. InputError without either."""
        rate = self.rate
        if rate is None:
            raise InputError(f"{self.name} has no frame rate or timestamps")
        for index, picture in enumerate(self.pictures(chroma)):
            yield Fraction(index) / rate, picture

    @property
    def compression(self) -> Optional[str]:
        """"uncompressed", "lossless" or "lossy" when known (for telling reference and encode apart)."""
        return None

    @property
    def bit_rate(self) -> Optional[float]:
        """The stream's bits per second, for compressed inputs that say or whose size and duration say."""
        return None

    @property
    def layout(self) -> Optional[str]:
        """The chroma geometry (a pixfmt layout such as "yuv420p" or "gray"), None if not known up front."""
        pix_fmt = getattr(self, "pix_fmt", None)
        return None if pix_fmt is None else pix_fmt.layout

    @property
    def format_name(self) -> Optional[str]:
        """The pixel format's name, for messages."""
        pix_fmt = getattr(self, "pix_fmt", None)
        return None if pix_fmt is None else pix_fmt.name

    def __iter__(self) -> Iterator[np.ndarray]:
        return self.pictures(chroma=False)

    def pictures(self, chroma: bool) -> Iterator:
        """Luma arrays, or (luma, cb, cr) tuples when `chroma` is asked for."""
        raise NotImplementedError

    def stream(self, chroma: bool) -> Iterator:
        """Like pictures(), but each frame is only valid until the next is
        requested (a reader may reuse its buffer); for consumers that copy at
        once, such as the native pipeline's push()."""
        return self.pictures(chroma)

    def native_reader(self):
        """A `_core.RawReader` over the same frames, if they are equal-sized
        planar frames in a file the native core can read itself; else None."""
        return None

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def describe(self) -> str:
        return f"{self.width}x{self.height} {self.bpc}-bit"
