"""parsers.sniff: a file's type comes from its bytes, never from its name."""

from __future__ import annotations

import csv
import io
import struct
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from parsers.sniff import XLSX, extension_for, sniff_type


def _image_bytes(fmt: str, mode: str = "RGB") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, (16, 12), "red" if mode == "RGB" else 1).save(buf, fmt)
    return buf.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return buf.getvalue()


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return struct.pack(">I", 8 + len(body)) + b"ftyp" + body + b"\x00\x00\x00\x08free"


XLSX_MEMBERS = {
    "[Content_Types].xml": b"<Types/>",
    "_rels/.rels": b"<Relationships/>",
    "xl/workbook.xml": b"<workbook/>",
    "xl/worksheets/sheet1.xml": b"<worksheet/>",
}


@pytest.mark.parametrize(
    ("fmt", "mime"),
    [
        ("JPEG", "image/jpeg"),
        ("PNG", "image/png"),
        ("GIF", "image/gif"),
        ("WEBP", "image/webp"),
        ("TIFF", "image/tiff"),
        ("BMP", "image/bmp"),
    ],
)
def test_images_written_by_pillow_are_recognised_by_their_magic_bytes(fmt: str, mime: str) -> None:
    assert sniff_type(_image_bytes(fmt)) == mime


@pytest.mark.parametrize(
    ("header", "mime"),
    [
        (_ftyp(b"heic", b"mif1", b"heic"), "image/heic"),
        (_ftyp(b"heix", b"mif1"), "image/heic"),
        (_ftyp(b"mif1", b"mif1", b"heic", b"hevc"), "image/heic"),  # exiftool's QuickTime.heic brands
        (_ftyp(b"msf1", b"hevc"), "image/heic"),
        (_ftyp(b"hevc", b"mif1"), "image/heic"),
        (_ftyp(b"avif", b"mif1", b"miaf"), "image/avif"),
        (_ftyp(b"mif1", b"avif", b"miaf"), "image/avif"),
        (_ftyp(b"isom", b"isom", b"iso2", b"avc1", b"mp41"), "video/mp4"),
        (_ftyp(b"mp42", b"mp42", b"isom"), "video/mp4"),
        (_ftyp(b"M4A ", b"M4A ", b"mp42", b"isom"), "audio/mp4"),
        (_ftyp(b"qt  ", b"qt  "), "video/quicktime"),
        (_ftyp(b"3gp4", b"isom"), "video/3gpp"),
    ],
)
def test_iso_media_files_are_told_apart_by_their_ftyp_brands(header: bytes, mime: str) -> None:
    assert sniff_type(header + b"\x00" * 64) == mime


def test_a_heic_written_by_pillow_heif_is_image_heic() -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    if not pillow_heif.libheif_info().get("HEIF"):
        pytest.skip("this libheif build has no HEVC encoder, so no HEIC can be written")
    pillow_heif.register_heif_opener()
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), "blue").save(buf, "HEIF")
    assert sniff_type(buf.getvalue()) == "image/heic"


def test_a_pdf_renamed_to_jpg_is_still_a_pdf(tmp_path) -> None:
    fake_photo = tmp_path / "IMG-20260609-WA0001.jpg"
    fake_photo.write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n")
    assert sniff_type(fake_photo.read_bytes()) == "application/pdf"


def test_an_xlsx_is_recognised_from_the_names_in_its_zip_directory() -> None:
    assert sniff_type(_zip(XLSX_MEMBERS)) == XLSX


def test_word_files_are_not_mistaken_for_spreadsheets() -> None:
    docx = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<document/>"})
    assert sniff_type(docx) == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_a_plain_zip_with_an_xl_folder_but_no_content_types_is_just_a_zip() -> None:
    assert sniff_type(_zip({"xl/notes.txt": b"hello"})) == "application/zip"


def test_a_zip_cut_before_its_directory_is_just_a_zip() -> None:
    data = _zip(XLSX_MEMBERS)
    assert sniff_type(data[: len(data) // 2]) == "application/zip"


def test_a_zip_whose_end_record_lies_about_its_directory_is_just_a_zip() -> None:
    lying_end = b"PK\x05\x06" + b"\x00" * 4 + struct.pack("<HHII", 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFF0) + b"\x00\x00"
    assert sniff_type(b"PK\x03\x04" + b"\x00" * 40 + lying_end) == "application/zip"


@pytest.mark.parametrize(
    ("data", "mime"),
    [
        (b"OggS\x00\x02" + b"\x00" * 40, "audio/ogg"),
        (b"#!AMR\n" + b"\x3c" * 40, "audio/amr"),
        (b"#!AMR-WB\n" + b"\x04" * 40, "audio/amr-wb"),
        (b"ID3\x04\x00\x00" + b"\x00" * 40, "audio/mpeg"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 20, "audio/wav"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm" + b"\x00" * 20, "video/webm"),
    ],
)
def test_voice_notes_and_media_are_recognised(data: bytes, mime: str) -> None:
    assert sniff_type(data) == mime


def test_a_utf8_csv_with_chinese_is_plain_text() -> None:
    rows = [["carton", "qty", "备注"], ["PO-55102-001", "24", "红锅"]]
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    assert sniff_type(buf.getvalue().encode("utf-8")) == "text/plain"
    assert sniff_type(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")) == "text/plain"


def test_utf16_text_with_a_byte_order_mark_is_plain_text() -> None:
    assert sniff_type("carton\tqty\n红锅\t24\n".encode("utf-16")) == "text/plain"


def test_text_that_happens_to_start_like_a_bitmap_is_still_text() -> None:
    assert sniff_type(b"BMW parts for PO-55102 arrive Monday") == "text/plain"


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00\x01\x02\x03", b"hello\x00world", b"\xff\xfe\xfa\xff", bytes(range(256)), b"RIFF\x00\x00"],
)
def test_unknown_or_binary_bytes_are_an_octet_stream(data: bytes) -> None:
    assert sniff_type(data) == "application/octet-stream"


@pytest.mark.parametrize(
    ("mime", "extension"),
    [
        ("image/jpeg", ".jpg"),
        ("image/heic", ".heic"),
        ("application/pdf", ".pdf"),
        (XLSX, ".xlsx"),
        ("audio/ogg", ".ogg"),
        ("audio/amr", ".amr"),
        ("text/plain", ".txt"),
        ("IMAGE/PNG; charset=binary", ".png"),
        ("application/octet-stream", ".bin"),
        ("application/x-unheard-of", ".bin"),
    ],
)
def test_each_type_has_the_usual_extension(mime: str, extension: str) -> None:
    assert extension_for(mime) == extension


@given(st.binary(max_size=512))
def test_any_bytes_get_a_mime_type_without_raising(data: bytes) -> None:
    mime = sniff_type(data)
    assert "/" in mime
    assert extension_for(mime).startswith(".")


@given(
    st.sampled_from([b"\xff\xd8\xff", b"PK\x03\x04", b"RIFF", b"\x00\x00\x00\x18ftyp", b"BM", b"II*\x00"]),
    st.binary(max_size=256),
)
def test_a_known_magic_followed_by_junk_never_raises(magic: bytes, junk: bytes) -> None:
    assert "/" in sniff_type(magic + junk)


@pytest.mark.shared
def test_every_real_test_photo_is_sniffed_as_the_format_its_truth_file_gives(shared_dir) -> None:
    expected = {"JPEG": "image/jpeg", "HEIF": "image/heic"}
    checked = 0
    for truth in sorted(shared_dir.glob("testdata/*/images/exif_truth.csv")):
        with truth.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                fmt = row["notes"].split(";", 1)[0].removeprefix("format=")
                assert sniff_type((truth.parent / row["file"]).read_bytes()) == expected[fmt], row["file"]
                checked += 1
    assert checked >= 30
