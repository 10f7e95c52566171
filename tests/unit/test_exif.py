"""parsers.exif: the capture time a photo's EXIF records, and nothing worse than None for bad files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from parsers.exif import Capture, parse_exif_datetime, parse_exif_offset, read_capture

CST = dt.timedelta(hours=8)


def wall(text: str) -> dt.datetime:
    """A naive camera wall time, as EXIF writes it."""
    return dt.datetime.fromisoformat(text)


def photo_with_exif(
    fmt: str = "JPEG",
    *,
    original: str | None = None,
    digitized: str | None = None,
    ifd0_datetime: str | None = None,
    offset_original: str | None = None,
    offset: str | None = None,
    make: str | None = "OPPO",
    model: str | None = "PHW110",
    size: tuple[int, int] = (64, 48),
) -> bytes:
    """A small image that Pillow writes with exactly the EXIF tags given."""
    exif = Image.Exif()
    if make is not None:
        exif[0x010F] = make
    if model is not None:
        exif[0x0110] = model
    if ifd0_datetime is not None:
        exif[0x0132] = ifd0_datetime
    ifd = exif.get_ifd(0x8769)
    for tag, value in ((0x9003, original), (0x9004, digitized), (0x9011, offset_original), (0x9010, offset)):
        if value is not None:
            ifd[tag] = value
    buf = io.BytesIO()
    Image.new("RGB", size, (180, 60, 40)).save(buf, fmt, exif=exif)
    return buf.getvalue()


def photo_without_exif() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 60, 40)).save(buf, "JPEG")
    return buf.getvalue()


def app1_bounds(jpeg: bytes) -> tuple[int, int]:
    """Where the EXIF APP1 payload (after 'Exif\\0\\0') starts and ends."""
    start = jpeg.index(b"Exif\x00\x00")
    length = int.from_bytes(jpeg[start - 2 : start], "big")
    return start + 6, start - 2 + length


def test_a_photo_with_an_original_date_and_offset_has_an_aware_capture_time() -> None:
    capture = read_capture(photo_with_exif(original="2026:06:09 10:15:22", offset_original="+08:00"))
    assert capture == Capture(wall("2026-06-09 10:15:22"), CST, "OPPO", "PHW110", "DateTimeOriginal")
    assert capture.aware() == dt.datetime(2026, 6, 9, 2, 15, 22, tzinfo=dt.UTC)


def test_a_photo_without_an_offset_keeps_its_wall_time_but_is_not_aware() -> None:
    capture = read_capture(photo_with_exif(original="2026:06:24 10:12:05"))
    assert capture is not None
    assert capture.taken == wall("2026-06-24 10:12:05")
    assert capture.offset is None
    assert capture.aware() is None


def test_a_photo_without_exif_has_no_capture_time() -> None:
    assert read_capture(photo_without_exif()) is None


def test_a_photo_with_exif_but_no_date_has_no_capture_time() -> None:
    assert read_capture(photo_with_exif(make="vivo", model="V2241A")) is None


def test_the_original_date_wins_over_digitized_and_the_later_edit_time() -> None:
    capture = read_capture(
        photo_with_exif(
            original="2026:06:08 16:42:10", digitized="2026:06:08 16:42:11", ifd0_datetime="2026:07:01 09:00:00"
        )
    )
    assert capture is not None
    assert (capture.taken, capture.source) == (wall("2026-06-08 16:42:10"), "DateTimeOriginal")


def test_without_an_original_date_the_digitized_date_is_used() -> None:
    capture = read_capture(photo_with_exif(digitized="2026:06:08 16:42:11", ifd0_datetime="2026:07:01 09:00:00"))
    assert capture is not None
    assert (capture.taken, capture.source) == (wall("2026-06-08 16:42:11"), "DateTimeDigitized")


def test_with_only_the_ifd0_date_that_date_is_used_and_marked_as_such() -> None:
    capture = read_capture(photo_with_exif(ifd0_datetime="2026:07:01 09:00:00", offset="+05:30"))
    assert capture is not None
    assert (capture.taken, capture.offset, capture.source) == (
        wall("2026-07-01 09:00:00"),
        dt.timedelta(hours=5, minutes=30),
        "DateTime",
    )


def test_an_all_zero_original_date_falls_back_to_the_next_date() -> None:
    capture = read_capture(photo_with_exif(original="0000:00:00 00:00:00", digitized="2026:06:08 16:42:11"))
    assert capture is not None
    assert capture.taken == wall("2026-06-08 16:42:11")


def test_a_photo_whose_only_date_is_all_zeros_has_no_capture_time() -> None:
    assert read_capture(photo_with_exif(original="0000:00:00 00:00:00", offset_original="+08:00")) is None


def test_the_general_offset_is_used_when_the_original_one_is_missing() -> None:
    capture = read_capture(photo_with_exif(original="2026:06:09 10:15:22", offset="-05:00"))
    assert capture is not None
    assert capture.offset == dt.timedelta(hours=-5)


def test_padded_camera_names_are_trimmed_and_blank_ones_are_none() -> None:
    capture = read_capture(photo_with_exif(original="2026:06:09 10:15:22", make="PENTAX Corporation ", model="   "))
    assert capture is not None
    assert (capture.make, capture.model) == ("PENTAX Corporation", None)


def test_a_date_padded_with_nuls_and_spaces_is_still_read_from_a_photo() -> None:
    capture = read_capture(photo_with_exif(original="2026:06:09 10:15:22  \x00\x00"))
    assert capture is not None
    assert capture.taken == wall("2026-06-09 10:15:22")


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_photos_with_exif_have_a_capture_time(fmt: str) -> None:
    capture = read_capture(photo_with_exif(fmt, original="2026:06:09 10:15:22", offset_original="+08:00"))
    assert capture is not None
    assert capture.aware() == dt.datetime(2026, 6, 9, 10, 15, 22, tzinfo=dt.timezone(CST))


def test_a_heic_photo_from_an_iphone_like_camera_has_a_capture_time() -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    if not pillow_heif.libheif_info().get("HEIF"):
        pytest.skip("this libheif build has no HEVC encoder, so no HEIC can be written")
    pillow_heif.register_heif_opener()  # only for writing the fixture; read_capture registers it itself
    data = photo_with_exif(
        "HEIF", original="2026:06:09 10:15:22", offset_original="-05:00", make="Apple", model="iPhone 13"
    )
    capture = read_capture(data)
    assert capture == Capture(wall("2026-06-09 10:15:22"), dt.timedelta(hours=-5), "Apple", "iPhone 13")


def test_exifread_reads_the_date_of_a_jpeg_that_pillow_cannot_open() -> None:
    data = photo_with_exif(original="2026:06:09 10:15:22", offset_original="+08:00")
    _, app1_end = app1_bounds(data)
    headers_only = data[:app1_end]  # the upload stopped right after the EXIF segment: no frame header
    with pytest.raises(OSError):
        Image.open(io.BytesIO(headers_only))
    capture = read_capture(headers_only)
    assert capture is not None
    assert capture.aware() == dt.datetime(2026, 6, 9, 10, 15, 22, tzinfo=dt.timezone(CST))


def test_a_photo_cut_off_in_its_pixel_data_still_has_its_capture_time() -> None:
    data = photo_with_exif(original="2026:06:09 10:15:22", size=(640, 480))
    capture = read_capture(data[: len(data) * 2 // 3])
    assert capture is not None
    assert capture.taken == wall("2026-06-09 10:15:22")


def test_a_photo_cut_off_inside_its_exif_has_no_capture_time() -> None:
    data = photo_with_exif(original="2026:06:09 10:15:22")
    app1_start, _ = app1_bounds(data)
    assert read_capture(data[: app1_start + 30]) is None


@pytest.mark.parametrize("where", [0, 8, 10, 20, 40])
def test_garbage_inside_the_exif_segment_gives_none_or_a_capture_but_never_an_error(where: int) -> None:
    data = bytearray(photo_with_exif(original="2026:06:09 10:15:22", offset_original="+08:00"))
    app1_start, app1_end = app1_bounds(bytes(data))
    data[app1_start + where : min(app1_start + where + 24, app1_end)] = b"\xff" * 24
    capture = read_capture(bytes(data))
    assert capture is None or isinstance(capture, Capture)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_any_damage_to_the_exif_segment_never_raises(data: st.DataObject) -> None:
    photo = bytearray(photo_with_exif(original="2026:06:09 10:15:22", offset_original="+08:00"))
    app1_start, app1_end = app1_bounds(bytes(photo))
    for _ in range(data.draw(st.integers(1, 8))):
        photo[data.draw(st.integers(app1_start, app1_end - 1))] = data.draw(st.integers(0, 255))
    capture = read_capture(bytes(photo))
    assert capture is None or isinstance(capture.taken, dt.datetime)


@given(st.sampled_from([b"", b"\xff\xd8\xff\xe1", b"II*\x00", b"\x00\x00\x00\x18ftypheic"]), st.binary(max_size=2048))
def test_arbitrary_bytes_behind_an_image_magic_never_raise(magic: bytes, junk: bytes) -> None:
    capture = read_capture(magic + junk)
    assert capture is None or isinstance(capture, Capture)


def test_a_decompression_bomb_png_has_no_capture_time_and_is_not_decoded() -> None:
    buf = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buf, "PNG")  # 400 megapixels in ~50 kB
    assert len(buf.getvalue()) < 200_000
    assert read_capture(buf.getvalue()) is None


@pytest.mark.parametrize("data", [b"", b"%PDF-1.4\n%%EOF\n", b"OggS\x00\x02" + b"\x00" * 64, b"just text"])
def test_files_that_are_not_photos_have_no_capture_time(data: bytes) -> None:
    assert read_capture(data) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026:06:09 10:15:22", wall("2026-06-09 10:15:22")),
        ("2026-06-09 10:15:22", wall("2026-06-09 10:15:22")),  # exifread's builtin types
        ("2026:06:09 10:15:22\x00", wall("2026-06-09 10:15:22")),
        ("2026:06:09 10:15:22   ", wall("2026-06-09 10:15:22")),
        ("2026:06:09 10:15:22\x00\x00garbage", wall("2026-06-09 10:15:22")),
        ("2026:06:09 10:15:22.054", wall("2026-06-09 10:15:22.054000")),
        ("2026:06:09T10:15:22+08:00", wall("2026-06-09 10:15:22")),
        (b"2026:06:09 10:15:22\x00", wall("2026-06-09 10:15:22")),
        ("0000:00:00 00:00:00", None),
        ("    :  :     :  :  ", None),
        ("2026:02:30 10:15:22", None),
        ("2026:06:09 24:00:00", None),
        ("2026:06:09", None),
        ("yesterday", None),
        ("", None),
        (None, None),
        (20260609, None),
    ],
)
def test_exif_date_strings_are_read_leniently_but_impossible_dates_are_none(text, expected) -> None:
    assert parse_exif_datetime(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+08:00", dt.timedelta(hours=8)),
        ("-05:00", dt.timedelta(hours=-5)),
        ("+05:30\x00", dt.timedelta(hours=5, minutes=30)),
        ("+0800", dt.timedelta(hours=8)),
        ("Z", dt.timedelta(0)),
        ("   :  ", None),
        ("+25:00", None),
        ("+08:75", None),
        ("08:00", None),
        (None, None),
    ],
)
def test_exif_offsets_are_read_and_impossible_ones_are_none(text, expected) -> None:
    assert parse_exif_offset(text) == expected


# ---- the real photos in ../shared/testdata, read in place -------------------------------------------------------

IFD0_NOTE = re.compile(r"IFD0 DateTime=(\d{4}:\d\d:\d\d \d\d:\d\d:\d\d)")


def truth_rows(shared_dir):
    for truth in sorted(shared_dir.glob("testdata/*/images/exif_truth.csv")):
        with truth.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                yield truth.parent / row["file"], row


@pytest.mark.shared
def test_capture_times_match_the_exif_truth_files(shared_dir) -> None:
    rows = list(truth_rows(shared_dir))
    mismatches = []
    for path, row in rows:
        capture = read_capture(path.read_bytes())
        if row["datetime_original"]:
            expected = (
                parse_exif_datetime(row["datetime_original"]),
                parse_exif_offset(row["offset_time_original"]),
                row["make"] or None,
                row["model"] or None,
                "DateTimeOriginal",
            )
            got = capture and (capture.taken, capture.offset, capture.make, capture.model, capture.source)
        elif match := IFD0_NOTE.search(row["notes"]):
            # No original date; the truth file notes the IFD0 (last edit) date, which is our fallback.
            expected = (parse_exif_datetime(match[1]), "DateTime")
            got = capture and (capture.taken, capture.source)
        else:
            # No original date and none noted. xmp_no_exif.jpg still has an IFD0 DateTime (a Photoshop save,
            # in a second APP1 segment that exifread skips), so only "no original date" can be asserted.
            expected = None
            got = None if capture is None or capture.source == "DateTime" else capture
        if got != expected:
            mismatches.append((path.name, expected, got))
    assert len(rows) == 37
    assert mismatches == []


@pytest.mark.shared
def test_the_iphone_heic_has_its_new_york_capture_time(shared_dir) -> None:
    data = (shared_dir / "testdata/exif-samples/images/heic_IMG_5195.HEIC").read_bytes()
    capture = read_capture(data)
    assert capture is not None
    assert capture.aware() == dt.datetime(2021, 4, 11, 20, 47, 53, tzinfo=dt.UTC)


@pytest.mark.shared
@pytest.mark.parametrize(
    "name",
    [
        "exif-samples/images/invalid_image01088.jpg",
        "exif-samples/images/invalid_image01551.jpg",
        "exifr/images/broken1.jpg",
        "exifr/images/RangeError_Invalid_typed_array_length.jpg",
        "exifr/images/32d08f4a5eb10332506ebedbb9bc7257.jpg",
        "exiftool/images/QuickTime.heic",
    ],
)
def test_broken_and_invalid_real_files_are_read_without_raising(shared_dir, name: str) -> None:
    data = (shared_dir / "testdata" / name).read_bytes()
    for damaged in (data, data[: len(data) // 3], data[:100]):
        capture = read_capture(damaged)
        assert capture is None or isinstance(capture, Capture)
