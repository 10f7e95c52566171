"""Chat commands, the same on every channel: /help, /status PO, and /start CODE (links a Telegram user to a contact).

The interface is small:

- `parse(text) -> Command | None`: the command a message is, if any ("/status@OrderProofBot PO-1" is /status).
- `is_command(text) -> bool`: what the reply and unknown-sender hooks check to stay silent on commands.
- `handle_command(session, text, channel=, sender=, contact_id=, book=, now=) -> str | None`: the answer to a
  command, in the sender's language (English then Chinese when the sender is not known yet), or None when the text
  is not one of ours. It writes only for /start (the contact's telegram_user_id and the code's used_at), in the
  caller's transaction, and never commits.
- `CommandHook(clock)`: an after-tagging hook `(session, row, tags, book)` that answers live commands in the row's
  chat through the outbox (dedupe key `reply:cmd:<row id>`).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import update
from sqlmodel import Session, select

from bot.i18n import say
from bot.messages import OutboundMessage
from bot.orderfile import order_files
from bot.outbox import enqueue
from bot.ports import Clock
from parsers.facts import Tags
from parsers.orderbook import OrderBook
from store.models import Contact, InboundRow, LinkCode

# answered here: help, start, status; the decision verbs, /lift and /close are read by the decision and prompt
# keepers after tagging (they need the batch's tags), and answered there
ANSWERED_HERE = ("help", "start", "status")
ACTIONS = ("approve", "hold", "rework", "expedite", "renegotiate", "release", "sort", "reject", "ship", "lift",
           "close")
COMMANDS = ANSWERED_HERE + ACTIONS
_COMMAND = re.compile(r"^/([A-Za-z]+)(?:@[A-Za-z0-9_]+)?(?:\s+(.*))?$", re.S)


@dataclass(frozen=True)
class Command:
    name: str  # help | start | status, or one of ACTIONS
    arg: str  # what follows, stripped ("" when nothing)


def parse(text: str) -> Command | None:
    """The command a message is: one of ours at the very start of the text (case-insensitive), else None."""
    m = _COMMAND.match((text or "").strip())
    if not m or m.group(1).lower() not in COMMANDS:
        return None
    return Command(m.group(1).lower(), (m.group(2) or "").strip())


def is_command(text: str) -> bool:
    """Whether a message is one of our commands (the bot answers it instead of tagging replies)."""
    return parse(text) is not None


def _say(lang: str | None, key: str, **values: object) -> str:
    if lang is None:  # a sender we do not know yet: both languages
        return say("en", key, **values) + "\n" + say("zh", key, **values)
    return say(lang, key, **values)


def handle_command(session: Session, text: str, *, channel: str, sender: str, contact_id: str | None,
                   book: OrderBook, now: dt.datetime) -> str | None:
    """The answer to a command, or None when `text` is not one."""
    cmd = parse(text)
    if cmd is None or cmd.name not in ANSWERED_HERE:
        return None
    contact = book.contacts.get(contact_id or "")
    lang = contact.language if contact else None
    if cmd.name == "help":
        return _say(lang, "command.help")
    if cmd.name == "start":
        if not cmd.arg:
            return _say(lang, "command.help" if contact else "command.start_needs_code")
        return _start(session, cmd.arg, channel, sender, now, lang)
    return _status(session, cmd.arg, contact_id, book, now, lang)


# ---------------------------------------------------------------- /start CODE


def _start(session: Session, code: str, channel: str, sender: str, now: dt.datetime, lang: str | None) -> str:
    if channel != "telegram":
        return _say(lang, "command.start_telegram_only")
    try:
        user_id = int(sender)
    except ValueError:
        return _say(lang, "command.start_telegram_only")
    code = code.split()[0].upper()
    link = session.get(LinkCode, code)
    if link is None:
        return _say(lang, "command.code_unknown", code=code)
    if link.used_at is not None:
        return _say(lang, "command.code_used", code=code)
    if link.expires_at <= now:
        return _say(lang, "command.code_expired", code=code)
    # use the code exactly once, even against a concurrent /start with the same code
    t = LinkCode.__table__
    claimed = session.execute(update(t).where(t.c.code == code, t.c.used_at.is_(None), t.c.expires_at > now)
                              .values(used_at=now)).rowcount
    if claimed != 1:
        return _say(lang, "command.code_used", code=code)
    # a Telegram account speaks for one contact: a link made with a valid code moves it
    for other in session.exec(select(Contact).where(Contact.telegram_user_id == user_id,
                                                    Contact.id != link.contact_id)):
        other.telegram_user_id = None
        session.add(other)
    contact = session.get(Contact, link.contact_id)
    contact.telegram_user_id = user_id
    session.add(contact)
    # what this user sent before the link waited in quarantine: tag it now, as the contact's
    inbound = InboundRow.__table__
    session.execute(update(inbound).where(inbound.c.channel == channel, inbound.c.sender == sender,
                                          inbound.c.state == "quarantined").values(state="pending", contact_id=None))
    session.flush()
    return say(contact.language, "command.linked", name=contact.name or contact.id)


# ---------------------------------------------------------------- /status PO


def find_order(book: OrderBook, text: str) -> str | None:
    """The PO a user typed: exactly as in the book (any case), else the one order its number names."""
    wanted = text.strip()
    for po in book.orders:
        if po.lower() == wanted.lower():
            return po
    hits = {po for m in book.index.po_mentions(wanted) if not m.fuzzy for po in m.pos}
    return hits.pop() if len(hits) == 1 else None


def _local_today(tz: str, now: dt.datetime) -> dt.date:
    try:
        return now.astimezone(ZoneInfo(tz)).date()
    except (ZoneInfoNotFoundError, ValueError):
        return now.date()


def _status(session: Session, arg: str, contact_id: str | None, book: OrderBook, now: dt.datetime,
            lang: str | None) -> str:
    contact = book.contacts.get(contact_id or "")
    if contact is None:
        return _say(lang, "command.status_unknown_sender")
    if not arg:
        return say(contact.language, "command.status_usage")
    po = find_order(book, arg)
    if po is None:
        return say(contact.language, "unknown_po", po=arg.split()[0])
    if contact.role != "agent" and po not in book.assigned(contact.id):
        return say(contact.language, "command.status_not_yours", po=po)
    return status_summary(session, po, book, now, contact.language, contact.timezone)


def status_summary(session: Session, po: str, book: OrderBook, now: dt.datetime, lang: str = "en",
                   tz: str = "UTC") -> str:
    """A short milestone summary of one order as of `now`: one line per milestone, then the open risks."""
    today = _local_today(tz, now)
    file = order_files(session, book, [po], now, tz)[0]
    states = file.states
    risks = {s.milestone: s.open_risks for s in states if s.open_risks}
    lines = [say(lang, "command.status_header", po=po, date=today.isoformat())]
    for s in states:
        detail = []
        if s.evidence:
            detail.append(say(lang, "command.status_evidence", n=len(s.evidence)))
        if s.last_evidence:
            detail.append(say(lang, "command.status_last", date=s.last_evidence.isoformat()))
        elif s.planned and s.status in ("not_started", "overdue"):
            detail.append(say(lang, "command.status_planned", date=s.planned.isoformat()))
        lines.append(say(lang, "command.status_line", milestone=say(lang, f"milestone.{s.milestone}"),
                         status=say(lang, f"status.{s.status}"),
                         detail=say(lang, "command.status_detail", detail=say(lang, "command.status_and").join(detail))
                         if detail else ""))
    open_risks = [r for rs in risks.values() for r in rs]
    if open_risks:
        lines.append(say(lang, "command.status_risks", risks=", ".join(sorted(open_risks, key=lambda r: int(r[1:])))))
    return "\n".join(lines)


# ---------------------------------------------------------------- the after-tagging hook


class CommandHook:
    """After tagging, answer a live command in its chat (history replayed without --notify is never answered)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def __call__(self, session: Session, row: InboundRow, tags: Tags, book: OrderBook) -> None:
        """Queue the answer, once per message."""
        if not row.notify:
            return
        answer = handle_command(session, row.text, channel=row.channel, sender=row.sender,
                                contact_id=row.contact_id, book=book, now=self.clock.now())
        if answer:
            enqueue(session, OutboundMessage(row.channel, row.chat, answer, f"reply:cmd:{row.id}"), self.clock.now())
