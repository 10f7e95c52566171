"""The order file as SQLModel tables; every datetime is aware UTC."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.types import UTCDateTime


def _ts(**kw: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kw)


class Order(SQLModel, table=True):
    __tablename__ = "orders"
    id: int | None = Field(default=None, primary_key=True)
    po: str = Field(unique=True, index=True)
    buyer: str = ""
    factory: str = ""
    status: str = "open"
    incoterm: str | None = None
    destination: str | None = None
    ship_date: dt.date | None = None


class OrderLine(SQLModel, table=True):
    __tablename__ = "order_lines"
    __table_args__ = (UniqueConstraint("order_id", "sku"),)
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    sku: str
    description: str = ""
    qty: int | None = None
    nicknames: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class MilestonePlan(SQLModel, table=True):
    __tablename__ = "milestone_plans"
    __table_args__ = (UniqueConstraint("order_id", "milestone"),)
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    milestone: str
    planned: dt.date | None = None
    actual: dt.date | None = None
    status: str = "not_started"


class Contact(SQLModel, table=True):
    __tablename__ = "contacts"
    id: str = Field(primary_key=True)
    name: str = ""
    role: str = "agent"
    phone: str | None = Field(default=None, index=True)  # E.164
    telegram_user_id: int | None = Field(default=None, sa_type=BigInteger, index=True)
    wecom_userid: str | None = Field(default=None, index=True)
    timezone: str = "UTC"
    language: str = "en"
    date_order: str | None = None
    position: int = 0  # place in the contacts file: "the first such contact in the order book"


class Assignment(SQLModel, table=True):
    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("contact_id", "order_id"),)
    id: int | None = Field(default=None, primary_key=True)
    contact_id: str = Field(foreign_key="contacts.id", index=True)
    order_id: int = Field(foreign_key="orders.id", index=True)


class InboundRow(SQLModel, table=True):
    """Every message ever received, stored raw before anything else happens."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("channel", "chat", "message_id", name="uq_inbound_provider_id"),
        Index("ix_inbound_state_received", "state", "received_at"),
        Index("ix_inbound_chat_sender_received", "chat", "sender", "received_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    channel: str
    chat: str
    message_id: str
    sender: str  # the channel's own identity (contact id, E.164 phone, Telegram user id...)
    contact_id: str | None = Field(default=None, index=True)
    received_at: dt.datetime = _ts(index=True)
    text: str = ""
    raw: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = "pending"  # pending | processed | failed
    error: str | None = None
    notify: bool = True
    attempts: int = 0
    processed_at: dt.datetime | None = _ts(default=None)


class AttachmentRow(SQLModel, table=True):
    __tablename__ = "attachments"
    __table_args__ = (UniqueConstraint("inbound_id", "position"),)
    id: int | None = Field(default=None, primary_key=True)
    inbound_id: int = Field(foreign_key="inbound_messages.id", index=True)
    position: int = 0
    kind: str = "file"
    original_name: str = ""
    sha256: str | None = Field(default=None, index=True)
    mime: str | None = None
    size: int | None = None
    path: str | None = None  # relative to the media dir
    phash: str | None = None  # 16 hex digits
    captured_local: str | None = None  # "YYYY-MM-DD HH:MM:SS" as the camera wrote it
    captured_offset_min: int | None = None
    camera: str | None = None
    error: str | None = None


class Evidence(SQLModel, table=True):
    """What the tagger decided for one inbound message (one row per message)."""

    __tablename__ = "evidence"
    id: int | None = Field(default=None, primary_key=True)
    inbound_id: int = Field(foreign_key="inbound_messages.id", unique=True)
    evidence: bool = False
    order_po: str | None = Field(default=None, index=True)
    resolved_order: str | None = None
    ambiguous: bool = False
    candidates: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    sku: str | None = None
    focus_sku: str | None = None
    milestone: str | None = None
    exception: str | None = Field(default=None, index=True)
    decision_needed: str | None = None
    decision_given: str | None = None
    evidence_date: dt.date | None = None
    date_source: str | None = None
    stale: bool = False
    recycled: bool = False
    dates_mentioned: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    flags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    received_at: dt.datetime = _ts(index=True)
    tagged_at: dt.datetime = _ts()


class Risk(SQLModel, table=True):
    __tablename__ = "risks"
    id: int | None = Field(default=None, primary_key=True)
    kind: str
    severity: str = "major"
    order_po: str | None = Field(default=None, index=True)
    milestone: str | None = None
    owner_contact_id: str | None = None
    owner_role: str = "agent"
    due: dt.date | None = None
    proof_required: str = ""
    state: str = "open"
    summary: str = ""
    chat: str | None = None
    rule: str | None = None  # a sequence check's name, when the risk came from one
    revised_date: dt.date | None = None
    no_buffer: bool = False
    decision_needed: str | None = None
    # a delay report's fields as people gave them: cause, milestone, revised_date, cost_impact, quality_impact,
    # alternatives, decision_needed, owner
    report: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    opened_by: int = Field(foreign_key="inbound_messages.id", index=True)
    closed_by: int | None = Field(default=None, foreign_key="inbound_messages.id")
    opened_at: dt.datetime = _ts()
    closed_at: dt.datetime | None = _ts(default=None)


class RiskMessage(SQLModel, table=True):
    __tablename__ = "risk_messages"
    __table_args__ = (UniqueConstraint("risk_id", "inbound_id"),)
    id: int | None = Field(default=None, primary_key=True)
    risk_id: int = Field(foreign_key="risks.id", index=True)
    inbound_id: int = Field(foreign_key="inbound_messages.id", index=True)


class CorrectiveAction(SQLModel, table=True):
    __tablename__ = "corrective_actions"
    id: int | None = Field(default=None, primary_key=True)
    risk_id: int = Field(foreign_key="risks.id", index=True)
    action: str
    owner_contact_id: str | None = None
    proof_required: str = ""
    due: dt.date | None = None
    state: str = "open"
    proof_inbound_id: int | None = Field(default=None, foreign_key="inbound_messages.id")


class Decision(SQLModel, table=True):
    __tablename__ = "decisions"
    id: int | None = Field(default=None, primary_key=True)
    order_po: str | None = Field(default=None, index=True)
    milestone: str | None = None
    verb: str
    by_contact_id: str
    on_behalf_of: str | None = None
    at: dt.datetime = _ts()
    inbound_id: int = Field(foreign_key="inbound_messages.id", unique=True)
    state: str = "given"  # given | refused (a hold stands, or release without final inspection) | lift (of a hold)
    reason: str | None = None  # why it was refused


class Prompt(SQLModel, table=True):
    """A question the bot asked someone, waiting for their answer in the same chat."""

    __tablename__ = "prompts"
    __table_args__ = (Index("ix_prompts_chat_contact_state", "chat", "contact_id", "state"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str  # which_order | risk | delay_report | original_photo
    channel: str
    chat: str
    contact_id: str | None = None
    about: int | None = Field(default=None, foreign_key="inbound_messages.id")  # the message the question is about
    risk_id: int | None = Field(default=None, foreign_key="risks.id")
    options: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    field: str | None = None  # the delay report field asked for
    state: str = "open"  # open | answered | expired
    created_at: dt.datetime = _ts()
    answered_by: int | None = Field(default=None, foreign_key="inbound_messages.id")


class OrderChange(SQLModel, table=True):
    """A change after PO lock, with its cost and time impact."""

    __tablename__ = "order_changes"
    id: int | None = Field(default=None, primary_key=True)
    order_po: str | None = Field(default=None, index=True)
    what: str
    cost_impact: str | None = None
    time_impact_days: int | None = None
    accepted_by: str | None = None
    state: str = "proposed"  # proposed | accepted | rejected
    inbound_id: int = Field(foreign_key="inbound_messages.id", unique=True)
    decided_by: int | None = Field(default=None, foreign_key="inbound_messages.id")


class DigestRun(SQLModel, table=True):
    """One digest per buyer per period (local date or ISO week): a restart or a second process never sends twice."""

    __tablename__ = "digest_runs"
    __table_args__ = (UniqueConstraint("buyer_id", "period", name="uq_digest_run_period"),)
    id: int | None = Field(default=None, primary_key=True)
    buyer_id: str = Field(index=True)
    period: str
    scheduled_for: dt.datetime = _ts()
    created_at: dt.datetime = _ts()


class DocumentRow(SQLModel, table=True):
    """A packing list or invoice read from an attachment: every version kept, the latest counts."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("inbound_id", "position"),)
    id: int | None = Field(default=None, primary_key=True)
    inbound_id: int = Field(foreign_key="inbound_messages.id", index=True)
    position: int = 0
    order_po: str | None = Field(default=None, index=True)
    kind: str = "unknown"
    version: str | None = None
    name: str = ""
    qty: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    cartons: int | None = None
    ssccs: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    problems: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    received_at: dt.datetime = _ts()


class LabelRow(SQLModel, table=True):
    """A GS1-128 carton label read from a photo."""

    __tablename__ = "labels"
    __table_args__ = (UniqueConstraint("inbound_id", "sscc"),)
    id: int | None = Field(default=None, primary_key=True)
    inbound_id: int = Field(foreign_key="inbound_messages.id", index=True)
    order_po: str | None = Field(default=None, index=True)
    sscc: str
    valid: bool = True
    gtin: str | None = None
    count: int | None = None
    received_at: dt.datetime = _ts()


class OutboxRow(SQLModel, table=True):
    __tablename__ = "outbox"
    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(unique=True)
    channel: str
    recipient: str
    text: str
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = "pending"  # pending | sent | failed
    attempts: int = 0
    next_attempt_at: dt.datetime = _ts(index=True)
    created_at: dt.datetime = _ts()
    sent_at: dt.datetime | None = _ts(default=None)
    last_error: str | None = None


class LinkCode(SQLModel, table=True):
    __tablename__ = "link_codes"
    code: str = Field(primary_key=True)
    contact_id: str = Field(foreign_key="contacts.id")
    expires_at: dt.datetime = _ts()
    used_at: dt.datetime | None = _ts(default=None)
