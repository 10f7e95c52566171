"""`orderproof serve` killed with SIGKILL while messages wait, and started again, loses nothing and doubles nothing."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.channels.fakes import FakeTwilio, free_port, inbound_form, wait_until, webhook_request
from tests.channels.harness import (
    ACCOUNT_SID,
    AGENT_PHONE,
    AUTH_TOKEN,
    BOT_NUMBER,
    FACTORY_PHONE,
    PUBLIC_URL,
    TEMPLATES,
    WEBHOOK_URL,
    contacts_doc,
)
from tests.fixtures import ORDER_BOOK, query, run_subprocess, write_json, write_photo

MESSAGES = 300
DEADLINE_S = 120.0
CLIENTS = 6


def serve_env(tmp_path: Path, fake: FakeTwilio) -> dict[str, str]:
    """The environment of a `serve` run: everything set by ORDERPROOF_* variables, nothing in a file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERPROOF_")}
    env.update({
        "ORDERPROOF_DATABASE_URL": f"sqlite:///{tmp_path}/serve.db",
        "ORDERPROOF_MEDIA_DIR": str(tmp_path / "media"),
        "ORDERPROOF_SERVER_PUBLIC_URL": PUBLIC_URL,
        # the digest scheduler would send a digest at start when the test runs just after a buyer's send time
        "ORDERPROOF_SCHEDULE_ENABLED": "0",
        "ORDERPROOF_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "ORDERPROOF_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "ORDERPROOF_TWILIO_FROM_NUMBER": BOT_NUMBER,
        "ORDERPROOF_TWILIO_MEDIA_HOSTS": "127.0.0.1",
        "ORDERPROOF_TWILIO_API_BASE_URL": fake.url,
        "ORDERPROOF_TWILIO_MESSAGES_PER_SECOND": "1000",
        **{f"ORDERPROOF_TWILIO_{k.upper()}": v for k, v in TEMPLATES.items()},
    })
    return env


@dataclass
class Serve:
    """One `orderproof serve` child process on its own port, output kept in files."""

    env: dict[str, str]
    cwd: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, run: int) -> Serve:
        out = (self.cwd / f"serve-{run}.log").open("wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--port", str(self.port)],
                                     cwd=self.cwd, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        out.close()
        wait_until(self._up, 60, f"`serve` to answer /healthz on port {self.port}")
        return self

    def _up(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"serve exited with {self.proc.returncode}:\n{self.log()}")
        try:
            return httpx.get(self.url + "/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def health(self) -> dict:
        return httpx.get(self.url + "/healthz", timeout=10).json()

    def log(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.cwd.glob("serve-*.log")))

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)


@dataclass
class Planned:
    form: dict[str, str]
    reply_due: bool


def plan(fake: FakeTwilio, photos: Path) -> list[Planned]:
    """300 messages from the factory and the agent: evidence that wants a reply, chatter that does not, and photos."""
    out = []
    for i in range(MESSAGES):
        sender = FACTORY_PHONE if i % 3 else AGENT_PHONE
        if i % 5 == 0:
            data = write_photo(photos / f"p{i}.jpg", color=(i % 256, (7 * i) % 256, (13 * i) % 256)).read_bytes()
            media = [(fake.add_media(data), "image/jpeg")]
            form = inbound_form(sender, f"PO-1001 RP-24-RED 上釉完成 {i} 件", media, account_sid=ACCOUNT_SID)
            out.append(Planned(form, True))
        elif i % 5 in (1, 3):
            out.append(Planned(inbound_form(sender, f"PO-1001 RP-24-RED 上釉完成 {i} 件", account_sid=ACCOUNT_SID),
                               True))
        else:
            out.append(Planned(inbound_form(sender, "收到" if i % 2 else "好的", account_sid=ACCOUNT_SID), False))
    return out


class Poster:
    """Posts planned messages from a few threads, as Twilio does; remembers which ones got a 200."""

    def __init__(self, url: str, messages: list[Planned]) -> None:
        self.url, self.todo = url, iter(list(messages))
        self.acked: set[str] = set()
        self.failed: set[str] = set()
        self._lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(CLIENTS)]

    def start(self) -> Poster:
        for t in self.threads:
            t.start()
        return self

    def join(self) -> None:
        for t in self.threads:
            t.join(timeout=DEADLINE_S)

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            while True:
                with self._lock:
                    item = next(self.todo, None)
                if item is None:
                    return
                sid = item.form["MessageSid"]
                body, headers = webhook_request(item.form, AUTH_TOKEN, WEBHOOK_URL)
                try:
                    ok = client.post("/webhooks/twilio", content=body, headers=headers).status_code == 200
                except httpx.HTTPError:
                    ok = False
                with self._lock:
                    (self.acked if ok else self.failed).add(sid)
                if not ok:
                    return  # the server is gone; Twilio will retry this one later


def pending(db: Path) -> int:
    """Acknowledged messages not processed yet, as a reader of the database sees them."""
    return query(db, "SELECT count(*) FROM inbound_messages WHERE state = 'pending'")[0][0]


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[FakeTwilio]:
    with FakeTwilio(ACCOUNT_SID, AUTH_TOKEN, cdn_delay=0.02) as fake:
        yield fake


def test_serve_killed_while_messages_are_pending_processes_each_acknowledged_message_once(
        tmp_path: Path, fake: FakeTwilio) -> None:
    env = serve_env(tmp_path, fake)
    for what, doc in (("orders", ORDER_BOOK), ("contacts", contacts_doc())):
        loaded = run_subprocess(what, "import", str(write_json(tmp_path / f"{what}.json", doc)), cwd=tmp_path, env=env)
        assert loaded.code == 0, loaded.err
    messages = plan(fake, tmp_path / "photos")
    db = tmp_path / "serve.db"
    serve = Serve(env, tmp_path).start(run=1)

    try:
        assert serve.health() == {"status": "ok", "pending": 0}
        poster = Poster(serve.url, messages).start()
        # watch the database itself (a WAL reader never waits for the writers), and kill as soon as enough waits
        pending_at_kill = wait_until(lambda: len(poster.acked) >= 50 and pending(db) >= 10 and pending(db),
                                     DEADLINE_S, "a moment with acknowledged messages pending", step=0.005)
        serve.kill()
        poster.join()
        acked_before_kill = set(poster.acked)

        # started again, it resumes; Twilio retries whatever was not acknowledged (some may have been stored)
        serve.start(run=2)
        retry = Poster(serve.url, [m for m in messages if m.form["MessageSid"] not in acked_before_kill]).start()
        retry.join()
        assert retry.failed == set(), serve.log()
        wait_until(lambda: serve.health()["pending"] == 0, DEADLINE_S, "pending == 0 after the restart")
        wait_until(lambda: query(db, "SELECT count(*) FROM outbox WHERE state != 'sent'") == [(0,)], DEADLINE_S,
                   "the outbox to be sent")
    finally:
        serve.stop()

    assert pending_at_kill > 0 and acked_before_kill
    rows = {sid: (state, n_ev, n_reply) for sid, state, n_ev, n_reply in query(db, """
        SELECT i.message_id, i.state,
               (SELECT count(*) FROM evidence e WHERE e.inbound_id = i.id),
               (SELECT count(*) FROM outbox o WHERE o.dedupe_key = 'reply:' || i.id)
        FROM inbound_messages i""")}
    assert query(db, "SELECT count(*) FROM inbound_messages") == [(MESSAGES,)]
    assert sorted(rows) == sorted(m.form["MessageSid"] for m in messages)
    wrong = {m.form["MessageSid"]: rows[m.form["MessageSid"]] for m in messages
             if rows[m.form["MessageSid"]] != ("processed", 1, int(m.reply_due))}
    assert wrong == {}, f"(state, evidence rows, reply rows) that are off: {wrong}\n{serve.log()}"
    replies = query(db, "SELECT count(*) FROM outbox WHERE dedupe_key LIKE 'reply:%'")[0][0]
    assert replies == sum(m.reply_due for m in messages)
    # a reply is marked sent only after Twilio took it, so a kill can repeat at most the one being sent
    assert replies <= len(fake.sent) <= replies + 1
    assert query(db, "SELECT count(*) FROM attachments WHERE error IS NULL AND sha256 IS NOT NULL") == \
        [(sum(1 for m in messages if m.form["NumMedia"] == "1"),)]
