"""One corpus chat through live Twilio webhooks tags the same as `orderproof replay` of that chat."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.bootstrap import bootstrap
from bot.clock import FixedClock
from bot.services import import_contacts, import_orders
from bot.web import make_web
from tests.channels.fakes import FakeTwilio, iter_jsonl
from tests.channels.harness import ACCOUNT_SID, AUTH_TOKEN, Bot, TestClient, twilio_settings
from tests.fixtures import Workspace, read_jsonl

CHAT = "factory_group"
TAGS = ("evidence", "order", "sku", "milestone", "exception", "evidence_date", "date_source", "stale", "recycled",
        "decision_needed", "dates_mentioned")


@pytest.fixture
def corpus_media(rendered_corpus: Path) -> Iterator[FakeTwilio]:
    """Twilio's media URLs for the rendered chats (`/media/<chat>/<file>` from `<rendered>/<chat>/whatsapp/`)."""
    with FakeTwilio(ACCOUNT_SID, AUTH_TOKEN, media_root=rendered_corpus) as fake:
        yield fake


def score(shared: Path, pred: Path, *extra: str) -> dict:
    proc = subprocess.run([sys.executable, str(shared / "eval" / "score.py"),
                           str(shared / "corpus" / "chats" / CHAT / "messages.jsonl"), "--pred", str(pred), *extra,
                           "--json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def through_twilio(tmp_path: Path, ws: Workspace, shared: Path, rendered: Path, fake: FakeTwilio) -> Path:
    """Post the chat's webhooks in order, each at its message's time, let the worker process them, and export."""
    settings = twilio_settings(tmp_path / "twilio", fake)
    clock = FixedClock()
    app = bootstrap(settings, clock=clock)
    import_orders(app.engine, json.loads((shared / "corpus" / "orders.json").read_text(encoding="utf-8")))
    import_contacts(app.engine, json.loads((shared / "corpus" / "contacts.json").read_text(encoding="utf-8")))
    try:
        with TestClient(make_web(app), base_url="http://testserver.internal") as client:
            bot = Bot(app, clock, client, fake, tmp_path / "twilio" / "bot.db")
            forms = list(iter_jsonl(rendered / CHAT / "twilio.jsonl"))
            messages = list(iter_jsonl(rendered / CHAT / "messages.jsonl"))
            assert len(forms) == len(messages)
            for form, msg in zip(forms, messages, strict=True):
                clock.current = dt.datetime.fromisoformat(msg["ts"]).astimezone(dt.UTC)  # Twilio sends no time
                if "MediaUrl0" in form:
                    form["MediaUrl0"] = form["MediaUrl0"].replace("{PORT}", str(fake.port))
                resp = bot.post(form)
                assert resp.status_code == 200, resp.text
            assert bot.work() == len(forms)  # the worker: process everything, then send the replies
            states = bot.rows("SELECT state, count(*) FROM inbound_messages GROUP BY state")
            assert states == [("processed", len(forms))]
    finally:
        app.close()
    out = tmp_path / "twilio-export.jsonl"
    exported = ws.cli("--db", settings.store.url, "evidence", "export", "--out", out)
    assert exported.code == 0, exported.err
    return out


def through_replay(ws: Workspace, shared: Path, rendered: Path) -> Path:
    """`orderproof replay` of the same chat's messages.jsonl into a fresh database, and its export."""
    for what in ("orders", "contacts"):
        loaded = ws.run(what, "import", shared / "corpus" / f"{what}.json")
        assert loaded.code == 0, loaded.err
    replayed = ws.run("replay", rendered / CHAT / "messages.jsonl")
    assert replayed.code == 0, replayed.err
    out = ws.root / "replay-export.jsonl"
    exported = ws.run("evidence", "export", "--out", out)
    assert exported.code == 0, exported.err
    return out


@pytest.mark.shared
def test_a_chat_posted_as_twilio_webhooks_scores_and_tags_like_its_replay(
        tmp_path: Path, ws: Workspace, shared_dir: Path, rendered_corpus: Path, corpus_media: FakeTwilio) -> None:
    twilio_export = through_twilio(tmp_path, ws, shared_dir, rendered_corpus, corpus_media)
    replay_export = through_replay(ws, shared_dir, rendered_corpus)

    ids = json.loads((rendered_corpus / CHAT / "ids.json").read_text(encoding="utf-8"))["twilio"]
    by_twilio = {ids[r["message_id"]]: r for r in read_jsonl(twilio_export)}
    by_replay = {r["message_id"]: r for r in read_jsonl(replay_export)}
    assert sorted(by_twilio) == sorted(by_replay) and len(by_replay) == len(ids)
    differences = {mid: {k: (by_twilio[mid][k], by_replay[mid][k]) for k in TAGS
                         if by_twilio[mid][k] != by_replay[mid][k]}
                   for mid in sorted(by_replay)}
    differences = {mid: d for mid, d in differences.items() if d}
    assert differences == {}, "tags that differ, as (twilio, replay):\n" + "\n".join(
        f"{mid}: {d}" for mid, d in differences.items())

    twilio_scores = score(shared_dir, twilio_export, "--id-map", str(rendered_corpus / CHAT / "ids.json"))
    replay_scores = score(shared_dir, replay_export)
    assert twilio_scores["missing"] == 0 and twilio_scores["duplicates"] == 0
    assert twilio_scores == replay_scores
