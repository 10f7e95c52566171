"""Helpers every webhook shares: the public URL, 403, and keeping unreadable payloads."""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import PlainTextResponse

from store.inbound_repo import last_received, quarantine

log = logging.getLogger(__name__)
FORBIDDEN = PlainTextResponse("forbidden", status_code=403)


def public_url(app: Any, request: Request) -> str:
    """The URL the provider signed: the configured public URL behind a proxy, else what we were asked."""
    base = app.settings.server.public_url.rstrip("/")
    if base:
        return base + request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return str(request.url)


def keep_bad(app: Any, channel: str, payload: dict, reason: str) -> None:
    """Store an authenticated payload that is not a readable message, quarantined, so nothing is lost."""
    log.warning("%s payload quarantined: %s", channel, reason)
    with Session(app.engine) as session:
        quarantine(session, channel, payload, reason, app.clock.now())
        session.commit()


def last_inbound_at(engine: Engine, channel: str, chat: str) -> dt.datetime | None:
    """When a chat last wrote to us."""
    with Session(engine) as session:
        return last_received(session, channel, chat)
