"""The app under test for the Telegram channel tests: settings pointing at the fake Bot API, bootstrap, a webhook
client, a virtual clock for the flood limits, pictures for the recorded payloads, and reads of the bot's database."""
from __future__ import annotations

import copy
import datetime as dt
import io
import json
import sqlite3
import threading
import warnings
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    # starlette 1.x warns at import that its TestClient prefers the httpx2 package; this project uses httpx, and
    # the client works the same with it
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

from bot.bootstrap import App, bootstrap
from bot.channels.telegram import BotRunner, RateLimiter, TelegramChannel, TelegramFetcher
from bot.clock import FixedClock
from bot.services import import_contacts, import_orders
from bot.settings import Settings
from bot.worker import Worker
from tests.channels.telegram.fake_bot_api import FakeBotApi
from tests.fixtures import AGENT, CONTACTS, FACTORY, ORDER_BOOK

PAYLOADS = Path(__file__).with_name("payloads")
TOKEN = "7000000001:AAHf4k3-T0ken_for-the-loopback-fake"
SECRET = "wh-s3cret_T0ken-for-tests"
GROUP = -1001987654321
LI_ID, TOM_ID, EMMA_ID = 5725374025, 5714908198, 5811122233
START = dt.datetime(2026, 6, 9, 2, 30, tzinfo=dt.UTC)  # 10:30 in Shanghai, after every recorded update


def load(name: str) -> Any:
    """A recorded payload (a fresh copy each time)."""
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


def contacts_doc() -> dict[str, Any]:
    """The shared test contacts, the factory and the agent with their Telegram user ids (the buyer links later)."""
    doc = copy.deepcopy(CONTACTS)
    for c in doc["contacts"]:
        c["telegram_user_id"] = {FACTORY: LI_ID, AGENT: TOM_ID}.get(c["id"])
    return doc


def jpeg(seed: int, size: tuple[int, int] = (1280, 960), exif_datetime: str | None = None,
         exif_offset: str | None = None) -> bytes:
    """A JPEG whose picture depends on `seed` (so perceptual hashes differ), with EXIF when given."""
    img = Image.new("RGB", size, ((seed * 67) % 256, (seed * 131) % 256, (seed * 29) % 256))
    w, h = size
    for i in range(0, w, max(1, w // 16)):  # stripes placed by the seed
        if (i // max(1, w // 16) + seed) % 3 == 0:
            img.paste((255 - (seed * 67) % 256, 40, 200), (i, 0, i + max(1, w // 16), h))
    buf = io.BytesIO()
    if exif_datetime is None:
        img.save(buf, "JPEG", quality=85)
    else:
        exif = Image.Exif()
        ifd = exif.get_ifd(0x8769)
        ifd[0x9003] = exif_datetime
        if exif_offset is not None:
            ifd[0x9011] = exif_offset
        img.save(buf, "JPEG", quality=85, exif=exif)
    return buf.getvalue()


def serve_photos(fake: FakeBotApi, update: dict[str, Any], seed: int) -> None:
    """Give the fake a picture for every size of the update's photo (each size its own file, as Telegram keeps)."""
    for size in update["message"].get("photo", ()):
        fake.add_file(size["file_id"], jpeg(seed, (size["width"], size["height"])), size["file_unique_id"])


class VirtualTime:
    """A monotonic clock that only moves when someone sleeps on it: the rate limiter and the fake share it."""

    def __init__(self) -> None:
        self._now = 1000.0
        self._lock = threading.Lock()
        self.slept: list[float] = []

    def now(self) -> float:
        """Seconds, by this clock."""
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        """Move time forward instead of waiting."""
        with self._lock:
            self._now += max(0.0, seconds)
            self.slept.append(seconds)


def telegram_settings(tmp_path: Path, fake: FakeBotApi, **telegram: Any) -> Settings:
    """Settings for one test: its own SQLite file and media dir, the Bot API at the fake."""
    values = {"token": TOKEN, "webhook_secret": SECRET, "api_base_url": fake.url, **telegram}
    return (Settings()
            .replace("store", url=f"sqlite:///{tmp_path}/bot.db", media_dir=str(tmp_path / "media"))
            .replace("telegram", **values))


@dataclass
class TelegramBot:
    """The app under test, as Telegram's webhook and the worker see it, with reads of its database."""

    app: App
    clock: FixedClock
    client: TestClient
    fake: FakeBotApi
    db: Path
    time: VirtualTime
    channel: TelegramChannel

    def post(self, update: Any, secret: str | None = SECRET, body: bytes | None = None) -> Any:
        """POST an update as Telegram does (JSON, the secret token header unless `secret` is None)."""
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        content = body if body is not None else json.dumps(update, ensure_ascii=False).encode()
        return self.client.post("/webhooks/telegram", content=content, headers=headers)

    def deliver(self, *updates: dict[str, Any]) -> None:
        """POST each update with the right secret and check each was acknowledged."""
        for u in updates:
            resp = self.post(u)
            assert resp.status_code == 200, resp.text

    def work(self) -> int:
        """One worker pass: process what is pending and send what the outbox has due."""
        return Worker(self.app).run_once()

    def rows(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        """Rows of a read-only query on the bot's database."""
        with closing(sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)) as conn:
            conn.row_factory = sqlite3.Row
            return conn.execute(sql, params).fetchall()

    def value(self, sql: str, params: tuple = ()) -> Any:
        """The single value of a read-only query."""
        rows = self.rows(sql, params)
        return rows[0][0] if rows else None

    def inbound(self, message_id: str) -> dict[str, Any]:
        """The stored message with this id, with its tags (evidence columns prefixed ev_)."""
        rows = self.rows("SELECT i.*, e.evidence AS ev_evidence, e.order_po AS ev_order, e.milestone AS ev_milestone,"
                         " e.sku AS ev_sku, e.date_source AS ev_date_source, e.evidence_date AS ev_date"
                         " FROM inbound_messages i LEFT JOIN evidence e ON e.inbound_id = i.id"
                         " WHERE i.message_id = ?", (message_id,))
        assert rows, f"no inbound row for {message_id}"
        return dict(rows[0])

    def attachments(self, message_id: str) -> list[dict[str, Any]]:
        """The stored attachments of a message, in order."""
        return [dict(r) for r in self.rows(
            "SELECT a.* FROM attachments a JOIN inbound_messages i ON a.inbound_id = i.id"
            " WHERE i.message_id = ? ORDER BY a.position", (message_id,))]

    def outbox(self) -> list[dict[str, Any]]:
        """Every outbox row."""
        return [dict(r) for r in self.rows("SELECT * FROM outbox ORDER BY id")]


def make_bot(tmp_path: Path, fake: FakeBotApi, orders: dict[str, Any] | None = None,
             contacts: dict[str, Any] | None = None, **telegram: Any) -> Iterator[TelegramBot]:
    """The app bootstrapped against the fake, order book and contacts loaded, a TestClient on its web front.

    The sender's flood limiter runs on a VirtualTime that the fake stamps its requests with, so that the limits are
    checked without waiting for them.
    """
    from bot.web import make_web

    settings = telegram_settings(tmp_path, fake, **telegram)
    clock, vtime = FixedClock(START), VirtualTime()
    fake.clock = vtime.now
    runner = BotRunner(settings.telegram)
    channel = TelegramChannel(settings.telegram, runner, RateLimiter(clock=vtime.now, sleep=vtime.sleep))
    app = bootstrap(settings, clock=clock, channels={"telegram": channel},
                    fetchers={"telegram": TelegramFetcher(settings.telegram, runner)})
    import_orders(app.engine, orders or ORDER_BOOK)
    import_contacts(app.engine, contacts or contacts_doc())
    try:
        with TestClient(make_web(app), base_url="http://testserver.internal") as client:
            yield TelegramBot(app, clock, client, fake, tmp_path / "bot.db", vtime, channel)
    finally:
        runner.close()
        app.close()
