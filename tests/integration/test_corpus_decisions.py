"""The shared corpus replayed, then its buyers' decisions read back and held against the corpus truth."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures import Workspace, read_jsonl
from tests.integration.test_corpus import replay_corpus

pytestmark = pytest.mark.shared

LABELLED = 8  # messages whose truth gives a decision
FOUND_AT_LEAST = 7
NEVER_DECIDE = {"factory", "inspector", "forwarder", "packaging_vendor"}


@pytest.fixture
def corpus_decisions(ws: Workspace, shared_dir: Path, rendered_corpus: Path) -> list[dict[str, Any]]:
    """The corpus replayed into a fresh workspace; returns `orderproof decisions --format json`."""
    replay_corpus(ws, shared_dir, rendered_corpus)
    result = ws.run("decisions", "--format", "json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def truth_decisions(shared_dir: Path) -> dict[str, dict[str, Any]]:
    """message id -> the decision its truth labels (verb, order, by)."""
    return {m["id"]: m["truth"]["decision_given"]
            for chat in sorted((shared_dir / "corpus" / "chats").glob("*/messages.jsonl"))
            for m in read_jsonl(chat) if (m.get("truth") or {}).get("decision_given")}


def roles(shared_dir: Path) -> dict[str, str]:
    contacts = json.loads((shared_dir / "corpus" / "contacts.json").read_text(encoding="utf-8"))
    return {c["id"]: c["role"] for c in contacts["contacts"]}


def test_the_labelled_decisions_are_recorded_with_their_verb_and_order(corpus_decisions, shared_dir: Path) -> None:
    truth = truth_decisions(shared_dir)
    recorded = {d["message_id"]: d for d in corpus_decisions}

    assert len(truth) == LABELLED
    matched = [mid for mid, t in truth.items()
               if mid in recorded and (recorded[mid]["verb"], recorded[mid]["order"]) == (t["verb"], t["order"])]
    missed = {mid: (t, recorded.get(mid)) for mid, t in truth.items() if mid not in matched}
    assert len(matched) >= FOUND_AT_LEAST, f"missed: {missed}"


def test_no_decision_is_taken_by_factory_staff_inspectors_forwarders_or_packaging_vendors(corpus_decisions,
                                                                                         shared_dir: Path) -> None:
    role_of = roles(shared_dir)

    assert corpus_decisions
    assert [d for d in corpus_decisions if role_of.get(d["by"]) in NEVER_DECIDE] == []
    assert {role_of.get(d["by"]) for d in corpus_decisions} <= {"buyer", "agent"}


def test_a_relayed_decision_names_the_buyer_it_speaks_for(corpus_decisions, shared_dir: Path) -> None:
    role_of = roles(shared_dir)

    relayed = [d for d in corpus_decisions if role_of.get(d["by"]) == "agent"]

    assert relayed
    assert all(role_of.get(d["on_behalf_of"]) == "buyer" for d in relayed)
    assert all(d["on_behalf_of"] is None for d in corpus_decisions if role_of.get(d["by"]) == "buyer")
