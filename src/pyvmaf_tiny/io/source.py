"""The common shape of every frame source: geometry plus an iterator of luma planes."""

from __future__ import annotations

from typing import Iterator, Optional

from .._lazy import np


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
