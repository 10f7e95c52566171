"""The app under test for the channel tests: settings pointing at the fakes, bootstrap, a webhook client, DB reads."""
from __future__ import annotations

import copy
import datetime as dt
import sqlite3
import warnings
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    # starlette >= 1.x prefers the httpx2 package for its TestClient and warns when it falls back to httpx, which
    # is what this project depends on; the client works the same
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

from bot.bootstrap import App, bootstrap
from bot.clock import FixedClock
from bot.services import import_contacts, import_orders
from bot.settings import Settings
from bot.web import make_web
from bot.worker import Worker
from tests.channels.fakes import FakeTwilio, inbound_form, webhook_request
from tests.fixtures import CONTACTS, ORDER_BOOK, query, scalar

ACCOUNT_SID = "AC" + "5e" * 16
AUTH_TOKEN = "f00dfacecafe" + "12" * 10
PUBLIC_URL = "https://bot.example.test"
WEBHOOK_URL = PUBLIC_URL + "/webhooks/twilio"  # what Twilio signs
BOT_NUMBER = "whatsapp:+14155238886"
FACTORY_PHONE = "+8613758912260"  # li.qiang, written "+86 137 5891 2260" in the contacts
AGENT_PHONE = "+8613800002222"  # tom.wu
SECOND_AGENT = "ann.lee"
SECOND_AGENT_PHONE = "+8613911112222"
STRANGER_PHONE = "+8615500001111"
TEMPLATES = {"template_reply": "HX" + "a1" * 16, "template_prompt": "HX" + "b2" * 16,
             "template_alert": "HX" + "c3" * 16, "template_digest": "HX" + "d4" * 16}
START = dt.datetime(2026, 6, 9, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai



def contacts_doc() -> dict[str, Any]:
    """The shared test contacts plus a second agent (so "once per agent" means something)."""
    doc = copy.deepcopy(CONTACTS)
    doc["contacts"].append({"id": SECOND_AGENT, "name": "Ann Lee", "phone": "+86 139 1111 2222", "role": "agent",
                            "timezone": "Asia/Shanghai", "language": "en", "orders": ["PO-1001"]})
    return doc


def twilio_settings(tmp_path: Path, fake: FakeTwilio, **twilio: Any) -> Settings:
    """Settings for one test: its own SQLite file and media dir, Twilio pointed at the fake."""
    values: dict[str, Any] = {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "from_number": BOT_NUMBER,
                              "media_hosts": ("127.0.0.1",), "api_base_url": fake.url, "messages_per_second": 1000,
                              **TEMPLATES}
    values.update(twilio)
    return (Settings()
            .replace("store", url=f"sqlite:///{tmp_path}/bot.db", media_dir=str(tmp_path / "media"))
            .replace("server", public_url=PUBLIC_URL)
            .replace("twilio", **values))


@dataclass
class Bot:
    """The app under test, as a webhook client and a worker see it, with helpers that read its database."""

    app: App
    clock: FixedClock
    client: TestClient
    fake: FakeTwilio
    db: Path

    def post(self, form: dict[str, str], signature: str | None = None, client: TestClient | None = None,
             url_signed: str = WEBHOOK_URL) -> Any:
        """POST a webhook exactly as Twilio would, signed over `url_signed` (the public URL) unless told otherwise."""
        body, headers = webhook_request(form, AUTH_TOKEN, url_signed, signature)
        return (client or self.client).post("/webhooks/twilio", content=body, headers=headers)

    def say(self, sender: str, text: str = "", media: Sequence[tuple[str, str]] = (), sid: str | None = None) -> str:
        """Post a signed message and check it was acknowledged; returns its MessageSid."""
        form = inbound_form(sender, text, list(media), sid=sid, account_sid=ACCOUNT_SID)
        resp = self.post(form)
        assert resp.status_code == 200, resp.text
        return form["MessageSid"]

    def work(self) -> int:
        """One worker pass: process what is pending and send what the outbox has due."""
        return Worker(self.app).run_once()

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Rows of a read-only query on the bot's database."""
        return query(self.db, sql, params)

    def value(self, sql: str, params: tuple = ()) -> Any:
        """The single value of a read-only query."""
        return scalar(self.db, sql, params)

    def records(self, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
        """Rows of a read-only query as dicts."""
        with closing(sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)) as conn:
            conn.row_factory = sqlite3.Row
            return [dict(r) for r in conn.execute(sql, params)]

    def inbound(self, sid: str) -> dict[str, Any]:
        """The stored message with this MessageSid, with its tags (evidence columns prefixed ev_)."""
        found = self.records("SELECT i.*, e.evidence AS ev_evidence, e.order_po AS ev_order, e.flags AS ev_flags"
                             " FROM inbound_messages i LEFT JOIN evidence e ON e.inbound_id = i.id"
                             " WHERE i.message_id = ?", (sid,))
        assert len(found) == 1, f"{len(found)} inbound rows for {sid}"
        return found[0]

    def attachments(self, sid: str) -> list[dict[str, Any]]:
        """The stored attachments of a message, in order."""
        return self.records("SELECT a.* FROM attachments a JOIN inbound_messages i ON a.inbound_id = i.id"
                            " WHERE i.message_id = ? ORDER BY a.position", (sid,))

    def outbox(self) -> list[dict[str, Any]]:
        """Every outbox row, in order."""
        return self.records("SELECT * FROM outbox ORDER BY id")


def make_bot(tmp_path: Path, fake: FakeTwilio, **twilio: Any) -> Iterator[Bot]:
    """The app bootstrapped with a FixedClock, the order book and contacts loaded, a TestClient on its web front."""
    settings = twilio_settings(tmp_path, fake, **twilio)
    clock = FixedClock(START)
    app = bootstrap(settings, clock=clock)
    import_orders(app.engine, ORDER_BOOK)
    import_contacts(app.engine, contacts_doc())
    try:
        with TestClient(make_web(app), base_url="http://testserver.internal") as client:
            yield Bot(app, clock, client, fake, tmp_path / "bot.db")
    finally:
        app.close()  # closes the channels' and fetchers' HTTP clients too
