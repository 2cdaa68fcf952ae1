"""Containers and compressed streams (MP4, MKV, WebM, IVF, MOV, ...) through PyAV.

Luma is taken from the decoded frame's first plane without any colour
conversion; only pixel formats whose planes are known exactly
(pixfmt.DECODED_FORMATS) are accepted.

Every file is opened through the path policy. Under a policy with roots or
``single_file_media``, the file is opened here (not by FFmpeg), its demuxer is
chosen from its content among those that read one file (demuxers.py), and
FFmpeg may open nothing else: no nested file, no protocol.
"""

from __future__ import annotations

import os
from fractions import Fraction
from typing import Any, Iterator, Optional

from .._lazy import np

from ..errors import BackendUnavailable, InputError
from . import demuxers
from .pixfmt import CHROMA_LAYOUTS, DECODED_FORMATS, DecodedFormat, chroma_refusal
from .policy import DEFAULT_POLICY, PathPolicy, shown
from .source import FrameSource


# Codecs by whether they keep every sample (FFmpeg decoder names). H.264, HEVC, VP9 and AV1 have lossless
# modes too, but are counted lossy: telling would mean reading the bitstream.
LOSSLESS_CODECS = frozenset({
    "ffv1", "rawvideo", "huffyuv", "ffvhuff", "utvideo", "magicyuv", "png", "apng", "qtrle", "v210", "v410",
    "r210", "yuv4", "lagarith", "zlib", "ljpeg", "jpegls", "tiff", "bmp", "v308", "v408", "ayuv", "y41p",
    "012v", "bitpacked", "sgirle", "targa",
})
LOSSY_CODECS = frozenset({
    "h264", "hevc", "vvc", "vp8", "vp9", "av1", "libdav1d", "libaom-av1", "mpeg4", "mpeg2video", "mpeg1video",
    "h263", "theora", "mjpeg", "prores", "dnxhd", "vc1", "wmv3", "cfhd", "dvvideo", "libvpx", "libvpx-vp9",
})


def _av():
    try:
        import av
    except ImportError:
        raise BackendUnavailable("reading containers needs PyAV: pip install 'pyvmaf-tiny[video]'") from None
    return av


class _MediaFile:
    """The policy's open file as PyAV reads it: without a name FFmpeg could
    take for a URL or an extension."""

    name = ""

    def __init__(self, f, shown_name: str):
        self._f, self._shown = f, shown_name

    def read(self, n: int = -1) -> bytes:
        try:
            return self._f.read(n)
        except OSError as e:  # a regular file can still fail to read (/proc/self/mem, a failing disk)
            raise InputError(f"{self._shown}: read failed ({e.strerror or e})") from None

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._f.seek(offset, whence)

    def tell(self) -> int:
        return self._f.tell()

    def seekable(self) -> bool:
        return True

    def close(self) -> None:
        self._f.close()


class ContainerSource(FrameSource):
    def __init__(self, path, policy: PathPolicy = DEFAULT_POLICY):
        av = _av()
        self.name = shown(path)
        self._file = None
        self._size: Optional[int] = None
        if policy.single_file_only:
            self._container = self._open_single_file(av, path, policy)
            self._size = os.fstat(self._file.fileno()).st_size
        else:
            real = policy.resolve(path, "")
            self._size = os.stat(real).st_size
            try:  # "file:" keeps FFmpeg from reading a protocol into a name such as "subfile:..."
                self._container = av.open("file:" + real, metadata_errors="replace")
            except av.error.FFmpegError as e:
                raise InputError(f"{self.name}: cannot open as a video container ({_reason(e)})") from None
        try:
            streams = self._container.streams.video
            if not streams:
                raise InputError(f"{self.name}: no video stream")
            self._stream = streams[0]
            ctx = self._stream.codec_context
            if ctx is None:
                raise InputError(f"{self.name}: the video stream has no decoder here (unknown codec or corrupt file)")
            self.width, self.height = int(ctx.width), int(ctx.height)
            fmt = ctx.pix_fmt or ""
            if not fmt:
                raise InputError(f"{self.name}: the video stream has no pixel format (corrupt file?)")
            self._format = _decoded(fmt, self.name)
            self.bpc = self._format.bpc
            if self.width <= 0 or self.height <= 0:
                raise InputError(f"{self.name}: the video stream has no frame size (corrupt file?)")
            # Frames of another size are refused once decoded (_planes); the decoder must not allocate one
            # larger than the stream says first (a few KB of bitstream can switch to 16384x16384 mid-stream).
            # The slack covers decoders' aligned and coded sizes.
            ctx.options = {**ctx.options, "max_pixels": str((self.width + 256) * (self.height + 256))}
            # Read now: PyAV's stream objects are not to be touched once the container is closed.
            self._codec = str(ctx.name or "")
            self._time_base = self._stream.time_base
            self._rate = self._read_rate()
            self._bit_rate = self._read_bit_rate()
        except BaseException:
            self.close()
            raise

    def _open_single_file(self, av, path, policy: PathPolicy):
        f = policy.open(path, "")
        try:
            media = _MediaFile(f, self.name)
            head = media.read(demuxers.HEAD_BYTES)
            f.seek(0)
            demuxer = demuxers.sniff(head)
            if demuxer is None:
                raise InputError(
                    f"{self.name}: cannot open as a video container: its content is none of the single-file "
                    f"formats read here ({demuxers.described()}); playlists, concat lists, image sequences and "
                    f"other files that name further files are refused, whatever the extension"
                )
            options = {"protocol_whitelist": "file"}
            if demuxer == "mov":
                options["enable_drefs"] = "0"  # no data references to other files
            try:
                container = av.open(media, format=demuxer, container_options=options,
                                    io_open=self._refuse_nested, metadata_errors="replace")
            except av.error.FFmpegError as e:
                raise InputError(f"{self.name}: cannot open as a video container ({_reason(e)})") from None
            if container.format.name not in demuxers.SINGLE_FILE_DEMUXERS:
                container.close()
                raise InputError(f"{self.name}: opened as {container.format.name}, which is not a single-file "
                                 f"format")
        except BaseException:
            f.close()
            raise
        self._file = f
        return container

    def _refuse_nested(self, url, flags, options):
        raise InputError(f"{self.name}: names another file or URL ({shown(url)}), which is not read: only "
                         f"single-file media is")

    def frame_count(self) -> Optional[int]:
        return None  # container frame counts are hints, not facts

    @property
    def rate(self) -> Optional[Fraction]:
        return self._rate

    def _read_rate(self) -> Optional[Fraction]:
        s = self._stream
        for rate in (s.average_rate, s.guessed_rate, s.base_rate):
            if rate is not None and rate > 0:
                return Fraction(rate)
        return None

    def timed(self, chroma: bool) -> Iterator[tuple[Fraction, Any]]:
        """Times from the decoded frames' timestamps (presentation order), else from the frame rate."""
        time_base = self._time_base
        rate = self.rate
        first: Optional[Fraction] = None
        for index, (pts, picture) in enumerate(self._decoded(chroma)):
            if pts is not None and time_base:
                t = pts * Fraction(time_base)
            elif rate is not None:
                t = Fraction(index) / rate
            else:
                raise InputError(f"{self.name}: frame {index} has no timestamp and the stream no frame rate")
            if first is None:
                first = t
            yield t - first, picture

    @property
    def codec(self) -> str:
        return self._codec

    @property
    def compression(self) -> Optional[str]:
        if self.codec in LOSSLESS_CODECS:
            return "lossless"
        if self.codec in LOSSY_CODECS:
            return "lossy"
        return None

    @property
    def bit_rate(self) -> Optional[float]:
        return self._bit_rate

    def _read_bit_rate(self) -> Optional[float]:
        """The video stream's bit rate if the container says, else the whole file's over its duration."""
        s, c = self._stream, self._container
        if s.bit_rate:
            return float(s.bit_rate)
        duration = None
        if s.duration and s.time_base:
            duration = float(s.duration * s.time_base)
        elif c.duration:
            duration = c.duration / 1_000_000  # AV_TIME_BASE
        if duration and duration > 0 and self._size:
            return self._size * 8 / duration
        return float(c.bit_rate) if c.bit_rate else None

    @property
    def layout(self) -> str:
        return self._format.layout

    @property
    def format_name(self) -> str:
        return self._format.name

    @property
    def has_chroma(self) -> bool:
        return self._format.layout != "gray"

    def pictures(self, chroma: bool) -> Iterator:
        for _, picture in self._decoded(chroma):
            yield picture

    def _decoded(self, chroma: bool) -> Iterator[tuple[Optional[int], Any]]:
        """(pts, picture) of each decoded frame."""
        av = _av()
        if chroma and self.has_chroma and self.layout not in CHROMA_LAYOUTS:
            raise InputError(chroma_refusal(self.name, self._format.name, self.layout))
        index = 0
        try:
            for frame in self._container.decode(self._stream):
                yield frame.pts, self._planes(frame, index, chroma)
                index += 1
        except av.error.FFmpegError as e:
            raise InputError(f"{self.name}: decoding failed at frame {index} ({_reason(e)})") from None
        if index == 0:
            raise InputError(f"{self.name}: no decodable frames")

    def _planes(self, frame, index: int, chroma: bool):
        if (frame.width, frame.height) != (self.width, self.height):
            raise InputError(f"{self.name}: frame {index} is {frame.width}x{frame.height}, "
                             f"the stream is {self.width}x{self.height} (resolution changes are not supported)")
        f = DECODED_FORMATS.get(frame.format.name)
        if f is None:
            raise InputError(f"{self.name}: frame {index} decoded as {frame.format.name}, which has no exact luma "
                             f"plane")
        if (f.layout, f.bpc) != (self._format.layout, self._format.bpc):
            raise InputError(f"{self.name}: frame {index} is {f.name}, the stream started {self._format.name}")
        return frame_planes(frame, f, chroma, self.name)

    def close(self) -> None:
        container = getattr(self, "_container", None)
        if container is not None:
            container.close()
        if self._file is not None:
            self._file.close()
            self._file = None


def frame_planes(frame, f: DecodedFormat, chroma: bool, name: str):
    """Copies of a decoded frame's luma (or luma, Cb, Cr) samples, uint8 or native uint16, as `f` lays them
    out."""
    wide = f.bpc > 8
    dtype = np.dtype(">u2" if f.big_endian else "<u2") if wide else np.dtype(np.uint8)
    shift = 16 - f.bpc if f.msb else 0
    out_type = np.uint16 if wide else np.uint8

    def read(plane, interleave=1, offset=0):
        per_row = plane.line_size // dtype.itemsize
        rows = np.frombuffer(plane, dtype)[: per_row * plane.height].reshape(plane.height, per_row)
        samples = rows[:, offset : plane.width * interleave : interleave]
        # copies: the decoder may reuse its buffers
        return (samples >> shift).astype(out_type) if shift else samples.astype(out_type, copy=True)

    luma = read(frame.planes[0])
    if not chroma:
        return luma
    if f.layout == "gray":
        raise InputError(f"{name}: {f.name} has no chroma planes")
    if not f.chroma_modelled:
        raise InputError(chroma_refusal(name, f.name, f.layout))
    if f.semi_planar:  # one plane of interleaved chroma pairs
        first, second = (1, 0) if f.cr_first else (0, 1)
        return luma, read(frame.planes[1], 2, first), read(frame.planes[1], 2, second)
    return luma, read(frame.planes[1]), read(frame.planes[2])


def _decoded(fmt: str, name: str) -> DecodedFormat:
    f = DECODED_FORMATS.get(fmt)
    if f is None:
        raise InputError(
            f"{name}: pixel format {fmt} has no luma plane to read exactly; "
            "convert it to planar YUV first (e.g. ffmpeg -i IN -pix_fmt yuv420p -c:v ffv1 OUT.mkv)"
        )
    return f


def _reason(e: Exception) -> str:
    return getattr(e, "strerror", None) or str(e)
