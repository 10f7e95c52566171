"""Buyers decide, agents relay, the factory never does; a standing hold or a missing final inspection refuses."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import text

from bot.bootstrap import App
from tests.fixtures import AGENT, BUYER, CONSOLE_START, FACTORY, Workspace, console_line, write_photo

START = CONSOLE_START  # 10:00 in Shanghai, 03:00 in London
CONTRACT_DECISION_KEYS = {"order", "milestone", "verb", "by", "on_behalf_of", "at", "message_id"}
NINE_VERBS = {"approve", "hold", "rework", "expedite", "renegotiate", "release", "sort", "reject", "ship"}


def say(app: App, who: str, line: str, minutes: int = 0, notify: bool = True) -> None:
    """One console line from a contact, received and processed as the worker would."""
    console_line(app, who, line, minutes, notify=notify, start=START)


def rows(app: App, query: str, **params: Any) -> list[tuple[Any, ...]]:
    with app.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(query), params)]


def decisions(ws: Workspace, *args: str) -> list[dict[str, Any]]:
    result = ws.cli("--db", ws.db_url, "decisions", "--format", "json", *args)
    assert result.code == 0, result.err
    return json.loads(result.out)


def told(app: App, who: str) -> list[str]:
    """What the bot queued for a contact's console chat, in order."""
    return [t for (t,) in rows(app, "SELECT text FROM outbox WHERE recipient = :r ORDER BY id", r=f"console:{who}")]


def final_inspection_photo(ws: Workspace) -> Any:
    return write_photo(ws.root / "IMG_20260612_110000.jpg", "2026:06:12 11:00:00", "+08:00", color=(40, 160, 40))


# ---------------------------------------------------------------- a standing hold


def test_a_standing_hold_refuses_shipping_and_the_buyer_is_told_why(app: App, ws: Workspace) -> None:
    say(app, BUYER, "/hold PO-1001")
    say(app, BUYER, "/ship PO-1001", minutes=5)

    hold, ship = decisions(ws)
    assert (hold["verb"], hold["order"], hold["state"]) == ("hold", "PO-1001", "given")
    assert (ship["verb"], ship["order"], ship["state"], ship["reason"]) == ("ship", "PO-1001", "refused",
                                                                            "hold_standing")
    assert told(app, BUYER)[-1] == "Not recorded: PO-1001 is on hold. Lift the hold first (/lift PO-1001)."


def test_lifting_the_hold_lets_the_order_ship(app: App, ws: Workspace) -> None:
    say(app, BUYER, "/hold PO-1001")
    say(app, BUYER, "/lift PO-1001", minutes=5)
    say(app, BUYER, "/ship PO-1001", minutes=10)

    assert [(d["verb"], d["state"]) for d in decisions(ws)] == [("hold", "given"), ("hold", "lift"),
                                                                ("ship", "given")]
    assert told(app, BUYER)[-2:] == ["The hold on PO-1001 is lifted.", "Recorded: ship for PO-1001."]


@pytest.mark.parametrize("words", ["please lift the hold on PO-1001", "PO-1001 解除暂停"])
def test_the_hold_is_lifted_in_words_too(app: App, ws: Workspace, words: str) -> None:
    say(app, BUYER, "/hold PO-1001")
    say(app, BUYER, words, minutes=5)
    say(app, BUYER, "/ship PO-1001", minutes=10)

    assert [(d["order"], d["state"]) for d in decisions(ws)] == [("PO-1001", "given"), ("PO-1001", "lift"),
                                                                 ("PO-1001", "given")]


def test_a_hold_on_one_order_does_not_stop_another(app: App, ws: Workspace) -> None:
    say(app, BUYER, "/hold PO#2002")
    say(app, BUYER, "/ship PO-1001", minutes=5)

    assert decisions(ws, "--order", "PO-1001")[0]["state"] == "given"


# ---------------------------------------------------------------- release needs final inspection


def test_a_release_before_any_final_inspection_evidence_is_refused(app: App, ws: Workspace) -> None:
    say(app, BUYER, "/release PO-1001")

    (release,) = decisions(ws)
    assert (release["verb"], release["order"]) == ("release", "PO-1001")
    assert (release["state"], release["reason"]) == ("refused", "release_needs_final")
    assert told(app, BUYER)[-1] == "Not recorded: release of PO-1001 needs final-inspection evidence first."


@pytest.mark.parametrize("sender", [FACTORY, AGENT])
def test_a_release_after_a_final_inspection_photo_is_given(app: App, ws: Workspace, sender: str) -> None:
    say(app, sender, f"/photo {final_inspection_photo(ws)} PO-1001 final inspection passed AQL 2.5")
    say(app, BUYER, "/release PO-1001", minutes=30)

    (release,) = decisions(ws)
    assert (release["verb"], release["order"], release["state"], release["reason"]) == (
        "release", "PO-1001", "given", None)
    assert told(app, BUYER)[-1] == "Recorded: release for PO-1001."


# ---------------------------------------------------------------- who decides


def test_the_buyers_plain_words_record_a_decision(app: App, ws: Workspace) -> None:
    say(app, BUYER, "OK to ship 1001")

    (ship,) = decisions(ws)
    assert (ship["order"], ship["verb"], ship["by"], ship["on_behalf_of"], ship["state"]) == (
        "PO-1001", "ship", BUYER, None, "given")
    assert "Recorded: ship for PO-1001." in told(app, BUYER)


@pytest.mark.parametrize("line", ["/approve PO-1001", "OK to ship PO-1001"])
def test_the_factory_never_decides(app: App, ws: Workspace, line: str) -> None:
    say(app, FACTORY, line)

    assert decisions(ws) == []
    assert rows(app, "SELECT dedupe_key FROM outbox WHERE dedupe_key LIKE 'reply:decision:%'") == []


@pytest.mark.parametrize(("line", "verb"), [("客户说 PO-1001 可以出货", "ship"), ("/approve PO-1001", "approve")])
def test_an_agent_relays_the_buyers_decision(app: App, ws: Workspace, line: str, verb: str) -> None:
    say(app, AGENT, line)

    (relayed,) = decisions(ws)
    assert (relayed["order"], relayed["verb"], relayed["by"], relayed["on_behalf_of"]) == (
        "PO-1001", verb, AGENT, BUYER)


def test_a_decision_without_an_order_asks_which_and_the_answer_sets_it(app: App, ws: Workspace) -> None:
    say(app, BUYER, "Approved.")

    (pending,) = decisions(ws)
    assert (pending["order"], pending["verb"], pending["by"]) == (None, "approve", BUYER)
    assert rows(app, "SELECT kind, options, state FROM prompts") == [
        ("decision_order", '["PO-1001", "PO#2002"]', "open")]
    assert told(app, BUYER)[-1] == "Which order is this decision for? Answer with the number:\n1. PO-1001\n2. PO#2002"

    say(app, BUYER, "1", minutes=2)

    (answered,) = decisions(ws)
    assert (answered["order"], answered["verb"], answered["message_id"]) == ("PO-1001", "approve",
                                                                             pending["message_id"])
    assert rows(app, "SELECT state FROM prompts") == [("answered",)]
    assert told(app, BUYER)[-1] == "Thanks: attached to PO-1001."


def test_history_records_the_decisions_and_sends_nothing(app: App, ws: Workspace) -> None:
    say(app, BUYER, "/hold PO-1001", notify=False)
    say(app, BUYER, "/ship PO-1001", minutes=5, notify=False)
    say(app, AGENT, "/approve PO#2002", minutes=10, notify=False)

    assert [(d["order"], d["verb"], d["state"]) for d in decisions(ws)] == [
        ("PO-1001", "hold", "given"), ("PO-1001", "ship", "refused"), ("PO#2002", "approve", "given")]
    assert rows(app, "SELECT count(*) FROM outbox") == [(0,)]


# ---------------------------------------------------------------- the command's JSON


def test_the_decisions_of_one_order_carry_the_contract_keys(app: App, ws: Workspace) -> None:
    say(app, BUYER, "/hold PO-1001")
    say(app, BUYER, "/approve PO#2002", minutes=5)
    say(app, AGENT, "/lift PO-1001", minutes=10)

    records = decisions(ws, "--order", "PO-1001")

    assert [r["order"] for r in records] == ["PO-1001", "PO-1001"]
    assert all(CONTRACT_DECISION_KEYS <= r.keys() for r in records)
    assert all(r["verb"] in NINE_VERBS for r in records)
    assert [(r["by"], r["on_behalf_of"]) for r in records] == [(BUYER, None), (AGENT, BUYER)]
    assert [dt.datetime.fromisoformat(r["at"]) for r in records] == [START, START + dt.timedelta(minutes=10)]
    sent = {t: mid for mid, t in rows(app, "SELECT message_id, text FROM inbound_messages")}
    assert [r["message_id"] for r in records] == [sent["/hold PO-1001"], sent["/lift PO-1001"]]
