"""Hostile inputs shared by the container, CLI and MCP tests: files that name other files, and a watch that
says whether anything ever opened a FIFO for reading."""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path

import numpy as np

from pyvmaf_tiny.io.encode import encode


def planes(rng, n: int, w: int = 48, h: int = 32) -> list:
    return [[rng.integers(0, 256, (h, w), dtype=np.uint8), rng.integers(0, 256, (h // 2, w // 2), dtype=np.uint8),
             rng.integers(0, 256, (h // 2, w // 2), dtype=np.uint8)] for _ in range(n)]


def mkv(path: Path, frames) -> Path:
    path.write_bytes(encode(frames, "ffv1", "yuv420p", {}, container="matroska"))
    return path


class FifoWatch:
    """A FIFO (the bait outside the roots) and a thread that notices when anything opens it for reading:
    a writer's non-blocking open succeeds only while a reader has it open. The watch then writes and
    closes, so that the reader is not left blocked."""

    def __init__(self, path: Path):
        self.path = path
        os.mkfifo(path)
        self.opened = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as e:
                if e.errno != errno.ENXIO:
                    raise
                self._stop.wait(0.002)
                continue
            self.opened.set()
            try:
                os.write(fd, b"\0" * 188)
            except OSError:
                pass
            os.close(fd)

    def stop(self) -> bool:
        """Stop watching; whether the FIFO was ever opened for reading."""
        self._stop.set()
        self._thread.join(5)
        return self.opened.is_set()


def referencing_files(root: Path, outside: Path, bait: Path) -> dict[str, Path]:
    """Files inside `root` that name `bait` (outside the root) in every way FFmpeg follows, some of them
    under names whose extension suggests a plain container. `bait` is a FIFO; `outside` holds a real clip
    too, reached through a symlink inside the root."""
    rel = os.path.relpath(bait, root)
    clip = outside / "secret.mkv"
    if not clip.exists():
        mkv(clip, planes(np.random.default_rng(7), 2))
    for link, target in ((root / "inner_link.mkv", clip), (root / "inner_fifo.ts", bait)):
        if not link.is_symlink():
            link.symlink_to(target)
    hls = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\n{}\n#EXT-X-ENDLIST\n"
    files = {
        "hls_absolute.m3u8": hls.format(bait),
        "hls_file_url.m3u8": hls.format(f"file://{bait}"),
        "hls_relative.m3u8": hls.format(rel),
        "hls_named_mkv.mkv": hls.format(bait),
        "concat_symlink.ffconcat": "ffconcat version 1.0\nfile inner_link.mkv\nfile inner_fifo.ts\n",
        "concat_named_mp4.mp4": f"ffconcat version 1.0\nfile '{bait}'\n",
        "dash.mpd": ('<?xml version="1.0"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" '
                     'mediaPresentationDuration="PT1S" minBufferTime="PT1S" profiles="urn:mpeg:dash:profile:isoff-'
                     f'on-demand:2011"><Period><AdaptationSet><Representation id="0" bandwidth="1000" '
                     f'mimeType="video/mp2t"><BaseURL>{bait}</BaseURL></Representation></AdaptationSet></Period>'
                     '</MPD>\n'),
        # an SDP session makes FFmpeg open network sockets
        "session_named_webm.webm": "v=0\no=- 0 0 IN IP4 127.0.0.1\ns=x\nc=IN IP4 127.0.0.1\nt=0 0\n"
                                   "m=video 5004 RTP/AVP 96\na=rtpmap:96 H264/90000\n",
        # an image2 pattern: FFmpeg would read img_1.png, img_2.png, ... beside it
        "img_%d.png": b"\x89PNG\r\n\x1a\n" + bytes(64),
    }
    out = {}
    for name, content in files.items():
        if isinstance(content, str):
            content = content.encode()
        (root / name).write_bytes(content)
        out[name] = root / name
    return out
