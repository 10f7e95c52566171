"""parsers.telegram_export against the shared Telegram Desktop exports and their .truth.json counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from parsers.telegram_export import TgExportMessage, load_telegram, parse_telegram

pytestmark = pytest.mark.shared

TESTDATA = Path(__file__).resolve().parents[2].parent / "shared" / "testdata"


def _exports() -> list[object]:
    if not TESTDATA.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason="../shared/testdata is absent (a fresh clone)"),
                             id="no-shared")]
    found = sorted(p for p in TESTDATA.glob("*/telegram-desktop/*.json")
                   if not p.name.endswith(".truth.json") and p.with_suffix(".truth.json").is_file())
    return [pytest.param(p, id=str(p.relative_to(TESTDATA))) for p in found]


def _ts(m: TgExportMessage) -> str | None:
    """As the truth writes it: UTC with a Z from date_unixtime, else the naive date as exported."""
    if m.at_utc is not None:
        return m.at_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    return m.at_local.isoformat() if m.at_local is not None else None


@pytest.mark.parametrize("path", _exports())
def test_export_matches_its_truth(path: Path) -> None:
    truth = json.loads(path.with_suffix(".truth.json").read_text(encoding="utf-8"))
    doc, name, problems = load_telegram(path)
    assert (name, problems) == (path.name, [])
    result = parse_telegram(doc)
    assert result.problems == ()
    assert len(result.messages) == truth["messages"]
    assert sum(m.media for m in result.messages) == truth["media_messages"]
    assert _ts(result.messages[0]) == truth["first_message_ts"]
    assert _ts(result.messages[-1]) == truth["last_message_ts"]
    if "service_count" in truth:
        assert result.services == truth["service_count"]
    if "chat_count" in truth:
        assert len(result.chats) == truth["chat_count"]
