"""A rendered corpus chat, sealed and posted as WeCom callbacks, is tagged as `replay` tags the same chat."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.bootstrap import bootstrap
from bot.clock import FixedClock
from bot.services import export_evidence, import_contacts, import_orders
from bot.web import make_web
from bot.worker import Worker
from tests.channels.wecom.fake_wecom_api import FakeWecomApi, message_callback
from tests.channels.wecom.harness import AGENT_ID, KEYS, PATH, SECRET, TestClient, close_all, wecom_settings
from tests.fixtures import Workspace, read_jsonl

# the fields score.py compares, besides the ids
FIELDS = ("evidence", "order", "ambiguous", "sku", "milestone", "exception", "evidence_date", "date_source", "stale",
          "recycled", "decision_needed", "dates_mentioned")
# A captioned photo reaches WeCom as a text, then a bare image (ids.json maps the image); the pipeline reads the
# words sent just before a bare WeCom image as its caption, so the image is tagged as the captioned photo is.
_BUYER = ("WeCom chats are one-to-one (wecom:<userid>): the buyer is not in the agent's chat, so 'aprons' cannot be "
          "narrowed to the one order the chat's buyer is assigned")
_DOC = ("forwarder_docs-0003 (the SO naming vessel MSC ANNA with PO55102) has a document, so render.py leaves it out "
        "of wecom.jsonl; without it the vessel names no order")
# Differences that come from context WeCom cannot carry; pinned, so that any other difference (or a fix) shows.
CONTEXT_DIFFERENCES: dict[str, dict[tuple[str, str], str]] = {
    "factory_group": {},
    "agent_buyer": {("agent_buyer-0019", "order"): _BUYER, ("agent_buyer-0019", "ambiguous"): _BUYER,
                    ("agent_buyer-0019", "sku"): _BUYER,
                    ("agent_buyer-0020", "sku"): "carried over from agent_buyer-0019 (same sender, 15 min)"},
    "forwarder_docs": {("forwarder_docs-0031", "order"): _DOC, ("forwarder_docs-0031", "ambiguous"): _DOC},
}


def post_through_wecom(rendered: Path, shared: Path, chat: str, work: Path) -> list[dict[str, Any]]:
    """Every entry of the chat's wecom.jsonl sealed, signed and POSTed in order; the worker run; the export."""
    folder = rendered / chat
    with FakeWecomApi(KEYS.corp_id, SECRET, AGENT_ID, media_dir=folder / "whatsapp") as fake:
        clock = FixedClock()
        app = bootstrap(wecom_settings(work, fake), clock=clock)
        try:
            import_orders(app.engine, json.loads((shared / "corpus" / "orders.json").read_text(encoding="utf-8")))
            import_contacts(app.engine, json.loads((shared / "corpus" / "contacts.json").read_text(encoding="utf-8")))
            with TestClient(make_web(app), base_url="http://testserver.internal") as client:
                for entry in read_jsonl(folder / "wecom.jsonl"):
                    fields = {k: v for k, v in entry.items() if k != "corpus_id"}
                    fields["ToUserName"] = KEYS.corp_id
                    if "PicUrl" in fields:
                        fields["PicUrl"] = fields["PicUrl"].replace("{PORT}", str(fake.server.port))
                    clock.current = dt.datetime.fromtimestamp(int(fields["CreateTime"]), dt.UTC)
                    cb = message_callback(KEYS, fields, AGENT_ID)
                    resp = client.post(f"{PATH}?{cb.query}", content=cb.body, headers={"Content-Type": "text/xml"})
                    assert resp.status_code == 200, (entry, resp.text)
            Worker(app).run_once()
            assert fake.token_calls == 1
            return list(export_evidence(app.engine))
        finally:
            close_all(app)


def score(shared: Path, truth: Path, pred: Path, *id_maps: Path) -> dict[str, Any]:
    args = [sys.executable, str(shared / "eval" / "score.py"), str(truth), "--pred", str(pred), "--json"]
    for m in id_maps:
        args += ["--id-map", str(m)]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.shared
@pytest.mark.parametrize("chat", ["factory_group", "agent_buyer", "forwarder_docs"])
def test_a_rendered_chat_through_wecom_is_tagged_as_replay_tags_it(rendered_corpus: Path, shared_dir: Path,
                                                                   ws: Workspace, chat: str) -> None:
    folder = rendered_corpus / chat
    ids = json.loads((folder / "ids.json").read_text(encoding="utf-8"))
    msg_to_corpus: dict[str, str] = ids["wecom"]
    wanted = set(msg_to_corpus.values())

    # through WeCom: encrypted callbacks to the app's web front, then one worker pass
    wecom_export = post_through_wecom(rendered_corpus, shared_dir, chat, ws.root / "wecom")
    wecom_pred = write_jsonl(ws.root / "wecom-export.jsonl", wecom_export)

    # through replay: the same chat's messages.jsonl in a fresh database
    for what, file in (("orders", "orders.json"), ("contacts", "contacts.json")):
        assert ws.run(what, "import", shared_dir / "corpus" / file).code == 0
    assert ws.run("replay", folder / "messages.jsonl").code == 0
    replay_pred = ws.root / "replay-export.jsonl"
    assert ws.run("evidence", "export", "--out", replay_pred).code == 0

    # the truth, for the messages WeCom can carry (text and photos), under the chat's own name
    corpus = read_jsonl(shared_dir / "corpus" / "chats" / chat / "messages.jsonl")
    truth = write_jsonl(ws.root / "truth" / chat / "messages.jsonl", [m for m in corpus if m["id"] in wanted])
    assert len(read_jsonl(truth)) == len(wanted)
    figures = {"wecom": score(shared_dir, truth, wecom_pred, folder / "ids.json"),
               "replay": score(shared_dir, truth, replay_pred)}
    apart = {k: (v, figures["wecom"][k]) for k, v in figures["replay"].items() if figures["wecom"][k] != v}

    # record by record: each corpus message (the image, for a captioned photo) against replay's record
    replayed = {r["message_id"]: r for r in read_jsonl(replay_pred)}
    records = {r["message_id"]: r for r in wecom_export}
    by_corpus = {cid: records[mid] for mid, cid in msg_to_corpus.items()}
    assert set(by_corpus) == wanted and len(records) == len(read_jsonl(folder / "wecom.jsonl"))
    differences = {(cid, f) for cid in wanted for f in FIELDS if replayed[cid][f] != by_corpus[cid][f]}
    pinned = CONTEXT_DIFFERENCES[chat]
    report = "\n".join([f"{cid} {f}: replay {replayed[cid][f]!r}, wecom {by_corpus[cid][f]!r}"
                        for cid, f in sorted(differences)] + [f"figures (replay, wecom): {apart}"])
    assert differences - set(pinned) == set(), report
    assert set(pinned) <= differences, "a pinned difference is gone: update CONTEXT_DIFFERENCES\n" + report

    # the figures score.py gives, over every message whose record is not explained above, are replay's figures
    same = wanted - {cid for cid, _ in differences}
    truth = write_jsonl(ws.root / "truth-alike" / chat / "messages.jsonl", [m for m in corpus if m["id"] in same])
    through_wecom = score(shared_dir, truth, wecom_pred, folder / "ids.json")
    through_replay = score(shared_dir, truth, replay_pred)
    assert through_wecom["missing"] == 0 and through_wecom["duplicates"] == 0
    assert through_wecom == through_replay, report
