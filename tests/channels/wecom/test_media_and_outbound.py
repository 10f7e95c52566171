"""WeCom's API as the worker uses it: images fetched by MediaId with a cached token, and replies through the outbox."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from bot.bootstrap import bootstrap
from bot.channels import wecom
from bot.messages import AttachmentRef, OutboundMessage
from bot.outbox import enqueue
from bot.ports import FetchError
from bot.settings import SettingsError, WecomSettings
from tests.channels.wecom.conftest import AGENT_USERID, contacts_doc
from tests.channels.wecom.fake_wecom_api import FakeWecomApi
from tests.channels.wecom.harness import AGENT_ID, WecomBot, make_bot, wecom_settings
from tests.fixtures import AGENT, FACTORY, ORDER_BOOK, write_photo


def jpeg(tmp_path: Path, name: str, exif: str | None = None, color: tuple[int, int, int] = (180, 40, 40)) -> bytes:
    return write_photo(tmp_path / name, exif, "+08:00" if exif else None, color=color).read_bytes()


def queue(bot: WecomBot, msg: OutboundMessage) -> None:
    """Put a message in the outbox, as the scheduler's digests do."""
    with Session(bot.app.engine) as session:
        enqueue(session, msg, bot.clock.now())
        session.commit()


# ---------------------------------------------------------------- images


def test_an_image_is_downloaded_by_the_worker_through_media_get_then_stored_and_tagged(bot: WecomBot,
                                                                                         tmp_path: Path) -> None:
    data = jpeg(tmp_path, "a.jpg", "2026:06:09 09:40:00")
    bot.say(FACTORY, "PO-1001 RP-24-RED 上釉完成 1200 件")
    bot.clock.advance(minutes=1)
    mid = bot.show(FACTORY, data)
    assert bot.fake.calls("media/get") == []  # the callback only stored it

    bot.work()

    [get] = bot.fake.calls("media/get")
    assert get.params["media_id"] == json.loads(bot.inbound(mid)["raw"])["payload"]["MediaId"]
    [att] = bot.attachments(mid)
    assert (att["kind"], att["mime"], att["size"], att["error"]) == ("photo", "image/jpeg", len(data), None)
    assert att["captured_local"] == "2026-06-09 09:40:00"
    row = bot.inbound(mid)
    assert (row["state"], row["ev_evidence"], row["ev_order"]) == ("processed", 1, "PO-1001")
    assert (row["ev_date"], row["ev_date_source"]) == ("2026-06-09", "exif")


def test_several_images_share_one_cached_access_token(bot: WecomBot, tmp_path: Path) -> None:
    for n, color in enumerate([(200, 30, 30), (30, 200, 30), (30, 30, 200)]):
        bot.show(FACTORY, jpeg(tmp_path, f"{n}.jpg", color=color))
        bot.clock.advance(minutes=1)

    bot.work()

    assert len(bot.fake.calls("media/get")) == 3
    assert bot.fake.token_calls == 1
    assert bot.value("SELECT count(*) FROM attachments WHERE error IS NULL AND sha256 IS NOT NULL") == 3


def test_the_token_is_fetched_again_shortly_before_it_expires(bot: WecomBot, tmp_path: Path) -> None:
    bot.show(FACTORY, jpeg(tmp_path, "1.jpg", color=(200, 30, 30)))
    bot.work()
    bot.clock.advance(seconds=7200 - 60)  # inside the last minutes of its 2 hours
    bot.show(FACTORY, jpeg(tmp_path, "2.jpg", color=(30, 200, 30)))

    bot.work()

    assert bot.fake.token_calls == 2
    tokens = [c.params["access_token"] for c in bot.fake.calls("media/get")]
    assert len(set(tokens)) == 2


def test_a_token_wecom_calls_expired_is_refreshed_once_and_the_download_goes_through(bot: WecomBot,
                                                                                      tmp_path: Path) -> None:
    bot.show(FACTORY, jpeg(tmp_path, "1.jpg", color=(200, 30, 30)))
    bot.work()
    bot.fake.expire_tokens()
    mid = bot.show(FACTORY, jpeg(tmp_path, "2.jpg", color=(30, 200, 30)))

    bot.work()

    assert [c.errcode for c in bot.fake.calls("media/get")] == [0, 42001, 0]
    assert bot.fake.token_calls == 2
    assert bot.attachments(mid)[0]["error"] is None


def test_an_expired_media_id_is_kept_as_an_unreadable_attachment_with_wecoms_reason(bot: WecomBot) -> None:
    fields = bot.fields(FACTORY, "image", PicUrl="https://wework.qpic.cn/wwpic/x/0", MediaId="3gone-after-3-days")
    bot.deliver(bot.callback(fields))

    bot.work()

    [att] = bot.attachments(fields["MsgId"])
    assert att["error"].startswith("media/get errcode 40007: invalid media_id")
    assert bot.inbound(fields["MsgId"])["state"] == "processed"


def test_media_over_the_cap_is_refused(fake_api: FakeWecomApi) -> None:
    settings = WecomSettings(corp_id=fake_api.corp_id, secret=fake_api.secret, api_base_url=fake_api.url)
    media_id = fake_api.add_media(b"\xff\xd8\xff" + b"\x00" * 5000)
    fetcher = wecom.WecomMediaFetcher(wecom.WecomApi(settings, now=lambda: dt.datetime.now(dt.UTC)), max_bytes=4096)
    try:
        with pytest.raises(FetchError, match="too large"):
            fetcher.fetch(AttachmentRef("photo", media_id, media_id))
    finally:
        fetcher.close()


def test_the_api_root_defaults_to_wecoms_own_and_only_the_configured_root_is_asked() -> None:
    api = wecom.WecomApi(WecomSettings(), now=lambda: dt.datetime.now(dt.UTC), client=httpx.Client())
    try:
        assert api.base == wecom.DEFAULT_API_BASE_URL == "https://qyapi.weixin.qq.com/cgi-bin"
    finally:
        api.close()


def test_words_then_a_photo_from_the_same_sender_are_joined_by_carry_over(bot: WecomBot, tmp_path: Path) -> None:
    bot.say(FACTORY, "PO-1001 红锅上釉第二遍")
    bot.clock.advance(minutes=2)
    photo = bot.show(FACTORY, jpeg(tmp_path, "glaze.jpg"))
    bot.clock.advance(minutes=1)
    bot.say(AGENT_USERID, "收到")

    bot.work()

    row = bot.inbound(photo)
    assert (row["ev_evidence"], row["ev_order"], row["contact_id"]) == (1, "PO-1001", FACTORY)
    assert row["chat"] == f"wecom:{FACTORY}"


def test_a_sender_maps_to_the_contact_with_that_wecom_userid(bot: WecomBot) -> None:
    mid = bot.say(AGENT_USERID, "PO-1001 pre-packing check booked")

    bot.work()

    row = bot.inbound(mid)
    assert (row["sender"], row["contact_id"], row["chat"]) == (AGENT_USERID, AGENT, f"wecom:{AGENT_USERID}")


# ---------------------------------------------------------------- outbound


def test_a_reply_goes_through_message_send_to_the_sender_in_their_language(bot: WecomBot) -> None:
    bot.say(FACTORY, "PO-1001 RP-24-RED 上釉完成 1200 件")  # li.qiang writes Chinese
    bot.say(AGENT_USERID, "PO-1001 RP-24-RED glazing done, 1200 pcs")  # tom.wu reads English

    bot.work()

    assert [r["state"] for r in bot.outbox()] == ["sent", "sent"]
    to_factory, to_agent = bot.fake.sent
    assert (to_factory["touser"], to_factory["agentid"], to_factory["msgtype"]) == (FACTORY, AGENT_ID, "text")
    assert to_factory["text"]["content"].startswith("已记录 PO-1001")
    assert (to_agent["touser"], to_agent["agentid"]) == (AGENT_USERID, AGENT_ID)
    assert to_agent["text"]["content"].startswith("Recorded for PO-1001")


def test_a_send_wecom_refuses_stays_in_the_outbox_and_goes_on_a_later_pass(bot: WecomBot) -> None:
    bot.fake.fail_sends.append(45009)  # api freq out of limit
    bot.say(FACTORY, "PO-1001 RP-24-RED 上釉完成 1200 件")

    bot.work()
    [row] = bot.outbox()
    assert row["state"] == "pending" and "45009" in row["last_error"]
    bot.clock.advance(minutes=5)
    bot.work()

    assert [r["state"] for r in bot.outbox()] == ["sent"]
    assert len(bot.fake.sent) == 1


def test_a_message_for_a_contact_goes_to_their_userid_with_choices_listed(bot: WecomBot) -> None:
    queue(bot, OutboundMessage("wecom", AGENT_USERID, "Which order?", "prompt:test:1",
                               buttons=(("PO-1001", "o:1"), ("PO#2002", "o:2"))))

    bot.app.send_outbox()

    [sent] = bot.fake.sent
    assert sent["touser"] == AGENT_USERID
    assert sent["text"]["content"] == "Which order?\n[1] PO-1001\n[2] PO#2002"


def test_a_text_longer_than_wecoms_2048_bytes_goes_as_several_messages_cut_at_line_ends(bot: WecomBot) -> None:
    lines = [f"PO-1001 第{n}行：" + "红锅上釉完成" * 20 for n in range(12)]
    queue(bot, OutboundMessage("wecom", FACTORY, "\n".join(lines), "digest:test:1"))

    bot.app.send_outbox()

    contents = [s["text"]["content"] for s in bot.fake.sent]
    assert len(contents) > 1
    assert all(len(c.encode()) <= 2048 for c in contents)
    assert "\n".join(contents) == "\n".join(lines)
    assert [r["state"] for r in bot.outbox()] == ["sent"]


def test_when_a_later_part_fails_the_retry_sends_only_the_parts_wecom_has_not_taken(bot: WecomBot) -> None:
    lines = [f"PO-1001 第{n}行：" + "红锅上釉完成" * 20 for n in range(12)]
    queue(bot, OutboundMessage("wecom", FACTORY, "\n".join(lines), "digest:test:2"))
    bot.fake.fail_sends.extend([0, 45009])  # the first part goes, the second is refused

    bot.app.send_outbox()
    bot.clock.advance(minutes=5)
    bot.app.send_outbox()

    contents = [s["text"]["content"] for s in bot.fake.sent]
    assert "\n".join(contents) == "\n".join(lines)  # each part exactly once
    assert [(r["state"], r["attempts"]) for r in bot.outbox()] == [("sent", 2)]


def test_without_an_agent_id_messages_wait_in_the_outbox_saying_why(tmp_path: Path, fake_api: FakeWecomApi) -> None:
    for bot in make_bot(tmp_path, fake_api, ORDER_BOOK, contacts_doc(), agent_id=""):
        bot.say(FACTORY, "PO-1001 RP-24-RED 上釉完成 1200 件")

        bot.work()

        [row] = bot.outbox()
        assert row["state"] == "pending" and "agent_id is not set" in row["last_error"]
        assert fake_api.sent == []


def test_an_agent_id_that_is_not_a_number_stops_the_app_at_start(tmp_path: Path, fake_api: FakeWecomApi) -> None:
    with pytest.raises(SettingsError, match=r"\[wecom\] agent_id"):
        bootstrap(wecom_settings(tmp_path, fake_api, agent_id="sales-bot"))
