"""The evidence export: one record per inbound message, as CONTRACT shows it."""
from __future__ import annotations

from typing import Any

from store.models import Evidence, InboundRow


def export_record(row: InboundRow, ev: Evidence | None) -> dict[str, Any]:
    """The export record of one message (untagged messages export as chatter, with their state)."""
    rec: dict[str, Any] = {
        "chat": row.chat, "message_id": row.message_id, "evidence": False, "order": None, "resolved_order": None,
        "ambiguous": False, "sku": None, "milestone": None, "exception": None, "evidence_date": None,
        "date_source": None, "stale": False, "recycled": False, "decision_needed": None, "dates_mentioned": [],
    }
    if ev is not None:
        rec.update({
            "evidence": ev.evidence, "order": ev.order_po, "resolved_order": ev.resolved_order,
            "ambiguous": ev.ambiguous, "sku": ev.sku, "milestone": ev.milestone, "exception": ev.exception,
            "evidence_date": ev.evidence_date.isoformat() if ev.evidence_date else None,
            "date_source": ev.date_source, "stale": ev.stale, "recycled": ev.recycled,
            "decision_needed": ev.decision_needed, "dates_mentioned": list(ev.dates_mentioned or []),
        })
    rec.update({"sender": row.contact_id or row.sender, "received_at": row.received_at.isoformat(),
                "state": row.state, "flags": list(ev.flags or []) if ev else [], "error": row.error})
    return rec
