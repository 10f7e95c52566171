"""`orderproof review PO`: a defect reported in the chat, then fixed with a photo, looked back on."""
from __future__ import annotations

import json
from typing import Any

import pytest

from bot.bootstrap import App
from tests.fixtures import CONSOLE_START, FACTORY, Workspace, console_line, write_photo

START = CONSOLE_START  # 10:00 in Shanghai


def say(app: App, who: str, line: str, minutes: int = 0) -> None:
    """One console line from a contact, loaded as history (nothing is sent)."""
    console_line(app, who, line, minutes, notify=False, start=START)


def review(ws: Workspace, *args: str) -> list[dict[str, Any]]:
    result = ws.cli("--db", ws.db_url, "review", "PO-1001", "--format", "json", *args)
    assert result.code == 0, result.err
    return json.loads(result.out)


@pytest.fixture
def fixed_defect(app: App, ws: Workspace) -> None:
    """A defect on the red pots at 10:00 Shanghai, and a photo of the rework an hour later."""
    say(app, FACTORY, "PO-1001 红锅口沿掉瓷，2个，已挑出返工")
    picture = write_photo(ws.root / "IMG_20260612_105500.jpg", "2026:06:12 10:55:00", "+08:00")
    say(app, FACTORY, f"/photo {picture} PO-1001 红锅返工好了", minutes=60)


def test_a_defect_fixed_with_a_photo_shows_its_lead_owner_proof_and_days_open(fixed_defect, ws: Workspace) -> None:
    (item,) = review(ws)

    assert item == {"risk": "R1", "kind": "defect", "milestone": "inline_production",
                    "first_signal_at": "2026-06-12T02:00:00+00:00", "planned": "2026-06-15", "lead_days": 3.0,
                    "owner_named": True, "proof_attached": True, "open_days": 0.0}


def test_before_the_photo_the_defect_is_still_open_without_proof(fixed_defect, ws: Workspace) -> None:
    (item,) = review(ws, "--as-of", "2026-06-12T10:30:00+08:00")

    assert (item["risk"], item["lead_days"], item["owner_named"]) == ("R1", 3.0, True)
    assert (item["proof_attached"], item["open_days"]) == (False, None)


def test_before_the_first_signal_the_order_has_nothing_to_review(fixed_defect, ws: Workspace) -> None:
    assert review(ws, "--as-of", "2026-06-12T09:59:00+08:00") == []


def test_the_text_review_has_a_line_per_risk_and_a_summary(fixed_defect, ws: Workspace) -> None:
    result = ws.cli("--db", ws.db_url, "review", "PO-1001")

    assert result.code == 0, result.err
    line, summary = result.out.splitlines()
    assert line.split()[:3] == ["R1", "defect", "inline_production"] and "lead 3.0d" in line
    assert summary == ("1 risk(s) · average lead 3.0d · 100% with an owner · 100% closed with proof"
                       " · median open 0.0d")


def test_an_unknown_po_is_a_one_line_error(app: App, ws: Workspace) -> None:
    result = ws.cli("--db", ws.db_url, "review", "PO-9999", "--format", "json")

    assert result.code == 1 and result.out == ""
    assert result.err_lines == ["orderproof: error: unknown PO: PO-9999"]
