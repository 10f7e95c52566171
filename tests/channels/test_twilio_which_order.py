"""Asking "which order?" on WhatsApp: no buttons there, so the question lists the orders by number, and the answer
(the number, or the order's own digits) attaches the earlier message to the order chosen."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.services import export_evidence, import_contacts, import_orders
from tests.channels.fakes import FakeTwilio
from tests.channels.harness import BOT_NUMBER, FACTORY_PHONE, Bot, contacts_doc, make_bot
from tests.fixtures import FACTORY, SECOND_RED_POT_ORDER, two_orders_with_the_red_pot, with_factory_on

SECOND = SECOND_RED_POT_ORDER  # the same red pot (RP-24-RED, 红锅) as PO-1001
AMBIGUOUS = "红锅上釉第二遍"  # "red pot, second glaze coat": no order named, and 红锅 is in both
CHAT = f"whatsapp:{FACTORY_PHONE}"


def factory_on_both() -> dict[str, Any]:
    """The channel test contacts, the factory assigned to PO-1003 as well."""
    return with_factory_on(contacts_doc(), SECOND)


@pytest.fixture
def wa(tmp_path: Path, fake_twilio: FakeTwilio) -> Iterator[Bot]:
    """The bot against the fake Twilio, with two open orders sharing the red pot."""
    for bot in make_bot(tmp_path, fake_twilio):
        import_orders(bot.app.engine, two_orders_with_the_red_pot())
        import_contacts(bot.app.engine, factory_on_both())
        yield bot


def ask(wa: Bot) -> tuple[str, str]:
    """li.qiang's ambiguous message through the signed webhook, worked; its MessageSid and the question's Body."""
    sid = wa.say(FACTORY_PHONE, AMBIGUOUS)
    wa.work()
    [question] = wa.fake.sent
    assert (question["To"], question["From"]) == (CHAT, BOT_NUMBER)
    wa.clock.advance(minutes=3)
    return sid, question["Body"]


def record(wa: Bot, sid: str) -> dict[str, Any]:
    """The `evidence export` record of one message."""
    [found] = [r for r in export_evidence(wa.app.engine) if r["message_id"] == sid]
    return found


def prompt(wa: Bot) -> dict[str, Any]:
    [row] = wa.records("SELECT * FROM prompts WHERE kind = 'which_order'")
    return row


def test_the_question_sent_through_twilio_lists_each_open_order_by_number(wa):
    sid, body = ask(wa)

    assert "哪个订单" in body
    assert body.splitlines()[-2:] == ["1. PO-1001", f"2. {SECOND}"]
    assert (prompt(wa)["state"], prompt(wa)["chat"], prompt(wa)["contact_id"]) == ("open", CHAT, FACTORY)
    assert (record(wa, sid)["ambiguous"], record(wa, sid)["resolved_order"]) == (True, None)


def test_answering_2_attaches_the_earlier_message_to_the_second_order_and_thanks_in_chinese(wa):
    asked, _ = ask(wa)

    answer = wa.say(FACTORY_PHONE, "2")
    wa.work()

    assert (record(wa, asked)["order"], record(wa, asked)["resolved_order"]) == (None, SECOND)
    assert (record(wa, answer)["order"], record(wa, answer)["resolved_order"]) == (None, None)
    assert (prompt(wa)["state"], prompt(wa)["answered_by"]) == ("answered", wa.inbound(answer)["id"])
    thanks = wa.fake.sent[-1]
    assert (thanks["To"], thanks["Body"]) == (CHAT, f"谢谢，已归到 {SECOND}。")


@pytest.mark.parametrize("text", ["for 1001", "对，1001的"])
def test_an_answer_naming_the_order_by_its_digits_attaches_the_message_to_that_order(wa, text):
    asked, _ = ask(wa)

    answer = wa.say(FACTORY_PHONE, text)
    wa.work()

    assert (record(wa, asked)["order"], record(wa, asked)["resolved_order"]) == (None, "PO-1001")
    assert record(wa, answer)["order"] is None
    assert prompt(wa)["state"] == "answered"
    assert wa.fake.sent[-1]["Body"] == "谢谢，已归到 PO-1001。"


def test_a_second_answer_after_the_question_was_answered_changes_nothing(wa):
    asked, _ = ask(wa)
    wa.say(FACTORY_PHONE, "2")
    wa.work()

    wa.say(FACTORY_PHONE, "1")
    wa.work()

    assert record(wa, asked)["resolved_order"] == SECOND
    assert [s["Body"] for s in wa.fake.sent][1:] == [f"谢谢，已归到 {SECOND}。"]


def test_a_number_sent_more_than_24_hours_later_answers_nothing(wa):
    asked, _ = ask(wa)
    wa.clock.advance(hours=25)

    wa.say(FACTORY_PHONE, "2")
    wa.work()

    assert record(wa, asked)["resolved_order"] is None
    assert prompt(wa)["state"] == "open"
    assert len(wa.fake.sent) == 1
