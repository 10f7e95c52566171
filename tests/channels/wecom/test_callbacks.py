"""GET|POST /webhooks/wecom: URL verification, and messages verified, decrypted, stored once, answered at once."""
from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.web import make_web
from tests.channels.fakes import LoopbackServer
from tests.channels.wecom.fake_wecom_api import (
    PAYLOADS,
    AppKeys,
    Callback,
    FakeWecomApi,
    load_json,
    load_message,
    message_callback,
    message_xml,
    seal,
    verification_callback,
)
from tests.channels.wecom.harness import AGENT_ID, KEYS, PATH, WecomBot, make_bot, next_msg_id
from tests.fixtures import CONTACTS, FACTORY, ORDER_BOOK

TEXT = "PO-1001 RP-24-RED 上釉完成 1200 件"


def message_rows(bot: WecomBot) -> int:
    return bot.value("SELECT count(*) FROM inbound_messages WHERE chat != 'wecom:quarantine'")


# ---------------------------------------------------------------- URL verification


def test_url_verification_is_answered_with_the_decrypted_echostr(bot: WecomBot) -> None:
    cb = verification_callback(KEYS, "6543216987412369874")

    resp = bot.client.get(f"{PATH}?{cb.query}")

    assert resp.status_code == 200
    assert resp.text == "6543216987412369874"  # the bare string: no quotes, no newline


@pytest.mark.parametrize("how", ["a wrong signature", "another token", "no signature", "an echostr for another corp"])
def test_url_verification_is_refused_unless_our_signature_and_corp_check_out(bot: WecomBot, how: str) -> None:
    cb = verification_callback(KEYS, "6543216987412369874")
    if how == "a wrong signature":
        cb.params["msg_signature"] = "0" * 40
    elif how == "another token":
        cb = verification_callback(AppKeys("another", KEYS.aes_key, KEYS.corp_id), "6543216987412369874")
    elif how == "no signature":
        cb.params.pop("msg_signature")
    else:
        cb = verification_callback(AppKeys(KEYS.token, KEYS.aes_key, "wwOTHER"), "6543216987412369874")

    resp = bot.client.get(f"{PATH}?{cb.query}")

    assert resp.status_code == 403
    assert "6543216987412369874" not in resp.text


@pytest.fixture
def official(tmp_path: Path) -> Iterator[WecomBot]:
    """The bot configured with the token, EncodingAESKey and corp id of WeCom's published example."""
    v = load_json("official_vectors.json")
    with FakeWecomApi(v["corp_id"], "secret", 218) as fake:
        yield from make_bot(tmp_path, fake, ORDER_BOOK, CONTACTS, corp_id=v["corp_id"], token=v["token"],
                            aes_key=v["encoding_aes_key"], agent_id="218")


def test_wecoms_published_example_verifies_and_delivers_through_the_callback_url(official: WecomBot) -> None:
    v = load_json("official_vectors.json")

    verify = official.client.get(f"{PATH}?{v['verify_url']['query']}")
    delivered = official.client.post(f"{PATH}?{v['message']['query']}",
                                     content=(PAYLOADS / v["message"]["body_file"]).read_bytes())

    assert (verify.status_code, verify.text) == (200, v["verify_url"]["echostr_plain"])
    assert delivered.status_code == 200
    row = official.inbound(v["message"]["plain"]["MsgId"])
    assert (row["chat"], row["sender"], row["text"]) == ("wecom:mycreate", "mycreate", "hello")


# ---------------------------------------------------------------- messages


def test_a_message_is_acknowledged_with_an_empty_body_and_stored_raw_before_any_api_call(bot: WecomBot) -> None:
    fields = bot.fields(FACTORY, "text", Content=TEXT)

    resp = bot.deliver(bot.callback(fields))

    assert resp.status_code == 200 and resp.content == b""
    assert bot.fake.requests == []  # nothing slow in the callback: no token, no download
    assert bot.client.get("/healthz").json() == {"status": "ok", "pending": 1}
    row = bot.inbound(fields["MsgId"])
    assert (row["channel"], row["chat"], row["sender"], row["text"]) == ("wecom", f"wecom:{FACTORY}", FACTORY, TEXT)
    assert json.loads(row["raw"])["payload"]["MsgId"] == fields["MsgId"]


@pytest.mark.parametrize("how", ["a wrong signature", "another token", "a tampered body", "no signature",
                                 "no query at all", "a body that is not XML"])
def test_a_badly_signed_message_gets_403_and_leaves_0_rows(bot: WecomBot, how: str) -> None:
    fields = bot.fields(FACTORY, "text", Content=TEXT)
    cb = bot.callback(fields)
    if how == "a wrong signature":
        cb.params["msg_signature"] = "f" * 40
    elif how == "another token":
        cb = message_callback(AppKeys("another", KEYS.aes_key, KEYS.corp_id), fields, AGENT_ID)
    elif how == "a tampered body":  # a different ciphertext under the first one's signature
        other = bot.callback(dict(fields, Content="PO-1001 all shipped"))
        cb = Callback(cb.params, other.body)
    elif how == "no signature":
        cb.params.pop("msg_signature")
    elif how == "no query at all":
        cb.params.clear()
    else:
        cb.body = b"msg=hello"

    resp = bot.deliver(cb)
    bot.work()

    assert resp.status_code == 403
    assert bot.value("SELECT count(*) FROM inbound_messages") == 0
    assert bot.fake.requests == []


def test_the_same_callback_five_times_leaves_one_row(bot: WecomBot) -> None:
    cb = bot.callback(bot.fields(FACTORY, "text", Content=TEXT))

    codes = [bot.deliver(cb).status_code for _ in range(5)]

    assert codes == [200] * 5
    assert bot.value("SELECT count(*) FROM inbound_messages") == 1


def test_the_same_image_callback_arriving_five_times_at_once_over_http_is_stored_and_fetched_once(
        bot: WecomBot) -> None:
    media_id = bot.fake.add_media(b"\xff\xd8\xff\xe0" + b"\x00" * 64)
    cb = bot.callback(bot.fields(FACTORY, "image", PicUrl="https://wework.qpic.cn/wwpic/x/0", MediaId=media_id))
    start = threading.Barrier(5)
    statuses: list[int] = []

    def deliver() -> None:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            start.wait(timeout=10)
            statuses.append(client.post(f"{PATH}?{cb.query}", content=cb.body).status_code)

    with LoopbackServer(make_web(bot.app)) as server:
        threads = [threading.Thread(target=deliver) for _ in range(5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    bot.work()

    assert statuses == [200] * 5
    assert bot.value("SELECT count(*) FROM inbound_messages") == 1
    assert len(bot.fake.calls("media/get")) == 1


def test_a_retry_sealed_afresh_with_the_same_msgid_adds_nothing(bot: WecomBot) -> None:
    fields = bot.fields(FACTORY, "text", Content=TEXT)

    first, again = bot.deliver(bot.callback(fields)), bot.deliver(bot.callback(fields))  # new nonce and IV each time

    assert (first.status_code, again.status_code) == (200, 200)
    assert bot.value("SELECT count(*) FROM inbound_messages") == 1


@pytest.mark.parametrize("how", ["another corp id", "bad padding"])
def test_a_signed_message_that_cannot_be_decrypted_fails_closed_into_quarantine(bot: WecomBot, how: str) -> None:
    fields = bot.fields(FACTORY, "text", Content=TEXT)
    xml = message_xml(fields)
    if how == "another corp id":
        encrypted = seal(KEYS, xml, receiver="wwOTHERCORP0000000")
    else:
        encrypted = seal(KEYS, xml, pad=lambda b: b + b"\x00" * (-len(b) % 32 or 32))
    cb = message_callback(KEYS, fields, AGENT_ID, encrypted=encrypted)

    responses = [bot.deliver(cb).status_code for _ in range(3)]  # WeCom would retry; we keep it once
    bot.work()

    assert responses == [200, 200, 200]
    assert message_rows(bot) == 0
    [(state, error, raw)] = bot.rows("SELECT state, error, raw FROM inbound_messages")
    assert state == "quarantined"
    assert ("corp id" if how == "another corp id" else "padding") in error
    kept = json.loads(raw)["payload"]
    assert kept["envelope"]["Encrypt"] == encrypted  # the ciphertext, to open once the settings are fixed
    assert TEXT not in raw
    assert bot.fake.requests == []


def test_an_event_is_acknowledged_and_not_stored(bot: WecomBot) -> None:
    fields = load_message("event_enter_agent", ToUserName=KEYS.corp_id, FromUserName=FACTORY)

    resp = bot.deliver(message_callback(KEYS, fields, AGENT_ID))

    assert resp.status_code == 200 and resp.content == b""
    assert bot.value("SELECT count(*) FROM inbound_messages") == 0


def test_a_signed_message_without_a_msgid_is_kept_in_quarantine(bot: WecomBot) -> None:
    fields = bot.fields(FACTORY, "text", Content=TEXT)
    del fields["MsgId"]

    resp = bot.deliver(bot.callback(fields))

    assert resp.status_code == 200
    assert bot.rows("SELECT state, error FROM inbound_messages") == [("quarantined", "no MsgId")]


def test_voice_video_location_and_link_messages_are_stored_and_processed(bot: WecomBot) -> None:
    voice = bot.fake.add_media(b"#!AMR\n" + b"\x00" * 64)
    video = bot.fake.add_media(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64)
    sent = {}
    for name, extra in (("msg_voice", {"MediaId": voice}), ("msg_video", {"MediaId": video}),
                        ("msg_location", {"Label": "永康市 恒力炊具 PO-1001 仓库"}),
                        ("msg_link", {"Title": "PO-1001 packing list"})):
        fields = load_message(name, ToUserName=KEYS.corp_id, FromUserName=FACTORY, MsgId=next_msg_id(),
                              CreateTime=int(bot.clock.now().timestamp()), **extra)
        assert bot.deliver(message_callback(KEYS, fields, AGENT_ID)).status_code == 200
        sent[name] = fields["MsgId"]

    bot.work()

    assert bot.value("SELECT count(*) FROM inbound_messages WHERE state = 'processed'") == 4
    assert [a["size"] for a in bot.attachments(sent["msg_voice"])] == [70]
    assert [a["kind"] for a in bot.attachments(sent["msg_video"])] == ["video"]
    assert bot.inbound(sent["msg_location"])["text"] == "永康市 恒力炊具 PO-1001 仓库"
    assert bot.inbound(sent["msg_link"])["ev_order"] == "PO-1001"
    assert len(bot.fake.calls("media/get")) == 2
