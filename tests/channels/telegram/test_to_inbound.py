"""Reading Telegram Updates (the recorded payloads) as inbound messages: pure, no SDK, no network."""
from __future__ import annotations

import datetime as dt

import pytest

from bot.channels.telegram import Ignored, chat_id_of, secret_ok, split_text, to_inbound
from tests.channels.telegram.harness import EMMA_ID, GROUP, LI_ID, TOM_ID, load

NOW = dt.datetime(2026, 6, 9, 2, 30, tzinfo=dt.UTC)


def test_a_text_message_is_keyed_by_chat_and_message_id_and_dated_by_telegram():
    msg = to_inbound(load("text.json"))
    assert (msg.channel, msg.message_id, msg.chat, msg.sender) == ("telegram", f"{GROUP}:101", f"telegram:{GROUP}",
                                                                    str(LI_ID))
    assert msg.received_at == dt.datetime(2026, 6, 9, 1, 58, 0, tzinfo=dt.UTC)
    assert msg.text == "PO-1001 红锅上釉第二遍"
    assert msg.attachments == ()


def test_the_whole_update_is_kept_raw():
    update = load("text.json")
    assert to_inbound(update).raw["update_id"] == update["update_id"]
    assert to_inbound(update).raw["message"] == update["message"]


def test_a_caption_is_the_text_and_only_the_largest_photo_size_is_kept():
    msg = to_inbound(load("photo_caption.json"))
    assert msg.text == "PO-1001 RP-24-RED 上釉"
    [att] = msg.attachments
    assert (att.kind, att.source, att.name) == ("photo", "AgACAgUAAxkBAAIBZmZmZmZmPhotoCaption-1280",
                                                "AQADpc1280.jpg")


def test_an_image_sent_as_a_file_is_a_photo_under_its_own_name_and_its_thumbnail_is_ignored():
    [att] = to_inbound(load("document_exif.json")).attachments
    assert (att.kind, att.name, att.source, att.declared_type) == (
        "photo", "IMG_20260609_101522.jpg", "BQACAgUAAxkBAAIBZ2ZmZmZmDocumentExif", "image/jpeg")


def test_a_pdf_is_a_document():
    update = load("document_exif.json")
    update["message"]["document"].update(file_name="PL_PO-1001.pdf", mime_type="application/pdf")
    [att] = to_inbound(update).attachments
    assert (att.kind, att.name) == ("document", "PL_PO-1001.pdf")


@pytest.mark.parametrize(("key", "obj", "kind"), [
    ("voice", {"file_id": "AwACAgUv", "file_unique_id": "AgADv", "duration": 3, "mime_type": "audio/ogg"}, "voice"),
    ("video", {"file_id": "BAACAgUv", "file_unique_id": "AgADvid", "duration": 3, "width": 640, "height": 480},
     "video"),
    ("sticker", {"file_id": "CAACAgUs", "file_unique_id": "AgADst", "width": 512, "height": 512, "type": "regular",
                 "is_animated": False, "is_video": False}, "sticker"),
])
def test_voice_notes_videos_and_stickers_keep_their_kind(key, obj, kind):
    update = load("text.json")
    del update["message"]["text"]
    update["message"][key] = obj
    [att] = to_inbound(update).attachments
    assert (att.kind, att.source) == (kind, obj["file_id"])


def test_album_members_carry_their_media_group_id_at_the_top_of_raw():
    album = [to_inbound(u) for u in load("album.json")]
    assert [m.message_id for m in album] == [f"{GROUP}:{n}" for n in (110, 111, 112, 113)]
    assert {m.raw["media_group_id"] for m in album} == {"13720961803650123"}
    assert [m.text for m in album] == ["PO-1001 RP-24-RED 在线检验", "", "", ""]


def test_a_reply_names_the_message_it_answers():
    msg = to_inbound(load("reply.json"))
    assert msg.sender == str(TOM_ID)
    assert msg.raw["reply_to"] == f"{GROUP}:101"
    assert "reply_to" not in to_inbound(load("text.json")).raw


def test_a_button_press_is_a_message_of_its_own_dated_when_it_arrived():
    msg = to_inbound(load("callback_query.json"), now=NOW)
    assert (msg.message_id, msg.chat, msg.sender, msg.text) == (f"{GROUP}:cb:2465039187231740301",
                                                                f"telegram:{GROUP}", str(LI_ID), "order:PO-1001")
    assert msg.received_at == NOW
    assert msg.raw["callback_query_id"] == "2465039187231740301"
    assert msg.raw["callback_to"] == f"{GROUP}:120"


def test_a_button_press_needs_the_time_it_arrived():
    with pytest.raises(ValueError, match="no date"):
        to_inbound(load("callback_query.json"))


def test_a_start_command_in_a_private_chat_is_a_message_from_that_user():
    msg = to_inbound(load("start_code.json"))
    assert (msg.chat, msg.message_id, msg.sender, msg.text) == (f"telegram:{EMMA_ID}", f"{EMMA_ID}:7", str(EMMA_ID),
                                                                "/start K7QX2M9P")


def test_edits_and_member_notices_are_ignored_not_stored():
    with pytest.raises(Ignored):
        to_inbound(load("edited_message.json"))
    with pytest.raises(Ignored):
        to_inbound(load("new_member.json"))


@pytest.mark.parametrize("update", [None, [], {"message": {}}, {"update_id": "1"},
                                    {"update_id": 1, "message": {"text": "no chat"}},
                                    {"update_id": 1, "message": {"message_id": 1, "chat": {"id": 2}, "date": 3,
                                                                 "text": "no sender"}}])
def test_what_is_not_an_update_is_an_error_not_an_ignored_update(update):
    with pytest.raises(ValueError) as err:
        to_inbound(update, now=NOW)
    assert not isinstance(err.value, Ignored)


def test_the_secret_token_must_be_configured_and_match_exactly():
    assert secret_ok("s3cret", "s3cret")
    assert not secret_ok("s3cret", "s3cret ")
    assert not secret_ok("s3cret", None)
    assert not secret_ok("", "")
    assert not secret_ok("s3cret", "s3crét")


def test_recipients_are_chats_or_user_ids():
    assert chat_id_of(f"telegram:{GROUP}") == GROUP
    assert chat_id_of(str(EMMA_ID)) == EMMA_ID
    with pytest.raises(ValueError):
        chat_id_of("whatsapp:+8613800002222")


def test_long_text_is_split_at_line_breaks_within_telegrams_limit():
    text = "\n".join(f"line {i} " + "x" * 50 for i in range(200))
    parts = split_text(text)
    assert all(len(p) <= 4096 for p in parts) and len(parts) == 3
    assert "\n".join(parts) == text


def test_the_bot_api_roots_become_ptbs_base_urls():
    from bot.channels.telegram import api_url, file_url
    from bot.settings import TelegramSettings

    assert (api_url(TelegramSettings()), file_url(TelegramSettings())) == ("https://api.telegram.org/bot",
                                                                           "https://api.telegram.org/file/bot")
    local = TelegramSettings(api_base_url="http://127.0.0.1:8081/")
    assert (api_url(local), file_url(local)) == ("http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/file/bot")
    split = TelegramSettings(api_base_url="http://127.0.0.1:8081", file_base_url="http://127.0.0.1:9000")
    assert file_url(split) == "http://127.0.0.1:9000/file/bot"
    ptb_form = TelegramSettings(api_base_url="http://127.0.0.1:8081/bot{token}/test")
    assert api_url(ptb_form) == "http://127.0.0.1:8081/bot{token}/test"
