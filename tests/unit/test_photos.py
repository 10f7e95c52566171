"""parsers.photos: hashes, same-picture and staleness rules, and the one-pass inspection the pipeline calls."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools
import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from parsers.photos import (
    SAME_PICTURE_MAX_DISTANCE,
    hamming,
    inspect_photo,
    is_stale,
    perceptual_hash,
    same_picture,
    sha256_hex,
)
from parsers.sniff import sniff_type


def wall(text: str) -> dt.datetime:
    """A naive camera wall time, as EXIF writes it."""
    return dt.datetime.fromisoformat(text)


def scene(seed: int, size: tuple[int, int] = (1600, 1200)) -> Image.Image:
    """A factory-photo-like picture: a gradient, a floor, boxes and discs placed by the seed."""
    rng = random.Random(seed)
    w, h = size
    img = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, rng.randrange(h // 2, h - h // 8), w, h], fill=tuple(rng.randrange(60, 200) for _ in range(3)))
    for _ in range(rng.randrange(6, 12)):
        x, y = rng.randrange(0, w - w // 8), rng.randrange(0, h - h // 6)
        box = [x, y, x + rng.randrange(w // 12, w // 3), y + rng.randrange(h // 12, h // 3)]
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.rectangle if rng.random() < 0.6 else draw.ellipse)(box, fill=colour, outline=(30, 30, 30), width=4)
    return img


def jpeg(img: Image.Image, quality: int = 85, exif: Image.Exif | None = None) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality, **({"exif": exif} if exif is not None else {}))
    return buf.getvalue()


def resend(img: Image.Image, factor: float, quality: int) -> bytes:
    """What a chat app does to a picture sent again: resize and recompress."""
    return jpeg(img.resize((int(img.width * factor), int(img.height * factor)), Image.Resampling.BILINEAR), quality)


def exif_dated(taken: str, offset: str | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "vivo"
    exif[0x0110] = "V2241A"
    ifd = exif.get_ifd(0x8769)
    ifd[0x9003] = taken
    if offset:
        ifd[0x9011] = offset
    return exif


def bomb_png() -> bytes:
    buf = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buf, "PNG")  # 400 megapixels, ~50 kB on disk
    return buf.getvalue()


# ---- hashes ---------------------------------------------------------------------------------------------------


def test_sha256_is_the_hex_digest_of_the_bytes() -> None:
    assert sha256_hex(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert sha256_hex(b"") == hashlib.sha256(b"").hexdigest()


def test_a_perceptual_hash_is_a_64_bit_integer_and_repeatable() -> None:
    data = jpeg(scene(1))
    first = perceptual_hash(data)
    assert first is not None
    assert 0 <= first < 2**64
    assert perceptual_hash(data) == first


def test_hamming_counts_differing_bits() -> None:
    assert hamming(0, 0) == 0
    assert hamming(0b1011, 0b0001) == 2
    assert hamming(0, 2**64 - 1) == 64


def test_a_hash_stored_as_a_signed_64_bit_integer_compares_like_the_unsigned_one() -> None:
    unsigned = 0x8B04313CBBCDD669
    signed = unsigned - 2**64  # what a PostgreSQL BIGINT column would give back
    assert hamming(signed, unsigned) == 0
    assert hamming(signed, unsigned ^ 0b111) == 3


# ---- same picture ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("factor", "quality"), [(0.985, 74), (0.94, 68), (0.5, 60), (0.25, 50)])
def test_a_resized_and_recompressed_resend_is_the_same_picture(factor: float, quality: int) -> None:
    original = scene(7)
    first, again = jpeg(original, 90), resend(original, factor, quality)
    assert sha256_hex(first) != sha256_hex(again)
    assert same_picture(sha256_hex(first), perceptual_hash(first), sha256_hex(again), perceptual_hash(again))


def test_different_pictures_are_not_the_same_picture() -> None:
    photos = [jpeg(scene(seed)) for seed in range(12)]
    hashes = [(sha256_hex(p), perceptual_hash(p)) for p in photos]
    for (a_sha, a_phash), (b_sha, b_phash) in itertools.combinations(hashes, 2):
        assert not same_picture(a_sha, a_phash, b_sha, b_phash)


def test_byte_identical_files_are_the_same_picture_even_without_a_perceptual_hash() -> None:
    assert same_picture("ab" * 32, None, "ab" * 32, None)


def test_without_both_perceptual_hashes_only_identical_bytes_count() -> None:
    assert not same_picture("ab" * 32, 0x1234, "cd" * 32, None)
    assert not same_picture(None, None, None, None)


def test_the_threshold_is_inclusive_and_can_be_overridden() -> None:
    a = 0
    b = (1 << SAME_PICTURE_MAX_DISTANCE) - 1  # exactly SAME_PICTURE_MAX_DISTANCE bits set
    assert same_picture("x", a, "y", b)
    assert not same_picture("x", a, "y", b | 1 << 40)
    assert not same_picture("x", a, "y", b, threshold=SAME_PICTURE_MAX_DISTANCE - 1)


def test_a_blank_picture_has_no_perceptual_hash_so_two_blank_photos_are_not_the_same_picture() -> None:
    black, grey = jpeg(Image.new("RGB", (800, 600), "black")), jpeg(Image.new("RGB", (640, 480), (137, 137, 137)))
    assert perceptual_hash(black) is None
    assert perceptual_hash(grey) is None
    assert not same_picture(sha256_hex(black), None, sha256_hex(grey), None)


def test_a_heic_resent_as_jpeg_is_the_same_picture() -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    if not pillow_heif.libheif_info().get("HEIF"):
        pytest.skip("this libheif build has no HEVC encoder, so no HEIC can be written")
    pillow_heif.register_heif_opener()
    buf = io.BytesIO()
    scene(3).save(buf, "HEIF", quality=80)
    heic = inspect_photo(buf.getvalue())
    again = inspect_photo(resend(scene(3), 0.75, 70))
    assert heic.mime == "image/heic"
    assert same_picture(heic.sha256, heic.phash, again.sha256, again.phash)


# ---- stale ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("taken", "message", "po_lock", "stale"),
    [
        (dt.date(2026, 6, 24), dt.date(2026, 7, 1), None, False),  # exactly 7 days: not more than 7
        (dt.date(2026, 6, 5), dt.date(2026, 6, 15), None, True),  # 10 days
        (dt.date(2026, 6, 8), dt.date(2026, 6, 12), dt.date(2026, 6, 10), True),  # fresh, but before the PO lock
        (dt.date(2026, 6, 10), dt.date(2026, 6, 12), dt.date(2026, 6, 10), False),  # on the lock day
        (dt.date(2026, 6, 20), dt.date(2026, 6, 12), None, False),  # camera clock ahead: not stale
    ],
)
def test_a_photo_is_stale_when_older_than_a_week_or_older_than_the_po_lock(taken, message, po_lock, stale) -> None:
    assert is_stale(taken, message, po_lock) is stale


def test_the_age_limit_can_be_changed() -> None:
    assert is_stale(dt.date(2026, 6, 10), dt.date(2026, 6, 13), None, max_age_days=2)


def test_stale_accepts_capture_datetimes_and_compares_their_dates() -> None:
    assert not is_stale(wall("2026-06-24 23:59:00"), dt.date(2026, 7, 1), None)
    assert is_stale(wall("2026-06-23 23:59:00"), dt.date(2026, 7, 1), None)


# ---- inspect_photo --------------------------------------------------------------------------------------------


def test_inspecting_a_camera_jpeg_gives_every_fact_at_once() -> None:
    data = jpeg(scene(11), exif=exif_dated("2026:06:24 10:12:05", "+08:00"))
    facts = inspect_photo(data)
    assert facts.error is None
    assert (facts.mime, facts.width, facts.height) == ("image/jpeg", 1600, 1200)
    assert facts.sha256 == sha256_hex(data)
    assert facts.phash == perceptual_hash(data)
    assert facts.capture is not None
    assert facts.capture.aware() == dt.datetime(2026, 6, 24, 2, 12, 5, tzinfo=dt.UTC)
    assert facts.capture.make == "vivo"


def test_inspecting_a_whatsapp_compressed_photo_gives_no_capture_time() -> None:
    facts = inspect_photo(resend(scene(11), 0.8, 70))
    assert facts.error is None
    assert facts.phash is not None
    assert facts.capture is None


def test_a_pdf_renamed_to_jpg_is_reported_as_a_pdf_and_not_decoded(tmp_path) -> None:
    renamed = tmp_path / "IMG-20260630-WA0001.jpg"
    renamed.write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n")
    facts = inspect_photo(renamed.read_bytes())
    assert facts.mime == "application/pdf"
    assert facts.phash is None
    assert facts.error == "not an image (application/pdf)"


def test_a_decompression_bomb_is_refused_before_its_pixels_are_decoded() -> None:
    data = bomb_png()
    assert perceptual_hash(data) is None
    facts = inspect_photo(data)
    assert facts.mime == "image/png"
    assert facts.sha256 == sha256_hex(data)
    assert facts.phash is None
    assert facts.error is not None and facts.error.startswith("image too large")


def test_an_image_above_the_callers_pixel_limit_is_measured_but_not_hashed() -> None:
    data = jpeg(scene(5, (2000, 1500)), exif=exif_dated("2026:06:09 10:15:22"))
    assert perceptual_hash(data, max_pixels=1_000_000) is None
    facts = inspect_photo(data, max_pixels=1_000_000)
    assert (facts.width, facts.height, facts.phash) == (2000, 1500, None)
    assert facts.error == "image too large: 2000x1500 exceeds 1000000 pixels"
    assert facts.capture is not None  # the EXIF needs no pixels, so it is still read


def test_a_truncated_jpeg_keeps_its_capture_time_and_size_but_has_no_phash() -> None:
    data = jpeg(scene(9), exif=exif_dated("2026:06:09 10:15:22"))
    facts = inspect_photo(data[: len(data) // 2])
    assert facts.phash is None
    assert facts.error is not None and facts.error.startswith("cannot decode pixels")
    assert (facts.width, facts.height) == (1600, 1200)
    assert facts.capture is not None and facts.capture.taken == wall("2026-06-09 10:15:22")


def test_bytes_that_only_look_like_a_jpeg_give_an_error_not_an_exception() -> None:
    facts = inspect_photo(b"\xff\xd8\xff\xe0" + b"\x00" * 100)
    assert facts.mime == "image/jpeg"
    assert facts.phash is None and facts.capture is None
    assert facts.error is not None and facts.error.startswith("cannot open image")


def test_inspecting_nothing_gives_an_error_not_an_exception() -> None:
    facts = inspect_photo(b"")
    assert (facts.mime, facts.phash, facts.width, facts.capture) == ("application/octet-stream", None, None, None)
    assert facts.error is not None


def test_a_heic_photo_is_inspected_like_a_jpeg() -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    if not pillow_heif.libheif_info().get("HEIF"):
        pytest.skip("this libheif build has no HEVC encoder, so no HEIC can be written")
    pillow_heif.register_heif_opener()
    buf = io.BytesIO()
    scene(4, (800, 600)).save(buf, "HEIF", exif=exif_dated("2026:06:09 10:15:22", "+08:00").tobytes())
    facts = inspect_photo(buf.getvalue())
    assert facts.error is None
    assert (facts.mime, facts.width, facts.height) == ("image/heic", 800, 600)
    assert facts.phash is not None
    assert facts.capture is not None and facts.capture.offset == dt.timedelta(hours=8)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_a_jpeg_with_random_bytes_changed_never_raises(data: st.DataObject) -> None:
    photo = bytearray(jpeg(scene(2, (320, 240)), exif=exif_dated("2026:06:09 10:15:22")))
    for _ in range(data.draw(st.integers(1, 12))):
        photo[data.draw(st.integers(0, len(photo) - 1))] = data.draw(st.integers(0, 255))
    facts = inspect_photo(bytes(photo))
    assert facts.sha256 == sha256_hex(bytes(photo))
    assert facts.phash is None or 0 <= facts.phash < 2**64


@given(st.binary(max_size=1024))
def test_arbitrary_bytes_are_inspected_without_raising(data: bytes) -> None:
    facts = inspect_photo(data)
    assert facts.sha256 == sha256_hex(data)
    assert perceptual_hash(data) == facts.phash


# ---- the real files in ../shared, read in place -----------------------------------------------------------------


def _real_photos(shared_dir):
    return sorted(p for p in shared_dir.glob("testdata/*/images/*") if p.suffix.lower() != ".csv")


@pytest.mark.shared
def test_every_real_photo_is_inspected_without_raising_and_measured_like_the_truth_file(shared_dir) -> None:
    sizes = {}
    for truth in shared_dir.glob("testdata/*/images/exif_truth.csv"):
        with truth.open(encoding="utf-8", newline="") as f:
            sizes |= {truth.parent / row["file"]: (int(row["width"]), int(row["height"])) for row in csv.DictReader(f)}
    for path in _real_photos(shared_dir):
        data = path.read_bytes()
        facts = inspect_photo(data)
        assert (facts.mime, facts.sha256) == (sniff_type(data), sha256_hex(data))
        assert (facts.width, facts.height) == sizes[path], path.name


@pytest.mark.shared
def test_the_real_photo_stripped_of_its_exif_is_the_same_picture_and_all_others_differ(shared_dir) -> None:
    facts = {p.name: inspect_photo(p.read_bytes()) for p in _real_photos(shared_dir)}
    same = {
        frozenset(pair)
        for pair in itertools.combinations(facts, 2)
        if same_picture(facts[pair[0]].sha256, facts[pair[0]].phash, facts[pair[1]].sha256, facts[pair[1]].phash)
    }
    assert same == {frozenset({"Canon_PowerShot_S40.jpg", "img_1771_no_exif.jpg"})}


@pytest.mark.shared
def test_the_stale_rule_agrees_with_the_corpus_labels(shared_dir) -> None:
    corpus = shared_dir / "corpus"
    po_lock = {
        o["po"]: dt.date.fromisoformat(o["milestones"]["po_lock"])
        for o in json.loads((corpus / "orders.json").read_text(encoding="utf-8"))["orders"]
    }
    checked = 0
    for chat in sorted((corpus / "chats").glob("*/messages.jsonl")):
        for line in chat.read_text(encoding="utf-8").splitlines():
            message = json.loads(line)
            attachment, truth = message.get("attachment") or {}, message["truth"]
            if not attachment.get("exif_datetime") or not truth.get("order"):
                continue
            taken = dt.datetime.strptime(attachment["exif_datetime"], "%Y:%m:%d %H:%M:%S")  # noqa: DTZ007
            sent_on = dt.datetime.fromisoformat(message["ts"]).date()  # the sender's local date
            assert is_stale(taken, sent_on, po_lock[truth["order"]]) is truth["stale"], message["id"]
            checked += 1
    assert checked >= 10
