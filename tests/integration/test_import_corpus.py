"""The shared corpus imported from its rendered WhatsApp exports scores as well as its replay: the export is only
another road to the same pipeline."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures import Workspace, read_jsonl
from tests.integration.test_corpus import CORPUS_MESSAGES, replay_corpus

pytestmark = pytest.mark.shared

CHATS = ("factory_group", "agent_buyer", "forwarder_docs")
METRICS = ("evidence_f1", "order_acc", "milestone_acc", "sku_acc", "exception_f1", "stale_recall",
           "recycled_recall", "evidence_date_acc", "dates_f1")


def score_chat(shared_dir: Path, chat: str, records: list[dict[str, Any]], tmp: Path,
               id_map: Path | None = None) -> dict[str, Any]:
    """score.py on one chat's records (with the rendered chat's id map when the ids are channel ids)."""
    pred = tmp / f"{chat}-{'import' if id_map else 'replay'}.jsonl"
    pred.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records if r["chat"] == chat),
                    encoding="utf-8")
    args = [sys.executable, str(shared_dir / "eval" / "score.py"),
            str(shared_dir / "corpus" / "chats" / chat / "messages.jsonl"), "--pred", str(pred), "--json"]
    if id_map:
        args += ["--id-map", str(id_map)]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def contacts_map(shared_dir: Path, path: Path) -> Path:
    """The names the exports show (each half of "中文 / English") to contact ids."""
    doc = json.loads((shared_dir / "corpus" / "contacts.json").read_text(encoding="utf-8"))
    names = {part.strip(): c["id"] for c in doc["contacts"] for part in c["name"].split("/")}
    path.write_text(json.dumps(names, ensure_ascii=False), encoding="utf-8")
    return path


def test_importing_the_rendered_exports_scores_as_well_as_replaying_the_chats(
        ws: Workspace, shared_dir: Path, rendered_corpus: Path, tmp_path: Path,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    replayed = read_jsonl(replay_corpus(ws, shared_dir, rendered_corpus))
    root = tmp_path_factory.mktemp("imported")  # a second database beside the replayed one
    imported_ws = Workspace(root=root, db_url=f"sqlite:///{root}/i.db", media=ws.media, cli=ws.cli)
    assert imported_ws.run("orders", "import", shared_dir / "corpus" / "orders.json").code == 0
    assert imported_ws.run("contacts", "import", shared_dir / "corpus" / "contacts.json").code == 0
    names = contacts_map(shared_dir, tmp_path / "names.json")
    for chat in CHATS:
        result = imported_ws.run("import", "whatsapp", rendered_corpus / chat / "whatsapp", "--chat", chat,
                                 "--tz", "Asia/Shanghai", "--contacts-map", names)
        assert result.code == 0, result.err
        assert "senders unmatched: none" in result.out and "0 missing" in result.out
    out = imported_ws.root / "export.jsonl"
    assert imported_ws.run("evidence", "export", "--out", out).code == 0
    imported = read_jsonl(out)

    assert len(imported) == CORPUS_MESSAGES
    for chat in CHATS:
        got = score_chat(shared_dir, chat, imported, tmp_path, rendered_corpus / chat / "ids.json")
        want = score_chat(shared_dir, chat, replayed, tmp_path)
        assert got["missing"] == 0 and got["duplicates"] == 0 and got["contract_problems"] == 0
        for metric in METRICS:
            assert got[metric] >= want[metric] - 1e-9, (chat, metric, got[metric], want[metric])
