"""The milestone stack: six milestones in order, and what their evidence says about each (pure)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from parsers.orderbook import MILESTONES

STATUSES = ("not_started", "in_progress", "evidence_pending", "done", "overdue", "blocked")
NEXT_ROLE = {"po_lock": "agent", "material_readiness": "factory", "inline_production": "factory",
             "pre_packing": "factory", "final_inspection": "inspector", "freight_handover": "forwarder"}


@dataclass(frozen=True)
class EvidenceItem:
    milestone: str
    message_id: str
    date: dt.date | None
    exception: str | None = None


@dataclass(frozen=True)
class MilestoneState:
    milestone: str
    planned: dt.date | None
    status: str
    evidence: tuple[str, ...]
    last_evidence: dt.date | None
    open_risks: tuple[str, ...] = ()


def milestone_states(planned: dict[str, dt.date | None], evidence: Iterable[EvidenceItem], today: dt.date,
                     open_risks: dict[str, tuple[str, ...]] | None = None) -> list[MilestoneState]:
    """Each milestone's status from its plan, the evidence so far and the open risks, as of `today`."""
    open_risks = open_risks or {}
    by_ms: dict[str, list[EvidenceItem]] = {m: [] for m in MILESTONES}
    for item in evidence:
        if item.milestone in by_ms:
            by_ms[item.milestone].append(item)
    later_seen = False
    states: list[MilestoneState] = []
    # walk backwards: evidence for a later milestone means the earlier ones are behind us
    for m in reversed(MILESTONES):
        items = by_ms[m]
        risks = open_risks.get(m, ())
        plan = planned.get(m)
        if risks:
            status = "blocked" if any(i.exception for i in items) and not later_seen else "evidence_pending"
        elif later_seen:
            status = "done"
        elif items:
            status = "in_progress"
        elif plan is not None and plan < today:
            status = "overdue"
        else:
            status = "not_started"
        dates = [i.date for i in items if i.date]
        states.append(MilestoneState(m, plan, status, tuple(i.message_id for i in items),
                                     max(dates) if dates else None, risks))
        later_seen = later_seen or bool(items)
    return list(reversed(states))
