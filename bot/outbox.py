"""The outbox: every outbound message is written here first, then sent with retries."""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping

from sqlalchemy import or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.messages import OutboundMessage
from bot.ports import Channel, Clock
from store.models import OutboxRow

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
CLAIM_TIMEOUT = dt.timedelta(minutes=5)  # a claim older than this was left by a crash: send it again


def enqueue(session: Session, msg: OutboundMessage, now: dt.datetime) -> bool:
    """Queue a message once per dedupe key; returns False when the key was already queued."""
    values = {"dedupe_key": msg.dedupe_key, "channel": msg.channel, "recipient": msg.recipient, "text": msg.text,
              "payload": {"buttons": [list(b) for b in msg.buttons]}, "state": "pending", "attempts": 0,
              "next_attempt_at": now, "created_at": now}
    dialect = session.get_bind().dialect.name
    mod = postgresql if dialect == "postgresql" else sqlite
    stmt = (mod.insert(OutboxRow.__table__).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(OutboxRow.__table__.c.id))
    # RETURNING, not rowcount: on PostgreSQL a skipped insert may still report -1 rows
    return session.execute(stmt).first() is not None


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(3600, 2 ** attempts))


def _claim(engine: Engine, channels: Mapping[str, Channel], clock: Clock, limit: int) -> list[OutboxRow]:
    """Mark due messages as being sent, in one short transaction, so no lock is held while a channel talks."""
    now = clock.now()
    with Session(engine, expire_on_commit=False) as session:
        due = session.exec(select(OutboxRow).where(
            OutboxRow.channel.in_(list(channels)),
            or_(OutboxRow.state == "pending",
                (OutboxRow.state == "sending") & (OutboxRow.next_attempt_at <= now - CLAIM_TIMEOUT)),
            OutboxRow.next_attempt_at <= now).order_by(OutboxRow.id).limit(limit)).all()
        claimed = []
        for row in due:
            attempts = row.attempts + 1
            # the state check makes the claim atomic against another worker
            hit = session.execute(update(OutboxRow).where(OutboxRow.id == row.id, OutboxRow.state == row.state)
                                  .values(state="sending", attempts=attempts, next_attempt_at=now),
                                  execution_options={"synchronize_session": False})
            if hit.rowcount:
                row.attempts = attempts
                claimed.append(row)
        session.commit()
    return claimed


def drain(engine: Engine, channels: Mapping[str, Channel], clock: Clock, limit: int = 100) -> int:
    """Send what is due; a message is marked sent only after its channel accepted it (a crash in between repeats
    that one message once, never loses it)."""
    sent = 0
    for row in _claim(engine, channels, clock, limit):
        msg = OutboundMessage(row.channel, row.recipient, row.text, row.dedupe_key,
                              tuple(tuple(b) for b in (row.payload or {}).get("buttons", [])))
        try:
            channels[row.channel].send(msg)
        except Exception as exc:  # a channel failure is retried later, never lost
            error = f"{type(exc).__name__}: {exc}"[:500]
            state = "failed" if row.attempts >= MAX_ATTEMPTS else "pending"
            values = {"state": state, "last_error": error, "next_attempt_at": clock.now() + _backoff(row.attempts)}
            log.warning("outbox %s: %s", row.dedupe_key, error)
        else:
            values = {"state": "sent", "sent_at": clock.now(), "last_error": None}
            sent += 1
        with Session(engine) as session:
            session.execute(update(OutboxRow).where(OutboxRow.id == row.id).values(**values))
            session.commit()
    return sent


def recover_claims(engine: Engine) -> int:
    """At start, messages left "sending" by a crashed process go back to the queue (at most one duplicate each)."""
    with Session(engine) as session:
        n = session.execute(update(OutboxRow).where(OutboxRow.state == "sending").values(state="pending")).rowcount
        session.commit()
    return n or 0
