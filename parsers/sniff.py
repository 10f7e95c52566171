"""What kind of file some bytes are, from their magic numbers rather than from a name someone typed."""

from __future__ import annotations

import struct
from collections.abc import Mapping
from types import MappingProxyType

OCTET_STREAM = "application/octet-stream"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

# Fixed prefixes, longest first where one is a prefix of another (AMR-WB before AMR).
_PREFIXES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"%PDF-", "application/pdf"),
    (b"OggS", "audio/ogg"),
    (b"#!AMR-WB\n", "audio/amr-wb"),
    (b"#!AMR\n", "audio/amr"),
    (b"\x1f\x8b", "application/gzip"),  # Telegram's animated .tgs stickers are gzipped JSON
)

# ISO base media (ftyp) brands. A generic brand (mif1, msf1, miaf) says only "HEIF family";
# the compatible brands then tell AVIF from HEIC.
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_GENERIC_HEIF_BRANDS = frozenset({b"mif1", b"msf1", b"miaf"})
_AUDIO_MP4_BRANDS = frozenset({b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "})
_VIDEO_MP4_BRANDS = frozenset(
    {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"dash", b"MSNV", b"f4v "}
)
_3GPP_BRANDS = frozenset({b"3gp4", b"3gp5", b"3gp6", b"3ge6", b"3gg6", b"3g2a"})

# The zip-based office formats, told apart by the folder their main part lives in.
_OOXML_FOLDERS: tuple[tuple[bytes, str], ...] = ((b"xl/", XLSX), (b"word/", DOCX), (b"ppt/", PPTX))

_EXTENSIONS: Mapping[str, str] = MappingProxyType(
    {
        "image/jpeg": ".jpg",
        "image/png": ".png",
        "image/gif": ".gif",
        "image/webp": ".webp",
        "image/heic": ".heic",
        "image/avif": ".avif",
        "image/tiff": ".tif",
        "image/bmp": ".bmp",
        "application/pdf": ".pdf",
        "application/zip": ".zip",
        "application/gzip": ".gz",
        XLSX: ".xlsx",
        DOCX: ".docx",
        PPTX: ".pptx",
        "audio/ogg": ".ogg",
        "audio/mp4": ".m4a",
        "audio/amr": ".amr",
        "audio/amr-wb": ".awb",
        "audio/mpeg": ".mp3",
        "audio/wav": ".wav",
        "video/mp4": ".mp4",
        "video/quicktime": ".mov",
        "video/3gpp": ".3gp",
        "video/webm": ".webm",
        "text/plain": ".txt",
        "text/csv": ".csv",
    }
)


def sniff_type(data: bytes) -> str:
    """The MIME type that the bytes' magic numbers show, or application/octet-stream."""
    if not data:
        return OCTET_STREAM
    for prefix, mime in _PREFIXES:
        if data.startswith(prefix):
            return mime
    if _is_bmp(data):
        return "image/bmp"
    if data.startswith(b"ID3") and data[3:4] in (b"\x02", b"\x03", b"\x04"):  # "ID3" + tag version
        return "audio/mpeg"
    if data[:4] == b"RIFF" and len(data) >= 12:
        return {b"WEBP": "image/webp", b"WAVE": "audio/wav"}.get(data[8:12], OCTET_STREAM)
    if data[4:8] == b"ftyp":
        return _iso_media_type(data)
    if data.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in data[:64]:
        return "video/webm"
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_type(data)
    if _is_text(data):
        return "text/plain"
    return OCTET_STREAM


def extension_for(mime: str) -> str:
    """The usual file extension, dot included, for a MIME type; .bin when there is none."""
    return _EXTENSIONS.get(mime.split(";", 1)[0].strip().lower(), ".bin")


def _is_bmp(data: bytes) -> bool:
    """BM, reserved zero bytes, and a known DIB header size: "BM" alone would catch text starting with it."""
    if not data.startswith(b"BM") or len(data) < 18 or data[6:10] != b"\x00\x00\x00\x00":
        return False
    (dib_size,) = struct.unpack("<I", data[14:18])
    return dib_size in (12, 16, 40, 52, 56, 64, 108, 124)


def _iso_media_type(data: bytes) -> str:
    """Tell HEIC, AVIF, MP4 audio/video and QuickTime apart by the ftyp box's brands."""
    major = data[8:12]
    (box_size,) = struct.unpack(">I", data[:4])
    # Compatible brands run from byte 16 to the end of the box; cap it so a hostile size costs nothing.
    end = min(max(box_size, 16), len(data), 16 + 4 * 64)
    compatible = {data[i : i + 4] for i in range(16, end - 3, 4)}
    brands = {major} | compatible
    if major in _AVIF_BRANDS:
        return "image/avif"
    if major in _HEIC_BRANDS:
        return "image/heic"
    if major in _GENERIC_HEIF_BRANDS:
        return "image/avif" if brands & _AVIF_BRANDS and not brands & _HEIC_BRANDS else "image/heic"
    if major in _AUDIO_MP4_BRANDS:
        return "audio/mp4"
    if major == b"qt  ":
        return "video/quicktime"
    if major in _3GPP_BRANDS:
        return "video/3gpp"
    if major in _VIDEO_MP4_BRANDS or brands & _VIDEO_MP4_BRANDS:
        return "video/mp4"
    return OCTET_STREAM


def _zip_type(data: bytes) -> str:
    """Zip, or the office format whose parts the zip's central directory names."""
    names = _zip_names(data)
    if b"[Content_Types].xml" in names:
        for folder, mime in _OOXML_FOLDERS:
            if any(name.startswith(folder) for name in names):
                return mime
    return "application/zip"


def _zip_names(data: bytes) -> list[bytes]:
    """Member names from the central directory, found through the end record; [] when it cannot be read."""
    # The end-of-central-directory record sits in the last 22 bytes plus an optional comment of up to 64 KiB.
    eocd = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 0xFFFF))
    if eocd < 0 or eocd + 22 > len(data):
        return []
    count, cd_offset = struct.unpack("<H4xI", data[eocd + 10 : eocd + 20])
    names: list[bytes] = []
    pos = cd_offset
    # Bounded by the entry count and the buffer, so a lying header cannot make this loop long.
    for _ in range(count):
        if pos + 46 > len(data) or data[pos : pos + 4] != b"PK\x01\x02":
            break
        name_len, extra_len, comment_len = struct.unpack("<HHH", data[pos + 28 : pos + 34])
        names.append(data[pos + 46 : pos + 46 + name_len])
        pos += 46 + name_len + extra_len + comment_len
    return names


def _is_text(data: bytes) -> bool:
    """Valid UTF-8 (BOM allowed) without NULs, or printable UTF-16 that announces itself with a BOM."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode text" export: UTF-16 with a BOM. Any byte pair decodes to something, so binary
        # that merely starts with FF FE is ruled out by asking for printable text.
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return False
        return "".join(text.split()).isprintable()
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
