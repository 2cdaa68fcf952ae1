"""YUV4MPEG2 (``.y4m``) files: geometry and format come from the stream header."""

from __future__ import annotations

import os
from typing import Iterator, Optional

from .._lazy import np

from ..errors import InputError
from .pixfmt import PixelFormat, pix_fmt_for
from .raw import native_reader, split_planes
from .source import FrameSource

_MAGIC = b"YUV4MPEG2"
_PLAIN_MARKER = b"FRAME\n"
_MAX_HEADER = 1024
_MAX_DIM = 1 << 15

# Y4M colour-space tags -> (layout, bits per sample)
_COLOURSPACES = {
    "420": ("yuv420p", 8), "420jpeg": ("yuv420p", 8), "420mpeg2": ("yuv420p", 8), "420paldv": ("yuv420p", 8),
    "422": ("yuv422p", 8), "444": ("yuv444p", 8), "mono": ("gray", 8),
    "420p9": ("yuv420p", 9), "422p9": ("yuv422p", 9), "444p9": ("yuv444p", 9),
    "420p10": ("yuv420p", 10), "422p10": ("yuv422p", 10), "444p10": ("yuv444p", 10), "mono10": ("gray", 10),
    "420p12": ("yuv420p", 12), "422p12": ("yuv422p", 12), "444p12": ("yuv444p", 12), "mono12": ("gray", 12),
    "420p14": ("yuv420p", 14), "422p14": ("yuv422p", 14), "444p14": ("yuv444p", 14),
    "420p16": ("yuv420p", 16), "422p16": ("yuv422p", 16), "444p16": ("yuv444p", 16), "mono16": ("gray", 16),
}


class Y4mSource(FrameSource):
    def __init__(self, path: str):
        self.name = str(path)
        try:
            self._file = open(self.name, "rb")
        except FileNotFoundError:
            raise InputError(f"{self.name}: no such file") from None
        except OSError as e:
            raise InputError(f"{self.name}: cannot read ({e.strerror})") from None
        try:
            self._parse_header()
            self._count = self._count_frames()
        except BaseException:
            self._file.close()
            raise

    def _parse_header(self) -> None:
        head = self._file.read(_MAX_HEADER)
        if not head:
            raise InputError(f"{self.name}: file is empty")
        end = head.find(b"\n")
        if not head.startswith(_MAGIC + b" ") or end < 0:
            raise InputError(f"{self.name}: not a Y4M file (the header must start with 'YUV4MPEG2 ' and end in a newline)")
        try:
            fields = head[len(_MAGIC) + 1 : end].decode("ascii").split()
        except UnicodeDecodeError:
            raise InputError(f"{self.name}: malformed Y4M header (non-ASCII bytes)") from None
        width = height = None
        colour = "420jpeg"
        for field in fields:
            tag, value = field[:1], field[1:]
            if tag in ("W", "H"):
                if not value.isdigit() or not 0 < int(value) <= _MAX_DIM:
                    raise InputError(f"{self.name}: malformed Y4M header: bad {tag} value {value!r}")
                if tag == "W":
                    width = int(value)
                else:
                    height = int(value)
            elif tag == "C":
                colour = value
            elif tag == "I" and value not in ("p", "?", ""):
                raise InputError(f"{self.name}: interlaced Y4M (I{value}) is not supported")
        if width is None or height is None:
            raise InputError(f"{self.name}: malformed Y4M header: no W (width) or H (height)")
        if colour not in _COLOURSPACES:
            raise InputError(f"{self.name}: unsupported Y4M colour space C{colour}")
        layout, bpc = _COLOURSPACES[colour]
        self.width, self.height, self.bpc = width, height, bpc
        self.pix_fmt: PixelFormat = pix_fmt_for(layout, bpc)
        self.frame_bytes = self.pix_fmt.frame_bytes(width, height)
        self._data_start = end + 1

    def _count_frames(self) -> int:
        size = os.fstat(self._file.fileno()).st_size
        pos, count = self._data_start, 0
        self._plain_markers = True  # every frame header is just "FRAME\n"
        while pos < size:
            self._file.seek(pos)
            line = self._file.readline(_MAX_HEADER)
            if not line.startswith(b"FRAME") or not line.endswith(b"\n") or line[5:6] not in (b"\n", b" "):
                raise InputError(f"{self.name}: frame {count}: missing or malformed FRAME marker")
            self._plain_markers = self._plain_markers and line == _PLAIN_MARKER
            pos += len(line) + self.frame_bytes
            if pos > size:
                have = size - (pos - self.frame_bytes)
                raise InputError(
                    f"{self.name}: truncated: frame {count} has {have} of {self.frame_bytes} bytes"
                )
            count += 1
        if count == 0:
            raise InputError(f"{self.name}: no frames")
        return count

    def frame_count(self) -> Optional[int]:
        return self._count

    @property
    def has_chroma(self) -> bool:
        return self.pix_fmt.layout != "gray"

    def native_reader(self):
        if not self._plain_markers:
            return None
        return native_reader(self.name, self, self._data_start, _PLAIN_MARKER)

    def pictures(self, chroma: bool) -> Iterator:
        f = self._file
        f.seek(self._data_start)
        n = self.frame_bytes // self.pix_fmt.bytes_per_sample
        for index in range(self._count):
            line = f.readline(_MAX_HEADER)
            if not line.startswith(b"FRAME"):
                raise InputError(f"{self.name}: frame {index}: missing FRAME marker")
            buf = np.fromfile(f, dtype=self.pix_fmt.dtype, count=n)
            if buf.size != n:
                raise InputError(f"{self.name}: truncated while reading frame {index}")
            yield split_planes(buf, self, index, chroma)

    def close(self) -> None:
        self._file.close()
