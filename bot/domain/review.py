"""The post-order review: how early each risk was signalled, whether it had an owner and closed with proof (pure)."""
from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

DAY = dt.timedelta(days=1)


class RiskFields(Protocol):
    """What the review reads of a stored risk (a row of the risks table)."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def milestone(self) -> str | None: ...
    @property
    def owner_contact_id(self) -> str | None: ...
    @property
    def state(self) -> str: ...
    @property
    def closed_by(self) -> int | None: ...
    @property
    def opened_at(self) -> dt.datetime: ...
    @property
    def closed_at(self) -> dt.datetime | None: ...


@dataclass(frozen=True)
class ReviewItem:
    """One risk of an order looked back on."""

    risk: int
    kind: str
    milestone: str | None
    first_signal_at: dt.datetime  # UTC
    planned: dt.date | None
    lead_days: float | None  # planned minus the first signal's date; negative when the signal came after the plan
    owner_named: bool
    proof_attached: bool
    open_days: float | None  # None while the risk was still open at the instant


@dataclass(frozen=True)
class ReviewSummary:
    """The order's risks in a few figures."""

    risks: int
    average_lead_days: float | None
    owner_share: float | None  # 0..1
    proof_share: float | None  # 0..1: closed by a message that carried a photo or document
    median_open_days: float | None


def closed_by_then(risk: RiskFields, as_of: dt.datetime) -> bool:
    """Whether a risk had been closed by the instant."""
    return risk.state == "closed" and risk.closed_at is not None and risk.closed_at <= as_of


def lead_days(planned: dt.date | None, signal_at: dt.datetime) -> float | None:
    """How many days before its milestone's planned date a risk was first signalled (UTC date), to one decimal."""
    if planned is None:
        return None
    return round(float((planned - signal_at.astimezone(dt.UTC).date()).days), 1)


def open_days(risk: RiskFields, as_of: dt.datetime) -> float | None:
    """How long a risk stayed open, in days to one decimal; None while it was still open at the instant."""
    if not closed_by_then(risk, as_of) or risk.closed_at is None:
        return None
    return round((risk.closed_at - risk.opened_at) / DAY, 1)


def review(risks: Iterable[RiskFields], planned: Mapping[str, dt.date | None], closers_with_files: Collection[int],
           as_of: dt.datetime) -> list[ReviewItem]:
    """The review of an order's risks opened by the instant, in order of first signal."""
    items = []
    for r in sorted((r for r in risks if r.opened_at <= as_of), key=lambda r: (r.opened_at, r.id)):
        plan = planned.get(r.milestone) if r.milestone else None
        closed = closed_by_then(r, as_of)
        items.append(ReviewItem(
            risk=r.id, kind=r.kind, milestone=r.milestone, first_signal_at=r.opened_at.astimezone(dt.UTC),
            planned=plan, lead_days=lead_days(plan, r.opened_at), owner_named=bool(r.owner_contact_id),
            proof_attached=closed and r.closed_by is not None and r.closed_by in closers_with_files,
            open_days=open_days(r, as_of)))
    return items


def summarize(items: list[ReviewItem]) -> ReviewSummary:
    """Count, average lead, owner and proof shares, and median days open of a review."""
    leads = [i.lead_days for i in items if i.lead_days is not None]
    opens = [i.open_days for i in items if i.open_days is not None]
    n = len(items)
    return ReviewSummary(
        risks=n,
        average_lead_days=round(statistics.fmean(leads), 1) if leads else None,
        owner_share=sum(i.owner_named for i in items) / n if n else None,
        proof_share=sum(i.proof_attached for i in items) / n if n else None,
        median_open_days=round(statistics.median(opens), 1) if opens else None)
