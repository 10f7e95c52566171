"""Synthetic carton-label photos for the label reader's tests and benchmark.

A label is a GS1-128 barcode rendered by zxing-cpp (3.x API: `create_barcode(..., gs1=True)` then
`write_barcode_to_image`), with its human-readable line under it, on a white sticker that is pasted, slightly turned,
onto a brownish-grey "carton" photo with lighting gradient, noise and a little blur. Everything is deterministic for a
given seed.
"""
from __future__ import annotations

import random

import numpy as np
import zxingcpp
from PIL import Image, ImageDraw, ImageFilter, ImageFont

PHOTO_SIZE = (1600, 1200)
_MODULE_PX = 3  # pixels per barcode module on the sticker (a phone at arm's length over a 10 cm barcode)
_BAR_HEIGHT = 150


def sscc_with_check(body17: str) -> str:
    """A full 18-digit SSCC: the 17 given digits plus their GS1 mod-10 check digit (independent of the parser's)."""
    assert len(body17) == 17 and body17.isdigit()
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body17)))
    return body17 + str((10 - total % 10) % 10)


def gs1_text(sscc: str, gtin: str | None = None, count: int | None = None) -> str:
    """The bracketed element string: (00) SSCC, then (02) with a count or (01) without one, then (37) count."""
    text = f"(00){sscc}"
    if gtin is not None:
        text += f"({'02' if count is not None else '01'}){gtin}"
    if count is not None:
        text += f"(37){count}"
    return text


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def label_sticker(sscc: str, gtin: str | None = None, count: int | None = None, *, gs1: bool = True) -> Image.Image:
    """A white label sticker (greyscale): header, the barcode, and its human-readable line.

    With gs1=False the same digits are encoded as a plain Code 128 (no FNC1, so not GS1-128).
    """
    hri = gs1_text(sscc, gtin, count)
    content = hri if gs1 else hri.replace("(", "").replace(")", "")
    barcode = zxingcpp.create_barcode(content, zxingcpp.BarcodeFormat.Code128, gs1=gs1)
    bars = Image.fromarray(np.asarray(zxingcpp.write_barcode_to_image(barcode, scale=1, add_quiet_zones=True)))
    bars = bars.resize((bars.width * _MODULE_PX, _BAR_HEIGHT), Image.Resampling.NEAREST)
    margin = 40
    width = bars.width + 2 * margin
    height = _BAR_HEIGHT + 230
    sticker = Image.new("L", (width, height), 250)
    draw = ImageDraw.Draw(sticker)
    draw.text((margin, 20), "SSCC   SHIP FROM: NINGBO CN", fill=20, font=_font(30))
    draw.line((margin, 70, width - margin, 70), fill=20, width=3)
    sticker.paste(bars, (margin, 95))
    draw.text((margin + 20, 95 + _BAR_HEIGHT + 15), hri, fill=10, font=_font(30))
    draw.rectangle((0, 0, width - 1, height - 1), outline=150, width=2)
    return sticker


def carton_photo(
    stickers: list[Image.Image],
    *,
    size: tuple[int, int] = PHOTO_SIZE,
    angle: float | None = None,
    seed: int = 0,
) -> Image.Image:
    """An RGB photo of a carton side with the stickers stacked down it, each turned by `angle` (default ±3° random)."""
    rng = random.Random(seed)
    width, height = size
    # Carton board: a horizontal/vertical light gradient over a kraft/grey tone.
    base = np.array(rng.choice([(196, 160, 118), (182, 178, 170), (205, 190, 160)]), dtype=np.float32)
    ys = np.linspace(0.85, 1.1, height, dtype=np.float32)[:, None, None]
    xs = np.linspace(1.05, 0.9, width, dtype=np.float32)[None, :, None]
    board = np.clip(base * ys * xs, 0, 255).astype(np.uint8)
    photo = Image.fromarray(board, "RGB")
    slot_height = height // max(len(stickers), 1)
    for index, sticker in enumerate(stickers):
        turn = rng.uniform(-3.0, 3.0) if angle is None else angle
        rgba = sticker.convert("RGBA").rotate(turn, resample=Image.Resampling.BICUBIC, expand=True)
        x = max((width - rgba.width) // 2 + rng.randint(-60, 60), 0)
        y = index * slot_height + max((slot_height - rgba.height) // 2, 0)
        photo.paste(rgba, (x, y), rgba)
    pixels = np.asarray(photo.filter(ImageFilter.GaussianBlur(0.8)), dtype=np.float32)
    noise = np.random.default_rng(seed).normal(0.0, 6.0, pixels.shape).astype(np.float32)
    return Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8), "RGB")


def label_image(sscc: str, gtin: str | None = None, count: int | None = None) -> Image.Image:
    """A 1600x1200 RGB photo of a carton carrying one GS1-128 label (SSCC, optional GTIN and count), turned ±3°."""
    return carton_photo([label_sticker(sscc, gtin, count)], seed=int(sscc[-6:]) if sscc[-6:].isdigit() else 0)
