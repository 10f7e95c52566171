"""Documents and carton labels read from attachments: writes and queries, no rules."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, update
from sqlmodel import Session, select

from store.models import DocumentRow, Evidence, InboundRow, LabelRow


def forget(session: Session, inbound_id: int) -> None:
    """Drop what an earlier reading of a message stored (it is being read again)."""
    session.exec(delete(DocumentRow).where(DocumentRow.inbound_id == inbound_id))
    session.exec(delete(LabelRow).where(LabelRow.inbound_id == inbound_id))


def documents(session: Session, po: str, as_of: dt.datetime) -> list[tuple[DocumentRow, str]]:
    """An order's packing lists and invoices by `as_of`, oldest first, with their messages' ids."""
    return list(session.exec(select(DocumentRow, InboundRow.message_id)
                             .join(InboundRow, InboundRow.id == DocumentRow.inbound_id)
                             .where(DocumentRow.order_po == po, DocumentRow.received_at <= as_of)
                             .order_by(DocumentRow.received_at, DocumentRow.id)))


def labels(session: Session, po: str, as_of: dt.datetime) -> list[tuple[LabelRow, str]]:
    """An order's carton labels seen by `as_of`, with their messages' ids."""
    return list(session.exec(select(LabelRow, InboundRow.message_id)
                             .join(InboundRow, InboundRow.id == LabelRow.inbound_id)
                             .where(LabelRow.order_po == po, LabelRow.received_at <= as_of)
                             .order_by(LabelRow.received_at, LabelRow.id)))


def mark_messages(session: Session, po: str, as_of: dt.datetime) -> list[tuple[str, str, str]]:
    """(SKU, message id, text) of pre-packing and handover evidence naming one SKU of the order."""
    order = (Evidence.resolved_order == po) | ((Evidence.order_po == po) & Evidence.resolved_order.is_(None))
    return list(session.exec(select(Evidence.sku, InboundRow.message_id, InboundRow.text)
                             .join(InboundRow, InboundRow.id == Evidence.inbound_id)
                             .where(order, Evidence.evidence, Evidence.sku.is_not(None),
                                    Evidence.milestone.in_(["pre_packing", "freight_handover"]),
                                    InboundRow.received_at <= as_of)
                             .order_by(InboundRow.received_at)))


def release_messages(session: Session, po: str, as_of: dt.datetime) -> list[tuple[str, str | None, str, str | None]]:
    """(message id, decision given, text, exception) of the order's final-inspection evidence by `as_of`."""
    order = (Evidence.resolved_order == po) | ((Evidence.order_po == po) & Evidence.resolved_order.is_(None))
    return list(session.exec(select(InboundRow.message_id, Evidence.decision_given, InboundRow.text,
                                    Evidence.exception)
                             .join(InboundRow, InboundRow.id == Evidence.inbound_id)
                             .where(order, Evidence.evidence, Evidence.milestone == "final_inspection",
                                    ~Evidence.stale, ~Evidence.recycled, InboundRow.received_at <= as_of)
                             .order_by(InboundRow.received_at)))


def mark_mismatch(session: Session, inbound_id: int, milestone: str) -> None:
    """Record on a message that the document or label it brought disagrees with the order."""
    session.execute(update(Evidence).where(Evidence.inbound_id == inbound_id)
                    .values(exception="document_mismatch", evidence=True, milestone=milestone))


def clear_mismatch(session: Session, inbound_id: int) -> None:
    """The document a message brought checks clean: its words' mismatch does not stand."""
    session.execute(update(Evidence).where(Evidence.inbound_id == inbound_id, Evidence.exception == "document_mismatch")
                    .values(exception=None))
