"""An order's milestone file as it stood at an instant: stored evidence and risks run through the domain rules."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.domain.milestones import MilestoneState, OpenRisk, milestone_states
from bot.domain.risks import BLOCKING, Owner, needed_role, owner_for
from parsers.orderbook import MILESTONES, OrderBook
from store import decision_repo, risk_repo
from store.risk_repo import RiskView, TimelineRow


@dataclass(frozen=True)
class OrderFile:
    po: str
    states: list[MilestoneState]
    timeline: list[TimelineRow]
    risks: list[RiskView]  # opened by the instant, open or closed as they were then


def risk_id(view_or_id: RiskView | int) -> str:
    """The id users see: R and the number."""
    n = view_or_id if isinstance(view_or_id, int) else view_or_id.risk.id
    return f"R{n}"


def open_risk(view: RiskView) -> OpenRisk:
    """A stored risk as the milestone rules read it."""
    r = view.risk
    return OpenRisk(risk_id(view), r.milestone, r.kind, r.kind in BLOCKING and r.severity != "minor",
                    Owner(r.owner_contact_id, r.owner_role), r.due, r.proof_required)


def local_today(at: dt.datetime, timezone: str) -> dt.date:
    """The calendar date at an instant in a time zone (UTC when the zone is unknown)."""
    try:
        return at.astimezone(ZoneInfo(timezone)).date()
    except (KeyError, ValueError):
        return at.astimezone(dt.UTC).date()


def default_owners(book: OrderBook, po: str) -> dict[str, Owner]:
    """Who acts next on each milestone of an order when no risk names someone."""
    return {m: owner_for(book, po, needed_role(m), None) for m in MILESTONES}


def order_files(session: Session, book: OrderBook, pos: Iterable[str], as_of: dt.datetime,
                timezone: str = "UTC") -> list[OrderFile]:
    """The milestone files of some orders as of an instant, in the given order."""
    pos = [p for p in pos if p in book.orders]
    rows = risk_repo.timeline(session, pos, as_of, with_text=False, with_files=False)
    views = risk_repo.risks_as_of(session, as_of, pos, include_unknown_order=False)
    return files_from(book, pos, rows, views, local_today(as_of, timezone), holds_as_of(session, pos, as_of))


def holds_as_of(session: Session, pos: list[str], as_of: dt.datetime) -> dict[str, str]:
    """The orders a buyer's hold stood on at an instant, and who put it there."""
    found: dict[str, str] = {}
    for po, verb, state, by in decision_repo.hold_history(session, pos, as_of):
        if verb == "hold" and state == "given":
            found[po] = by
        elif state == "lift":
            found.pop(po, None)
    return found


def files_from(book: OrderBook, pos: list[str], rows: list[TimelineRow], views: list[RiskView],
               today: dt.date, holds: dict[str, str] | None = None) -> list[OrderFile]:
    """The milestone files of some orders from their evidence rows and risks, grouped in one pass each; `holds`
    maps an order on hold to the buyer who put it there."""
    holds = holds or {}
    rows_by: dict[str, list[TimelineRow]] = {po: [] for po in pos}
    for t in rows:
        if t.order in rows_by:
            rows_by[t.order].append(t)
    views_by: dict[str, list[RiskView]] = {po: [] for po in pos}
    for v in views:
        if v.risk.order_po in views_by:
            views_by[v.risk.order_po].append(v)
    files = []
    for po in pos:
        order, mine, risks = book.orders[po], rows_by[po], views_by[po]
        items = [t for t in mine if t.milestone]  # stored rows read as the rules' Proof: no copy of 50,000 rows
        states = milestone_states(order.milestones, items, today, [open_risk(v) for v in risks if v.state == "open"],
                                  default_owners(book, po), closed=order.status == "closed",
                                  hold=Owner(holds[po], "buyer") if po in holds else None)
        files.append(OrderFile(po, states, mine, risks))
    return files
