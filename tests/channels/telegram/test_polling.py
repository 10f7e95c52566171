"""Polling mode (local use): getUpdates feeds the same path as the webhook, and the offset confirms what is stored."""
from __future__ import annotations

import threading

from bot.channels.telegram_live import poll_forever
from tests.channels.telegram.fake_bot_api import wait_until
from tests.channels.telegram.harness import GROUP, TelegramBot, load


def run_poller(tg: TelegramBot, woken: threading.Event) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=poll_forever, args=(tg.app, stop, woken.set), kwargs={"timeout": 1},
                              name="test-poller", daemon=True)
    thread.start()
    return thread, stop


def stored(tg: TelegramBot) -> int:
    return tg.value("SELECT count(*) FROM inbound_messages")


def test_polled_updates_are_stored_once_and_confirmed_with_the_next_offset(tg):
    woken = threading.Event()
    text, reply, edit = load("text.json"), load("reply.json"), load("edited_message.json")
    for u in (text, reply, edit):  # in update_id order, as Telegram keeps them
        tg.fake.push_update(u)
    thread, stop = run_poller(tg, woken)
    try:
        wait_until(lambda: stored(tg) == 2, 10, "two polled messages stored")
        assert woken.is_set()
        # an update that comes again (a restart before its offset was confirmed) adds nothing
        tg.fake.push_update(load("reply.json") | {"update_id": reply["update_id"] + 10})
        tg.fake.push_update(load("callback_query.json") | {"update_id": 870000020})
        wait_until(lambda: stored(tg) == 3, 10, "the button press stored")
        wait_until(lambda: any(p.get("offset") == 870000021 for p in tg.fake.params_of("getUpdates")), 10,
                   "the last update confirmed")
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    offsets = [p.get("offset") for p in tg.fake.params_of("getUpdates")]
    assert offsets[0] is None and offsets[1] == edit["update_id"] + 1  # an ignored edit is confirmed too
    assert offsets == sorted(offsets, key=lambda o: o or 0)  # the offset only moves forward
    assert {r["message_id"] for r in tg.rows("SELECT message_id FROM inbound_messages")} == {
        f"{GROUP}:101", f"{GROUP}:104", f"{GROUP}:cb:2465039187231740301"}
    assert tg.fake.params_of("getUpdates")[0]["allowed_updates"] == ["message", "callback_query"]


def test_polled_messages_are_tagged_by_the_worker_like_webhook_ones(tg):
    tg.fake.push_update(load("text.json"))
    thread, stop = run_poller(tg, threading.Event())
    try:
        wait_until(lambda: stored(tg) == 1, 10, "the polled message stored")
    finally:
        stop.set()
        thread.join(10)
    tg.work()
    assert tg.inbound(f"{GROUP}:101")["ev_order"] == "PO-1001"


def test_a_polled_update_is_stored_as_telegram_sent_it(tg):
    import json

    sent = load("reply.json")
    tg.fake.push_update(sent)
    thread, stop = run_poller(tg, threading.Event())
    try:
        wait_until(lambda: stored(tg) == 1, 10, "the polled message stored")
    finally:
        stop.set()
        thread.join(10)
    payload = json.loads(tg.inbound(f"{GROUP}:104")["raw"])["payload"]
    assert payload.pop("reply_to") == f"{GROUP}:101"
    assert payload == sent
