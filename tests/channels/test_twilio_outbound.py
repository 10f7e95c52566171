"""Sending on WhatsApp: free text inside the 24-hour window, only a template outside it, nothing without one."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from bot.messages import OutboundMessage
from bot.outbox import enqueue
from tests.channels.fakes import FakeTwilio
from tests.channels.harness import BOT_NUMBER, FACTORY_PHONE, TEMPLATES, Bot, make_bot

TO = f"whatsapp:{FACTORY_PHONE}"
PROMPT = "PO-1001：请今天发包装照片"


@pytest.fixture
def bot_without_templates(tmp_path: Path, fake_twilio: FakeTwilio) -> Iterator[Bot]:
    yield from make_bot(tmp_path, fake_twilio, **{k: "" for k in TEMPLATES})


def queue(bot: Bot, text: str, key: str) -> None:
    """Put a message in the outbox, as the scheduler's prompts do."""
    with Session(bot.app.engine) as session:
        enqueue(session, OutboundMessage("whatsapp", TO, text, key), bot.clock.now())
        session.commit()


def test_a_reply_inside_the_24_hour_window_goes_as_free_text(bot: Bot) -> None:
    bot.say(FACTORY_PHONE, "PO-1001 RP-24-RED 上釉完成")

    bot.work()

    (reply,) = bot.outbox()
    assert reply["state"] == "sent", reply["last_error"]
    (sent,) = bot.fake.sent
    assert sent["To"] == TO and sent["From"] == BOT_NUMBER
    assert sent["Body"] == reply["text"] and "PO-1001" in sent["Body"]
    assert "ContentSid" not in sent and "ContentVariables" not in sent


def test_outside_the_window_a_message_goes_as_its_template_and_never_as_free_text(bot: Bot) -> None:
    bot.say(FACTORY_PHONE, "PO-1001 RP-24-RED 上釉完成")
    bot.work()
    bot.clock.advance(hours=25)

    queue(bot, PROMPT, "prompt:PO-1001:pre_packing")
    bot.app.send_outbox()

    prompt = bot.fake.sent[-1]
    assert prompt["To"] == TO and prompt["From"] == BOT_NUMBER
    assert prompt["ContentSid"] == TEMPLATES["template_prompt"]
    assert json.loads(prompt["ContentVariables"]) == {"1": PROMPT}
    assert "Body" not in prompt
    assert [r["state"] for r in bot.outbox()] == ["sent", "sent"]


def test_a_contact_who_never_wrote_gets_only_a_template(bot: Bot) -> None:
    queue(bot, "PO-1001 alert", "alert:PO-1001:delay")

    bot.app.send_outbox()

    (sent,) = bot.fake.sent
    assert sent["ContentSid"] == TEMPLATES["template_alert"] and "Body" not in sent


def test_outside_the_window_without_a_template_nothing_is_sent_and_the_row_says_why(bot_without_templates: Bot) -> None:
    bot = bot_without_templates
    bot.say(FACTORY_PHONE, "PO-1001 RP-24-RED 上釉完成")
    bot.work()
    bot.clock.advance(hours=25)

    queue(bot, PROMPT, "prompt:PO-1001:pre_packing")
    bot.app.send_outbox()

    assert all(s.get("Body") != PROMPT and "ContentSid" not in s for s in bot.fake.sent)
    (prompt,) = [r for r in bot.outbox() if r["dedupe_key"].startswith("prompt:")]
    assert prompt["state"] in ("pending", "failed") and prompt["sent_at"] is None
    assert "template" in prompt["last_error"] and "24-hour" in prompt["last_error"]


def test_a_template_parameter_never_carries_newlines_tabs_or_long_runs_of_spaces(bot: Bot) -> None:
    queue(bot, "附件 IMG_1.jpg 无法读取\n已记录 PO-1001：生产中\t·     RP-24-RED", "reply:999")

    bot.app.send_outbox()

    (sent,) = bot.fake.sent
    value = json.loads(sent["ContentVariables"])["1"]
    assert value == "附件 IMG_1.jpg 无法读取 已记录 PO-1001：生产中 · RP-24-RED"
    assert sent["ContentSid"] == TEMPLATES["template_reply"] and "Body" not in sent
