"""Off-cycle alerts to an order's buyers and agents: sent at once, each exactly once (outbox dedupe keys)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.digests.words import display_name
from bot.i18n import say
from bot.messages import OutboundMessage
from bot.outbox import enqueue
from bot.ports import Clock
from bot.routing import reach
from parsers.orderbook import ContactInfo, OrderBook
from store import risk_repo
from store.models import Risk

if TYPE_CHECKING:
    from bot.bootstrap import App


def recipients(book: OrderBook, po: str) -> list[ContactInfo]:
    """The buyers and agents on an order: the people an alert is for."""
    return [c for c in book.contacts.values() if c.role in ("buyer", "agent") and po in c.orders]


def _name(book: OrderBook, contact: str | None, lang: str) -> str:
    info = book.contacts.get(contact or "")
    return display_name(info.name, info.id, lang) if info else (contact or say(lang, "digest.nobody"))


class Notifier:
    """Queues alerts in each recipient's language on the channel they can be reached on."""

    def __init__(self, clock: Clock, available: Callable[[], Iterable[str]]) -> None:
        self.clock, self.available = clock, available

    def _send(self, session: Session, people: Iterable[ContactInfo], key: str, text_for: Callable[[str], str]) -> int:
        sent = 0
        for person in people:
            where = reach(person, "telegram", self.available())
            if where is None:
                continue
            msg = OutboundMessage(where[0], where[1], text_for(person.language), f"{key}:{person.id}")
            sent += enqueue(session, msg, self.clock.now())
        return sent

    def risk_alert(self, session: Session, book: OrderBook, risk: Risk, message_id: str) -> int:
        """A critical defect, a document mismatch or a delay with no buffer, told to the order's buyers and agents."""
        if not risk.order_po:
            people = [c for c in book.contacts.values() if c.role == "agent"]
        else:
            people = recipients(book, risk.order_po)

        def text(lang: str) -> str:
            decide = say(lang, "alert.decide", verb=say(lang, f"decision.{risk.decision_needed}")) \
                if risk.decision_needed else ""
            return say(lang, "alert.risk", order=risk.order_po or say(lang, "digest.unknown_order"),
                       milestone=say(lang, f"milestone.{risk.milestone}") if risk.milestone else "-",
                       kind=say(lang, f"kind.{risk.kind}"), severity=say(lang, f"severity.{risk.severity}"),
                       summary=risk.summary, owner=_name(book, risk.owner_contact_id, lang),
                       proof=say(lang, f"proof.{risk.proof_required}"),
                       deadline=risk.due.isoformat() if risk.due else "-", decide=decide)
        # keyed by the opening message, not the risk id: a re-tagging that rebuilds the risk must not alert again
        return self._send(session, people, f"alert:risk:{risk.opened_by}", text)

    def proof_alert(self, session: Session, book: OrderBook, po: str, inbound_id: int, message_id: str, why: str,
                    milestone: str | None) -> int:
        """A stale or recycled photo offered as proof."""
        return self._send(session, recipients(book, po), f"alert:{why}:{inbound_id}", lambda lang: say(
            lang, f"alert.{why}", order=po, milestone=say(lang, f"milestone.{milestone}") if milestone else "-",
            message=message_id))

    def followup(self, session: Session, book: OrderBook, risk: Risk, people: Iterable[ContactInfo],
                 step: str) -> int:
        """A reminder to a risk's owner before its deadline ("remind"), or word to others after it ("escalate")."""
        def text(lang: str) -> str:
            return say(lang, f"alert.{step}", risk=f"R{risk.id}", order=risk.order_po or "-",
                       milestone=say(lang, f"milestone.{risk.milestone}") if risk.milestone else "-",
                       kind=say(lang, f"kind.{risk.kind}"), proof=say(lang, f"proof.{risk.proof_required}"),
                       deadline=risk.due.isoformat() if risk.due else "-",
                       owner=_name(book, risk.owner_contact_id, lang))
        return self._send(session, people, f"{step}:risk:{risk.opened_by}", text)

    def overdue_alert(self, session: Session, book: OrderBook, po: str, milestone: str, planned: str,
                      owner: str | None) -> int:
        """A milestone that turned overdue: once per order, milestone and person, however often it is checked."""
        return self._send(session, recipients(book, po), f"alert:overdue:{po}:{milestone}", lambda lang: say(
            lang, "alert.overdue", order=po, milestone=say(lang, f"milestone.{milestone}"), planned=planned,
            owner=_name(book, owner, lang)))


def _zone(book: OrderBook, contact: str | None) -> ZoneInfo:
    info = book.contacts.get(contact or "")
    try:
        return ZoneInfo(info.timezone) if info else ZoneInfo("UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def risk_followups(session: Session, book: OrderBook, notifier: Notifier, now: dt.datetime,
                   remind_before: dt.timedelta, buyer_after: dt.timedelta) -> int:
    """Remind a live risk's owner before its deadline; past it, tell the order's agents, and later its buyers.
    Each step goes once per person (its outbox key); risks loaded from history are left alone."""
    queued = 0
    for risk in risk_repo.live_open_risks(session):
        if risk.due is None:
            continue
        # the deadline is the end of its day where the owner lives
        zone = _zone(book, risk.owner_contact_id)
        end = dt.datetime.combine(risk.due + dt.timedelta(days=1), dt.time(0), zone).astimezone(dt.UTC)
        owner = book.contacts.get(risk.owner_contact_id or "")
        if owner is not None and end - remind_before <= now < end:
            queued += notifier.followup(session, book, risk, [owner], "remind")
        people_on = book.people.get(risk.order_po or "", ())
        if now >= end:
            queued += notifier.followup(session, book, risk, [c for c in people_on if c.role == "agent"], "escalate")
        if now >= end + buyer_after:
            queued += notifier.followup(session, book, risk, [c for c in people_on if c.role == "buyer"], "escalate")
    return queued


def sweep_alerts(app: App) -> int:
    """Queue an alert for every milestone of an open order that is overdue now, and the reminders and escalations
    of risks near or past their deadline; returns how many were queued."""
    from bot.orderfile import order_files
    from store.book_repo import load_book

    now = app.clock.now()
    notifier = Notifier(app.clock, lambda: app.channels.keys())
    queued = 0
    with Session(app.engine) as session:
        book = load_book(session)
        open_pos = [po for po, o in book.orders.items() if o.status == "open"]
        for f in order_files(session, book, open_pos, now):
            for s in f.states:
                if s.status == "overdue":
                    owner = s.next_action.owner.contact if s.next_action else None
                    queued += notifier.overdue_alert(session, book, f.po, s.milestone,
                                                     s.planned.isoformat() if s.planned else "-", owner)
        prompts = app.settings.prompts
        queued += risk_followups(session, book, notifier, now, dt.timedelta(hours=prompts.remind_hours_before),
                                 dt.timedelta(hours=prompts.escalate_buyer_after_hours))
        session.commit()
    if queued:
        app.send_outbox()
    return queued
