"""POST /webhooks/twilio: only Twilio's signature over the public URL gets in; a message is stored once, raw."""
from __future__ import annotations

import threading
import xml.etree.ElementTree as ET

import httpx
import pytest

from bot.services import export_evidence
from bot.web import make_web
from tests.channels.fakes import LoopbackServer, inbound_form, sign, webhook_request
from tests.channels.harness import ACCOUNT_SID, AUTH_TOKEN, FACTORY_PHONE, WEBHOOK_URL, Bot
from tests.fixtures import FACTORY

TEXT = "PO-1001 RP-24-RED 上釉完成 1200 件"


def photo_form(bot: Bot) -> dict[str, str]:
    url = bot.fake.add_media(b"\xff\xd8\xff\xe0" + b"\x00" * 64)
    return inbound_form(FACTORY_PHONE, TEXT, [(url, "image/jpeg")], account_sid=ACCOUNT_SID)


def forged(form: dict[str, str]) -> str:
    """A signature Twilio could have made, but over other parameters (the body was tampered with)."""
    return sign(AUTH_TOKEN, WEBHOOK_URL, {**form, "Body": "something else"})


@pytest.mark.parametrize("how", ["forged", "missing", "for another URL", "for the URL the client used",
                                 "with another token"])
def test_a_badly_signed_delivery_gets_403_and_leaves_nothing_stored_or_downloaded(bot: Bot, how: str) -> None:
    form = photo_form(bot)
    if how == "forged":
        resp = bot.post(form, signature=forged(form))
    elif how == "missing":
        resp = bot.post(form, signature="")
    elif how == "for another URL":
        resp = bot.post(form, url_signed="https://attacker.example.test/webhooks/twilio")
    elif how == "for the URL the client used":  # the server must validate against public_url, not its own URL
        resp = bot.post(form, url_signed="http://testserver.internal/webhooks/twilio")
    else:
        resp = bot.post(form, signature=sign("0" * 32, WEBHOOK_URL, form))
    bot.work()

    assert resp.status_code == 403
    assert bot.value("SELECT count(*) FROM inbound_messages") == 0
    assert bot.fake.media_requests == []
    assert bot.fake.downloads == 0


def test_a_valid_text_message_is_acknowledged_with_an_empty_twiml_response(bot: Bot) -> None:
    sid = "SM" + "7a" * 16

    resp = bot.post(inbound_form(FACTORY_PHONE, TEXT, sid=sid, account_sid=ACCOUNT_SID))

    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(resp.content)
    assert root.tag == "Response" and list(root) == [] and not (root.text or "").strip()


def test_a_text_message_is_stored_under_its_message_sid_in_the_senders_whatsapp_chat(bot: Bot) -> None:
    sid = bot.say(FACTORY_PHONE, TEXT, sid="SM" + "7b" * 16)
    bot.work()

    records = list(export_evidence(bot.app.engine))

    assert [(r["chat"], r["message_id"]) for r in records] == [(f"whatsapp:{FACTORY_PHONE}", sid)]
    assert records[0]["sender"] == FACTORY
    assert records[0]["evidence"] is True and records[0]["order"] == "PO-1001"
    stored = bot.inbound(sid)
    assert stored["text"] == TEXT and stored["received_at"].startswith("2026-06-09 02:00:00")


def test_the_same_delivery_repeated_five_times_in_sequence_is_stored_once(bot: Bot) -> None:
    form = photo_form(bot)

    statuses = [bot.post(form).status_code for _ in range(5)]
    bot.work()

    assert statuses == [200] * 5
    assert bot.value("SELECT count(*) FROM inbound_messages") == 1
    assert bot.value("SELECT count(*) FROM evidence") == 1
    assert bot.fake.downloads == 1


def test_the_same_delivery_arriving_five_times_at_once_over_http_is_stored_once(bot: Bot) -> None:
    form = photo_form(bot)
    body, headers = webhook_request(form, AUTH_TOKEN, WEBHOOK_URL)
    start = threading.Barrier(5)
    statuses: list[int] = []

    def deliver() -> None:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            start.wait(timeout=10)
            statuses.append(client.post("/webhooks/twilio", content=body, headers=headers).status_code)

    with LoopbackServer(make_web(bot.app)) as server:
        threads = [threading.Thread(target=deliver) for _ in range(5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    bot.work()

    assert statuses == [200] * 5
    assert bot.value("SELECT count(*) FROM inbound_messages") == 1
    assert bot.value("SELECT count(*) FROM evidence") == 1
    assert bot.fake.downloads == 1


def test_five_threads_with_their_own_test_clients_repeating_one_delivery_store_it_once(bot: Bot) -> None:
    from tests.channels.harness import TestClient

    form = inbound_form(FACTORY_PHONE, TEXT, account_sid=ACCOUNT_SID)
    start = threading.Barrier(5)
    statuses: list[int] = []

    def deliver() -> None:
        with TestClient(make_web(bot.app), base_url="http://testserver.internal") as client:
            start.wait(timeout=10)
            statuses.append(bot.post(form, client=client).status_code)

    threads = [threading.Thread(target=deliver) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert statuses == [200] * 5
    assert bot.value("SELECT count(*) FROM inbound_messages") == 1
