"""Capture time, UTC offset and camera from a photo's EXIF, read without decoding its pixels.

Pillow reads first (JPEG, PNG, WebP, TIFF, and HEIC/HEIF through pillow-heif); exifread reads the bytes
when Pillow cannot open them or finds no date. Damaged, truncated or hostile data gives None, never an error.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from io import BytesIO
from types import MappingProxyType

from PIL import Image

_EXIF_IFD = 0x8769
_MAKE, _MODEL, _DATETIME = 0x010F, 0x0110, 0x0132
_ORIGINAL, _DIGITIZED = 0x9003, 0x9004
_OFFSET, _OFFSET_ORIGINAL, _OFFSET_DIGITIZED = 0x9010, 0x9011, 0x9012

# Each date tag, best first, with the offset tag that belongs to it. The names are what Capture.source shows.
_DATE_TAGS = (
    ("DateTimeOriginal", _ORIGINAL, _OFFSET_ORIGINAL),
    ("DateTimeDigitized", _DIGITIZED, _OFFSET_DIGITIZED),
    ("DateTime", _DATETIME, _OFFSET),
)
_OFFSET_TAGS = (_OFFSET_ORIGINAL, _OFFSET_DIGITIZED, _OFFSET)
# exifread's names for the same tags (read-only: no module-level mutable state).
_EXIFREAD_NAMES = MappingProxyType(
    {
        _MAKE: "Image Make",
        _MODEL: "Image Model",
        _DATETIME: "Image DateTime",
        _ORIGINAL: "EXIF DateTimeOriginal",
        _DIGITIZED: "EXIF DateTimeDigitized",
        _OFFSET: "EXIF OffsetTime",
        _OFFSET_ORIGINAL: "EXIF OffsetTimeOriginal",
        _OFFSET_DIGITIZED: "EXIF OffsetTimeDigitized",
    }
)

# EXIF writes "YYYY:MM:DD HH:MM:SS"; exifread's builtin types and some apps write dashes, a few add
# fractional seconds or a zone suffix (ignored: the OffsetTime tags are the standard place for it).
_DATETIME_RE = re.compile(
    r"(\d{4})[:\-/.](\d{2})[:\-/.](\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?\s*(?:Z|[+-]\d{2}:?\d{2})?"
)
_OFFSET_RE = re.compile(r"([+-])(\d{2}):?(\d{2})?")
_MAX_OFFSET = datetime.timedelta(hours=14)  # the furthest real zones are UTC-12 and UTC+14
_MAX_NAME = 64  # camera names are short; a longer one is junk and should not reach the store whole


@dataclass(frozen=True)
class Capture:
    taken: datetime.datetime  # naive local wall time as the camera wrote it
    offset: datetime.timedelta | None  # the camera's UTC offset, when it recorded one
    make: str | None
    model: str | None
    # Which tag `taken` came from. DateTime (IFD0) is the last edit, e.g. a Photoshop save: weaker evidence.
    source: str = "DateTimeOriginal"

    def aware(self) -> datetime.datetime | None:
        """The capture time with its UTC offset, or None when the camera recorded no offset."""
        if self.offset is None:
            return None
        return self.taken.replace(tzinfo=datetime.timezone(self.offset))


def read_capture(data: bytes, *, image: Image.Image | None = None) -> Capture | None:
    """The capture time a photo's EXIF records, or None when it has none or it cannot be read."""
    # `image`: the same bytes already opened by Pillow, so a caller that has them open need not open them twice.
    with _quiet():
        try:
            if image is None:
                enable_heif()
                image = Image.open(BytesIO(data))
            capture = _from_pillow(image)
        except Exception:  # hostile bytes raise anything (struct.error, IndexError...); try exifread
            capture = None
        if capture is None or capture.source == "DateTime":
            # exifread parses some files Pillow rejects, and may find an original date Pillow missed.
            fallback = _from_exifread(data)
            if fallback is not None and (capture is None or fallback.source != "DateTime"):
                capture = fallback
    return capture


def parse_exif_datetime(value: object) -> datetime.datetime | None:
    """A naive datetime from an EXIF date string (NULs, padding, dashes, subseconds allowed); None if invalid."""
    text = _text(value)
    if text is None:
        return None
    match = _DATETIME_RE.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    micro = int((match[7] or "0")[:6].ljust(6, "0"))
    try:  # 0000:00:00 00:00:00 and other impossible dates land here
        return datetime.datetime(year, month, day, hour, minute, second, micro)  # noqa: DTZ001 - camera wall time
    except ValueError:
        return None


def parse_exif_offset(value: object) -> datetime.timedelta | None:
    """A UTC offset from an EXIF OffsetTime string such as "+08:00"; None when blank or impossible."""
    text = _text(value)
    if text is None:
        return None
    if text == "Z":
        return datetime.timedelta(0)
    match = _OFFSET_RE.fullmatch(text)
    if match is None:
        return None
    hours, minutes = int(match[2]), int(match[3] or "0")
    if minutes >= 60:
        return None
    offset = datetime.timedelta(hours=hours, minutes=minutes)
    if offset > _MAX_OFFSET:
        return None
    return -offset if match[1] == "-" else offset


@functools.cache
def enable_heif() -> bool:
    """Let Pillow open HEIC/HEIF (done once, on first need); False when pillow-heif is not installed."""
    try:
        import pillow_heif
    except ImportError:
        return False
    pillow_heif.register_heif_opener()
    return True


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence the warnings Pillow and exifread raise on odd files: the caller gets None instead."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _exif_of(image: Image.Image) -> Image.Exif:
    """The image's EXIF without decoding pixels."""
    if image.format == "PNG" and "exif" not in image.info:
        # PngImageFile.getexif() decodes the whole image to look for an eXIf chunk after the pixels;
        # phones put it before them, so skipping that costs nothing real and keeps this fast and bomb-safe.
        return Image.Exif()
    return image.getexif()


def _from_pillow(image: Image.Image) -> Capture | None:
    """Read the tags through Pillow's EXIF reader."""
    exif = _exif_of(image)
    if not exif:
        return None
    tags = dict(exif.items())
    with contextlib.suppress(Exception):  # a broken Exif IFD still leaves IFD0's DateTime
        tags.update(exif.get_ifd(_EXIF_IFD))
    return _capture(tags.get)


def _from_exifread(data: bytes) -> Capture | None:
    """Read the tags through exifread, which parses some files Pillow rejects."""
    import exifread  # only needed on the fallback path; keeps importing this module light

    try:
        tags = exifread.process_file(BytesIO(data), details=False, extract_thumbnail=False, builtin_types=True)
    except Exception:  # exifread can still raise on hostile input despite strict=False
        return None
    return _capture(lambda tag: tags.get(_EXIFREAD_NAMES[tag]))


def _capture(get: Callable[[int], object]) -> Capture | None:
    """Build a Capture from whichever date tag is present and valid, best first; `get` looks a tag number up."""
    for source, date_tag, own_offset_tag in _DATE_TAGS:
        taken = parse_exif_datetime(get(date_tag))
        if taken is None:
            continue
        # The offset written beside this date first, then any other one the camera wrote.
        offset_tags = (own_offset_tag, *(t for t in _OFFSET_TAGS if t != own_offset_tag))
        offset = next((o for o in (parse_exif_offset(get(t)) for t in offset_tags) if o is not None), None)
        return Capture(taken, offset, _name(get(_MAKE)), _name(get(_MODEL)), source)
    return None


def _text(value: object) -> str | None:
    """An EXIF ASCII value as clean text: up to the first NUL, without padding; None when empty or not text."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    text = value.strip("\x00 \t\r\n").split("\x00", 1)[0].strip()
    return text or None


def _name(value: object) -> str | None:
    """A camera make or model, trimmed, or None."""
    text = _text(value)
    return text[:_MAX_NAME] if text else None
