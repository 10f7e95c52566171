"""Carton labels in photos: GS1-128 barcodes read into SSCC, GTIN and count.

`read_labels(bytes)` decodes a photo with Pillow (EXIF orientation applied), scans it in grey with zxing-cpp, and
keeps only GS1-128 symbols (Code 128 whose symbology identifier is "]C1", i.e. FNC1 in first position); a plain
Code 128 (an internal carton number, a courier code) is ignored. `parse_gs1(text)` splits a GS1 element string,
raw (FNC1/GS-separated) or bracketed "(00)...(02)...(37)...", into its Application Identifiers.

Everything here is pure apart from decoding the image bytes. Bad bytes give (), never an exception.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from io import BytesIO

import zxingcpp
from PIL import Image, ImageOps

from parsers.exif import enable_heif
from parsers.gs1 import sscc_check_digit_ok
from parsers.photos import MAX_PIXELS, guarded

GS = "\x1d"  # ASCII group separator: how FNC1 between fields is transmitted

# Symbology identifiers that announce GS1 data (ISO/IEC 15424): GS1-128, GS1 DataBar, GS1 DataMatrix, GS1 QR, ...
_GS1_PREFIXES = ("]C1", "]e0", "]d2", "]Q3", "]J1")
# Data length of the predefined-length AIs (GS1 General Specifications, "AIs with predefined length"):
# no FNC1 follows them in the raw string. Every other AI runs to the next GS or the end.
_FIXED_LENGTH = {"00": 18, "01": 14, "02": 14, "03": 14, "04": 16, "20": 2}
_FIXED_LENGTH |= {str(ai): 6 for ai in range(11, 20)}  # dates YYMMDD: 11 production ... 17 expiry
_BRACKETED = re.compile(r"\((\d{2,4})\)([^()]*)")
_AI_DIGITS = re.compile(r"\d{2,4}")


@dataclass(frozen=True)
class LabelRead:
    sscc: str | None  # AI 00: the 18-digit Serial Shipping Container Code of this carton/pallet
    sscc_valid: bool  # its mod-10 check digit is right (False when there is no SSCC)
    gtin: str | None  # AI 01 (the trade item itself) or 02 (the items inside a logistic unit): 14 digits
    count: int | None  # AI 37: how many trade items the unit holds (up to 8 digits)
    raw: str  # the GS1 element string as read: FNC1 separators as GS ("\x1d"), no symbology identifier


def parse_gs1(text: str) -> dict[str, str]:
    """Split a GS1 element string into {AI: value}, in either form.

    - Bracketed, as printed under the bars: "(00)038712345000001239(02)09506000134352(37)24". Spaces inside a
      fixed-length (all-digit) value are dropped, since printers group digits for reading.
    - Raw, as a scanner sends it: an optional "]C1" (or other GS1 symbology identifier) and leading FNC1/GS, then
      AI + value pairs; a predefined-length AI (00, 01-04, 11-20, 31nn-36nn, 41n) needs no separator, any other
      value runs to the next GS or to the end. "<GS>" (zxing-cpp's escaped text mode) counts as a GS.

    The first occurrence of a repeated AI wins. Whatever cannot be split (an unknown AI, stray text) ends the raw
    parse with what was found so far; nothing raises.
    """
    text = text.strip()
    for prefix in _GS1_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    if _BRACKETED.search(text):
        return _parse_bracketed(text)
    return _parse_raw(text.replace("<GS>", GS))


def label_from_text(text: str) -> LabelRead:
    """A LabelRead from a GS1 element string (raw or bracketed), e.g. one typed into a chat from a label."""
    return _label(parse_gs1(text), text)


def read_labels(data: bytes, max_side: int = 1280) -> tuple[LabelRead, ...]:
    """Every GS1-128 label in a photo, top to bottom; () when there is none or the bytes are not a usable image.

    The photo is shrunk so its longest side is at most `max_side` before scanning (phone photos are 12-50 MP and
    a label barcode is readable far below that); when nothing is found there and the photo was shrunk, it is
    scanned once more at full size (a small or distant label). The same element string seen twice (a carton's
    label photographed on two faces, say) is reported once: an SSCC names one logistic unit.
    """
    if max_side < 1:
        raise ValueError(f"max_side must be positive, got {max_side}")
    with guarded():
        try:
            image = _open(data)
            width, height = image.size
            if width * height > MAX_PIXELS:
                return ()
            shrunk = max(width, height) > max_side
            if shrunk:
                scale = max_side / max(width, height)
                target = (max(1, round(width * scale)), max(1, round(height * scale)))
                image.draft("L", target)  # JPEG: decode at 1/2, 1/4, 1/8 straight to grey, never below target
            found = _scan(_grey(image, max_side))
            if not found and shrunk:
                found = _scan(_grey(_open(data), None))
        except Exception:  # hostile or damaged bytes raise anything (and zxing-cpp may too): no labels
            return ()
    return found


def _open(data: bytes) -> Image.Image:
    """Open an image lazily (headers only), HEIC/HEIF included."""
    enable_heif()
    return Image.open(BytesIO(data))


def _grey(image: Image.Image, max_side: int | None) -> Image.Image:
    """The upright (EXIF-oriented) greyscale pixels, shrunk to fit max_side when one is given."""
    image = ImageOps.exif_transpose(image).convert("L")
    if max_side is not None and max(image.size) > max_side:
        scale = max_side / max(image.size)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.BILINEAR)
    return image


def _scan(image: Image.Image) -> tuple[LabelRead, ...]:
    """The GS1-128 symbols zxing-cpp finds in a grey image, top to bottom then left to right, duplicates dropped."""
    barcodes = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.Code128)
    gs1 = [b for b in barcodes if b.symbology_identifier == "]C1"]
    gs1.sort(key=lambda b: (b.position.top_left.y, b.position.top_left.x))
    labels: dict[str, LabelRead] = {}
    for barcode in gs1:
        raw = barcode.bytes.decode("ascii", errors="replace")
        if raw not in labels:
            # The HRI text ("(00)...(02)...") is split by zxing-cpp with the full GS1 AI table, so it is parsed in
            # preference to the raw bytes, whose split needs the AI lengths this module knows.
            labels[raw] = _label(parse_gs1(barcode.text) or parse_gs1(raw), raw)
    return tuple(labels.values())


def _label(fields: dict[str, str], raw: str) -> LabelRead:
    sscc = fields.get("00")
    if sscc is not None and not (len(sscc) == 18 and sscc.isascii() and sscc.isdigit()):
        sscc = None
    gtin = fields.get("01", fields.get("02"))
    if gtin is not None and not (len(gtin) == 14 and gtin.isascii() and gtin.isdigit()):
        gtin = None
    count_text = fields.get("37")
    count = None
    if count_text and len(count_text) <= 8 and count_text.isascii() and count_text.isdigit():
        count = int(count_text)
    valid = sscc is not None and sscc_check_digit_ok(sscc)
    return LabelRead(sscc=sscc, sscc_valid=valid, gtin=gtin, count=count, raw=raw)


def _parse_bracketed(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for match in _BRACKETED.finditer(text):
        ai, value = match[1], match[2].replace(GS, "").strip()
        if _data_length(ai) is not None:
            value = "".join(value.split())
        fields.setdefault(ai, value)
    return fields


def _parse_raw(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    position, end = 0, len(text)
    while position < end:
        if text[position] == GS:  # FNC1 in first position, or after a (needlessly terminated) field
            position += 1
            continue
        ai_length = _ai_length(text[position:position + 2])
        ai = text[position:position + ai_length] if ai_length else ""
        if not _AI_DIGITS.fullmatch(ai):
            break
        position += ai_length
        length = _data_length(ai)
        if length is None:
            stop = text.find(GS, position)
            stop = end if stop < 0 else stop
        else:
            stop = min(position + length, end)
        fields.setdefault(ai, text[position:stop])
        position = stop
    return fields


def _ai_length(prefix: str) -> int:
    """How many digits the AI starting with these two has (GS1 fixes it by the first two); 0 for unassigned ones."""
    if len(prefix) != 2 or not (prefix.isascii() and prefix.isdigit()):
        return 0
    first_two = int(prefix)
    if first_two <= 22 or first_two in (30, 37) or first_two >= 90:
        return 2
    if 23 <= first_two <= 25 or 40 <= first_two <= 42:
        return 3
    if 31 <= first_two <= 36 or first_two in (39, 43) or 70 <= first_two <= 72 or 80 <= first_two <= 82:
        return 4
    return 0


def _data_length(ai: str) -> int | None:
    """The value length of a predefined-length AI; None for one that runs to a GS or the end."""
    if ai in _FIXED_LENGTH:
        return _FIXED_LENGTH[ai]
    if len(ai) == 4 and ai[:2] in ("31", "32", "33", "34", "35", "36"):  # measures: 4-digit AI, 6 digits
        return 6
    if len(ai) == 3 and ai[:2] == "41":  # 410-417: GLNs
        return 13
    return None
