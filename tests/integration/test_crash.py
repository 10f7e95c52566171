"""A replay killed with SIGKILL half way, and run again, ends with every message stored and processed once."""
from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.fixtures import Workspace, query, scalar, text_chat, write_chat, write_contacts, write_order_book

MESSAGES = 3000
DEADLINE_S = 120.0


def progress(db: Path) -> tuple[int, int] | None:
    """(stored, processed) as another reader sees them, or None while the database or schema is not there yet."""
    if not db.exists():
        return None
    try:
        (stored, processed), = query(
            db, "SELECT count(*), coalesce(sum(state = 'processed'), 0) FROM inbound_messages")
    except sqlite3.OperationalError:  # not created or migrated yet, or a short lock
        return None
    return stored, processed


def kill_half_way(proc: subprocess.Popen[bytes], db: Path) -> tuple[int, int]:
    """Poll the database until the replay has stored messages and processed some but not all; then SIGKILL it."""
    pause = threading.Event()
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        seen = progress(db)
        if seen is not None and seen[0] > 0 and 0 < seen[1] < MESSAGES:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
            return seen
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"replay ended (code {proc.returncode}) before it could be killed half way; "
                                 f"seen {seen}; make the chat longer.\n{out.decode()}\n{err.decode()}")
        pause.wait(0.01)
    proc.kill()
    proc.wait(timeout=30)
    raise AssertionError(f"replay made no visible progress in {DEADLINE_S:.0f}s")


def test_a_replay_killed_half_way_and_run_again_stores_and_processes_every_message_once(ws: Workspace) -> None:
    assert ws.run("orders", "import", write_order_book(ws.root / "orders.json")).code == 0
    assert ws.run("contacts", "import", write_contacts(ws.root / "contacts.json")).code == 0
    chat = write_chat(ws.root / "factory_group" / "messages.jsonl",
                      text_chat(MESSAGES, dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))))
    replay = [sys.executable, "-m", "bot", "replay", str(chat), "--db", ws.db_url]

    with subprocess.Popen(replay, cwd=ws.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        stored_at_kill, processed_at_kill = kill_half_way(proc, ws.db)

    assert proc.returncode == -signal.SIGKILL
    # what was committed before the kill is consistent: every processed message has its tags, no other has
    assert scalar(ws.db, "SELECT count(*) FROM inbound_messages WHERE state = 'processed'") == \
        scalar(ws.db, "SELECT count(*) FROM evidence")
    assert 0 < processed_at_kill < MESSAGES and stored_at_kill > 0

    again = subprocess.run(replay, cwd=ws.root, capture_output=True, text=True, timeout=600)

    assert again.returncode == 0, again.stderr
    assert scalar(ws.db, "SELECT count(*) FROM inbound_messages") == MESSAGES
    assert query(ws.db, "SELECT state, count(*) FROM inbound_messages GROUP BY state") == [("processed", MESSAGES)]
    assert scalar(ws.db, "SELECT count(*) FROM evidence") == MESSAGES
    assert scalar(ws.db, "SELECT count(DISTINCT inbound_id) FROM evidence") == MESSAGES
    assert query(ws.db, "SELECT channel, chat, message_id FROM inbound_messages "
                        "GROUP BY channel, chat, message_id HAVING count(*) > 1") == []
    exported = ws.run("evidence", "export", "--out", ws.root / "export.jsonl")
    assert exported.code == 0
    assert len((ws.root / "export.jsonl").read_text(encoding="utf-8").splitlines()) == MESSAGES
