"""The shared corpus replayed, then one order's risks looked back on with `orderproof review`."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures import Workspace
from tests.integration.test_corpus import replay_corpus

pytestmark = pytest.mark.shared

PO = "PO-55102"
FIELDS = {"risk", "kind", "milestone", "first_signal_at", "planned", "lead_days", "owner_named", "proof_attached",
          "open_days"}


def as_json(ws: Workspace, *args: str) -> Any:
    result = ws.run(*args, "--format", "json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_the_review_of_an_order_lists_its_risks_by_first_signal_with_lead_days_where_planned(
        ws: Workspace, shared_dir: Path, rendered_corpus: Path) -> None:
    replay_corpus(ws, shared_dir, rendered_corpus)
    risks = as_json(ws, "risks", "--order", PO, "--state", "all")

    items: list[dict[str, Any]] = as_json(ws, "review", PO)

    assert items and sorted(i["risk"] for i in items) == sorted(r["id"] for r in risks)
    assert all(set(i) == FIELDS for i in items)
    assert [i["first_signal_at"] for i in items] == sorted(i["first_signal_at"] for i in items)
    planned = [i for i in items if i["planned"] is not None]
    assert planned and all(isinstance(i["lead_days"], int | float) for i in planned)
    assert all(i["lead_days"] is None for i in items if i["planned"] is None)
    closed = {r["id"] for r in risks if r["state"] == "closed"}
    assert all((i["open_days"] is None) == (i["risk"] not in closed) for i in items)
    assert not [i for i in items if i["proof_attached"] and i["risk"] not in closed]
