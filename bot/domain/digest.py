"""A buyer's digest: exceptions first, then every open order milestone by milestone (pure)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.domain.milestones import MilestoneState, NextAction
from bot.domain.risks import Owner

SEVERITY_ORDER = {"critical": 0, "major": 1, "minor": 2}


@dataclass(frozen=True)
class Thumb:
    """A photo shown in the HTML digest, with where its date came from."""

    message_id: str
    src: str  # a data: URI or a path
    date: dt.date | None
    date_source: str | None
    flagged: str | None = None  # "stale" | "recycled"


@dataclass(frozen=True)
class ExceptionItem:
    order: str | None
    milestone: str | None
    kind: str
    summary: str
    owner: Owner
    deadline: dt.date | None
    decision_needed: str | None
    evidence: tuple[str, ...]
    severity: str = "major"
    risk: str | None = None  # the risk id; None for a milestone that went silent past its plan
    proof_key: str | None = None
    rule: str | None = None  # the sequence check that found it
    report: Mapping[str, str] = field(default_factory=dict)  # a delay report's fields, as people gave them


@dataclass(frozen=True)
class ChangeItem:
    """A change after PO lock, shown until the buyer accepts or rejects it."""

    order: str | None
    what: str
    cost_impact: str | None
    time_impact_days: int | None
    state: str
    message_id: str


@dataclass(frozen=True)
class OrderDigest:
    order: str
    ship_date: dt.date | None
    states: list[MilestoneState]
    thumbs: dict[str, list[Thumb]] = field(default_factory=dict)  # per milestone


@dataclass(frozen=True)
class Digest:
    buyer: str
    as_of: str
    timezone: str
    language: str
    local_date: dt.date
    exceptions: list[ExceptionItem]
    orders: list[OrderDigest]
    changes: list[ChangeItem] = field(default_factory=list)


def overdue_exceptions(orders: Iterable[OrderDigest]) -> list[ExceptionItem]:
    """A milestone past its plan with no evidence at all is an exception of its own: the factory went silent."""
    found = []
    for od in orders:
        for s in od.states:
            if s.status == "overdue":
                owner = s.next_action.owner if s.next_action else Owner(None, "agent")
                found.append(ExceptionItem(od.order, s.milestone, "delay", "overdue", owner, s.planned, None, (),
                                           "major"))
    return found


def build_digest(*, buyer: str, as_of: str, timezone: str, language: str, local_date: dt.date,
                 risks: Iterable[ExceptionItem], orders: Iterable[OrderDigest],
                 changes: Iterable[ChangeItem] = ()) -> Digest:
    """Exceptions sorted by severity then deadline, and the buyer's open orders by ship date."""
    orders = sorted(orders, key=lambda o: (o.ship_date or dt.date.max, o.order))
    exceptions = [*risks, *overdue_exceptions(orders)]
    exceptions.sort(key=lambda e: (SEVERITY_ORDER.get(e.severity, 3), e.deadline or dt.date.max, e.order or "",
                                   e.milestone or ""))
    return Digest(buyer, as_of, timezone, language, local_date, exceptions, orders, list(changes))


def _owner(owner: Owner) -> dict[str, Any]:
    return {"owner": owner.contact, "owner_role": owner.role}


def digest_json(digest: Digest, action_text: Callable[[NextAction], str],
                summary_text: Callable[[ExceptionItem], str]) -> dict[str, Any]:
    """The CONTRACT's JSON form of a digest; the words come from the caller's catalogue."""
    return {
        "buyer": digest.buyer, "as_of": digest.as_of, "timezone": digest.timezone, "language": digest.language,
        "exceptions": [{"order": e.order, "milestone": e.milestone, "kind": e.kind, "summary": summary_text(e),
                        **_owner(e.owner), "deadline": e.deadline.isoformat() if e.deadline else None,
                        "decision_needed": e.decision_needed, "evidence": list(e.evidence), "severity": e.severity,
                        "risk": e.risk, "report": dict(e.report)} for e in digest.exceptions],
        "changes": [{"order": c.order, "what": c.what, "cost_impact": c.cost_impact,
                     "time_impact_days": c.time_impact_days, "state": c.state, "message_id": c.message_id}
                    for c in digest.changes],
        "orders": [{"order": o.order, "ship_date": o.ship_date.isoformat() if o.ship_date else None,
                    "milestones": [{
                        "milestone": s.milestone, "planned": s.planned.isoformat() if s.planned else None,
                        "status": s.status, "evidence_received": list(s.evidence), "open_risks": list(s.open_risks),
                        "next_action": ({"text": action_text(s.next_action), **_owner(s.next_action.owner)}
                                        if s.next_action else None),
                        "deadline": s.deadline.isoformat() if s.deadline else None,
                    } for s in o.states]} for o in digest.orders],
    }
