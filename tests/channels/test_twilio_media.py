"""Twilio media: fetched by the worker (never in the webhook), with credentials only where Twilio wants them, typed by
its bytes, capped in size, from allowed hosts only, stored content-addressed under a safe name."""
from __future__ import annotations

import base64
import hashlib
import struct
import zlib
from pathlib import Path

import pytest

from tests.channels.harness import ACCOUNT_SID, AUTH_TOKEN, FACTORY_PHONE, Bot
from tests.fixtures import write_photo

CHAT = "factory_group"
TEXT = "PO-1001 RP-24-RED 上釉完成，照片见附件"
MB = 1024 * 1024


def jpeg(tmp_path: Path) -> bytes:
    return write_photo(tmp_path / "IMG_20260609_095500.jpg", "2026:06:09 09:55:00", "+08:00").read_bytes()


def pdf() -> bytes:
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def png_bomb(side: int = 20000) -> bytes:
    """A valid 1-bit greyscale PNG of side x side pixels: ~60 KB on the wire, 400 megapixels when decoded."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + b"\x00" * ((side + 7) // 8)  # filter byte + packed pixels
    z = zlib.compressobj(9)
    idat = b"".join(z.compress(row) for _ in range(side)) + z.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def stored_file(bot: Bot, att: dict) -> Path:
    media = Path(bot.app.settings.store.media_dir).resolve()
    path = (media / att["path"]).resolve()
    assert path.is_relative_to(media)
    return path


def assert_kept_and_tagged(bot: Bot, sid: str) -> None:
    """The message itself survived whatever happened to its attachment."""
    row = bot.inbound(sid)
    assert row["state"] == "processed", row["error"]
    assert row["ev_evidence"] == 1 and row["ev_order"] == "PO-1001"


def test_a_photo_is_downloaded_by_the_worker_not_by_the_webhook(bot: Bot, tmp_path: Path) -> None:
    url = bot.fake.add_media(jpeg(tmp_path))

    sid = bot.say(FACTORY_PHONE, TEXT, [(url, "image/jpeg")])
    requests_after_post, downloads_after_post = len(bot.fake.media_requests), bot.fake.downloads
    bot.work()

    assert (requests_after_post, downloads_after_post) == (0, 0)
    assert bot.fake.downloads == 1
    assert_kept_and_tagged(bot, sid)


def test_the_media_url_gets_basic_auth_and_the_cdn_after_the_redirect_gets_no_credentials(bot: Bot,
                                                                                             tmp_path: Path) -> None:
    url = bot.fake.add_media(jpeg(tmp_path))

    bot.say(FACTORY_PHONE, TEXT, [(url, "image/jpeg")])
    bot.work()

    first, cdn = bot.fake.media_requests
    expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    assert first.path.endswith(url.rsplit("/", 1)[-1]) and first.headers["authorization"] == expected
    assert first.status == 302
    assert cdn.path.startswith("/cdn/") and "authorization" not in cdn.headers and cdn.status == 200


def test_a_photo_is_stored_content_addressed_with_its_exif_date(bot: Bot, tmp_path: Path) -> None:
    data = jpeg(tmp_path)
    url = bot.fake.add_media(data)

    sid = bot.say(FACTORY_PHONE, TEXT, [(url, "image/jpeg")])
    bot.work()

    (att,) = bot.attachments(sid)
    sha = hashlib.sha256(data).hexdigest()
    assert att["sha256"] == sha and att["mime"] == "image/jpeg" and att["error"] is None
    assert att["path"] == f"{sha[:2]}/{sha[2:4]}/{sha}.jpg"
    assert stored_file(bot, att).read_bytes() == data
    assert att["captured_local"] == "2026-06-09 09:55:00"


def test_the_same_photo_sent_twice_is_stored_as_one_file(bot: Bot, tmp_path: Path) -> None:
    data = jpeg(tmp_path)

    first = bot.say(FACTORY_PHONE, TEXT, [(bot.fake.add_media(data), "image/jpeg")])
    second = bot.say(FACTORY_PHONE, TEXT, [(bot.fake.add_media(data), "image/jpeg")])
    bot.work()

    (a,), (b,) = bot.attachments(first), bot.attachments(second)
    assert a["path"] == b["path"]
    files = [p for p in Path(bot.app.settings.store.media_dir).rglob("*") if p.is_file()]
    assert len(files) == 1


def test_a_jpg_url_whose_bytes_are_a_pdf_is_stored_as_a_pdf_and_flagged(bot: Bot) -> None:
    url = bot.fake.add_file(CHAT, "IMG_20260609_0001.jpg", pdf(), content_type="image/jpeg")

    sid = bot.say(FACTORY_PHONE, TEXT, [(url, "image/jpeg")])
    bot.work()

    (att,) = bot.attachments(sid)
    assert att["original_name"] == "IMG_20260609_0001.jpg"
    assert att["mime"] == "application/pdf" and att["path"].endswith(".pdf")
    assert "application/pdf" in att["error"]
    assert stored_file(bot, att).read_bytes() == pdf()
    assert_kept_and_tagged(bot, sid)


@pytest.mark.parametrize("chunked", [False, True], ids=["with Content-Length", "streamed without length"])
def test_media_over_16_mb_is_refused_with_a_clear_error_and_the_message_is_kept(bot: Bot, chunked: bool) -> None:
    url = bot.fake.add_media(b"\xff\xd8\xff\xe0" + b"\x00" * (17 * MB - 4), chunked=chunked)

    sid = bot.say(FACTORY_PHONE, TEXT, [(url, "image/jpeg")])
    bot.work()

    (att,) = bot.attachments(sid)
    assert "too large" in att["error"] and str(16 * MB) in att["error"]
    assert att["path"] is None and att["sha256"] is None
    assert not any(p.is_file() for p in Path(bot.app.settings.store.media_dir).rglob("*"))
    assert_kept_and_tagged(bot, sid)


def test_a_media_url_on_a_host_that_is_not_allowed_is_never_requested(bot: Bot, tmp_path: Path) -> None:
    url = bot.fake.add_media(jpeg(tmp_path), host="localhost")  # the same fake, under a name not in media_hosts

    sid = bot.say(FACTORY_PHONE, TEXT, [(url, "image/jpeg")])
    bot.work()

    assert bot.fake.media_requests == []
    (att,) = bot.attachments(sid)
    assert "not allowed" in att["error"] and "localhost" in att["error"]
    assert_kept_and_tagged(bot, sid)


def test_a_redirect_to_a_host_that_is_not_allowed_is_not_followed(bot: Bot, tmp_path: Path) -> None:
    url = bot.fake.add_media(jpeg(tmp_path), redirect_host="localhost")

    sid = bot.say(FACTORY_PHONE, TEXT, [(url, "image/jpeg")])
    bot.work()

    (first,) = bot.fake.media_requests
    assert first.status == 302 and bot.fake.downloads == 0
    (att,) = bot.attachments(sid)
    assert "not allowed" in att["error"] and "localhost" in att["error"]
    assert_kept_and_tagged(bot, sid)


@pytest.mark.parametrize("name", ["../../../outside.jpg", "..\\..\\outside.jpg", "/etc/outside.jpg",
                                  "....//..//outside.jpg"])
def test_a_file_name_that_climbs_out_of_the_folder_is_stored_under_a_safe_name(bot: Bot, tmp_path: Path,
                                                                                 name: str) -> None:
    data = jpeg(tmp_path)
    url = bot.fake.add_file(CHAT, name, data)

    sid = bot.say(FACTORY_PHONE, TEXT, [(url, "image/jpeg")])
    bot.work()

    (att,) = bot.attachments(sid)
    assert att["error"] is None
    assert att["original_name"] == "outside.jpg"
    assert stored_file(bot, att).read_bytes() == data
    assert not any(p.name == "outside.jpg" for p in tmp_path.rglob("*"))
    assert_kept_and_tagged(bot, sid)


def test_a_decompression_bomb_png_is_stored_with_an_error_and_nothing_crashes(bot: Bot) -> None:
    bomb = png_bomb()
    assert len(bomb) < MB
    url = bot.fake.add_media(bomb, content_type="image/png")

    sid = bot.say(FACTORY_PHONE, TEXT, [(url, "image/png")])
    processed = bot.work()

    assert processed == 1
    (att,) = bot.attachments(sid)
    assert att["mime"] == "image/png" and att["sha256"] == hashlib.sha256(bomb).hexdigest()
    assert "too large" in att["error"]
    assert stored_file(bot, att).read_bytes() == bomb
    assert_kept_and_tagged(bot, sid)
