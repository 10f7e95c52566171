"""The outbox: every outbound message is written here first, then sent with retries."""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.messages import OutboundMessage
from bot.ports import Channel, Clock
from store.models import OutboxRow

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


def enqueue(session: Session, msg: OutboundMessage, now: dt.datetime) -> bool:
    """Queue a message once per dedupe key; returns False when the key was already queued."""
    values = {"dedupe_key": msg.dedupe_key, "channel": msg.channel, "recipient": msg.recipient, "text": msg.text,
              "payload": {"buttons": [list(b) for b in msg.buttons]}, "state": "pending", "attempts": 0,
              "next_attempt_at": now, "created_at": now}
    dialect = session.get_bind().dialect.name
    mod = postgresql if dialect == "postgresql" else sqlite
    stmt = mod.insert(OutboxRow.__table__).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
    return bool(session.execute(stmt).rowcount)


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(3600, 2 ** attempts))


def drain(engine: Engine, channels: Mapping[str, Channel], clock: Clock, limit: int = 100) -> int:
    """Send what is due; a message is marked sent only after its channel accepted it."""
    sent = 0
    with Session(engine) as session:
        due = session.exec(select(OutboxRow).where(OutboxRow.state == "pending",
                                                   OutboxRow.next_attempt_at <= clock.now())
                           .order_by(OutboxRow.id).limit(limit)).all()
        for row in due:
            channel = channels.get(row.channel)
            if channel is None:
                continue  # that channel is off here; the message waits until it is on
            msg = OutboundMessage(row.channel, row.recipient, row.text, row.dedupe_key,
                                  tuple(tuple(b) for b in (row.payload or {}).get("buttons", [])))
            row.attempts += 1
            try:
                channel.send(msg)
            except Exception as exc:  # a channel failure is retried later, never lost
                row.last_error = f"{type(exc).__name__}: {exc}"[:500]
                row.state = "failed" if row.attempts >= MAX_ATTEMPTS else "pending"
                row.next_attempt_at = clock.now() + _backoff(row.attempts)
                log.warning("outbox %s: %s", row.dedupe_key, row.last_error)
            else:
                row.state, row.sent_at = "sent", clock.now()
                sent += 1
            session.add(row)
            # commit each one: a crash after sending repeats at most this message
            session.commit()
    return sent
