"""An order's handover as DCSA Track & Trace 3.0-shaped events, each citing the messages that show it."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlmodel import Session

from parsers.lexicon import lexicon
from store import handover_repo, risk_repo

NAMESPACE = uuid.UUID("6f1c2a52-7f7e-4e0b-9a53-0c2d1f6a9e11")  # stable event ids across exports


def _event(po: str, kind: str, message_id: str, at: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"eventID": str(uuid.uuid5(NAMESPACE, f"{po}|{kind}|{message_id}")), **body, "eventClassifierCode": "ACT",
            "eventDateTime": at, "eventCreatedDateTime": at, "references": [{"type": "PO", "value": po}],
            "x-orderproof-kind": kind, "x-orderproof-evidence": [message_id]}


def dcsa_events(session: Session, pos: list[str]) -> list[dict[str, Any]]:
    """Documents received, labels verified, loading and departure where the chat reported them."""
    lex = lexicon()
    events: list[dict[str, Any]] = []
    for po in pos:
        far = dt.datetime.max.replace(tzinfo=dt.UTC)
        for row, mid in handover_repo.documents(session, po, far):
            events.append(_event(po, f"{row.kind}_received", mid, row.received_at.isoformat(), {
                "eventType": "SHIPMENT", "shipmentEventTypeCode": "RECE", "documentTypeCode": "SHI",
                "documentID": row.name}))
        verified: dict[str, Any] = {}
        for row, mid in handover_repo.labels(session, po, far):
            if row.valid:
                verified.setdefault(mid, row.received_at)
        for mid, at in verified.items():
            events.append(_event(po, "labels_verified", mid, at.isoformat(), {
                "eventType": "SHIPMENT", "shipmentEventTypeCode": "CONF", "documentTypeCode": "SHI"}))
        for t in risk_repo.timeline(session, [po], far):
            if t.milestone != "freight_handover" or not t.counted:
                continue
            if lex.find("risk.departed", t.text):
                events.append(_event(po, "departure", t.message_id, t.received_at.isoformat(), {
                    "eventType": "TRANSPORT", "transportEventTypeCode": "DEPA"}))
            elif lex.find("risk.loaded", t.text):
                events.append(_event(po, "loading", t.message_id, t.received_at.isoformat(), {
                    "eventType": "EQUIPMENT", "equipmentEventTypeCode": "LOAD", "emptyIndicatorCode": "LADEN"}))
    return sorted(events, key=lambda e: e["eventDateTime"])
