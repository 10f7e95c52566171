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
from store.risk_repo import Progress, TimelineRow

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


def _steps_before(progress: Progress | None, at: dt.datetime) -> list[Step]:
    """What the order had shown before a message, as the sequence rules read it."""
    if progress is None:
        return []
    steps = []
    if progress.materials_at and progress.materials_at < at:
        steps.append(Step("material_readiness", True))
    if progress.final_at and progress.final_at < at:
        steps.append(Step("final_inspection", True))
    if progress.released_at and progress.released_at < at:
        steps.append(Step(None, True, released=True))
    return steps


STEP_MILESTONES = ("material_readiness", "inline_production", "final_inspection")  # what the sequence rules read


class _OpenRisks:
    """The open risks a batch can touch, kept in memory by order while the batch is walked (one query, not one
    a message)."""

    def __init__(self, risks: list[Risk]) -> None:
        self.by_order: dict[str | None, list[Risk]] = {}
        for r in risks:
            self.add(r)

    def of_order(self, po: str | None) -> list[Risk]:
        """An order's open risks, oldest first."""
        return list(self.by_order.get(po, ()))

    def find(self, po: str | None, milestone: str | None, kind: str, chat: str, rule: str | None) -> Risk | None:
        """The open risk a new exception joins: same order, milestone, kind and rule (same chat while the order
        is unknown)."""
        return next((r for r in self.by_order.get(po, ()) if r.milestone == milestone and r.kind == kind
                     and r.rule == rule and (po is not None or r.chat == chat)), None)

    def add(self, risk: Risk) -> None:
        """A risk that is open."""
        self.by_order.setdefault(risk.order_po, []).append(risk)

    def remove(self, risk: Risk) -> None:
        """A risk this batch closed."""
        self.by_order[risk.order_po].remove(risk)


class RiskKeeper:
    """Keeps the risk register in step with the tags: every exception message belongs to one risk."""

    def __init__(self, notifier: Notifier) -> None:
        self.notifier = notifier

    def __call__(self, session: Session, results: list[Result], book: OrderBook) -> None:
        """Open, join, close or (on re-tagging) forget risks for a batch, in arrival order."""
        for r in results:
            if r.row.attempts > 0:  # tagged before: its earlier risk membership may no longer hold
                risk_repo.forget_message(session, r.row.id)
        raising = [r for r in results if r.tags and r.tags.evidence
                   and (r.tags.exception or r.tags.stale or r.tags.recycled
                        or r.tags.milestone in SEQUENCE_MILESTONES)]
        # any evidence on an order with an open risk may be the proof that closes it
        watched = risk_repo.orders_with_open_risks(session) | {r.tags.order for r in raising if r.tags.order}
        raised = {r.row.id for r in raising}
        relevant = [r for r in results if r.tags and r.tags.evidence
                    and (r.row.id in raised or (r.tags.order and r.tags.order in watched))]
        if not relevant:
            return
        pos = {r.tags.order for r in relevant if r.tags.order}
        # the batch's own messages as stored (files, counted), and only the earlier steps the sequence rules read
        here_of = {t.inbound_id: t for t in risk_repo.timeline(session, None, max(r.row.received_at for r in relevant),
                                                               ids=[r.row.id for r in relevant])}
        sequenced = {r.tags.order for r in raising if r.tags.order and r.tags.milestone in SEQUENCE_MILESTONES}
        progress = risk_repo.progress(session, sequenced, max(r.row.received_at for r in relevant)) \
            if sequenced else {}
        index = _OpenRisks(risk_repo.open_risks_of(session, pos, {r.row.chat for r in relevant}))
        for r in relevant:
            here = here_of.get(r.row.id)
            if r.tags.order and here is not None and here.counted:
                self._close(session, r, book, here, index)
            self._one(session, r, book, _steps_before(progress.get(r.tags.order or ""), r.row.received_at), here,
                      index)

    def _close(self, session: Session, r: Result, book: OrderBook, here: TimelineRow, index: _OpenRisks) -> None:
        """Close the order's open risks that this message proves resolved."""
        sender = book.contacts.get(r.row.contact_id or "")
        lex = lexicon()
        answer = Answer(here.milestone, here.exception, here.attached, here.file_kind == "document",
                        bool(lex.find("resolution.terms", here.text)), bool(lex.find("risk.passed", here.text)),
                        here.decision_given, sender.role if sender else None)
        for risk in index.of_order(r.tags.order):
            if risk.opened_by != r.row.id and closes(risk.kind, risk.milestone, answer):
                risk_repo.close(session, risk, r.row.id, r.row.received_at)
                index.remove(risk)

    def _one(self, session: Session, r: Result, book: OrderBook, earlier: list[Step],
             here: TimelineRow | None, index: _OpenRisks) -> None:
        tags, row = r.tags, r.row
        day = tags.evidence_date or _local_day(row.received_at, book, row.contact_id)
        if tags.exception:
            self._open(session, r, book, day, kind=tags.exception, rule=None, index=index)
        elif tags.order and tags.milestone in SEQUENCE_MILESTONES and not (tags.stale or tags.recycled):
            finding = check_sequence(tags.milestone, row.text, bool(here and here.attached),
                                     earlier)
            if finding:
                self._open(session, r, book, day, kind="other", rule=finding.rule, index=index)
        if (tags.stale or tags.recycled) and tags.order and row.notify:
            self.notifier.proof_alert(session, book, tags.order, row.id, row.message_id,
                                      "recycled" if tags.recycled else "stale", tags.milestone)

    def _open(self, session: Session, r: Result, book: OrderBook, day: dt.date, *, kind: str,
              rule: str | None, index: _OpenRisks) -> None:
        tags, row = r.tags, r.row
        existing = index.find(tags.order, tags.milestone, kind, row.chat, rule)
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
            proof_required=facts.proof_key, state="open", summary=_summary(r.detail or row.text), chat=row.chat,
            rule=rule,
            revised_date=facts.revised_date, no_buffer=facts.no_buffer, decision_needed=decision, opened_by=row.id,
            opened_at=row.received_at))
        index.add(risk)
        if facts.alert and row.notify and kind in BLOCKING | {"delay"}:
            self.notifier.risk_alert(session, book, risk, row.message_id)
