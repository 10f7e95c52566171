"""Send a buyer's scheduled digest exactly once per period, whatever restarts or second processes do."""
from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from bot.digests.assemble import assemble_digest
from bot.digests.render import to_text
from bot.messages import OutboundMessage
from bot.outbox import enqueue
from bot.routing import reach
from store.book_repo import load_book
from store.models import DigestRun

if TYPE_CHECKING:
    from bot.bootstrap import App

log = logging.getLogger(__name__)


def claim_period(session: Session, buyer_id: str, period: str, scheduled_for: dt.datetime, now: dt.datetime) -> bool:
    """Record the (buyer, period) run; False when some process already did (the UNIQUE key decides)."""
    mod = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = (mod.insert(DigestRun.__table__)
            .values(buyer_id=buyer_id, period=period, scheduled_for=scheduled_for, created_at=now)
            .on_conflict_do_nothing(index_elements=["buyer_id", "period"])
            .returning(DigestRun.__table__.c.id))
    # RETURNING, not rowcount: psycopg reports -1 rows for an INSERT that SQLAlchemy gave a RETURNING clause
    return session.execute(stmt).first() is not None


def deliver_digest(app: App, buyer_id: str, period: str, scheduled_for: dt.datetime) -> bool:
    """Claim the period and queue the buyer's digest in one transaction; True when this call queued it."""
    now = app.clock.now()
    with Session(app.engine) as session:
        book = load_book(session)
        buyer = book.contacts.get(buyer_id)
        if buyer is None:
            log.warning("digest for %s skipped: not in the contacts", buyer_id)
            return False
        where = reach(buyer, "telegram", app.channels.keys())
        if where is None:
            log.warning("digest for %s skipped: no channel reaches them", buyer_id)
            return False
        if not claim_period(session, buyer_id, period, scheduled_for, now):
            return False
        digest = assemble_digest(session, book, buyer_id, now, now.isoformat())
        enqueue(session, OutboundMessage(where[0], where[1], to_text(digest, book), f"digest:{buyer_id}:{period}"),
                now)
        session.commit()
    return True
