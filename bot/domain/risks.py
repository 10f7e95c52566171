"""What an exception means for an order: its risk's severity, owner, deadline and the proof that closes it (pure)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from parsers.lexicon import lexicon
from parsers.orderbook import MILESTONES, OrderBook, OrderInfo

# CONTRACT: factory for production, inspector for inspections, forwarder for freight documents,
# packaging_vendor for packaging supplies, agent otherwise
ROLE_BY_MILESTONE = {"po_lock": "agent", "material_readiness": "factory", "inline_production": "factory",
                     "pre_packing": "factory", "final_inspection": "inspector", "freight_handover": "forwarder"}
# days the owner has to bring the proof, counted from the day the exception was reported
DAYS_TO_CLOSE = {"defect": 3, "document_mismatch": 2, "material_shortage": 3, "delay": 2, "spec_change": 3,
                 "other": 3}
# exceptions that stop a milestone until they are closed; a delay or a change is a risk, not a stop
BLOCKING = frozenset({"defect", "document_mismatch", "material_shortage"})
# off-cycle alerts go out at once for these, not in the next digest
ALERT_KINDS = frozenset({"document_mismatch"})


@dataclass(frozen=True)
class Owner:
    contact: str | None
    role: str


@dataclass(frozen=True)
class RiskFacts:
    """Everything a new risk needs to know, decided from the message that opened it."""

    kind: str
    severity: str
    owner: Owner
    deadline: dt.date | None
    proof_key: str  # catalogue key under `proof.`
    revised_date: dt.date | None
    no_buffer: bool
    alert: bool


def needed_role(milestone: str | None, text: str = "", sender_role: str | None = None) -> str:
    """The role that must act on a milestone; packaging supplies belong to the packaging vendor."""
    role = ROLE_BY_MILESTONE.get(milestone or "", "agent")
    if milestone == "material_readiness" and (sender_role == "packaging_vendor"
                                               or lexicon().find("risk.packaging", text)):
        return "packaging_vendor"
    return role


def owner_for(book: OrderBook, po: str | None, role: str, sender: str | None) -> Owner:
    """CONTRACT's owner: the sender when they have the role and the order; else the first such contact in the book;
    else the order's agent."""
    if po is None:
        contact = book.contacts.get(sender or "")
        return Owner(contact.id if contact and contact.role == role else None, role)

    on_order = book.people.get(po, ())
    contact = book.contacts.get(sender or "")
    if contact and contact.role == role and contact in on_order:
        return Owner(contact.id, role)
    for c in on_order:
        if c.role == role:
            return Owner(c.id, role)
    for c in on_order:
        if c.role == "agent":
            return Owner(c.id, "agent")
    return Owner(None, role)


def severity_of(kind: str, text: str) -> str:
    """critical when the words say so (a failed inspection, safety, the whole batch); a change or 'other' is minor."""
    if kind in ("spec_change", "other"):
        return "minor"
    if kind == "defect" and lexicon().find("risk.critical", text):
        return "critical"
    return "major"


def proof_key(kind: str, milestone: str | None) -> str:
    """The catalogue key of the proof that closes a risk of this kind at this milestone."""
    if kind == "defect":
        return "reinspection_report" if milestone == "final_inspection" else "rework_photo"
    if kind == "delay":
        return "new_booking" if milestone == "freight_handover" else "revised_date_photo"
    return {"document_mismatch": "corrected_document", "material_shortage": "material_photo",
            "spec_change": "buyer_acceptance"}.get(kind, "resolution_proof")


def revised_date(dates: tuple[dt.date, ...], day: dt.date, order: OrderInfo | None = None) -> dt.date | None:
    """The date a delay moves to: the latest date the message mentions that is not past and is not one of the plan's
    own dates (the ship date or a planned milestone, which a report quotes as the reference)."""
    quoted = set()
    if order is not None:
        quoted = {d for d in order.milestones.values() if d} | ({order.ship_date} if order.ship_date else set())
    ahead = [d for d in dates if d >= day and d not in quoted]
    return max(ahead) if ahead else None


def no_buffer(order: OrderInfo | None, milestone: str | None, revised: dt.date | None, text: str = "") -> bool:
    """True when the revised date puts the ship date at risk: it falls after the ship date, or after the next
    milestone's plan, so the stages behind it cannot start on time. A report that says the ship date holds has
    a buffer."""
    if order is None or revised is None or milestone not in MILESTONES or lexicon().find("risk.ship_holds", text):
        return False
    if order.ship_date is not None and revised > order.ship_date:
        return True
    later = MILESTONES[MILESTONES.index(milestone) + 1:]
    following = next((order.milestones.get(m) for m in later if order.milestones.get(m)), None)
    return following is not None and revised > following


def deadline_for(kind: str, day: dt.date, revised: dt.date | None, planned: dt.date | None) -> dt.date:
    """When the proof is due: a few days after the report, never later than a delay's own revised date, and never
    later than the milestone's plan when that is still ahead."""
    due = day + dt.timedelta(days=DAYS_TO_CLOSE.get(kind, 3))
    if revised is not None:
        due = min(due, revised)
    if planned is not None and planned > day:
        due = min(due, planned)
    return due


def assess(book: OrderBook, *, kind: str, po: str | None, milestone: str | None, text: str, sender: str | None,
           day: dt.date, dates: tuple[dt.date, ...]) -> RiskFacts:
    """Severity, owner, deadline and closing proof of a new risk."""
    sender_info = book.contacts.get(sender or "")
    order = book.orders.get(po or "")
    role = needed_role(milestone, text, sender_info.role if sender_info else None)
    revised = revised_date(dates, day, order) if kind == "delay" else None
    nb = kind == "delay" and no_buffer(order, milestone, revised, text)
    severity = "critical" if nb else severity_of(kind, text)
    planned = order.milestones.get(milestone or "") if order else None
    alert = kind in ALERT_KINDS or nb or (kind == "defect" and severity == "critical")
    return RiskFacts(kind, severity, owner_for(book, po, role, sender), deadline_for(kind, day, revised, planned),
                     proof_key(kind, milestone), revised, nb, alert)


@dataclass(frozen=True)
class Answer:
    """A later evidence message on the same order, as far as closing a risk goes."""

    milestone: str | None
    exception: str | None
    attached: bool  # a photo or document came with it
    document: bool
    resolved: bool  # it says the problem is fixed
    passed: bool  # it says an inspection passed or goods were released
    decision: str | None  # a decision it gives
    sender_role: str | None


def _at_or_after(milestone: str | None, reference: str | None) -> bool:
    if milestone not in MILESTONES or reference not in MILESTONES:
        return milestone == reference
    return MILESTONES.index(milestone) >= MILESTONES.index(reference)


def _within_next(milestone: str | None, reference: str | None) -> bool:
    if milestone not in MILESTONES or reference not in MILESTONES:
        return milestone == reference
    return 0 <= MILESTONES.index(milestone) - MILESTONES.index(reference) <= 1


def closes(kind: str, milestone: str | None, answer: Answer) -> bool:
    """Whether a message is the proof that closes an open risk: words alone never close one."""
    if answer.exception and answer.exception == kind and answer.milestone == milestone:
        return False  # the same trouble again
    if kind == "spec_change":
        # a change is closed by the buyer's answer to it (or the agent passing it on), not by a picture
        return answer.decision in ("approve", "reject") and answer.sender_role in ("buyer", "agent")
    if answer.sender_role in ("buyer", "forwarder") and milestone != "freight_handover":
        return False  # only the people doing the work can show production or inspection fixed
    if kind == "delay":
        # the slipped milestone is happening after all, and a photo or document shows it
        return answer.attached and not answer.exception and answer.milestone == milestone
    if kind == "material_shortage":
        # the material is in: shown at its milestone, or by the production that uses it
        return answer.attached and not answer.exception and _within_next(answer.milestone, milestone)
    if kind == "defect":
        fixed = answer.attached and answer.resolved and answer.milestone == milestone
        reinspected = (answer.milestone == "final_inspection" and answer.passed and not answer.exception
                       and _at_or_after("final_inspection", milestone) and answer.attached)
        return fixed or reinspected
    if kind == "document_mismatch":
        return answer.document and not answer.exception and answer.milestone == milestone
    return answer.attached and answer.resolved and not answer.exception
