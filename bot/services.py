"""Use cases: load the order book, feed messages, export evidence. Thin over pipeline and store."""
from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.chat_commands import is_command
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
from store.inbound_repo import PendingRow
from store.models import Contact, InboundRow, LinkCode, OutboxRow


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
            q = q.where(InboundRow.state.in_(["failed", "retry"]))
        n = 0
        for row in session.exec(q):
            row.state = "pending"
            session.add(row)
            n += 1
        session.commit()
    return n


ALBUM_DEBOUNCE = dt.timedelta(seconds=2)


def _media_group(row: PendingRow) -> str | None:
    """The album (Telegram media_group_id) a message belongs to, if any."""
    return str(row.media_group_id) if row.media_group_id else None


class ReplyHook:
    """After tagging, queue the sender's reply when the message came live (not from history).

    An album (photos sent together, each its own message and tagged on its own) gets one reply: its members share
    one outbox row, which waits until no member has come for ALBUM_DEBOUNCE and gathers the lines they add.
    """

    def __init__(self, clock: Clock, ask_original: bool = False) -> None:
        self.clock, self.ask_original = clock, ask_original

    def __call__(self, session: Session, row: PendingRow, tags: Tags, book: OrderBook) -> None:
        """Queue the reply, once per message (once per album)."""
        if not row.notify or is_command(row.text):
            return
        files = tuple(inbound_repo.file_facts(a) for a in inbound_repo.attachments_of(session, row.id)) \
            if row.attachments else ()
        text = reply_for(tags, book.contacts.get(row.contact_id or ""), files, self.ask_original)
        if not text:
            return
        now = self.clock.now()
        group = _media_group(row)
        if group is None:
            enqueue(session, OutboundMessage(row.channel, row.chat, text, f"reply:{row.id}"), now)
            return
        key = f"reply:album:{row.chat}:{group}"
        enqueue(session, OutboundMessage(row.channel, row.chat, text, key), now)
        pending = session.exec(select(OutboxRow).where(OutboxRow.dedupe_key == key,
                                                       OutboxRow.state == "pending")).first()
        if pending is not None:  # not sent yet: add what is new, and wait for the rest of the album
            have = pending.text.split("\n")
            pending.text = "\n".join(have + [ln for ln in text.split("\n") if ln not in have])
            pending.next_attempt_at = max(pending.next_attempt_at, now + ALBUM_DEBOUNCE)
            session.add(pending)


class UnknownSenderHook:
    """Tell the agents, once per sender, that a stranger wrote and their message waits in quarantine."""

    def __init__(self, clock: Clock, available: Callable[[], Iterable[str]]) -> None:
        self.clock, self.available = clock, available

    def __call__(self, session: Session, row: InboundRow, tags: Tags, book: OrderBook) -> None:
        """Queue one notice per agent and unknown sender."""
        if "unknown_sender" not in tags.flags or not row.notify or is_command(row.text):
            return
        for agent in (c for c in book.contacts.values() if c.role == "agent"):
            where = reach(agent, row.channel, self.available())
            if where is None:
                continue
            text = say(agent.language, "unknown_sender_agent", channel=row.channel, sender=row.sender)
            key = f"alert:unknown-sender:{row.channel}:{row.sender}:{agent.id}"
            enqueue(session, OutboundMessage(where[0], where[1], text, key), self.clock.now())
