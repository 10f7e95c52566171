"""`orderproof serve` as a child process: Telegram by polling and by webhook, replies through the fake Bot API."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from tests.channels.telegram.fake_bot_api import FakeBotApi, wait_until
from tests.channels.telegram.harness import GROUP, SECRET, TOKEN, contacts_doc, load, serve_photos
from tests.fixtures import ORDER_BOOK, query, run_subprocess, write_json


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_env(tmp_path: Path, fake: FakeBotApi, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERPROOF_")}
    env.update({"ORDERPROOF_DATABASE_URL": f"sqlite:///{tmp_path}/serve.db",
                "ORDERPROOF_MEDIA_DIR": str(tmp_path / "media"),
                "ORDERPROOF_TELEGRAM_TOKEN": TOKEN, "ORDERPROOF_TELEGRAM_API_BASE_URL": fake.url, **extra})
    return env


def start_serve(tmp_path: Path, env: dict[str, str], *args: str) -> tuple[subprocess.Popen[bytes], str]:
    for kind, doc in (("orders", ORDER_BOOK), ("contacts", contacts_doc())):
        done = run_subprocess(kind, "import", str(write_json(tmp_path / f"{kind}.json", doc)), env=env, cwd=tmp_path)
        assert done.code == 0, done.err
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--port", str(port), *args], cwd=tmp_path,
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        assert proc.poll() is None, (tmp_path / "serve.log").read_text(errors="replace")
        try:
            return httpx.get(url + "/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(up, 60, "serve to answer /healthz")
    return proc, url


def stop_serve(proc: subprocess.Popen[bytes]) -> int:
    proc.send_signal(signal.SIGINT)
    try:
        return proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=30)
        raise


def test_serve_without_a_webhook_secret_polls_and_replies(tmp_path, fake_api):
    update = load("photo_caption.json")
    serve_photos(fake_api, update, seed=7)
    fake_api.push_update(update)
    proc, _ = start_serve(tmp_path, serve_env(tmp_path, fake_api))
    try:
        [reply] = wait_until(lambda: fake_api.delivered(GROUP), 60, "the reply to the polled photo")
        assert "PO-1001" in reply.text
    finally:
        code = stop_serve(proc)
    assert code == 0
    log = (tmp_path / "serve.log").read_text(errors="replace")
    assert "telegram by polling" in log
    rows = query(tmp_path / "serve.db", "SELECT message_id, state FROM inbound_messages")
    assert rows == [(f"{GROUP}:102", "processed")]


def test_serve_with_a_webhook_secret_takes_the_webhook_and_does_not_poll(tmp_path, fake_api):
    env = serve_env(tmp_path, fake_api, ORDERPROOF_TELEGRAM_WEBHOOK_SECRET=SECRET)
    proc, url = start_serve(tmp_path, env)
    try:
        body = json.dumps(load("text.json"), ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        assert httpx.post(url + "/webhooks/telegram", content=body, headers=headers).status_code == 403
        for _ in range(2):
            resp = httpx.post(url + "/webhooks/telegram", content=body,
                              headers=headers | {"X-Telegram-Bot-Api-Secret-Token": SECRET})
            assert resp.status_code == 200
        wait_until(lambda: fake_api.delivered(GROUP), 60, "the reply to the posted message")
    finally:
        assert stop_serve(proc) == 0
    assert "getUpdates" not in fake_api.methods()
    assert query(tmp_path / "serve.db", "SELECT count(*) FROM inbound_messages") == [(1,)]
