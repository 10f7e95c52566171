"""The shared corpus replayed, then read back as risks and as the UK buyer's digest at an instant."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures import Workspace, read_jsonl, write_json
from tests.integration.test_corpus import replay_corpus

pytestmark = pytest.mark.shared

AS_OF = "2026-06-26T09:00:00+01:00"
BUYER = "emma.clarke"
MILESTONES = ["po_lock", "material_readiness", "inline_production", "pre_packing", "final_inspection",
              "freight_handover"]
FIELDS = {"status", "evidence_received", "open_risks", "next_action", "deadline"}


@pytest.fixture
def corpus_ws(ws: Workspace, shared_dir: Path, rendered_corpus: Path) -> tuple[Workspace, list[dict[str, Any]]]:
    """A workspace with the corpus replayed; returns it and the evidence export."""
    export = replay_corpus(ws, shared_dir, rendered_corpus)
    return ws, read_jsonl(export)


def digest(ws: Workspace, *extra: str) -> dict[str, Any]:
    result = ws.run("digest", "--buyer", BUYER, "--as-of", AS_OF, "--format", "json", *extra)
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_every_exception_in_the_export_belongs_to_a_risk(corpus_ws) -> None:
    ws, records = corpus_ws
    risks = json.loads(ws.run("risks", "--state", "all", "--format", "json").out)

    members = {m for r in risks for m in r["messages"]}
    with_exception = [r["message_id"] for r in records if r["exception"]]
    assert with_exception and set(with_exception) <= members
    assert all(r["id"].startswith("R") and r["owner_role"] and r["proof_required"] for r in risks)


def test_the_buyers_digest_lists_her_open_orders_with_six_milestones_and_five_fields(corpus_ws,
                                                                                     shared_dir: Path) -> None:
    ws, _ = corpus_ws
    book = json.loads((shared_dir / "corpus" / "orders.json").read_text(encoding="utf-8"))
    contacts = json.loads((shared_dir / "corpus" / "contacts.json").read_text(encoding="utf-8"))
    hers = next(c for c in contacts["contacts"] if c["id"] == BUYER)["orders"]
    open_hers = [o["po"] for o in book["orders"] if o["po"] in hers and o["status"] == "open"]

    d = digest(ws)

    assert d["buyer"] == BUYER and d["timezone"] == "Europe/London" and d["as_of"] == AS_OF
    assert sorted(o["order"] for o in d["orders"]) == sorted(open_hers)
    for order in d["orders"]:
        assert [m["milestone"] for m in order["milestones"]] == MILESTONES
        assert all(FIELDS <= set(m) for m in order["milestones"])
        assert all(m["next_action"] is None or m["next_action"]["owner_role"] for m in order["milestones"])


def test_the_digest_cites_only_messages_that_had_arrived_by_the_instant(corpus_ws) -> None:
    ws, records = corpus_ws
    arrived = {r["message_id"] for r in records
               if dt.datetime.fromisoformat(r["received_at"]) <= dt.datetime.fromisoformat(AS_OF)}

    d = digest(ws)

    cited = {m for e in d["exceptions"] for m in e["evidence"]}
    cited |= {m for o in d["orders"] for ms in o["milestones"] for m in ms["evidence_received"]}
    assert d["exceptions"] and cited
    assert cited <= arrived
    assert len(arrived) < len(records)  # the instant really cuts the history


def test_the_text_digest_has_no_percentages(corpus_ws) -> None:
    ws, _ = corpus_ws
    result = ws.run("digest", "--buyer", BUYER, "--as-of", AS_OF)

    assert result.code == 0, result.err
    assert "%" not in result.out
    assert result.out.index("EXCEPTIONS") < result.out.index("ORDERS")


def test_an_order_no_message_mentions_shows_its_past_due_milestones_overdue(corpus_ws, shared_dir: Path) -> None:
    ws, _ = corpus_ws
    book = json.loads((shared_dir / "corpus" / "orders.json").read_text(encoding="utf-8"))
    contacts = json.loads((shared_dir / "corpus" / "contacts.json").read_text(encoding="utf-8"))
    book["orders"].append({"po": "PO-99001", "buyer": "Hearth & Table Ltd (UK)", "factory": "Silent Works",
                           "status": "open", "ship_date": "2026-08-20",
                           "skus": [{"sku": "ZZ-1", "description": "silent widget", "qty": 10}],
                           "milestones": {"po_lock": "2026-06-01", "material_readiness": "2026-06-15",
                                          "inline_production": "2026-06-25", "pre_packing": "2026-07-10",
                                          "final_inspection": "2026-07-20", "freight_handover": "2026-08-15"}})
    for c in contacts["contacts"]:
        if c["id"] in (BUYER, "jack.chen"):
            c["orders"].append("PO-99001")
    assert ws.run("orders", "import", write_json(ws.root / "orders2.json", book)).code == 0
    assert ws.run("contacts", "import", write_json(ws.root / "contacts2.json", contacts)).code == 0

    d = digest(ws)

    silent = next(o for o in d["orders"] if o["order"] == "PO-99001")
    status = {m["milestone"]: m["status"] for m in silent["milestones"]}
    assert status == {"po_lock": "overdue", "material_readiness": "overdue", "inline_production": "overdue",
                      "pre_packing": "not_started", "final_inspection": "not_started",
                      "freight_handover": "not_started"}
    overdue = [e for e in d["exceptions"] if e["order"] == "PO-99001"]
    assert {e["milestone"] for e in overdue} == {"po_lock", "material_readiness", "inline_production"}
    assert all(e["owner"] for e in overdue)
