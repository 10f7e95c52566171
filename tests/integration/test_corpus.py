"""The shared corpus, rendered by its own renderer, replayed in one call and scored by the shared scorer."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures import CONTRACT_KEYS, Workspace, read_jsonl, scalar

pytestmark = pytest.mark.shared

CORPUS_MESSAGES = 192


def score(shared_dir: Path, export: Path) -> dict[str, Any]:
    """`score.py TRUTH... --pred EXPORT --json`, parsed."""
    truth = sorted(str(p) for p in (shared_dir / "corpus" / "chats").glob("*/messages.jsonl"))
    proc = subprocess.run([sys.executable, str(shared_dir / "eval" / "score.py"), *truth, "--pred", str(export),
                           "--json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def replay_corpus(ws: Workspace, shared_dir: Path, rendered: Path) -> Path:
    """Import the corpus book, replay every rendered chat in one call, and export; returns the export file."""
    assert ws.run("orders", "import", shared_dir / "corpus" / "orders.json").code == 0
    assert ws.run("contacts", "import", shared_dir / "corpus" / "contacts.json").code == 0
    chats = sorted(rendered.glob("*/messages.jsonl"))
    assert len(chats) == 3
    result = ws.run("replay", *chats)
    assert result.code == 0, result.err
    assert f"{CORPUS_MESSAGES} messages read, {CORPUS_MESSAGES} new" in result.out
    export = ws.root / "export.jsonl"
    assert ws.run("evidence", "export", "--out", export).code == 0
    return export


def test_the_rendered_corpus_replays_into_one_record_per_message(ws: Workspace, shared_dir: Path,
                                                                 rendered_corpus: Path) -> None:
    export = replay_corpus(ws, shared_dir, rendered_corpus)

    figures = score(shared_dir, export)

    assert figures["messages"] == CORPUS_MESSAGES
    assert (figures["missing"], figures["duplicates"], figures["contract_problems"]) == (0, 0, 0)
    records = read_jsonl(export)
    assert len(records) == CORPUS_MESSAGES
    assert all(CONTRACT_KEYS <= r.keys() for r in records)
    assert {r["state"] for r in records} == {"processed"}
    # every attachment the renderer wrote was found and stored
    assert scalar(ws.db, "SELECT count(*) FROM attachments") == 45 + 8 + 4 + 2
    assert scalar(ws.db, "SELECT count(*) FROM attachments WHERE error LIKE 'file not found%'") == 0


def test_replaying_the_corpus_again_adds_nothing(ws: Workspace, shared_dir: Path, rendered_corpus: Path) -> None:
    replay_corpus(ws, shared_dir, rendered_corpus)

    again = ws.run("replay", *sorted(rendered_corpus.glob("*/messages.jsonl")))

    assert again.code == 0
    assert f"{CORPUS_MESSAGES} messages read, 0 new" in again.out
    assert scalar(ws.db, "SELECT count(*) FROM inbound_messages") == CORPUS_MESSAGES
    export = ws.root / "export2.jsonl"
    assert ws.run("evidence", "export", "--out", export).code == 0
    assert len(read_jsonl(export)) == CORPUS_MESSAGES
