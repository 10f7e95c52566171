"""After each batch is tagged: packing lists, invoices and carton labels are read, and what disagrees with the
order becomes a document mismatch on the message that brought it."""
from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from sqlmodel import Session

from bot.chat_commands import find_order
from bot.domain.handover import Doc, Label, check_invoice, check_labels, check_packing_list
from bot.handover import latest
from parsers.documents import ShipDoc, read_document
from parsers.labels import read_labels
from parsers.lexicon import lexicon
from parsers.orderbook import OrderBook
from store import handover_repo
from store.blobs import BlobStore
from store.inbound_repo import Result, attachments_of
from store.models import AttachmentRow, DocumentRow, LabelRow

log = logging.getLogger(__name__)
DOCUMENT_SUFFIXES = (".xlsx", ".csv", ".pdf")
LABEL_MILESTONES = frozenset({"pre_packing", "freight_handover"})


def _qty(doc: ShipDoc) -> dict[str, int]:
    out: dict[str, int] = {}
    for ln in doc.lines:
        if ln.sku and ln.quantity is not None:
            out[ln.sku] = out.get(ln.sku, 0) + ln.quantity
    return out


def _cartons(doc: ShipDoc) -> int | None:
    counted = [ln.cartons for ln in doc.lines if ln.cartons is not None]
    if counted:
        return sum(counted)
    total = doc.totals.get("cartons")
    return int(total) if total is not None else None


class DocumentKeeper:
    """Reads the documents and label photos of a batch (off the webhook path: the worker runs this)."""

    def __init__(self, blobs: BlobStore) -> None:
        self.blobs = blobs

    def __call__(self, session: Session, results: list[Result], book: OrderBook) -> None:
        """Store what the batch's files say, and flag the messages whose files disagree."""
        for r in results:
            if r.row.attempts > 0:
                handover_repo.forget(session, r.row.id)
            if r.tags is None or not r.row.attachments:
                continue
            try:
                self._one(session, r, book)
            except Exception:  # a file we cannot read never costs the batch its tags
                log.exception("reading the files of %s/%s failed", r.row.chat, r.row.message_id)

    def _one(self, session: Session, r: Result, book: OrderBook) -> None:
        findings: list[str] = []
        checked = False  # a document with lines was compared with the order
        for att in attachments_of(session, r.row.id):
            if att.path is None or att.error:
                continue
            if Path(att.original_name).suffix.lower() in DOCUMENT_SUFFIXES:
                found = self._document(session, r, book, att)
                checked = checked or found is not None
                findings += found or []
            elif (att.mime or "").startswith("image/") and (
                    r.tags.milestone in LABEL_MILESTONES or lexicon().find("risk.marks", r.row.text)):
                findings += self._labels(session, r, att)
        if checked and not findings and r.tags.exception == "document_mismatch":
            # "corrected packing list attached": the words name the old trouble, the file shows it fixed
            handover_repo.clear_mismatch(session, r.row.id)
            r.tags = dataclasses.replace(r.tags, exception=None)
            return
        if findings:
            milestone = "freight_handover"
            handover_repo.mark_mismatch(session, r.row.id, milestone)
            r.tags = dataclasses.replace(r.tags, evidence=True, exception="document_mismatch", milestone=milestone)
            r.detail = "; ".join(findings)

    def _document(self, session: Session, r: Result, book: OrderBook, att: AttachmentRow) -> list[str] | None:
        """What a packing list or invoice disagrees with; None when there was nothing to compare."""
        doc = read_document(self.blobs.read(att.path), att.original_name)
        if doc.kind not in ("packing_list", "invoice"):
            return None
        po = (find_order(book, doc.po) if doc.po else None) or r.tags.order
        session.add(DocumentRow(inbound_id=r.row.id, position=att.position, order_po=po, kind=doc.kind,
                                version=doc.version, name=att.original_name, qty=_qty(doc), cartons=_cartons(doc),
                                ssccs=list(doc.ssccs), problems=list(doc.problems), received_at=r.row.received_at))
        if po is None or not doc.lines:
            return None
        session.flush()
        here = Doc(r.row.message_id, _qty(doc), _cartons(doc), tuple(doc.ssccs), doc.version)
        order = book.orders[po]
        if doc.kind == "packing_list":
            checks = [check_packing_list(here, {ln.sku: ln.qty for ln in order.lines if ln.qty is not None}),
                      check_invoice(here, latest(session, po, r.row.received_at, "invoice"))]
        else:
            checks = [check_invoice(latest(session, po, r.row.received_at, "packing_list"), here)]
        # a check with nothing to compare yet is not a disagreement
        return [c.detail for c in checks if not c.ok and "received yet" not in c.detail]

    def _labels(self, session: Session, r: Result, att: AttachmentRow) -> list[str]:
        reads = [lb for lb in read_labels(self.blobs.read(att.path)) if lb.sscc]
        po = r.tags.order
        for lb in reads:
            session.add(LabelRow(inbound_id=r.row.id, order_po=po, sscc=lb.sscc, valid=lb.sscc_valid, gtin=lb.gtin,
                                 count=lb.count, received_at=r.row.received_at))
        if not reads or po is None:
            return []
        pl = latest(session, po, r.row.received_at, "packing_list")
        checks = check_labels(pl, [Label(lb.sscc, lb.sscc_valid, r.row.message_id) for lb in reads])
        return [c.detail for c in checks if c.name in ("label_sscc_on_list", "sscc_check_digit") and not c.ok
                and "no SSCC list" not in c.detail]
