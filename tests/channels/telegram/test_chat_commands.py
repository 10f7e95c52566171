"""Chat commands: /help, /status PO and /start CODE, on their own and through the webhook."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session

from bot.chat_commands import CommandHook, handle_command, parse
from bot.clock import FixedClock
from bot.services import new_link_code
from store.book_repo import load_book
from tests.channels.telegram.harness import EMMA_ID, GROUP, LI_ID, TelegramBot, load
from tests.fixtures import AGENT, BUYER, FACTORY


def command(tg: TelegramBot, text: str, sender: str | None = None, contact_id: str | None = None,
            channel: str = "telegram") -> str | None:
    """Run one command as `contact_id` (Telegram user `sender`) and commit what it wrote."""
    with Session(tg.app.engine) as session:
        book = load_book(session)
        contact = book.contacts.get(contact_id or "")
        sender = sender or str(contact.telegram_user_id if contact and contact.telegram_user_id else EMMA_ID)
        answer = handle_command(session, text, channel=channel, sender=sender, contact_id=contact_id, book=book,
                                now=tg.clock.now())
        session.commit()
    return answer


def telegram_user_of(tg: TelegramBot, contact_id: str) -> int | None:
    return tg.value("SELECT telegram_user_id FROM contacts WHERE id = ?", (contact_id,))


@pytest.mark.parametrize(("text", "name", "arg"), [
    ("/help", "help", ""), ("/status PO-1001", "status", "PO-1001"), ("/STATUS   po-1001 ", "status", "po-1001"),
    ("/status@OrderProofTestBot PO#2002", "status", "PO#2002"), ("/start K7QX2M9P", "start", "K7QX2M9P"),
])
def test_commands_are_read_with_or_without_the_bots_name(text, name, arg):
    cmd = parse(text)
    assert (cmd.name, cmd.arg) == (name, arg)


@pytest.mark.parametrize("text", ["", "hello /status PO-1001", "/stats PO-1001", "PO-1001 /help", "/"])
def test_other_text_is_no_command(text):
    assert parse(text) is None


def test_help_answers_in_the_senders_language(tg):
    assert "/status PO" in command(tg, "/help", contact_id=AGENT)
    assert "订单" in command(tg, "/help", contact_id=FACTORY)


def test_help_to_a_stranger_comes_in_both_languages(tg):
    answer = command(tg, "/help", sender="5999000111")
    assert "/status PO" in answer and "订单" in answer


def test_text_that_is_no_command_gets_no_answer(tg):
    assert command(tg, "PO-1001 红锅上釉第二遍", contact_id=FACTORY) is None


def test_start_with_a_valid_code_links_the_telegram_user_to_the_contact(tg):
    code, _ = new_link_code(tg.app.engine, BUYER, tg.clock)
    answer = command(tg, f"/start {code}", sender=str(EMMA_ID))
    assert "Emma Clarke" in answer
    assert telegram_user_of(tg, BUYER) == EMMA_ID
    assert tg.value("SELECT used_at FROM link_codes WHERE code = ?", (code,)) is not None


def test_a_code_typed_in_lower_case_still_links(tg):
    code, _ = new_link_code(tg.app.engine, BUYER, tg.clock)
    command(tg, f"/start {code.lower()}", sender=str(EMMA_ID))
    assert telegram_user_of(tg, BUYER) == EMMA_ID


def test_a_code_works_once(tg):
    code, _ = new_link_code(tg.app.engine, BUYER, tg.clock)
    command(tg, f"/start {code}", sender=str(EMMA_ID))
    answer = command(tg, f"/start {code}", sender="5999000111")
    assert "already been used" in answer
    assert telegram_user_of(tg, BUYER) == EMMA_ID


def test_an_expired_code_links_nobody(tg):
    code, _ = new_link_code(tg.app.engine, BUYER, FixedClock(tg.clock.now() - dt.timedelta(hours=25)))
    answer = command(tg, f"/start {code}", sender=str(EMMA_ID))
    assert "expired" in answer
    assert telegram_user_of(tg, BUYER) is None


def test_a_wrong_code_links_nobody(tg):
    answer = command(tg, "/start NOSUCH22", sender=str(EMMA_ID))
    assert "not valid" in answer and "无效" in answer  # a stranger: both languages
    assert telegram_user_of(tg, BUYER) is None


def test_start_without_a_code_asks_for_one(tg):
    assert "/start" in command(tg, "/start", sender=str(EMMA_ID))


def test_link_codes_are_for_telegram_only(tg):
    code, _ = new_link_code(tg.app.engine, BUYER, tg.clock)
    assert "Telegram" in command(tg, f"/start {code}", sender="+447700900123", channel="whatsapp")
    assert tg.value("SELECT used_at FROM link_codes WHERE code = ?", (code,)) is None


def test_linking_an_account_moves_it_from_the_contact_that_had_it(tg):
    code, _ = new_link_code(tg.app.engine, BUYER, tg.clock)
    command(tg, f"/start {code}", sender=str(LI_ID))
    assert (telegram_user_of(tg, BUYER), telegram_user_of(tg, FACTORY)) == (LI_ID, None)


def test_status_summarises_the_orders_milestones_and_words_alone_leave_evidence_pending(tg):
    tg.deliver(load("text.json"))
    tg.work()
    answer = command(tg, "/status PO-1001", contact_id=AGENT)
    lines = answer.splitlines()
    assert lines[0] == "PO-1001 as of 2026-06-09:"
    assert len(lines) == 7
    # a text with no photo is a claim, not proof: the milestone waits for evidence
    assert "inline production: evidence pending (1 evidence, last 2026-06-09)" in lines
    assert "PO lock: evidence pending" in lines  # implied by the later claim, shown by nothing
    assert "final inspection: not started (planned 2026-06-30)" in lines


def test_status_finds_an_order_by_its_number_alone(tg):
    assert command(tg, "/status 1001", contact_id=AGENT).startswith("PO-1001 as of")


def test_status_in_chinese_for_a_chinese_speaker(tg):
    assert command(tg, "/status PO-1001", contact_id=FACTORY).startswith("PO-1001（截至 2026-06-09）")


def test_status_of_an_order_not_assigned_to_the_sender_is_refused(tg):
    assert "不是您负责" in command(tg, "/status PO#2002", contact_id=FACTORY)


def test_status_of_an_unknown_order_says_so(tg):
    assert "PO-9999" in command(tg, "/status PO-9999", contact_id=AGENT)


def test_status_needs_an_order_and_a_known_sender(tg):
    assert "/status PO" in command(tg, "/status", contact_id=AGENT)
    assert "link code" in command(tg, "/status PO-1001", sender="5999000111")


def test_start_through_the_webhook_links_the_user_and_answers_in_their_chat(tg):
    tg.app.pipeline.after_tagging.insert(0, CommandHook(tg.clock))  # bootstrap wires this hook
    code, _ = new_link_code(tg.app.engine, BUYER, tg.clock)
    update = load("start_code.json")
    update["message"]["text"] = f"/start {code}"
    tg.deliver(update)
    tg.work()
    assert telegram_user_of(tg, BUYER) == EMMA_ID
    [answer] = tg.fake.delivered()
    assert answer.chat_id == EMMA_ID and "Linked" in answer.text
    # a command is answered, not replied to as a message, and no agent is told of a stranger
    assert [r["dedupe_key"].split(":")[0:2] for r in tg.outbox()] == [["reply", "cmd"]]
    # from now on the user's messages are theirs
    later = load("text.json")
    later["message"].update({"from": update["message"]["from"], "message_id": 150, "date": update["message"]["date"]})
    tg.deliver(later)
    tg.work()
    assert tg.inbound(f"{GROUP}:150")["contact_id"] == BUYER


def test_a_command_that_came_from_history_is_not_answered(tg):
    from bot.channels.telegram import to_inbound

    tg.app.pipeline.after_tagging.insert(0, CommandHook(tg.clock))
    code, _ = new_link_code(tg.app.engine, BUYER, tg.clock)
    update = load("start_code.json")
    update["message"]["text"] = f"/start {code}"
    tg.app.pipeline.receive([to_inbound(update)], notify=False)  # as an import of old chat history stores it
    tg.work()
    assert telegram_user_of(tg, BUYER) is None
    assert tg.outbox() == []
