"""Risks and the order timeline they are read against: queries and writes, no rules."""
from __future__ import annotations

import datetime as dt
from collections import namedtuple
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import String, and_, case, cast, delete, func, literal, or_, type_coerce, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from store.models import AttachmentRow, Evidence, InboundRow, Prompt, Risk, RiskMessage
from store.types import UTCDateTime


class TimelineRow(NamedTuple):
    """One evidence message about an order, with what the rules and the digest need of it."""

    inbound_id: int
    message_id: str
    chat: str | None  # None (and no time or sender) when read without text, for a milestone file
    received_at: dt.datetime | None
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
    def date(self) -> dt.date | None:
        """The evidence date, under the name the milestone rules read."""
        return self.evidence_date

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


def timeline(session: Session, pos: Iterable[str] | None, as_of: dt.datetime, with_text: bool = True,
             with_files: bool = True, ids: Iterable[int] | None = None,
             milestones: Iterable[str] | None = None) -> list[TimelineRow]:
    """Evidence messages of some orders (all when None) that had arrived by `as_of`, in arrival order.

    Without text, only what a milestone file needs is read (no text, sender, chat, time or decisions): a digest of
    a thousand orders reads fifty thousand rows, and every column costs.
    """
    order = _effective_order()
    ev, ib, att = Evidence.__table__.c, InboundRow.__table__.c, AttachmentRow.__table__.c
    where = [ev.evidence, ib.received_at <= as_of]
    if pos is not None:
        where.append(order.in_(list(pos)))
    if ids is not None:
        where.append(ev.inbound_id.in_(list(ids)))
    if milestones is not None:
        where.append(ev.milestone.in_(list(milestones)))
    # the flags column is JSON; only one flag matters here, so test its text rather than decode every list
    unassigned = cast(ev.flags, String).like('%"unassigned_order"%')
    first_kind = (select(att.kind).where(att.inbound_id == ev.inbound_id).order_by(att.position).limit(1)
                  .scalar_subquery())
    blank = literal(None)
    full = (ib.chat, ib.received_at, ib.contact_id, ib.text) if with_text else (blank, blank, blank, blank)
    decisions = (ev.decision_given, ev.decision_needed) if with_text else (blank, blank)
    q = (select(ev.inbound_id, ib.message_id, *full, order, ev.milestone, ev.exception,
                cast(ev.evidence_date, String), ev.date_source, ev.stale, ev.recycled, unassigned, *decisions,
                first_kind)
         .select_from(Evidence.__table__.join(InboundRow.__table__, ev.inbound_id == ib.id))
         .where(*where).order_by(ib.received_at, ib.id))
    rows = session.connection().execute(q).all()  # Core, not the ORM's result machinery: plain rows suffice
    files: dict[int, tuple[str | None, str | None]] = {}
    if with_files:
        fq = (select(att.inbound_id, att.path, att.mime)
              .select_from(AttachmentRow.__table__.join(Evidence.__table__, ev.inbound_id == att.inbound_id)
                           .join(InboundRow.__table__, ib.id == att.inbound_id))
              .where(*where).order_by(att.position.desc()))
        for inbound_id, path, mime in session.execute(fq):
            files[inbound_id] = (path, mime)  # the first attachment wins: positions come last to first
    none = (None, None)
    day = dt.date.fromisoformat
    return [TimelineRow(r[0], r[1], r[2], r[3], r[4], r[5] or "", r[6], r[7], r[8], day(r[9][:10]) if r[9] else None,
                        r[10], bool(r[11]), bool(r[12]), ("unassigned_order",) if r[13] else (), r[14], r[15], r[16],
                        *files.get(r[0], none))
            for r in rows]


def forget_message(session: Session, inbound_id: int) -> None:
    """Undo what an earlier tagging of a message did to the risks (it is being tagged again)."""
    session.exec(delete(RiskMessage).where(RiskMessage.inbound_id == inbound_id))
    session.execute(update(Risk).where(Risk.closed_by == inbound_id)
                    .values(state="open", closed_by=None, closed_at=None))
    for risk in session.exec(select(Risk).where(Risk.opened_by == inbound_id)).all():
        session.exec(delete(Prompt).where(Prompt.risk_id == risk.id))  # its questions go with it
        first = session.exec(select(RiskMessage.inbound_id).where(RiskMessage.risk_id == risk.id)
                             .order_by(RiskMessage.inbound_id)).first()
        if first is None:
            session.exec(delete(Risk).where(Risk.id == risk.id))
        else:
            risk.opened_by = first
            session.add(risk)


def add_message(session: Session, risk_id: int, inbound_id: int) -> None:
    """Put a message on a risk (once: the pair is unique)."""
    mod = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(mod.insert(RiskMessage.__table__).values(risk_id=risk_id, inbound_id=inbound_id)
                    .on_conflict_do_nothing(index_elements=["risk_id", "inbound_id"]))


def create(session: Session, risk: Risk) -> Risk:
    """Store a new risk with its opening message."""
    session.add(risk)
    session.flush()
    add_message(session, risk.id, risk.opened_by)
    return risk


# a stored risk read as plain values, with the table's own column names
RiskRow = namedtuple("RiskRow", [c.name for c in Risk.__table__.c])  # noqa: PYI024


@dataclass(frozen=True)
class RiskView:
    """A risk as it stood at an instant, with its messages' provider ids."""

    risk: RiskRow
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
    rk, ib = Risk.__table__.c, InboundRow.__table__.c
    opener = InboundRow.__table__.alias("opener")
    where = [opener.c.received_at <= as_of]
    if pos is not None:
        cond = rk.order_po.in_(list(pos))
        where.append(or_(cond, rk.order_po.is_(None)) if include_unknown_order else cond)
    joined = Risk.__table__.join(opener, opener.c.id == rk.opened_by)
    conn = session.connection()  # plain rows: a digest reads thousands of risks and changes none
    found = conn.execute(select(*rk, opener.c.message_id, opener.c.received_at, opener.c.contact_id)
                         .select_from(joined).where(*where).order_by(rk.id)).all()
    if not found:
        return []
    width = len(rk)
    members: dict[int, list[str]] = {}
    chosen = select(rk.id).select_from(joined).where(*where)
    for rid, mid in conn.execute(select(RiskMessage.__table__.c.risk_id, ib.message_id)
                                 .join(InboundRow.__table__, ib.id == RiskMessage.__table__.c.inbound_id)
                                 .where(RiskMessage.__table__.c.risk_id.in_(chosen), ib.received_at <= as_of)
                                 .order_by(ib.received_at, ib.id)):
        members.setdefault(rid, []).append(mid)
    closers = {i: (mid, at) for i, mid, at in conn.execute(
        select(ib.id, ib.message_id, ib.received_at)
        .where(ib.id.in_(select(rk.closed_by).select_from(joined).where(*where, rk.closed_by.is_not(None)))))}
    views = []
    for row in found:
        risk = RiskRow(*row[:width])
        opened_mid, opened_at, opener_contact = row[width:]
        closer = closers.get(risk.closed_by) if risk.closed_by else None
        closed = (closer[1] <= as_of) if closer is not None else (
            risk.state == "closed" and risk.closed_at is not None and risk.closed_at <= as_of)
        views.append(RiskView(risk, "closed" if closed else "open", tuple(members.get(risk.id, (opened_mid,))),
                              opened_mid, closer[0] if closed else None, opened_at, opener_contact))
    return views


def orders_with_open_risks(session: Session) -> set[str]:
    """The orders that have at least one open risk."""
    return set(session.exec(select(Risk.order_po).where(Risk.state == "open", Risk.order_po.is_not(None))
                            .distinct()))


def open_risks_of(session: Session, pos: Iterable[str], chats: Iterable[str]) -> list[Risk]:
    """The open risks of some orders, and those of some chats whose order is not known yet, oldest first."""
    return list(session.exec(select(Risk).where(Risk.state == "open", or_(
        Risk.order_po.in_(list(pos)), Risk.order_po.is_(None) & Risk.chat.in_(list(chats)))).order_by(Risk.id)))


def close(session: Session, risk: Risk, inbound_id: int, at: dt.datetime) -> None:
    """Close a risk with the message that proved it."""
    risk.state, risk.closed_by, risk.closed_at = "closed", inbound_id, at
    session.add(risk)


def live_open_risks(session: Session) -> list[Risk]:
    """Open risks opened by a live message (not history loaded without notify)."""
    return list(session.exec(select(Risk).join(InboundRow, InboundRow.id == Risk.opened_by)
                             .where(Risk.state == "open", InboundRow.notify).order_by(Risk.id)))


@dataclass(frozen=True)
class Progress:
    """When an order first had what the sequence rules ask about (None: not yet, as far as the query looked)."""

    materials_at: dt.datetime | None  # counted material-readiness or inline evidence
    final_at: dt.datetime | None  # counted final-inspection evidence
    released_at: dt.datetime | None  # a release decision, or final-inspection evidence with no exception


def progress(session: Session, pos: Iterable[str], until: dt.datetime) -> dict[str, Progress]:
    """Per order, the first instants the sequence rules need, in one aggregate query."""
    ev, ib = Evidence.__table__.c, InboundRow.__table__.c
    order = _effective_order()
    counted = and_(~ev.stale, ~ev.recycled, ~cast(ev.flags, String).like('%"unassigned_order"%'))

    def first(cond):  # noqa: ANN001, ANN202
        # an aggregate loses the column's type: coerce it back so SQLite's text comes back as aware UTC
        return type_coerce(func.min(case((cond, ib.received_at), else_=None)), UTCDateTime())

    q = (select(order, first(and_(counted, ev.milestone.in_(["material_readiness", "inline_production"]))),
                first(and_(counted, ev.milestone == "final_inspection")),
                first(or_(ev.decision_given == "release",
                          and_(counted, ev.milestone == "final_inspection", ev.exception.is_(None)))))
         .select_from(Evidence.__table__.join(InboundRow.__table__, ev.inbound_id == ib.id))
         .where(ev.evidence, ib.received_at <= until, order.in_(list(pos))).group_by(order))
    return {po: Progress(materials, final, released) for po, materials, final, released in session.execute(q)}
