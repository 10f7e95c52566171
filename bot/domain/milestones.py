"""The milestone stack: six milestones in order, and what their evidence and risks say about each (pure)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from bot.domain.risks import ROLE_BY_MILESTONE, Owner
from parsers.orderbook import MILESTONES

STATUSES = ("not_started", "in_progress", "evidence_pending", "done", "overdue", "blocked")
NEXT_ROLE = ROLE_BY_MILESTONE


class Proof(Protocol):
    """What the rules read of one evidence message (an EvidenceItem, or a stored row with the same names)."""

    @property
    def milestone(self) -> str | None: ...
    @property
    def message_id(self) -> str: ...
    @property
    def date(self) -> dt.date | None: ...
    @property
    def exception(self) -> str | None: ...
    @property
    def attached(self) -> bool: ...
    @property
    def counted(self) -> bool: ...


class EvidenceItem(NamedTuple):
    milestone: str
    message_id: str
    date: dt.date | None
    exception: str | None = None
    attached: bool = True  # a photo or a document came with it: proof, not only words
    counted: bool = True  # False for a stale or recycled photo, or a post by someone not on the order


@dataclass(frozen=True)
class OpenRisk:
    id: str
    milestone: str | None
    kind: str
    blocking: bool
    owner: Owner
    deadline: dt.date | None
    proof_key: str


@dataclass(frozen=True)
class NextAction:
    key: str  # catalogue key under `next.`
    owner: Owner
    values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MilestoneState:
    milestone: str
    planned: dt.date | None
    status: str
    evidence: tuple[str, ...]
    last_evidence: dt.date | None
    open_risks: tuple[str, ...] = ()
    next_action: NextAction | None = None
    deadline: dt.date | None = None


def _next_action(m: str, status: str, planned: dt.date | None, risks: list[OpenRisk],
                 owner: Owner) -> tuple[NextAction | None, dt.date | None]:
    if risks:
        first = min(risks, key=lambda r: (r.deadline or dt.date.max, r.id))
        return (NextAction("close_risk", first.owner, {"risk": first.id, "proof": first.proof_key}),
                min((r.deadline for r in risks if r.deadline), default=planned))
    if status == "done":
        return None, None
    key = {"overdue": "send_overdue_proof", "evidence_pending": "send_proof", "in_progress": "confirm_complete",
           "not_started": "confirm_start", "blocked": "send_proof"}[status]
    return NextAction(key, owner, {"milestone": m, "planned": planned.isoformat() if planned else ""}), planned


def milestone_states(planned: Mapping[str, dt.date | None], evidence: Iterable[Proof], today: dt.date,
                     open_risks: Iterable[OpenRisk] = (), owners: Mapping[str, Owner] | None = None,
                     closed: bool = False, hold: Owner | None = None) -> list[MilestoneState]:
    """Each milestone's status, evidence, open risks, next action and deadline as of `today`.

    A standing buyer's hold (`hold`: who put it) blocks the freight handover until it is lifted.

    Words without a photo or document leave a milestone `evidence_pending`; a milestone whose planned date has
    passed with no evidence for it or any later one is `overdue` (a silent factory); an open defect, shortage or
    document mismatch blocks it.
    """
    owners = owners or {}
    by_ms: dict[str, list[Proof]] = {m: [] for m in MILESTONES}
    for item in evidence:
        if item.milestone in by_ms:
            by_ms[item.milestone].append(item)
    risks_by: dict[str, list[OpenRisk]] = {m: [] for m in MILESTONES}
    for r in open_risks:
        if r.milestone in risks_by:
            risks_by[r.milestone].append(r)
    later_proof = closed  # a later milestone shown with a photo or document: this one is behind us
    later_words = closed  # a later milestone only talked about: this one is not silent, but not shown either
    states: list[MilestoneState] = []
    # walk backwards: evidence for a later milestone means the earlier ones are behind us
    for m in reversed(MILESTONES):
        items, risks, plan = by_ms[m], risks_by[m], planned.get(m)
        counted = [i for i in items if i.counted]
        if any(r.blocking for r in risks) or (hold is not None and m == MILESTONES[-1] and not closed):
            status = "blocked"
        elif later_proof:
            status = "done"
        elif any(i.attached for i in counted):
            status = "in_progress"
        elif items or later_words:
            status = "evidence_pending"  # somebody said so, nobody showed it
        elif plan is not None and plan < today:
            status = "overdue"
        else:
            status = "not_started"
        action, deadline = _next_action(m, status, plan, risks, owners.get(m, Owner(None, NEXT_ROLE[m])))
        if hold is not None and m == MILESTONES[-1] and not closed and not risks:
            action = NextAction("lift_hold", hold, {"milestone": m})
        dates = [i.date for i in counted if i.date]
        states.append(MilestoneState(m, plan, status, tuple(i.message_id for i in items),
                                     max(dates) if dates else None, tuple(r.id for r in risks), action, deadline))
        # bookings and papers for freight come before final inspection: they say nothing of the stages before
        if m != "freight_handover":
            later_proof = later_proof or any(i.attached for i in counted)
            later_words = later_words or bool(counted)
    return list(reversed(states))
