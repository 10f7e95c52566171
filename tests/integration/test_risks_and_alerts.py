"""Exceptions become risks with owners and deadlines; urgent ones alert the buyer and the agent, each once."""
from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bot.alerts import sweep_alerts
from bot.bootstrap import App, bootstrap
from bot.channels.console import ConsoleChannel
from bot.clock import FixedClock
from bot.services import import_contacts, import_orders
from bot.settings import load_settings
from tests.fixtures import (
    AGENT,
    BUYER,
    CONSOLE_START,
    CONTACTS,
    FACTORY,
    ORDER_BOOK,
    Workspace,
    console_line,
    write_photo,
)

START = CONSOLE_START  # 10:00 in Shanghai


def say(app: App, who: str, line: str, minutes: int = 0, notify: bool = True) -> None:
    """One console line from a contact, received and processed as the worker would."""
    console_line(app, who, line, minutes, notify=notify, start=START)


def rows(app: App, query: str, **params: Any) -> list[tuple[Any, ...]]:
    with app.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(query), params)]


def alerts(app: App) -> list[tuple[str, str]]:
    return rows(app, "SELECT dedupe_key, recipient FROM outbox WHERE dedupe_key LIKE 'alert:%' ORDER BY id")


def risks(ws: Workspace, *args: str) -> list[dict[str, Any]]:
    result = ws.cli("--db", ws.db_url, "risks", "--format", "json", "--state", "all", *args)
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_a_critical_defect_opens_a_risk_owned_by_the_factory_and_alerts_buyer_and_agent_once(app: App,
                                                                                            ws: Workspace) -> None:
    say(app, FACTORY, "PO-1001 红锅口沿掉瓷严重，整批都有，已挑出返工")
    say(app, FACTORY, "PO-1001 红锅又发现2个掉瓷", minutes=5)

    (risk,) = risks(ws)
    assert (risk["order"], risk["milestone"], risk["kind"], risk["severity"]) == (
        "PO-1001", "inline_production", "defect", "critical")
    assert (risk["owner"], risk["owner_role"], risk["state"]) == (FACTORY, "factory", "open")
    assert risk["id"] == "R1" and len(risk["messages"]) == 2 and risk["opened_by"] == risk["messages"][0]
    assert risk["deadline"] == "2026-06-15" and risk["proof_required"] == "rework_photo"
    assert sorted(recipient for _, recipient in alerts(app)) == [f"console:{BUYER}", f"console:{AGENT}"]


def test_history_loaded_without_notify_opens_the_risk_and_sends_nothing(app: App, ws: Workspace) -> None:
    say(app, FACTORY, "PO-1001 红锅口沿掉瓷严重，整批都有", notify=False)

    assert [r["kind"] for r in risks(ws)] == ["defect"]
    assert alerts(app) == []


def test_a_delay_whose_new_date_passes_the_ship_date_has_no_buffer_and_alerts(app: App, ws: Workspace) -> None:
    say(app, AGENT, "PO-1001 final inspection delayed, new date 7/15, ETD after that")

    (risk,) = risks(ws)
    assert (risk["kind"], risk["milestone"], risk["no_buffer"], risk["severity"]) == (
        "delay", "final_inspection", True, "critical")
    assert risk["revised_date"] == "2026-07-15"
    # no inspector is on the order: CONTRACT gives the order's agent
    assert (risk["owner"], risk["owner_role"]) == (AGENT, "agent")
    assert len(alerts(app)) == 2


def test_a_photo_that_shows_the_rework_closes_the_defect_and_the_digest_drops_it(app: App, ws: Workspace) -> None:
    say(app, FACTORY, "PO-1001 红锅口沿掉瓷，2个，已挑出返工")
    say(app, FACTORY, "PO-1001 红锅返工好了", minutes=60)  # words alone close nothing
    assert [r["state"] for r in risks(ws)] == ["open"]
    picture = write_photo(ws.root / "IMG_20260612_120000.jpg", "2026:06:12 12:00:00", "+08:00")
    say(app, FACTORY, f"/photo {picture} PO-1001 红锅返工好了", minutes=120)

    (risk,) = risks(ws)
    assert risk["state"] == "closed" and risk["closed_by"]
    result = ws.cli("--db", ws.db_url, "digest", "--buyer", BUYER, "--as-of",
                    (START + dt.timedelta(hours=3)).isoformat(), "--format", "json")
    assert result.code == 0, result.err
    d = json.loads(result.out)
    assert not [e for e in d["exceptions"] if e["kind"] == "defect"]
    earlier = json.loads(ws.cli("--db", ws.db_url, "digest", "--buyer", BUYER, "--as-of",
                                (START + dt.timedelta(minutes=90)).isoformat(), "--format", "json").out)
    assert [e["risk"] for e in earlier["exceptions"] if e["kind"] == "defect"] == ["R1"]  # open at that instant


def test_a_stale_photo_offered_as_proof_alerts_once(app: App, ws: Workspace) -> None:
    old = write_photo(ws.root / "IMG_20260501_090000.jpg", "2026:05:01 09:00:00", "+08:00")
    say(app, FACTORY, f"/photo {old} PO-1001 红锅上釉")

    assert [key.split(":")[1] for key, _ in alerts(app)] == ["stale", "stale"]


def test_an_overdue_milestone_raises_one_alert_not_one_per_run(app: App) -> None:
    app.clock.current = dt.datetime(2026, 6, 12, 8, 0, tzinfo=dt.UTC)  # type: ignore[attr-defined]

    first = sweep_alerts(app)
    again = sweep_alerts(app)
    app.clock.current += dt.timedelta(days=1)  # type: ignore[attr-defined]
    next_day = sweep_alerts(app)

    # PO-1001 and PO#2002 have said nothing: their past-due milestones are overdue, told to buyer and agent
    overdue = {key.split(":", 2)[2] for key, _ in alerts(app)}
    assert first == len(alerts(app)) > 0 and again == 0 and next_day == 0
    assert "PO-1001:po_lock:" + BUYER in overdue and "PO#2002:material_readiness:" + AGENT in overdue


def test_a_new_overdue_milestone_alerts_when_its_plan_passes(app: App) -> None:
    app.clock.current = dt.datetime(2026, 6, 12, 8, 0, tzinfo=dt.UTC)  # type: ignore[attr-defined]
    sweep_alerts(app)
    before = len(alerts(app))

    app.clock.current = dt.datetime(2026, 6, 16, 8, 0, tzinfo=dt.UTC)  # type: ignore[attr-defined]
    added = sweep_alerts(app)

    # PO-1001's inline production was planned for 06-15: one more alert to each of buyer and agent
    assert added == 2 and len(alerts(app)) == before + 2


def test_the_chinese_alert_goes_to_a_chinese_speaking_agent(ws: Workspace, tmp_path: Path) -> None:
    settings = load_settings(env={}).replace("store", url=ws.db_url, media_dir=str(ws.media))
    out = io.StringIO()
    application = bootstrap(settings, clock=FixedClock(START), channels={"console": ConsoleChannel(out)})
    try:
        contacts = json.loads(json.dumps(CONTACTS))
        contacts["contacts"][1]["language"] = "zh"  # the agent reads Chinese
        import_orders(application.engine, ORDER_BOOK)
        import_contacts(application.engine, contacts)
        say(application, FACTORY, "PO-1001 单据不符：装箱单800箱，发票400箱")
        application.send_outbox()
    finally:
        application.close()

    printed = out.getvalue()
    assert "单据不符" in printed and "document mismatch" in printed  # zh for the agent, en for the buyer


def test_a_packing_photo_before_materials_are_confirmed_opens_a_sequence_risk(app: App, ws: Workspace) -> None:
    picture = write_photo(ws.root / "IMG_20260612_100000.jpg", "2026:06:12 10:00:00", "+08:00")
    say(app, FACTORY, f"/photo {picture} PO-1001 shipping mark sample for the master carton")

    (risk,) = risks(ws)
    assert (risk["kind"], risk["rule"], risk["milestone"], risk["severity"]) == (
        "other", "packing_before_materials", "pre_packing", "minor")
    assert alerts(app) == []  # a sequence finding waits for the digest


def test_packing_photos_after_the_materials_arrived_raise_nothing(app: App, ws: Workspace) -> None:
    boxes = write_photo(ws.root / "IMG_20260612_093000.jpg", "2026:06:12 09:30:00", "+08:00", color=(20, 90, 20))
    say(app, FACTORY, f"/photo {boxes} PO-1001 raw material arrived, colour boxes in stock")
    mark = write_photo(ws.root / "IMG_20260612_100000.jpg", "2026:06:12 10:00:00", "+08:00")
    say(app, FACTORY, f"/photo {mark} PO-1001 shipping mark sample for the master carton", minutes=30)

    assert risks(ws) == []
