"""Media formats that live in one file, and which of them a file's content is.

Under a policy with roots or ``single_file_media``, a container is opened only
through one of these FFmpeg demuxers, chosen here from the file's first bytes
(never from its name). None of them opens another file or URL while reading:
playlists (HLS, DASH), concat lists, image sequences and protocol wrappers
(subfile, tee, data, network protocols) are absent on purpose, so a file of
theirs matches nothing here and is refused, whatever its extension says.
"""

from __future__ import annotations

from typing import Optional

# FFmpeg demuxer -> what people call it (for the refusal message)
SINGLE_FILE_DEMUXERS = {
    "matroska": "Matroska/WebM",
    "mov": "MP4/MOV (ISO BMFF)",
    "ivf": "IVF",
    "nut": "NUT",
    "avi": "AVI",
    "mpegts": "MPEG-TS",
    "flv": "FLV",
    "ogg": "Ogg",
    "yuv4mpegpipe": "Y4M",
    "h264": "raw H.264 (Annex B)",
    "hevc": "raw HEVC (Annex B)",
    "obu": "raw AV1 (low-overhead OBUs)",
}

HEAD_BYTES = 8192  # what sniff() needs to see of a file

_ISO_BOXES = (b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot")
_AVI_KINDS = (b"AVI ", b"AVIX", b"AVI\x19")
_TS_PACKETS = ((188, 0), (192, 4), (204, 0))  # (packet size, offset of the 0x47 sync byte)


def sniff(head: bytes) -> Optional[str]:
    """The single-file demuxer for a file starting with `head`, or None."""
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "matroska"
    if len(head) >= 8 and head[4:8] in _ISO_BOXES and _iso_box_size_ok(head):
        return "mov"
    if head.startswith(b"DKIF"):
        return "ivf"
    if head.startswith(b"nut/multimedia container\0"):
        return "nut"
    if head.startswith(b"RIFF") and head[8:12] in _AVI_KINDS:
        return "avi"
    if head.startswith(b"FLV\x01"):
        return "flv"
    if head.startswith(b"OggS\x00"):
        return "ogg"
    if head.startswith(b"YUV4MPEG2 "):
        return "yuv4mpegpipe"
    if _is_transport_stream(head):
        return "mpegts"
    return _elementary_stream(head)


def _iso_box_size_ok(head: bytes) -> bool:
    size = int.from_bytes(head[:4], "big")
    return size in (0, 1) or size >= 8


def _is_transport_stream(head: bytes) -> bool:
    for size, offset in _TS_PACKETS:
        packets = (len(head) - offset) // size
        if packets >= 3 and all(head[offset + k * size] == 0x47 for k in range(packets)):
            return True
    return False


def _elementary_stream(head: bytes) -> Optional[str]:
    if head.startswith(b"\x12\x00"):  # AV1: a temporal delimiter OBU, with its (zero) size
        return "obu"
    if head.startswith(b"\x00\x00\x00\x01"):
        nal = head[4:6]
    elif head.startswith(b"\x00\x00\x01"):
        nal = head[3:5]
    else:
        return None
    if len(nal) < 2:
        return None
    # HEVC's two-byte NAL header (VPS, SPS, PPS, AUD, prefix SEI; layer 0, temporal id 0), and H.264's
    # one-byte header (SPS, PPS, AUD, SEI): the two sets share no first byte.
    if nal[0] in (0x40, 0x42, 0x44, 0x46, 0x4E) and nal[1] == 0x01:
        return "hevc"
    if nal[0] in (0x67, 0x47, 0x27, 0x07, 0x68, 0x48, 0x28, 0x09, 0x06):
        return "h264"
    return None


def described() -> str:
    return ", ".join(SINGLE_FILE_DEMUXERS.values())
