"""Use cases: load the order book, feed messages, export evidence. Thin over pipeline and store."""
from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.export import export_record
from bot.i18n import say
from bot.messages import OutboundMessage
from bot.outbox import enqueue
from bot.ports import Clock
from bot.replies import reply_for
from bot.routing import reach
from parsers.facts import Tags
from parsers.orderbook import OrderBook, parse_contacts, parse_orders
from store import inbound_repo
from store.book_repo import upsert_contacts, upsert_orders
from store.models import Contact, InboundRow, LinkCode


class UserError(Exception):
    """A user's mistake, said in one line."""


def import_orders(engine: Engine, doc: Any) -> tuple[list[str], list[str]]:
    """Load orders; returns (created, updated) POs."""
    orders = parse_orders(doc)
    with Session(engine) as session:
        result = upsert_orders(session, orders)
        session.commit()
    return result


def import_contacts(engine: Engine, doc: Any) -> tuple[list[str], list[str], list[str]]:
    """Load contacts; returns (created, updated, assignments to unknown POs)."""
    contacts = parse_contacts(doc)
    with Session(engine) as session:
        result = upsert_contacts(session, contacts)
        session.commit()
    return result


def export_evidence(engine: Engine, chat: str | None = None) -> Iterator[dict[str, Any]]:
    """Export records in arrival order."""
    with Session(engine) as session:
        for row, ev in inbound_repo.export_rows(session, chat):
            yield export_record(row, ev)


def new_link_code(engine: Engine, contact_id: str, clock: Clock, hours: int = 24) -> tuple[str, dt.datetime]:
    """A one-time code that links a chat user to a contact, valid for `hours`."""
    with Session(engine) as session:
        if session.get(Contact, contact_id) is None:
            raise UserError(f"unknown contact: {contact_id}")
        code = "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(8))
        expires = clock.now() + dt.timedelta(hours=hours)
        session.add(LinkCode(code=code, contact_id=contact_id, expires_at=expires))
        session.commit()
    return code, expires


def requeue(engine: Engine, chat: str | None = None, failed_only: bool = False) -> int:
    """Mark stored messages for re-tagging with the current rules."""
    with Session(engine) as session:
        q = select(InboundRow)
        if chat:
            q = q.where(InboundRow.chat == chat)
        if failed_only:
            q = q.where(InboundRow.state == "failed")
        n = 0
        for row in session.exec(q):
            row.state = "pending"
            session.add(row)
            n += 1
        session.commit()
    return n


class ReplyHook:
    """After tagging, queue the sender's reply when the message came live (not from history)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def __call__(self, session: Session, row: InboundRow, tags: Tags, book: OrderBook) -> None:
        """Queue the reply, once per message."""
        if not row.notify:
            return
        files = tuple(inbound_repo.file_facts(a) for a in inbound_repo.attachments_of(session, row.id))
        text = reply_for(tags, book.contacts.get(row.contact_id or ""), files)
        if text:
            enqueue(session, OutboundMessage(row.channel, row.chat, text, f"reply:{row.id}"), self.clock.now())


class UnknownSenderHook:
    """Tell the agents, once per sender, that a stranger wrote and their message waits in quarantine."""

    def __init__(self, clock: Clock, available: Callable[[], Iterable[str]]) -> None:
        self.clock, self.available = clock, available

    def __call__(self, session: Session, row: InboundRow, tags: Tags, book: OrderBook) -> None:
        """Queue one notice per agent and unknown sender."""
        if "unknown_sender" not in tags.flags or not row.notify:
            return
        for agent in (c for c in book.contacts.values() if c.role == "agent"):
            where = reach(agent, row.channel, self.available())
            if where is None:
                continue
            text = say(agent.language, "unknown_sender_agent", channel=row.channel, sender=row.sender)
            key = f"alert:unknown-sender:{row.channel}:{row.sender}:{agent.id}"
            enqueue(session, OutboundMessage(where[0], where[1], text, key), self.clock.now())
