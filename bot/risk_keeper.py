"""After each batch is tagged: exceptions open or join risks, sequence checks run, and urgent ones alert at once."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.alerts import Notifier
from bot.domain.risks import BLOCKING, Answer, assess, closes
from bot.domain.sequence import Step, check_sequence
from parsers.lexicon import lexicon
from parsers.orderbook import OrderBook
from store import risk_repo
from store.inbound_repo import Result
from store.models import Risk
from store.risk_repo import TimelineRow

SEQUENCE_MILESTONES = frozenset({"pre_packing", "freight_handover"})
# a buyer's default call on a risk when the message itself asks for none
DEFAULT_DECISION = {"spec_change": "approve"}


def _summary(text: str) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= 200 else one_line[:199] + "…"


def _local_day(at: dt.datetime, book: OrderBook, contact: str | None) -> dt.date:
    info = book.contacts.get(contact or "")
    try:
        zone = ZoneInfo(info.timezone) if info else dt.UTC
    except (KeyError, ValueError):
        zone = dt.UTC
    return at.astimezone(zone).date()


def _step(row: TimelineRow) -> Step:
    released = row.decision_given == "release" or (
        row.milestone == "final_inspection" and row.counted and not row.exception
        and bool(lexicon().find("risk.passed", row.text)))
    return Step(row.milestone, row.counted, row.exception, released)


class RiskKeeper:
    """Keeps the risk register in step with the tags: every exception message belongs to one risk."""

    def __init__(self, notifier: Notifier) -> None:
        self.notifier = notifier

    def __call__(self, session: Session, results: list[Result], book: OrderBook) -> None:
        """Open, join or (on re-tagging) forget risks for a batch, in arrival order."""
        for r in results:
            if r.row.attempts > 0:  # tagged before: its earlier risk membership may no longer hold
                risk_repo.forget_message(session, r.row.id)
        raising = [r for r in results if r.tags and r.tags.evidence
                   and (r.tags.exception or r.tags.stale or r.tags.recycled
                        or r.tags.milestone in SEQUENCE_MILESTONES)]
        # any evidence on an order with an open risk may be the proof that closes it
        watched = risk_repo.orders_with_open_risks(session) | {r.tags.order for r in raising if r.tags.order}
        relevant = [r for r in results if r.tags and r.tags.evidence
                    and (r in raising or (r.tags.order and r.tags.order in watched))]
        if not relevant:
            return
        pos = {r.tags.order for r in relevant if r.tags.order}
        last = max(r.row.received_at for r in relevant)
        by_order: dict[str, list[TimelineRow]] = {}
        for row in risk_repo.timeline(session, pos, last) if pos else ():
            by_order.setdefault(row.order or "", []).append(row)
        for r in relevant:
            earlier = [t for t in by_order.get(r.tags.order or "", ())
                       if (t.received_at, t.inbound_id) < (r.row.received_at, r.row.id)]
            here = next((t for t in by_order.get(r.tags.order or "", ()) if t.inbound_id == r.row.id), None)
            if r.tags.order and here is not None and here.counted:
                self._close(session, r, book, here)
            self._one(session, r, book, earlier, here)

    def _close(self, session: Session, r: Result, book: OrderBook, here: TimelineRow) -> None:
        """Close the order's open risks that this message proves resolved."""
        sender = book.contacts.get(r.row.contact_id or "")
        lex = lexicon()
        answer = Answer(here.milestone, here.exception, here.attached, here.file_kind == "document",
                        bool(lex.find("resolution.terms", here.text)), bool(lex.find("risk.passed", here.text)),
                        here.decision_given, sender.role if sender else None)
        for risk in risk_repo.open_risks_of(session, r.tags.order):
            if risk.opened_by != r.row.id and closes(risk.kind, risk.milestone, answer):
                risk_repo.close(session, risk, r.row.id, r.row.received_at)

    def _one(self, session: Session, r: Result, book: OrderBook, earlier: list[TimelineRow],
             here: TimelineRow | None) -> None:
        tags, row = r.tags, r.row
        day = tags.evidence_date or _local_day(row.received_at, book, row.contact_id)
        if tags.exception:
            self._exception(session, r, book, day)
        elif tags.order and tags.milestone in SEQUENCE_MILESTONES and not (tags.stale or tags.recycled):
            finding = check_sequence(tags.milestone, row.text, bool(here and here.attached),
                                     [_step(t) for t in earlier])
            if finding:
                self._open(session, r, book, day, kind="other", rule=finding.rule)
        if (tags.stale or tags.recycled) and tags.order and row.notify:
            self.notifier.proof_alert(session, book, tags.order, row.id, row.message_id,
                                      "recycled" if tags.recycled else "stale", tags.milestone)

    def _exception(self, session: Session, r: Result, book: OrderBook, day: dt.date) -> None:
        self._open(session, r, book, day, kind=r.tags.exception, rule=None)

    def _open(self, session: Session, r: Result, book: OrderBook, day: dt.date, *, kind: str,
              rule: str | None) -> None:
        tags, row = r.tags, r.row
        existing = risk_repo.open_risk(session, po=tags.order, milestone=tags.milestone, kind=kind, chat=row.chat,
                                       rule=rule)
        if existing is not None:
            risk_repo.add_message(session, existing.id, row.id)
            if tags.decision_needed and not existing.decision_needed:
                existing.decision_needed = tags.decision_needed
                session.add(existing)
            return
        facts = assess(book, kind=kind, po=tags.order, milestone=tags.milestone, text=row.text,
                       sender=row.contact_id, day=day, dates=tags.dates_mentioned)
        decision = tags.decision_needed or DEFAULT_DECISION.get(kind) or ("expedite" if facts.no_buffer else None)
        risk = risk_repo.create(session, Risk(
            kind=kind, severity="minor" if rule else facts.severity, order_po=tags.order, milestone=tags.milestone,
            owner_contact_id=facts.owner.contact, owner_role=facts.owner.role, due=facts.deadline,
            proof_required=facts.proof_key, state="open", summary=_summary(row.text), chat=row.chat, rule=rule,
            revised_date=facts.revised_date, no_buffer=facts.no_buffer, decision_needed=decision, opened_by=row.id,
            opened_at=row.received_at))
        if facts.alert and row.notify and kind in BLOCKING | {"delay"}:
            self.notifier.risk_alert(session, book, risk, row.message_id)
