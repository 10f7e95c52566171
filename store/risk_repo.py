"""Risks and the order timeline they are read against: queries and writes, no rules."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, delete, func, or_, update
from sqlmodel import Session, select

from store.models import AttachmentRow, Evidence, InboundRow, Risk, RiskMessage


@dataclass(frozen=True)
class TimelineRow:
    """One evidence message about an order, with what the rules and the digest need of it."""

    inbound_id: int
    message_id: str
    chat: str
    received_at: dt.datetime
    sender: str | None
    text: str
    order: str | None  # the order it counts for: an answer to "which order?" wins over the message's own tag
    milestone: str | None
    exception: str | None
    evidence_date: dt.date | None
    date_source: str | None
    stale: bool
    recycled: bool
    flags: tuple[str, ...]
    decision_given: str | None
    decision_needed: str | None
    file_kind: str | None = None  # photo | document | ... of its first stored attachment
    file_path: str | None = None  # relative to the media dir
    file_mime: str | None = None

    @property
    def counted(self) -> bool:
        """Real proof: not stale, not recycled, and from someone on the order."""
        return not (self.stale or self.recycled or "unassigned_order" in self.flags)

    @property
    def attached(self) -> bool:
        """A photo or a document came with it."""
        return self.file_kind in ("photo", "document", "image", "file", "video")


def _effective_order():
    return func.coalesce(Evidence.resolved_order, Evidence.order_po)


def timeline(session: Session, pos: Iterable[str] | None, as_of: dt.datetime,
             since_id: int | None = None) -> list[TimelineRow]:
    """Evidence messages of some orders (all when None) that had arrived by `as_of`, in arrival order."""
    order = _effective_order()
    q = (select(Evidence.inbound_id, InboundRow.message_id, InboundRow.chat, InboundRow.received_at,
                InboundRow.contact_id, InboundRow.text, order, Evidence.milestone, Evidence.exception,
                Evidence.evidence_date, Evidence.date_source, Evidence.stale, Evidence.recycled, Evidence.flags,
                Evidence.decision_given, Evidence.decision_needed)
         .join(InboundRow, Evidence.inbound_id == InboundRow.id)
         .where(Evidence.evidence, InboundRow.received_at <= as_of)
         .order_by(InboundRow.received_at, InboundRow.id))
    if pos is not None:
        q = q.where(order.in_(list(pos)))
    rows = list(session.exec(q))
    files: dict[int, tuple[str, str | None, str | None]] = {}
    ids = [r[0] for r in rows]
    for start in range(0, len(ids), 900):  # SQLite caps bound parameters per statement
        chunk = ids[start:start + 900]
        for inbound_id, kind, path, mime in session.exec(
                select(AttachmentRow.inbound_id, AttachmentRow.kind, AttachmentRow.path, AttachmentRow.mime)
                .where(AttachmentRow.inbound_id.in_(chunk)).order_by(AttachmentRow.position.desc())):
            files[inbound_id] = (kind, path, mime)
    return [TimelineRow(r[0], r[1], r[2], r[3], r[4], r[5] or "", r[6], r[7], r[8], r[9], r[10], bool(r[11]),
                        bool(r[12]), tuple(r[13] or ()), r[14], r[15], *files.get(r[0], (None, None, None)))
            for r in rows]


def forget_message(session: Session, inbound_id: int) -> None:
    """Undo what an earlier tagging of a message did to the risks (it is being tagged again)."""
    session.exec(delete(RiskMessage).where(RiskMessage.inbound_id == inbound_id))
    session.execute(update(Risk).where(Risk.closed_by == inbound_id)
                    .values(state="open", closed_by=None, closed_at=None))
    for risk in session.exec(select(Risk).where(Risk.opened_by == inbound_id)).all():
        first = session.exec(select(RiskMessage.inbound_id).where(RiskMessage.risk_id == risk.id)
                             .order_by(RiskMessage.inbound_id)).first()
        if first is None:
            session.exec(delete(Risk).where(Risk.id == risk.id))
        else:
            risk.opened_by = first
            session.add(risk)


def open_risk(session: Session, *, po: str | None, milestone: str | None, kind: str, chat: str,
              rule: str | None = None) -> Risk | None:
    """The open risk a new exception joins: same order, milestone and kind (same chat while the order is unknown)."""
    q = select(Risk).where(Risk.state == "open", Risk.kind == kind, Risk.milestone == milestone
                           if milestone else Risk.milestone.is_(None))
    q = q.where(Risk.order_po == po) if po else q.where(Risk.order_po.is_(None), Risk.chat == chat)
    q = q.where(Risk.rule == rule) if rule else q.where(Risk.rule.is_(None))
    return session.exec(q.order_by(Risk.id)).first()


def add_message(session: Session, risk_id: int, inbound_id: int) -> None:
    """Put a message on a risk (once)."""
    have = session.exec(select(RiskMessage.id).where(RiskMessage.risk_id == risk_id,
                                                     RiskMessage.inbound_id == inbound_id)).first()
    if have is None:
        session.add(RiskMessage(risk_id=risk_id, inbound_id=inbound_id))


def create(session: Session, risk: Risk) -> Risk:
    """Store a new risk with its opening message."""
    session.add(risk)
    session.flush()
    add_message(session, risk.id, risk.opened_by)
    return risk


@dataclass(frozen=True)
class RiskView:
    """A risk as it stood at an instant, with its messages' provider ids."""

    risk: Risk
    state: str
    messages: tuple[str, ...]
    opened_by: str
    closed_by: str | None
    opened_at: dt.datetime
    opener: str | None = None  # contact id of who sent the opening message


def risks_as_of(session: Session, as_of: dt.datetime | None, pos: Iterable[str] | None = None,
                include_unknown_order: bool = True) -> list[RiskView]:
    """Risks opened by `as_of` (None: every risk as it stands), each open or closed as it was then, with only the
    messages that had arrived."""
    as_of = as_of or dt.datetime.max.replace(tzinfo=dt.UTC)
    opener = InboundRow.__table__.alias("opener")
    q = (select(Risk, opener.c.message_id, opener.c.received_at, opener.c.contact_id)
         .join(opener, opener.c.id == Risk.opened_by)
         .where(opener.c.received_at <= as_of).order_by(Risk.id))
    if pos is not None:
        pos = list(pos)
        cond = Risk.order_po.in_(pos)
        q = q.where(or_(cond, Risk.order_po.is_(None)) if include_unknown_order else cond)
    found = list(session.exec(q))
    if not found:
        return []
    ids = [r.id for r, *_ in found]
    members: dict[int, list[str]] = {}
    for rid, mid in session.exec(select(RiskMessage.risk_id, InboundRow.message_id)
                                 .join(InboundRow, InboundRow.id == RiskMessage.inbound_id)
                                 .where(RiskMessage.risk_id.in_(ids), InboundRow.received_at <= as_of)
                                 .order_by(InboundRow.received_at, InboundRow.id)):
        members.setdefault(rid, []).append(mid)
    closers = {i: (mid, at) for i, mid, at in session.exec(
        select(InboundRow.id, InboundRow.message_id, InboundRow.received_at)
        .where(InboundRow.id.in_([r.closed_by for r, *_ in found if r.closed_by])))}
    views = []
    for risk, opened_mid, opened_at, opener_contact in found:
        closer = closers.get(risk.closed_by) if risk.closed_by else None
        closed = (closer[1] <= as_of) if closer is not None else (
            risk.state == "closed" and risk.closed_at is not None and risk.closed_at <= as_of)
        views.append(RiskView(risk, "closed" if closed else "open", tuple(members.get(risk.id, (opened_mid,))),
                              opened_mid, closer[0] if closed else None, opened_at, opener_contact))
    return views


def attach_order(session: Session, inbound_id: int, po: str) -> None:
    """A risk whose order was unknown takes the order that an answer gave its opening message."""
    session.execute(update(Risk).where(and_(Risk.opened_by == inbound_id, Risk.order_po.is_(None)))
                    .values(order_po=po))


def orders_with_open_risks(session: Session) -> set[str]:
    """The orders that have at least one open risk."""
    return set(session.exec(select(Risk.order_po).where(Risk.state == "open", Risk.order_po.is_not(None))
                            .distinct()))


def open_risks_of(session: Session, po: str) -> list[Risk]:
    """An order's open risks, oldest first."""
    return list(session.exec(select(Risk).where(Risk.order_po == po, Risk.state == "open").order_by(Risk.id)))


def close(session: Session, risk: Risk, inbound_id: int, at: dt.datetime) -> None:
    """Close a risk with the message that proved it."""
    risk.state, risk.closed_by, risk.closed_at = "closed", inbound_id, at
    session.add(risk)
