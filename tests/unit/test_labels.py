"""parsers.labels: GS1-128 carton labels read from photos, and GS1 element strings split into AIs."""

from __future__ import annotations

import io
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from parsers.labels import GS, LabelRead, label_from_text, parse_gs1, read_labels
from tests.labels_fixture import carton_photo, label_image, label_sticker, sscc_with_check

SSCC = sscc_with_check("03871234500000123")  # 038712345000001239
SSCC_2 = sscc_with_check("03871234500000124")
GTIN = "09506000134352"


def jpeg(image: Image.Image, quality: int = 85, **kwargs: object) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, **kwargs)
    return out.getvalue()


def test_fixture_check_digit_matches_the_gs1_example() -> None:
    # GS1 General Specifications' SSCC check-digit example: 37610425002123456 -> 9.
    assert sscc_with_check("37610425002123456") == "376104250021234569"


def test_a_label_photo_reads_back_sscc_gtin_and_count() -> None:
    photo = label_image(SSCC, GTIN, 24)
    assert photo.size == (1600, 1200)
    assert read_labels(jpeg(photo)) == (
        LabelRead(sscc=SSCC, sscc_valid=True, gtin=GTIN, count=24, raw=f"00{SSCC}02{GTIN}3724"),
    )


def test_a_label_with_only_an_sscc() -> None:
    (label,) = read_labels(jpeg(label_image(SSCC)))
    assert (label.sscc, label.sscc_valid, label.gtin, label.count) == (SSCC, True, None, None)


def test_a_gtin_without_a_count_is_ai_01() -> None:
    (label,) = read_labels(jpeg(label_image(SSCC, GTIN)))
    assert (label.gtin, label.count, label.raw) == (GTIN, None, f"00{SSCC}01{GTIN}")


def test_two_labels_in_one_photo_are_both_read_top_to_bottom() -> None:
    photo = carton_photo([label_sticker(SSCC, GTIN, 24), label_sticker(SSCC_2, GTIN, 12)], seed=3)
    labels = read_labels(jpeg(photo))
    assert [(label.sscc, label.count) for label in labels] == [(SSCC, 24), (SSCC_2, 12)]
    assert all(label.sscc_valid for label in labels)


def test_the_same_label_twice_is_reported_once() -> None:
    photo = carton_photo([label_sticker(SSCC, GTIN, 24), label_sticker(SSCC, GTIN, 24)], seed=4)
    assert [label.sscc for label in read_labels(jpeg(photo))] == [SSCC]


def test_a_wrong_check_digit_is_read_but_not_valid() -> None:
    wrong = SSCC[:-1] + str((int(SSCC[-1]) + 1) % 10)
    (label,) = read_labels(jpeg(label_image(wrong, GTIN, 24)))
    assert (label.sscc, label.sscc_valid, label.count) == (wrong, False, 24)


def test_a_plain_code128_is_ignored() -> None:
    photo = carton_photo([label_sticker(SSCC, GTIN, 24, gs1=False)], seed=5)
    assert read_labels(jpeg(photo)) == ()


def test_a_plain_code128_beside_a_gs1_label_leaves_only_the_label() -> None:
    photo = carton_photo([label_sticker(SSCC_2, gs1=False), label_sticker(SSCC, GTIN, 24)], seed=6)
    assert [label.sscc for label in read_labels(jpeg(photo))] == [SSCC]


@pytest.mark.parametrize("angle", [3.0, -3.0])
def test_a_turned_label_still_reads(angle: float) -> None:
    photo = carton_photo([label_sticker(SSCC, GTIN, 24)], angle=angle, seed=7)
    assert [label.sscc for label in read_labels(jpeg(photo))] == [SSCC]


def test_exif_orientation_is_applied() -> None:
    # Stored on its side with EXIF orientation 6 ("rotate 90° clockwise to view"): still one label.
    stored = label_image(SSCC, GTIN, 24).transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    assert [label.sscc for label in read_labels(jpeg(stored, exif=exif.tobytes()))] == [SSCC]


def test_a_large_photo_is_shrunk_before_scanning() -> None:
    # 4800x3600 (17 MP, as a phone sends): the label is read at 1280 px.
    big = label_image(SSCC, GTIN, 24).resize((4800, 3600), Image.Resampling.BILINEAR)
    assert [label.sscc for label in read_labels(jpeg(big))] == [SSCC]


def test_a_barcode_too_fine_for_the_shrunk_photo_is_read_at_full_size() -> None:
    # A small label in a wide shot: the sticker at a third of its size in a 4000x3000 photo. Shrunk to 640 px its
    # bars are under half a pixel wide (unreadable); the full-size retry finds it.
    sticker = label_sticker(SSCC, GTIN, 24)
    sticker = sticker.resize((sticker.width * 2 // 3, sticker.height * 2 // 3), Image.Resampling.BILINEAR)
    photo = carton_photo([sticker], size=(4000, 3000), angle=1.0, seed=8)
    data = jpeg(photo, quality=92)
    assert [label.sscc for label in read_labels(data, max_side=640)] == [SSCC]


def test_png_and_other_formats_are_read_too() -> None:
    out = io.BytesIO()
    label_image(SSCC, GTIN, 24).convert("L").save(out, "PNG")
    assert [label.sscc for label in read_labels(out.getvalue())] == [SSCC]


def test_a_photo_without_labels_gives_nothing() -> None:
    rng = np.random.default_rng(11)
    noise = Image.fromarray(rng.integers(0, 256, (1200, 1600, 3), dtype=np.uint8), "RGB")
    assert read_labels(jpeg(noise)) == ()
    assert read_labels(jpeg(carton_photo([], seed=9))) == ()


@pytest.mark.parametrize("data", [
    b"",
    b"not an image at all",
    random.Random(1).randbytes(5000),
    b"\xff\xd8\xff\xe0" + random.Random(2).randbytes(3000),  # a JPEG header on garbage
])
def test_bad_bytes_give_nothing(data: bytes) -> None:
    assert read_labels(data) == ()


def test_a_truncated_jpeg_gives_nothing() -> None:
    data = jpeg(label_image(SSCC, GTIN, 24))
    assert read_labels(data[: len(data) // 3]) == ()


def test_max_side_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_side"):
        read_labels(b"", max_side=0)


# ---------------------------------------------------------------- parse_gs1


def test_parse_raw_with_fixed_lengths_and_no_separators() -> None:
    assert parse_gs1(f"00{SSCC}02{GTIN}3724") == {"00": SSCC, "02": GTIN, "37": "24"}


def test_parse_raw_with_symbology_identifier_fnc1_and_variable_fields() -> None:
    text = f"]C1{GS}10LOT-7A{GS}3724{GS}00{SSCC}17261231400PO-31001"
    assert parse_gs1(text) == {"10": "LOT-7A", "37": "24", "00": SSCC, "17": "261231", "400": "PO-31001"}


def test_parse_raw_four_digit_and_thirteen_digit_ais() -> None:
    # 3103 net weight kg (3 decimals), 6 digits; 410 ship-to GLN, 13 digits; 21 serial to the end.
    assert parse_gs1(f"3103001250410{'1' * 13}21SN1") == {"3103": "001250", "410": "1" * 13, "21": "SN1"}


def test_parse_raw_escaped_gs_and_a_needless_separator_after_a_fixed_field() -> None:
    assert parse_gs1(f"00{SSCC}<GS>37120<GS>10A") == {"00": SSCC, "37": "120", "10": "A"}


def test_parse_raw_stops_at_an_unknown_ai() -> None:
    assert parse_gs1(f"00{SSCC}2899") == {"00": SSCC}
    assert parse_gs1("hello") == {}
    assert parse_gs1("") == {}


def test_parse_bracketed() -> None:
    assert parse_gs1(f"(00){SSCC}(02){GTIN}(37)24") == {"00": SSCC, "02": GTIN, "37": "24"}


def test_parse_bracketed_as_printed_with_spaces_and_a_prefix() -> None:
    text = f"SSCC (00) {SSCC[0]} {SSCC[1:8]} {SSCC[8:17]} {SSCC[17]}  (37) 24 (10) LOT 7"
    assert parse_gs1(text) == {"00": SSCC, "37": "24", "10": "LOT 7"}


def test_parse_keeps_the_first_of_a_repeated_ai() -> None:
    assert parse_gs1("(37)24(37)12") == {"37": "24"}
    assert parse_gs1(f"3724{GS}3712") == {"37": "24"}


def test_label_from_text() -> None:
    label = label_from_text(f"(00){SSCC}(02){GTIN}(37)123456789")
    assert (label.sscc, label.sscc_valid, label.gtin, label.count) == (SSCC, True, GTIN, None)  # count > 8 digits
    short = label_from_text("(00)12345(01)123")
    assert (short.sscc, short.sscc_valid, short.gtin) == (None, False, None)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("0123456789()]C1\x1d<GS> aZ-"), max_size=80) | st.text(max_size=80))
def test_parse_gs1_never_raises(text: str) -> None:
    fields = parse_gs1(text)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in fields.items())
    label_from_text(text)
