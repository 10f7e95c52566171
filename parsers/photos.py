"""Facts about a received photo: content hash, perceptual hash, size, capture time; and the rules built on them.

Everything here is bytes in, values out. Bad bytes give None or an `error` string, never an exception.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO

import imagehash
from PIL import Image, ImageStat

from parsers.exif import Capture, enable_heif, read_capture
from parsers.sniff import OCTET_STREAM, sniff_type

MAX_PIXELS = 80_000_000  # phones send 12-50 MP by default (108/200 MP full-size modes are refused); far below a bomb

# Two phashes at most this many bits apart (of 64) are the same picture. Measured by /tmp/tune_phash.py:
# - same picture: the rendered corpus' 7 re-sent scenes (resized 1.5-6 %, recompressed at q68-90) are 0-2 bits
#   from the first send; harsher copies of its 38 scenes and of the real photos >= 300 px (50 % q60, 25 % q50,
#   q40, 1280 px, PNG, grey, WebP q50, HEIC re-encoded as JPEG) are at most 2; the one known real pair
#   (img_1771_no_exif.jpg = Canon_PowerShot_S40.jpg without EXIF) is 0.
# - different pictures: 983 pairs of different corpus scenes are at least 16 apart (median 32), and 324 pairs of
#   different real photos from many cameras at least 18.
# 6 sits 4 bits above the worst re-send and 10 below the closest different pictures. Not matched:
# a 2 % crop (8 bits) and a 90-degree turn (26-34 bits; pixels are hashed as stored, EXIF orientation ignored).
SAME_PICTURE_MAX_DISTANCE = 6

_HASH_SOURCE_SIZE = 256  # decode JPEG/HEIC at >= 256 px a side: phash resizes to 32x32 anyway
_HASH_INPUT_SIZE = 32  # what imagehash.phash works on (hash_size 8 x highfreq_factor 4)
# A flat picture (blank, lens covered) has no perceptual identity: every one hashes to 0x8000000000000000, so
# any two would be "the same picture". Measured on the 32x32 grey input: flat test images 0.0, the least
# detailed real or corpus photo 13.5.
_FLAT_STDDEV = 2.0


@dataclass(frozen=True)
class PhotoFacts:
    mime: str
    sha256: str
    phash: int | None  # 64-bit pHash of the pixels as stored (no EXIF rotation); None if undecodable or blank
    width: int | None
    height: int | None
    capture: Capture | None
    error: str | None  # why some fact is missing: not an image, too large, damaged pixels


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of the bytes, as 64 lowercase hex digits."""
    return hashlib.sha256(data).hexdigest()


def perceptual_hash(data: bytes, *, max_pixels: int = MAX_PIXELS) -> int | None:
    """The 64-bit pHash of an image's pixels; None when undecodable, flat (blank) or larger than max_pixels."""
    with guarded():
        try:
            image = _open(data)
        except Exception:  # hostile or damaged bytes raise anything; "no hash" is the answer
            return None
        return _phash_or_error(image, max_pixels)[0]


def hamming(a: int, b: int) -> int:
    """How many of the 64 bits differ between two perceptual hashes."""
    # Masking makes a hash stored as a signed 64-bit integer (PostgreSQL BIGINT) compare like the unsigned one.
    return ((a ^ b) & 0xFFFF_FFFF_FFFF_FFFF).bit_count()


def same_picture(
    a_sha: str | None,
    a_phash: int | None,
    b_sha: str | None,
    b_phash: int | None,
    threshold: int = SAME_PICTURE_MAX_DISTANCE,
) -> bool:
    """True when two photos are byte-identical, or both have phashes within `threshold` bits of each other."""
    if a_sha and a_sha == b_sha:
        return True
    return a_phash is not None and b_phash is not None and hamming(a_phash, b_phash) <= threshold


def is_stale(
    taken: datetime.date,
    message_date: datetime.date,
    po_lock: datetime.date | None,
    max_age_days: int = 7,
) -> bool:
    """True when the photo was taken more than max_age_days before the message, or before the order's PO lock."""
    taken, message_date = _day(taken), _day(message_date)
    if (message_date - taken).days > max_age_days:
        return True
    return po_lock is not None and taken < _day(po_lock)


def inspect_photo(data: bytes, *, max_pixels: int = MAX_PIXELS) -> PhotoFacts:
    """Type, hashes, size and capture time of a received file in one pass; never raises."""
    sha = sha256_hex(data)
    mime = sniff_type(data)
    if not (mime.startswith("image/") or mime == OCTET_STREAM):
        # A PDF or voice note renamed .jpg: not worth handing to an image decoder.
        return PhotoFacts(mime, sha, None, None, None, None, f"not an image ({mime})")
    with guarded():
        try:
            image = _open(data)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            return PhotoFacts(mime, sha, None, None, None, read_capture(data), _describe("image too large", exc))
        except Exception as exc:  # unknown or damaged format: exifread may still find a date in it
            return PhotoFacts(mime, sha, None, None, None, read_capture(data), _describe("cannot open image", exc))
        width, height = image.size  # before draft(), which shrinks it
        capture = read_capture(data, image=image)  # EXIF first: it needs no pixels, so damaged ones cannot stop it
        phash, error = _phash_or_error(image, max_pixels)
    return PhotoFacts(mime, sha, phash, width, height, capture, error)


def _open(data: bytes) -> Image.Image:
    """Open an image lazily (headers only: no pixels decoded yet), HEIC/HEIF included."""
    enable_heif()
    return Image.open(BytesIO(data))


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """Turn Pillow's decompression-bomb warning into an error (caught by the caller) and mute the rest."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # Added last, so it takes precedence: Pillow only warns for 1-2x MAX_IMAGE_PIXELS, we refuse instead.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


def _phash_or_error(image: Image.Image, max_pixels: int) -> tuple[int | None, str | None]:
    """The pHash of an opened image, or None and why not; the size is checked before any pixel is decoded."""
    width, height = image.size
    if width * height > max_pixels:
        return None, f"image too large: {width}x{height} exceeds {max_pixels} pixels"
    try:
        return _phash(image), None
    except Exception as exc:  # truncated or corrupt pixel data
        return None, _describe("cannot decode pixels", exc)


def _phash(image: Image.Image) -> int | None:
    """pHash of an opened image, decoding a reduced copy where the format can (JPEG DCT scaling, HEIC thumbnail)."""
    image.draft("L", (_HASH_SOURCE_SIZE, _HASH_SOURCE_SIZE))
    # The same grey 32x32 that imagehash.phash makes (it converts, then LANCZOS-resizes), made here once so its
    # flatness can be checked; phash's own resize of it is then a copy, so the hash is unchanged.
    small = image.convert("L").resize((_HASH_INPUT_SIZE, _HASH_INPUT_SIZE), Image.Resampling.LANCZOS)
    if ImageStat.Stat(small).stddev[0] < _FLAT_STDDEV:
        return None
    return int(str(imagehash.phash(small)), 16)


def _describe(what: str, exc: BaseException) -> str:
    """A short, single-line error for PhotoFacts.error."""
    detail = " ".join(str(exc).split())[:160]
    return f"{what}: {type(exc).__name__}: {detail}" if detail else f"{what}: {type(exc).__name__}"


def _day(value: datetime.date) -> datetime.date:
    """A datetime's calendar date (as written, no zone conversion); a date unchanged."""
    return value.date() if isinstance(value, datetime.datetime) else value
