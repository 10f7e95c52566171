"""Asking "which order?" on Telegram: a message whose red pot is in two open orders gets one inline button per
order, and a press (or a typed number) attaches it to the order chosen, once."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.channels.telegram import to_inbound
from bot.services import export_evidence
from tests.channels.telegram.fake_bot_api import FakeBotApi, Sent
from tests.channels.telegram.harness import (
    GROUP,
    LI_ID,
    START,
    TOM_ID,
    TelegramBot,
    contacts_doc,
    load,
    make_bot,
    serve_photos,
)
from tests.fixtures import FACTORY, SECOND_RED_POT_ORDER, two_orders_with_the_red_pot, with_factory_on

SECOND = SECOND_RED_POT_ORDER  # the same red pot (RP-24-RED, 红锅) as PO-1001
AMBIGUOUS = "红锅上釉第二遍"  # "red pot, second glaze coat": no order named, and 红锅 is in both
ATTACHED = f"谢谢，已归到 {SECOND}。"  # li.qiang writes Chinese: "thanks, attached to PO-1003."


def factory_on_both() -> dict[str, Any]:
    """The channel test contacts, the factory assigned to PO-1003 as well."""
    return with_factory_on(contacts_doc(), SECOND)


@pytest.fixture
def tg(tmp_path: Path, fake_api: FakeBotApi) -> Iterator[TelegramBot]:
    """The bot against the fake Bot API, with two open orders sharing the red pot."""
    yield from make_bot(tmp_path, fake_api, orders=two_orders_with_the_red_pot(), contacts=factory_on_both())


def ambiguous_photo(tg: TelegramBot) -> dict[str, Any]:
    """li.qiang's photo of the red pot, captioned without an order (its picture served by the fake)."""
    update = load("photo_caption.json")
    update["message"]["caption"] = AMBIGUOUS
    serve_photos(tg.fake, update, seed=7)
    return update


def ambiguous_text() -> dict[str, Any]:
    update = load("text.json")
    update["message"]["text"] = AMBIGUOUS
    return update


def text_from_li(text: str, message_id: int) -> dict[str, Any]:
    """li.qiang typing in the group, now (after the question)."""
    update = load("text.json")
    update["update_id"] += message_id
    update["message"].update(message_id=message_id, text=text, date=int(START.timestamp()))
    return update


def press(question: Sent, data: str, query_id: str, user_id: int = LI_ID) -> dict[str, Any]:
    """A callback_query update: `user_id` pressed the button carrying `data` under the bot's question."""
    update = load("callback_query.json")
    cq = update["callback_query"]
    update["update_id"] += int(query_id[-4:])
    cq["id"] = query_id
    cq["from"]["id"] = user_id
    cq["message"].update(message_id=question.message_id, text=question.text, reply_markup=question.reply_markup)
    cq["data"] = data
    return update


def ask(tg: TelegramBot, update: dict[str, Any]) -> Sent:
    """Deliver an ambiguous message, run the worker, and return the one question the bot sent."""
    tg.deliver(update)
    tg.work()
    [question] = tg.fake.delivered(GROUP)
    return question


def buttons(question: Sent) -> list[tuple[str, str]]:
    return [(b["text"], b["callback_data"]) for row in question.reply_markup["inline_keyboard"] for b in row]


def record(tg: TelegramBot, message_id: int | str) -> dict[str, Any]:
    """The `evidence export` record of one message in the group."""
    wanted = f"{GROUP}:{message_id}"
    [found] = [r for r in export_evidence(tg.app.engine) if r["message_id"] == wanted]
    return found


def prompt(tg: TelegramBot) -> dict[str, Any]:
    [row] = tg.rows("SELECT * FROM prompts WHERE kind = 'which_order'")
    return dict(row)


def test_an_ambiguous_photo_gets_one_inline_button_per_open_order_naming_the_stored_question(tg):
    question = ask(tg, ambiguous_photo(tg))

    asked = prompt(tg)
    assert buttons(question) == [("PO-1001", f"pick:{asked['id']}:1"), (SECOND, f"pick:{asked['id']}:2")]
    assert "哪个订单" in question.text and f"1. PO-1001\n2. {SECOND}" in question.text
    assert (asked["state"], asked["contact_id"], asked["chat"]) == ("open", FACTORY, f"telegram:{GROUP}")
    assert (record(tg, 102)["ambiguous"], record(tg, 102)["resolved_order"]) == (True, None)


def test_pressing_the_second_button_attaches_the_photo_to_that_order_and_says_so(tg):
    question = ask(tg, ambiguous_photo(tg))

    tg.deliver(press(question, buttons(question)[1][1], "2465039187231740401"))
    tg.work()

    photo = record(tg, 102)
    assert (photo["evidence"], photo["order"], photo["resolved_order"]) == (True, None, SECOND)
    assert record(tg, "cb:2465039187231740401")["order"] is None
    assert [s.text for s in tg.fake.delivered(GROUP)][1:] == [ATTACHED]
    assert prompt(tg)["state"] == "answered"
    assert [a["callback_query_id"] for a in tg.fake.answered] == ["2465039187231740401"]


def test_pressing_a_button_of_an_answered_question_changes_nothing(tg):
    question = ask(tg, ambiguous_photo(tg))
    tg.deliver(press(question, buttons(question)[1][1], "2465039187231740401"))
    tg.work()
    answered_by = prompt(tg)["answered_by"]

    tg.deliver(press(question, buttons(question)[0][1], "2465039187231740402"),
               press(question, buttons(question)[1][1], "2465039187231740403"))
    tg.work()

    assert record(tg, 102)["resolved_order"] == SECOND
    assert [s.text for s in tg.fake.delivered(GROUP)][1:] == [ATTACHED]
    assert (prompt(tg)["state"], prompt(tg)["answered_by"]) == ("answered", answered_by)


def test_typing_the_number_2_instead_of_pressing_attaches_the_message_the_same_way(tg):
    question = ask(tg, ambiguous_text())

    tg.deliver(text_from_li("2", message_id=130))
    tg.work()

    assert (record(tg, 101)["order"], record(tg, 101)["resolved_order"]) == (None, SECOND)
    assert (record(tg, 130)["order"], record(tg, 130)["resolved_order"]) == (None, None)
    assert [s.text for s in tg.fake.delivered(GROUP)] == [question.text, ATTACHED]
    assert prompt(tg)["state"] == "answered"


def test_a_button_pressed_by_someone_else_in_the_group_attaches_nothing(tg):
    question = ask(tg, ambiguous_text())

    tg.deliver(press(question, buttons(question)[1][1], "2465039187231740501", user_id=TOM_ID))
    tg.work()

    assert record(tg, 101)["resolved_order"] is None
    assert prompt(tg)["state"] == "open"
    assert [s.text for s in tg.fake.delivered(GROUP)] == [question.text]


def test_a_button_pressed_after_the_24_hour_answer_window_attaches_nothing(tg):
    question = ask(tg, ambiguous_text())
    tg.clock.advance(hours=25)

    tg.deliver(press(question, buttons(question)[1][1], "2465039187231740601"))
    tg.work()

    assert record(tg, 101)["resolved_order"] is None
    assert [s.text for s in tg.fake.delivered(GROUP)] == [question.text]


def test_history_replayed_without_notify_sends_nothing_but_still_records_the_answer(tg):
    tg.app.pipeline.receive([to_inbound(ambiguous_text()), to_inbound(text_from_li("2", message_id=130))],
                            notify=False)
    tg.work()

    assert record(tg, 101)["resolved_order"] == SECOND
    assert prompt(tg)["state"] == "answered"
    assert tg.outbox() == [] and tg.fake.delivered() == []
