"""A rendered chat's telegram.jsonl, posted to the webhook, is tagged exactly as `replay` tags the same chat."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.services import export_evidence
from tests.channels.telegram.fake_bot_api import FakeBotApi
from tests.channels.telegram.harness import TOKEN, make_bot
from tests.fixtures import Workspace

pytestmark = pytest.mark.shared

CHATS = ("factory_group", "agent_buyer", "forwarder_docs")
COMPARED = ("evidence", "order", "resolved_order", "ambiguous", "sku", "milestone", "exception", "evidence_date",
            "date_source", "stale", "recycled", "decision_needed", "dates_mentioned")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score(shared_dir: Path, chat: str, export: Path, id_map: Path) -> dict[str, Any]:
    """`score.py <the chat's truth> --pred EXPORT --id-map IDS --json`, parsed."""
    truth = shared_dir / "corpus" / "chats" / chat / "messages.jsonl"
    proc = subprocess.run([sys.executable, str(shared_dir / "eval" / "score.py"), str(truth), "--pred", str(export),
                           "--id-map", str(id_map), "--json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def served_and_exported(tmp_path: Path, shared_dir: Path, rendered: Path, chat: str) -> Path:
    """Post the chat's Updates in order to the webhook, run the worker once, and export; returns the export."""
    orders = json.loads((shared_dir / "corpus" / "orders.json").read_text(encoding="utf-8"))
    contacts = json.loads((shared_dir / "corpus" / "contacts.json").read_text(encoding="utf-8"))
    updates = read_jsonl(rendered / chat / "telegram.jsonl")
    with FakeBotApi(TOKEN, files_root=rendered / chat / "telegram_files") as fake:
        for tg in make_bot(tmp_path / "served", fake, orders=orders, contacts=contacts):
            tg.deliver(*updates)
            assert tg.work() == len(updates)
            export = tmp_path / "served.jsonl"
            with export.open("w", encoding="utf-8") as fh:
                for record in export_evidence(tg.app.engine):
                    fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            assert tg.value("SELECT count(*) FROM attachments WHERE error IS NOT NULL") == 0
            # every file came through getFile and a download from the fake
            assert len(fake.downloads) == tg.value("SELECT count(*) FROM attachments")
    return export


def replayed_and_exported(ws: Workspace, shared_dir: Path, rendered: Path, chat: str) -> Path:
    """`orderproof replay` of the same chat's messages.jsonl in a fresh database, and export."""
    assert ws.run("orders", "import", shared_dir / "corpus" / "orders.json").code == 0
    assert ws.run("contacts", "import", shared_dir / "corpus" / "contacts.json").code == 0
    result = ws.run("replay", rendered / chat / "messages.jsonl")
    assert result.code == 0, result.err
    export = ws.root / "replayed.jsonl"
    assert ws.run("evidence", "export", "--out", export).code == 0
    return export


@pytest.mark.parametrize("chat", CHATS)
def test_the_telegram_rendering_of_a_chat_is_tagged_as_replay_tags_it(tmp_path, ws, shared_dir, rendered_corpus, chat):
    id_map = rendered_corpus / chat / "ids.json"
    served = served_and_exported(tmp_path, shared_dir, rendered_corpus, chat)
    replayed = replayed_and_exported(ws, shared_dir, rendered_corpus, chat)

    served_figures = score(shared_dir, chat, served, id_map)
    replayed_figures = score(shared_dir, chat, replayed, id_map)

    to_corpus = json.loads(id_map.read_text(encoding="utf-8"))["telegram"]
    by_id = {to_corpus[r["message_id"]]: r for r in read_jsonl(served)}
    differences = [f"{r['message_id']} {k}: telegram {by_id[r['message_id']].get(k)!r}, replay {r.get(k)!r}"
                   for r in read_jsonl(replayed) for k in COMPARED if by_id[r["message_id"]].get(k) != r.get(k)]
    assert (served_figures["missing"], served_figures["duplicates"], served_figures["contract_problems"]) == (0, 0, 0)
    assert differences == []
    assert served_figures == replayed_figures
