"""An order's handover file as of an instant: stored documents, labels, marks and decisions through the checks."""
from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from bot.domain.handover import Doc, Handover, Label, assess_handover
from bot.orderfile import holds_as_of
from parsers.lexicon import lexicon
from parsers.orderbook import OrderBook
from store import decision_repo, handover_repo
from store.models import DocumentRow

_VERSION_NUMBER = str.maketrans("", "", "vV")


def _version_key(row: DocumentRow) -> tuple[int, dt.datetime]:
    """A later version wins; between equal versions, the later message."""
    try:
        number = int((row.version or "v1").translate(_VERSION_NUMBER))
    except ValueError:
        number = 1
    return number, row.received_at


def latest(session: Session, po: str, as_of: dt.datetime, kind: str) -> Doc | None:
    """The packing list or invoice that counts: the highest version, then the latest received."""
    found = [(row, mid) for row, mid in handover_repo.documents(session, po, as_of) if row.kind == kind]
    if not found:
        return None
    row, mid = max(found, key=lambda pair: _version_key(pair[0]))
    return Doc(mid, dict(row.qty or {}), row.cartons, tuple(row.ssccs or ()), row.version)


def order_handover(session: Session, book: OrderBook, po: str, as_of: dt.datetime) -> Handover:
    """Every handover check of an order as of an instant."""
    order = book.orders[po]
    po_qty = {ln.sku: ln.qty for ln in order.lines if ln.qty is not None}
    labels = [Label(row.sscc, row.valid, mid) for row, mid in handover_repo.labels(session, po, as_of)]
    lex = lexicon()
    marks = [(sku, mid) for sku, mid, text in handover_repo.mark_messages(session, po, as_of)
             if lex.find("risk.marks", text)]
    released = tuple(mid for mid, decision, text, exception in handover_repo.release_messages(session, po, as_of)
                     if decision == "release" or (not exception and lex.find("risk.passed", text)))
    released += tuple(d.message_id for d in decision_repo.decisions(session, po)
                      if d.verb == "release" and d.state == "given" and d.at <= as_of)
    hold = tuple(d.message_id for d in decision_repo.decisions(session, po)
                 if d.verb == "hold" and d.state == "given" and d.at <= as_of)[-1:] \
        if po in holds_as_of(session, [po], as_of) else ()
    return assess_handover(po, po_qty, latest(session, po, as_of, "packing_list"),
                           latest(session, po, as_of, "invoice"), labels, marks, tuple(dict.fromkeys(released)), hold)
