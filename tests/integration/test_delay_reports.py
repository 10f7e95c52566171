"""A delay reported without its facts is asked for them, in the reporter's language, and the answers fill the report."""
from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text

from bot.bootstrap import App
from tests.fixtures import AGENT, CONSOLE_START, FACTORY, console_line

START = CONSOLE_START  # 10:00 in Shanghai


def say(app: App, who: str, line: str, minutes: int = 0) -> None:
    """One console line from a contact, received and processed as the worker would."""
    console_line(app, who, line, minutes, start=START)


def rows(app: App, query: str, **params: Any) -> list[tuple[Any, ...]]:
    with app.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(query), params)]


def told(app: App, who: str, key: str) -> list[str]:
    """What the bot queued for a contact's console chat under dedupe keys starting with `key`."""
    return [t for (t,) in rows(app, "SELECT text FROM outbox WHERE recipient = :r AND dedupe_key LIKE :k ORDER BY id",
                               r=f"console:{who}", k=f"{key}%")]


def delay_risk(app: App) -> tuple[str | None, dict[str, Any]]:
    """The one delay risk's revised date and report, as the database holds them."""
    ((revised, report),) = rows(app, "SELECT revised_date, report FROM risks WHERE kind = 'delay'")
    return revised, report if isinstance(report, dict) else json.loads(report)


# ---------------------------------------------------------------- the question


def test_a_delay_the_factory_reports_in_chinese_is_asked_for_its_report_in_chinese(app: App) -> None:
    say(app, FACTORY, "PO-1001 尾期验货要推迟")

    assert told(app, FACTORY, "prompt:delay:") == [
        "收到，PO-1001 延误。请补充：原因；新的日期；费用影响；质量影响；替代方案；需要买家做的决定。"]
    assert rows(app, "SELECT kind, contact_id, state FROM prompts WHERE kind = 'delay_report'") == [
        ("delay_report", FACTORY, "open")]


def test_a_delay_the_agent_reports_is_asked_for_its_report_in_english(app: App) -> None:
    say(app, AGENT, "PO-1001 final inspection delayed")

    assert told(app, AGENT, "prompt:delay:") == [
        "Noted, a delay on PO-1001. To complete the report, please tell me: the cause; the revised date; "
        "the cost impact; the quality impact; the alternatives; the decision needed from the buyer."]


# ---------------------------------------------------------------- the answer


@pytest.mark.parametrize(("who", "delay", "answer", "cause", "cost", "still"), [
    (FACTORY, "PO-1001 尾期验货要推迟", "新日期 7/3，因为釉料不够，不加钱", "釉料不够", "不加钱",
     "谢谢。还缺：质量影响；替代方案；需要买家做的决定。"),
    (AGENT, "PO-1001 final inspection delayed", "new date 3 July, because the glaze ran short, no extra cost",
     "glaze ran short", "no extra cost",
     "Thanks. Still missing: the quality impact; the alternatives; the decision needed from the buyer."),
], ids=["factory-in-chinese", "agent-in-english"])
def test_the_answer_with_a_date_fills_the_revised_date_and_the_report(app: App, who: str, delay: str, answer: str,
                                                                     cause: str, cost: str, still: str) -> None:
    say(app, who, delay)
    say(app, who, answer, minutes=30)

    revised, report = delay_risk(app)
    assert str(revised).startswith("2026-07-03")
    assert report["revised_date"] == "2026-07-03"
    assert cause in report["cause"] and report["cost_impact"] == cost
    assert report["milestone"] == "final_inspection"
    assert rows(app, "SELECT state FROM prompts WHERE kind = 'delay_report'") == [("answered",)]
    assert told(app, who, "reply:report:") == [still]


def test_an_answer_that_leaves_fields_missing_says_what_is_still_missing(app: App) -> None:
    say(app, AGENT, "PO-1001 final inspection delayed")
    say(app, AGENT, "because the glaze ran short", minutes=30)

    _, report = delay_risk(app)
    assert "glaze ran short" in report["cause"] and "revised_date" not in report
    assert told(app, AGENT, "reply:report:") == [
        "Thanks. Still missing: the revised date; the cost impact; the quality impact; the alternatives; "
        "the decision needed from the buyer."]


def test_an_answer_that_gives_everything_left_completes_the_report(app: App) -> None:
    say(app, AGENT, "PO-1001 final inspection delayed to 3 July because the glaze ran short, no extra cost")
    say(app, AGENT, "no impact on quality; alternatives: ship the blue pots first; please confirm you accept 3 July",
        minutes=30)

    _, report = delay_risk(app)
    assert report["quality_impact"] == "no impact on quality"
    assert report["alternatives"] == "ship the blue pots first"
    assert report["decision_needed"]
    assert told(app, AGENT, "reply:report:") == ["Thanks, the delay report is complete."]


# ---------------------------------------------------------------- a delay told with its facts


@pytest.mark.parametrize(("who", "delay", "question"), [
    (AGENT, "PO-1001 final inspection delayed to 3 July because the glaze ran short, no extra cost",
     "Noted, a delay on PO-1001. To complete the report, please tell me: the quality impact; the alternatives; "
     "the decision needed from the buyer."),
    (FACTORY, "PO-1001 尾期验货推迟到7月3日，因为釉料不够，不加钱",
     "收到，PO-1001 延误。请补充：质量影响；替代方案；需要买家做的决定。"),
], ids=["agent-in-english", "factory-in-chinese"])
def test_a_delay_that_states_its_date_cause_and_cost_asks_only_for_what_is_left(app: App, who: str, delay: str,
                                                                                question: str) -> None:
    say(app, who, delay)

    assert told(app, who, "prompt:delay:") == [question]
    revised, report = delay_risk(app)
    assert str(revised).startswith("2026-07-03") and report["revised_date"] == "2026-07-03"
    assert report["cause"] and report["cost_impact"]
    (asked,) = rows(app, "SELECT options FROM prompts WHERE kind = 'delay_report'")
    assert json.loads(asked[0]) == ["quality_impact", "alternatives", "decision_needed"]
