"""wecom.to_inbound: the decrypted fields of a recorded callback as one InboundMessage (pure)."""
from __future__ import annotations

import datetime as dt

import pytest

from bot.channels import wecom, wecom_live
from tests.channels.wecom.fake_wecom_api import load_message


def test_a_text_message_is_keyed_by_its_msgid_in_the_senders_chat_at_its_create_time() -> None:
    fields = load_message("msg_text", FromUserName="li.qiang", Content="PO-1001 红锅上釉第二遍")

    msg = wecom.to_inbound(fields)

    assert (msg.channel, msg.message_id, msg.chat, msg.sender) == ("wecom", "1234567890123456", "wecom:li.qiang",
                                                                   "li.qiang")
    assert msg.received_at == dt.datetime(2012, 9, 28, 11, 31, tzinfo=dt.UTC)  # CreateTime 1348831860
    assert msg.text == "PO-1001 红锅上釉第二遍"
    assert msg.attachments == ()
    assert msg.raw == fields
    assert msg.contact_id is None  # resolved later by wecom_userid, defaulting to the contact id


def test_an_image_is_a_captionless_photo_fetched_by_its_media_id() -> None:
    fields = load_message("msg_image")

    msg = wecom.to_inbound(fields)

    assert msg.text == ""
    [att] = msg.attachments
    assert (att.kind, att.source, att.name) == ("photo", fields["MediaId"], fields["MediaId"])


def test_the_rendered_corpus_names_its_media_by_file_name_and_that_name_is_kept() -> None:
    msg = wecom.to_inbound(load_message("msg_image", MediaId="IMG_20260609_101522.jpg"))

    assert msg.attachments[0].name == "IMG_20260609_101522.jpg"


@pytest.mark.parametrize(("name", "kind", "text"), [
    ("msg_voice", "voice", ""),
    ("msg_video", "video", ""),
    ("msg_location", None, "位置信息"),
    ("msg_link", None, "this is a title!\nthis is a description!\nURL"),
])
def test_other_message_types_are_kept_with_their_media_or_their_words(name: str, kind: str | None, text: str) -> None:
    fields = load_message(name)

    msg = wecom.to_inbound(fields)

    assert msg.text == text
    assert [a.kind for a in msg.attachments] == ([kind] if kind else [])
    assert msg.raw == fields


def test_a_voice_note_says_its_format() -> None:
    assert wecom.to_inbound(load_message("msg_voice")).attachments[0].declared_type == "audio/amr"


@pytest.mark.parametrize(("change", "why"), [
    ({"MsgId": ""}, "no MsgId"),
    ({"FromUserName": ""}, "no FromUserName"),
    ({"CreateTime": "yesterday"}, "CreateTime"),
    ({"MsgType": ""}, "no MsgType"),
])
def test_fields_without_what_makes_a_message_are_refused(change: dict[str, str], why: str) -> None:
    with pytest.raises(ValueError, match=why):
        wecom.to_inbound(load_message("msg_text", **change))


def test_an_event_is_not_a_message() -> None:
    with pytest.raises(ValueError, match="enter_agent"):
        wecom.to_inbound(load_message("event_enter_agent"))


def test_the_live_module_names_the_same_channel() -> None:
    assert wecom_live.NAME == wecom.NAME == "wecom"
