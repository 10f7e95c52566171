"""Who wrote: a number maps to a contact by E.164; a stranger is kept in quarantine and the agents are told once."""
from __future__ import annotations

import json

from tests.channels.harness import AGENT_PHONE, FACTORY_PHONE, SECOND_AGENT, SECOND_AGENT_PHONE, STRANGER_PHONE, Bot
from tests.fixtures import AGENT, FACTORY


def test_a_sender_maps_to_the_contact_whose_phone_has_spaces_in_the_contacts_file(bot: Bot) -> None:
    sid = bot.say(FACTORY_PHONE, "PO-1001 RP-24-RED 上釉完成")  # contacts.json says "+86 137 5891 2260"
    bot.work()

    row = bot.inbound(sid)
    assert row["contact_id"] == FACTORY and row["sender"] == FACTORY_PHONE
    assert row["state"] == "processed" and row["ev_evidence"] == 1 and row["ev_order"] == "PO-1001"


def test_a_strangers_messages_are_kept_in_quarantine_and_are_not_evidence(bot: Bot) -> None:
    first = bot.say(STRANGER_PHONE, "PO-1001 RP-24-RED 上釉完成 1200 件")
    bot.clock.advance(minutes=3)
    second = bot.say(STRANGER_PHONE, "PO-1001 装柜完成")
    bot.work()

    for sid in (first, second):
        row = bot.inbound(sid)
        assert row["state"] == "quarantined" and row["contact_id"] is None
        assert row["ev_evidence"] == 0 and row["ev_order"] is None
        assert "unknown_sender" in json.loads(row["ev_flags"])


def test_the_agents_are_told_about_a_stranger_once_each_however_often_the_stranger_writes(bot: Bot) -> None:
    bot.say(STRANGER_PHONE, "你好")
    bot.clock.advance(minutes=3)
    bot.say(STRANGER_PHONE, "PO-1001 什么时候验货？")
    bot.work()
    bot.clock.advance(hours=2)
    bot.say(STRANGER_PHONE, "在吗")
    bot.work()

    alerts = [r for r in bot.outbox() if r["dedupe_key"].startswith("alert:unknown-sender:")]
    assert sorted((r["recipient"], r["dedupe_key"]) for r in alerts) == sorted([
        (f"whatsapp:{AGENT_PHONE}", f"alert:unknown-sender:whatsapp:{STRANGER_PHONE}:{AGENT}"),
        (f"whatsapp:{SECOND_AGENT_PHONE}", f"alert:unknown-sender:whatsapp:{STRANGER_PHONE}:{SECOND_AGENT}"),
    ])
    assert all(STRANGER_PHONE in r["text"] for r in alerts)
    assert not any(r["recipient"] == f"whatsapp:{FACTORY_PHONE}" for r in bot.outbox())


def test_evidence_for_an_order_the_sender_is_not_assigned_to_is_stored_and_flagged(bot: Bot) -> None:
    sid = bot.say(FACTORY_PHONE, "PO#2002 白毛巾 5000 条包装完成")  # li.qiang works on PO-1001, not PO#2002

    bot.work()

    row = bot.inbound(sid)
    assert row["state"] == "processed" and row["contact_id"] == FACTORY
    assert row["ev_evidence"] == 1 and row["ev_order"] == "PO#2002"
    assert "unassigned_order" in json.loads(row["ev_flags"])
