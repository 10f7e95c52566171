"""The app under test for the WeCom tests: settings pointing at the fake API, bootstrap, a callback client, DB reads."""
from __future__ import annotations

import datetime as dt
import sqlite3
import warnings
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    # starlette >= 1.x prefers the httpx2 package for its TestClient and warns when it falls back to httpx
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

from bot.bootstrap import App, bootstrap
from bot.clock import FixedClock
from bot.services import import_contacts, import_orders
from bot.settings import Settings
from bot.web import make_web
from bot.worker import Worker
from tests.channels.wecom.fake_wecom_api import AppKeys, Callback, FakeWecomApi, message_callback
from tests.fixtures import query, scalar

KEYS = AppKeys(token="Xk2pQ9vT7wLm3RzA", aes_key="kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR",
               corp_id="ww5f3c1a9e0b7d2c4e")
SECRET = "Zq8s0dV3b5x7h9JkLmN2pR4tW6yA8cE1gI3kM5oQ7sU"
AGENT_ID = 1000002
PATH = "/webhooks/wecom"
START = dt.datetime(2026, 6, 9, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai


def wecom_settings(tmp_path: Path, fake: FakeWecomApi, **wecom: Any) -> Settings:
    """Settings for one test: its own SQLite file and media dir, WeCom pointed at the fake API."""
    values: dict[str, Any] = {"corp_id": KEYS.corp_id, "agent_id": str(AGENT_ID), "secret": SECRET,
                              "token": KEYS.token, "aes_key": KEYS.aes_key, "api_base_url": fake.url}
    values.update(wecom)
    return (Settings()
            .replace("store", url=f"sqlite:///{tmp_path}/bot.db", media_dir=str(tmp_path / "media"))
            .replace("wecom", **values))


_ids = iter(range(1, 1 << 40))


def next_msg_id() -> str:
    """A fresh 64-bit MsgId, as WeCom numbers them."""
    return str(7400000000000000000 + next(_ids))


@dataclass
class WecomBot:
    """The app under test, as WeCom and a worker see it, with helpers that read its database."""

    app: App
    clock: FixedClock
    client: TestClient
    fake: FakeWecomApi
    db: Path

    # ------------------------------------------------------------ talking to the callback URL
    def deliver(self, cb: Callback) -> Any:
        """POST one callback exactly as WeCom does."""
        return self.client.post(f"{PATH}?{cb.query}", content=cb.body,
                                headers={"Content-Type": "text/xml", "User-Agent": "Mozilla/4.0"})

    def fields(self, sender: str, msg_type: str = "text", msg_id: str | None = None,
               at: dt.datetime | None = None, **more: Any) -> dict[str, Any]:
        """The plaintext fields of a message from `sender`, sent now (or `at`)."""
        created = int((at or self.clock.now()).timestamp())
        fields: dict[str, Any] = {"ToUserName": KEYS.corp_id, "FromUserName": sender, "CreateTime": created,
                                  "MsgType": msg_type}
        fields.update(more)
        fields.update({"MsgId": msg_id or next_msg_id(), "AgentID": AGENT_ID})
        return fields

    def callback(self, fields: dict[str, Any]) -> Callback:
        """The fields sealed and signed with the app's keys."""
        return message_callback(KEYS, fields, AGENT_ID)

    def say(self, sender: str, text: str, msg_id: str | None = None) -> str:
        """A text message, delivered and acknowledged; returns its MsgId."""
        fields = self.fields(sender, "text", msg_id, Content=text)
        resp = self.deliver(self.callback(fields))
        assert resp.status_code == 200, resp.text
        return fields["MsgId"]

    def show(self, sender: str, data: bytes, media_id: str | None = None, msg_id: str | None = None) -> str:
        """An image: its bytes held by the fake API under a MediaId, the callback delivered; returns its MsgId."""
        media_id = self.fake.add_media(data, media_id)
        fields = self.fields(sender, "image", msg_id, PicUrl=f"https://wework.qpic.cn/wwpic/{media_id[:20]}/0",
                             MediaId=media_id)
        resp = self.deliver(self.callback(fields))
        assert resp.status_code == 200, resp.text
        return fields["MsgId"]

    def work(self) -> int:
        """One worker pass: process what is pending and send what the outbox has due."""
        return Worker(self.app).run_once()

    # ------------------------------------------------------------ reading the database
    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Rows of a read-only query on the bot's database."""
        return query(self.db, sql, params)

    def value(self, sql: str, params: tuple = ()) -> Any:
        """The single value of a read-only query."""
        return scalar(self.db, sql, params)

    def inbound(self, msg_id: str) -> dict[str, Any]:
        """The stored message with this MsgId, with its tags (evidence columns prefixed ev_)."""
        with closing(sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)) as conn:
            conn.row_factory = sqlite3.Row
            row = conn.execute("SELECT i.*, e.evidence AS ev_evidence, e.order_po AS ev_order, e.flags AS ev_flags,"
                               " e.milestone AS ev_milestone, e.sku AS ev_sku, e.evidence_date AS ev_date,"
                               " e.date_source AS ev_date_source FROM inbound_messages i"
                               " LEFT JOIN evidence e ON e.inbound_id = i.id WHERE i.message_id = ?",
                               (msg_id,)).fetchone()
            assert row is not None, f"no inbound row for {msg_id}"
            return dict(row)

    def attachments(self, msg_id: str) -> list[dict[str, Any]]:
        """The stored attachments of a message, in order."""
        with closing(sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)) as conn:
            conn.row_factory = sqlite3.Row
            return [dict(r) for r in conn.execute(
                "SELECT a.* FROM attachments a JOIN inbound_messages i ON a.inbound_id = i.id"
                " WHERE i.message_id = ? ORDER BY a.position", (msg_id,))]

    def outbox(self) -> list[dict[str, Any]]:
        """Every outbox row."""
        with closing(sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)) as conn:
            conn.row_factory = sqlite3.Row
            return [dict(r) for r in conn.execute("SELECT * FROM outbox ORDER BY id")]


def make_bot(tmp_path: Path, fake: FakeWecomApi, book: dict[str, Any], contacts: dict[str, Any],
             **wecom: Any) -> Iterator[WecomBot]:
    """The app bootstrapped with a FixedClock, an order book and contacts loaded, a TestClient on its web front."""
    settings = wecom_settings(tmp_path, fake, **wecom)
    clock = FixedClock(START)
    app = bootstrap(settings, clock=clock)
    import_orders(app.engine, book)
    import_contacts(app.engine, contacts)
    try:
        with TestClient(make_web(app), base_url="http://testserver.internal") as client:
            yield WecomBot(app, clock, client, fake, tmp_path / "bot.db")
    finally:
        close_all(app)


def close_all(app: App) -> None:
    """Close the app and every channel and fetcher that keeps connections (closing twice is harmless)."""
    for part in (*app.channels.values(), *app.fetchers.values()):
        if callable(getattr(part, "close", None)):
            part.close()
    app.close()
