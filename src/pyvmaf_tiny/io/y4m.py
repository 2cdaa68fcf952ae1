"""YUV4MPEG2 (``.y4m``) files: geometry and format come from the stream header.

The native core parses the file (``_core.Y4mReader``): the stream header and
an index of every frame header, with or without per-frame parameters, so every
frame is read natively, mapped or copied. This is a thin wrapper around it.
"""

from __future__ import annotations

from typing import Iterator, Optional

from ..errors import InputError
from .pixfmt import PixelFormat, pix_fmt_for
from .policy import DEFAULT_POLICY, PathLike, PathPolicy, native_path, shown
from .source import FrameSource


class Y4mSource(FrameSource):
    def __init__(self, path: PathLike, *, policy: Optional[PathPolicy] = None):
        from .. import _core

        self.name = shown(path)
        real = (policy or DEFAULT_POLICY).resolve(path, "Y4M file")
        self._reader = _core.Y4mReader(native_path(real), self.name)
        r = self._reader
        self.width, self.height, self.bpc = r.width, r.height, r.bpc
        self.pix_fmt: PixelFormat = pix_fmt_for(r.layout, r.bpc)
        self.frame_bytes = self.pix_fmt.frame_bytes(self.width, self.height)
        self.colour: str = r.colour
        self.frame_rate: tuple[int, int] = r.frame_rate  # (0, 0) when unknown
        self._count = int(r.frame_count)

    def frame_count(self) -> Optional[int]:
        return self._count

    @property
    def has_chroma(self) -> bool:
        return self.pix_fmt.layout != "gray"

    def native_reader(self):
        return self._open_reader()

    def pictures(self, chroma: bool) -> Iterator:
        reader = self._open_reader()
        if chroma and not self.has_chroma:
            raise InputError(f"{self.name}: {self.pix_fmt.name} has no chroma planes")
        for index in range(self._count):
            yield reader.read_frame(index, chroma)

    def _open_reader(self):
        if self._reader is None:
            raise InputError(f"{self.name}: read after close()")
        return self._reader

    def close(self) -> None:
        self._reader = None  # the file closes once no pipeline holds the reader
