"""Buyer decisions and changes after PO lock: queries and writes, no rules."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, update
from sqlmodel import Session, select

from store.models import Decision, Evidence, InboundRow, OrderChange


def history(session: Session, po: str, before: dt.datetime) -> list[tuple[str, str, dt.datetime]]:
    """(verb, state, at) of an order's earlier decisions."""
    return list(session.exec(select(Decision.verb, Decision.state, Decision.at)
                             .where(Decision.order_po == po, Decision.at < before).order_by(Decision.at)))


def final_inspection_proof(session: Session, po: str, before: dt.datetime, deciding: int) -> bool:
    """Whether counted final-inspection evidence of the order had arrived: not the deciding message itself, and
    not another decision ("release" is also a final-inspection word)."""
    q = (select(Evidence.id).join(InboundRow, InboundRow.id == Evidence.inbound_id)
         .where(Evidence.evidence, Evidence.milestone == "final_inspection", ~Evidence.stale, ~Evidence.recycled,
                InboundRow.received_at <= before, InboundRow.id != deciding, Evidence.decision_given.is_(None),
                (Evidence.resolved_order == po) | ((Evidence.order_po == po) & Evidence.resolved_order.is_(None)))
         .limit(1))
    return session.exec(q).first() is not None


def record(session: Session, decision: Decision) -> None:
    """Store a decision, replacing what an earlier tagging of the same message recorded."""
    session.exec(delete(Decision).where(Decision.inbound_id == decision.inbound_id))
    session.add(decision)


def forget(session: Session, inbound_id: int) -> None:
    """Undo what a message decided or changed (it is being tagged again)."""
    session.exec(delete(Decision).where(Decision.inbound_id == inbound_id))
    session.exec(delete(OrderChange).where(OrderChange.inbound_id == inbound_id))
    session.execute(update(OrderChange).where(OrderChange.decided_by == inbound_id)
                    .values(state="proposed", decided_by=None, accepted_by=None))


@dataclass(frozen=True)
class DecisionRecord:
    order: str | None
    milestone: str | None
    verb: str
    by: str
    on_behalf_of: str | None
    at: dt.datetime
    message_id: str
    state: str
    reason: str | None


def decisions(session: Session, po: str | None = None) -> list[DecisionRecord]:
    """Every recorded decision (of one order), in time order, with its message's provider id."""
    q = (select(Decision, InboundRow.message_id).join(InboundRow, InboundRow.id == Decision.inbound_id)
         .order_by(Decision.at, Decision.id))
    if po:
        q = q.where(Decision.order_po == po)
    return [DecisionRecord(d.order_po, d.milestone, d.verb, d.by_contact_id, d.on_behalf_of, d.at, mid, d.state,
                           d.reason) for d, mid in session.exec(q)]


def add_change(session: Session, change: OrderChange) -> None:
    """Store a change after PO lock (once per message)."""
    session.exec(delete(OrderChange).where(OrderChange.inbound_id == change.inbound_id))
    session.add(change)


def decide_changes(session: Session, po: str, state: str, by: str, inbound_id: int) -> int:
    """The buyer accepted or rejected the order's proposed changes; returns how many."""
    return session.execute(update(OrderChange).where(OrderChange.order_po == po, OrderChange.state == "proposed",
                                                     OrderChange.inbound_id != inbound_id)
                           .values(state=state, accepted_by=by, decided_by=inbound_id)).rowcount or 0


def changes(session: Session, pos: list[str], as_of: dt.datetime) -> list[tuple[OrderChange, str, bool]]:
    """Changes of some orders proposed by `as_of`: (change, its message id, still open at that instant)."""
    rows = session.exec(select(OrderChange, InboundRow.message_id).join(InboundRow,
                                                                         InboundRow.id == OrderChange.inbound_id)
                        .where(OrderChange.order_po.in_(pos), InboundRow.received_at <= as_of)
                        .order_by(InboundRow.received_at)).all()
    decided_at = {}
    ids = [c.decided_by for c, _ in rows if c.decided_by]
    if ids:
        decided_at = {i: at for i, at in session.exec(select(InboundRow.id, InboundRow.received_at)
                                                      .where(InboundRow.id.in_(ids)))}
    return [(c, mid, not (c.decided_by and decided_at.get(c.decided_by) and decided_at[c.decided_by] <= as_of))
            for c, mid in rows]


def hold_history(session: Session, pos: list[str], as_of: dt.datetime) -> list[tuple[str, str, str, str]]:
    """(order, verb, state, by) of the holds and lifts on some orders by an instant, in time order."""
    return list(session.exec(select(Decision.order_po, Decision.verb, Decision.state, Decision.by_contact_id)
                             .where(Decision.order_po.in_(pos), Decision.verb == "hold", Decision.at <= as_of)
                             .order_by(Decision.at, Decision.id)))
