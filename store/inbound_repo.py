"""Reads and writes of inbound messages, their attachments and their tags."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from bot.messages import InboundMessage
from parsers.facts import FileFacts, Prior, PriorPhoto, Tags
from store.models import AttachmentRow, Evidence, InboundRow


def _insert_ignoring_duplicates(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert rows; the database's UNIQUE (channel, chat, message_id) drops repeats atomically."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    table = InboundRow.__table__
    if dialect == "sqlite":
        stmt = sqlite.insert(table).on_conflict_do_nothing(index_elements=["channel", "chat", "message_id"])
    elif dialect == "postgresql":
        stmt = postgresql.insert(table).on_conflict_do_nothing(index_elements=["channel", "chat", "message_id"])
    else:  # pragma: no cover - other databases fall back to one row at a time
        stmt = insert(table).prefix_with("OR IGNORE")
        result = session.execute(stmt, rows)
        return result.rowcount if result.rowcount is not None and result.rowcount >= 0 else len(rows)
    # count the rows the database really inserted: rowcount is not reliable here (psycopg reports every row
    # of an executemany, and the ORM session reports a 1-row insert as 1 even when the conflict skipped it)
    result = session.connection().execute(stmt.returning(table.c.id), rows)
    return len(result.all())


def store_inbound(session: Session, messages: Sequence[InboundMessage], notify: bool) -> int:
    """Store messages raw; returns how many were new."""
    rows = [{
        "channel": m.channel, "chat": m.chat, "message_id": m.message_id, "sender": m.sender,
        "contact_id": m.contact_id, "received_at": m.received_at, "text": m.text,
        "raw": {"payload": m.raw, "attachments": [a.to_json() for a in m.attachments]},
        "state": "pending", "notify": notify, "attempts": 0,
    } for m in messages]
    if len(rows) == 1:
        return _insert_ignoring_duplicates(session, rows)
    return sum(_insert_ignoring_duplicates(session, rows[i:i + 500]) for i in range(0, len(rows), 500))


def requeue_after(session: Session, chats: Iterable[str], since: dt.datetime) -> int:
    """Send processed messages later than `since` back to the queue, because an earlier one arrived late."""
    # a later photo anywhere may now be a recycled one; its whole chat goes back with it, because carry-over
    # reads the sender's previous message, which must be tagged again in the same run, in order
    photo_chats = (select(InboundRow.chat).join(AttachmentRow, AttachmentRow.inbound_id == InboundRow.id)
                   .where(AttachmentRow.phash.is_not(None), InboundRow.received_at > since).distinct())
    stmt = (update(InboundRow)
            .where(InboundRow.state != "pending", InboundRow.received_at > since,
                   or_(InboundRow.chat.in_(list(set(chats))), InboundRow.chat.in_(photo_chats)))
            .values(state="pending"))
    return session.execute(stmt).rowcount or 0


def processed_after(session: Session, since: dt.datetime) -> bool:
    """Whether any message later than `since` was already processed (then a late arrival must re-tag it)."""
    t = InboundRow.__table__
    q = select(t.c.id).where(t.c.received_at > since, t.c.state != "pending").limit(1)
    return session.execute(q).first() is not None


@dataclass
class PendingRow:
    """An inbound message waiting to be processed: plain values, no ORM object."""

    id: int
    channel: str
    chat: str
    message_id: str
    sender: str
    contact_id: str | None
    received_at: dt.datetime
    text: str
    attachments: list[dict[str, Any]]
    notify: bool
    attempts: int
    reply_to: str | None = None  # the provider id of the message this one answers, where the channel says
    media_group_id: str | None = None  # the album it belongs to, where the channel groups photos


def pending_rows(session: Session, limit: int, only_failed: bool = False) -> list[PendingRow]:
    """Unprocessed messages in time order."""
    t = InboundRow.__table__
    q = (select(t.c.id, t.c.channel, t.c.chat, t.c.message_id, t.c.sender, t.c.contact_id, t.c.received_at,
                t.c.text, t.c.raw, t.c.notify, t.c.attempts)
         .where(t.c.state == ("failed" if only_failed else "pending"))
         .order_by(t.c.received_at, t.c.id).limit(limit))
    return [PendingRow(r.id, r.channel, r.chat, r.message_id, r.sender, r.contact_id, r.received_at, r.text,
                       list((r.raw or {}).get("attachments", [])), r.notify, r.attempts,
                       _payload(r.raw).get("reply_to"), _payload(r.raw).get("media_group_id"))
            for r in session.execute(q)]


def _payload(raw: dict[str, Any] | None) -> dict[str, Any]:
    payload = (raw or {}).get("payload")
    return payload if isinstance(payload, dict) else {}


def _prior(hit: tuple[Evidence, dt.datetime] | None) -> Prior | None:
    """An (evidence row, received time) pair as the prior a later message may inherit from."""
    if hit is None:
        return None
    ev, at = hit
    return Prior(received_at=at, order=ev.order_po, ambiguous=ev.ambiguous, milestone=ev.milestone, sku=ev.sku,
                 candidates=tuple(ev.candidates or ()), focus_sku=ev.focus_sku)


def evidence_of(session: Session, channel: str, chat: str, message_id: str) -> Prior | None:
    """The tags of one earlier message, as a prior for a reply to it."""
    q = (select(Evidence, InboundRow.received_at).join(InboundRow, Evidence.inbound_id == InboundRow.id)
         .where(InboundRow.channel == channel, InboundRow.chat == chat, InboundRow.message_id == message_id,
                Evidence.evidence))
    return _prior(session.exec(q).first())


@dataclass
class Result:
    """How processing one message ended."""

    row: PendingRow
    state: str
    tags: Tags | None
    error: str | None
    detail: str | None = None  # what a follow-up check found (a document mismatch names SKU, SSCC, numbers)


def write_results(session: Session, results: Sequence[Result], now: dt.datetime) -> None:
    """Store the tags and the new state of a batch of messages in two statements."""
    ev_rows = [_evidence_values(r.row, r.tags, now) for r in results if r.tags is not None]
    if ev_rows:
        table = Evidence.__table__
        mod = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        stmt = mod.insert(table)
        cols = [c for c in ev_rows[0] if c != "inbound_id"]
        stmt = stmt.on_conflict_do_update(index_elements=["inbound_id"], set_={c: stmt.excluded[c] for c in cols})
        session.execute(stmt, ev_rows)
    t = InboundRow.__table__
    upd = (update(t).where(t.c.id == bindparam("b_id"))
           .values(state=bindparam("b_state"), error=bindparam("b_error"), contact_id=bindparam("b_contact"),
                   attempts=bindparam("b_attempts"), processed_at=bindparam("b_at")))
    session.execute(upd, [{"b_id": r.row.id, "b_state": r.state, "b_error": r.error, "b_contact": r.row.contact_id,
                           "b_attempts": r.row.attempts + 1, "b_at": now} for r in results])


def _evidence_values(row: PendingRow, tags: Tags, now: dt.datetime) -> dict[str, Any]:
    return {"inbound_id": row.id, "evidence": tags.evidence, "order_po": tags.order,
            "ambiguous": tags.ambiguous, "candidates": list(tags.candidates), "sku": tags.sku,
            "focus_sku": tags.focus_sku, "milestone": tags.milestone, "exception": tags.exception,
            "decision_needed": tags.decision_needed, "decision_given": tags.decision_given,
            "evidence_date": tags.evidence_date, "date_source": tags.date_source, "stale": tags.stale,
            "recycled": tags.recycled, "dates_mentioned": [d.isoformat() for d in tags.dates_mentioned],
            "flags": list(tags.flags), "received_at": row.received_at, "tagged_at": now}


def count_pending(session: Session) -> int:
    """How many acknowledged messages still wait to be processed."""
    return session.exec(select(func.count()).select_from(InboundRow).where(InboundRow.state == "pending")).one()


def attachments_of(session: Session, inbound_id: int) -> list[AttachmentRow]:
    """A message's stored attachments, in order."""
    return list(session.exec(select(AttachmentRow).where(AttachmentRow.inbound_id == inbound_id)
                             .order_by(AttachmentRow.position)))


def stored_positions(session: Session, inbound_ids: list[int]) -> set[tuple[int, int]]:
    """(message, position) of the attachments already stored for these messages."""
    q = select(AttachmentRow.inbound_id, AttachmentRow.position).where(AttachmentRow.inbound_id.in_(inbound_ids))
    return set(session.execute(q).all())


def file_facts(row: AttachmentRow) -> FileFacts:
    """The tagger's view of a stored attachment."""
    captured = dt.datetime.strptime(row.captured_local, "%Y-%m-%d %H:%M:%S") if row.captured_local else None  # noqa: DTZ007 - camera wall time has no zone by nature
    offset = dt.timedelta(minutes=row.captured_offset_min) if row.captured_offset_min is not None else None
    return FileFacts(kind=row.kind, name=row.original_name, mime=row.mime, sha256=row.sha256,
                     phash=int(row.phash, 16) if row.phash else None, captured=captured, captured_offset=offset,
                     error=row.error)


def _before(row: InboundRow):
    return or_(InboundRow.received_at < row.received_at,
               and_(InboundRow.received_at == row.received_at, InboundRow.id < row.id))


def previous_evidence(session: Session, row: InboundRow, window: dt.timedelta) -> Prior | None:
    """The same sender's latest evidence in the same chat, if it came within the window."""
    if row.contact_id is None:
        return None
    q = (select(Evidence, InboundRow.received_at).join(InboundRow, Evidence.inbound_id == InboundRow.id)
         .where(InboundRow.chat == row.chat, InboundRow.contact_id == row.contact_id, Evidence.evidence,
                InboundRow.received_at >= row.received_at - window, _before(row))
         .order_by(InboundRow.received_at.desc(), InboundRow.id.desc()).limit(1))
    return _prior(session.exec(q).first())


def earlier_shortages(session: Session, row: InboundRow, days: int = 45) -> tuple[tuple[str, str | None], ...]:
    """(order, sku) of material shortages reported earlier in the same chat."""
    q = (select(Evidence.order_po, Evidence.sku).join(InboundRow, Evidence.inbound_id == InboundRow.id)
         .where(InboundRow.chat == row.chat, Evidence.exception == "material_shortage",
                Evidence.order_po.is_not(None), InboundRow.received_at >= row.received_at - dt.timedelta(days=days),
                _before(row)))
    return tuple(dict.fromkeys(session.exec(q)))


def earlier_order_texts(session: Session, row: InboundRow, days: int = 90) -> list[tuple[str, str]]:
    """(text, order) of earlier messages in the chat that were tagged with an order and carry capitals."""
    q = (select(InboundRow.text, Evidence.order_po).join(Evidence, Evidence.inbound_id == InboundRow.id)
         .where(InboundRow.chat == row.chat, Evidence.order_po.is_not(None),
                InboundRow.received_at >= row.received_at - dt.timedelta(days=days), _before(row)))
    return [(t, o) for t, o in session.exec(q) if t and any(c.isupper() for c in t)]


def caption_before(session: Session, row: InboundRow, window: dt.timedelta) -> str | None:
    """The text of the sender's message just before this one, when it came within the window with no attachment."""
    t = InboundRow.__table__
    q = (select(t.c.text, t.c.raw).where(t.c.chat == row.chat, t.c.sender == row.sender,
                                         t.c.received_at >= row.received_at - window, _before(row))
         .order_by(t.c.received_at.desc(), t.c.id.desc()).limit(1))
    hit = session.execute(q).first()
    if hit is None or not hit.text or (hit.raw or {}).get("attachments"):
        return None
    return hit.text


def chat_senders(session: Session, row: InboundRow) -> tuple[str, ...]:
    """Contacts who have written in this chat up to this message."""
    q = (select(InboundRow.contact_id).where(InboundRow.chat == row.chat, InboundRow.contact_id.is_not(None),
                                             or_(_before(row), InboundRow.id == row.id)).distinct())
    return tuple(sorted(c for c in session.exec(q) if c))


def earlier_photos(session: Session, row: InboundRow) -> tuple[PriorPhoto, ...]:
    """Every picture received before this message, in any chat, with the order it was tagged for."""
    q = (select(AttachmentRow.sha256, AttachmentRow.phash, InboundRow.received_at, Evidence.order_po,
                Evidence.resolved_order)
         .join(InboundRow, AttachmentRow.inbound_id == InboundRow.id)
         .outerjoin(Evidence, Evidence.inbound_id == InboundRow.id)
         .where(AttachmentRow.phash.is_not(None), _before(row)))
    return tuple(PriorPhoto(received_at=at, sha256=sha, phash=int(ph, 16), order=resolved or po)
                 for sha, ph, at, po, resolved in session.exec(q))


def export_rows(session: Session, chat: str | None = None) -> Iterable[tuple[InboundRow, Evidence | None]]:
    """Every inbound message with its tags, in arrival order."""
    q = select(InboundRow, Evidence).outerjoin(Evidence, Evidence.inbound_id == InboundRow.id)
    if chat:
        q = q.where(InboundRow.chat == chat)
    return session.exec(q.order_by(InboundRow.received_at, InboundRow.id)).yield_per(1000)


def last_received(session: Session, channel: str, chat: str) -> dt.datetime | None:
    """The time of the latest message received in a chat."""
    return session.exec(select(func.max(InboundRow.received_at))
                        .where(InboundRow.channel == channel, InboundRow.chat == chat)).first()


def quarantine(session: Session, channel: str, payload: dict[str, Any], reason: str, now: dt.datetime) -> bool:
    """Keep a payload that cannot be read as a message, so nothing is lost; returns False for a repeat."""
    import hashlib
    import json

    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:32]
    row = {"channel": channel, "chat": f"{channel}:quarantine", "message_id": f"bad-{digest}", "sender": "",
           "contact_id": None, "received_at": now, "text": "", "raw": {"payload": payload, "attachments": []},
           "state": "quarantined", "error": reason[:500], "notify": False, "attempts": 0}
    return bool(_insert_ignoring_duplicates(session, [row]))


def requeue_retries(session: Session, now: dt.datetime) -> int:
    """Put messages whose download failed for a passing reason back in the queue once their backoff is over."""
    t = InboundRow.__table__
    rows = session.execute(select(t.c.id, t.c.attempts, t.c.processed_at).where(t.c.state == "retry")).all()
    due = [r.id for r in rows if r.processed_at is None
           or now - r.processed_at >= dt.timedelta(seconds=min(3600, 30 * 2 ** max(0, r.attempts - 1)))]
    if due:
        session.execute(update(t).where(t.c.id.in_(due)).values(state="pending"))
    return len(due)


def proof_of(session: Session, po: str, as_of: dt.datetime) -> tuple[list[tuple[str, str, dt.date | None, str | None]],
                                                                      int]:
    """(milestone, message id, evidence date, exception) of what counts as proof for an order by `as_of`, and how
    many evidence messages were kept but not counted (stale or recycled photos, posts by someone not assigned)."""
    q = (select(InboundRow.message_id, Evidence.milestone, Evidence.evidence_date, Evidence.exception,
                Evidence.stale, Evidence.recycled, Evidence.flags)
         .join(InboundRow, Evidence.inbound_id == InboundRow.id)
         .where(Evidence.evidence, InboundRow.received_at <= as_of,
                or_(Evidence.resolved_order == po, (Evidence.order_po == po) & Evidence.resolved_order.is_(None))))
    proof, skipped = [], 0
    for mid, milestone, day, exception, stale, recycled, flags in session.exec(q):
        if stale or recycled or "unassigned_order" in (flags or []):
            skipped += 1
        elif milestone:
            proof.append((milestone, mid, day, exception))
    return proof, skipped


def evidence_by_milestone(session: Session, channel: str, chat: str) -> dict[str, int]:
    """How many evidence messages of one chat (on one channel) each milestone got ("none" for no milestone)."""
    q = (select(Evidence.milestone, func.count()).join(InboundRow, InboundRow.id == Evidence.inbound_id)
         .where(InboundRow.channel == channel, InboundRow.chat == chat, Evidence.evidence)
         .group_by(Evidence.milestone))
    return {milestone or "none": n for milestone, n in session.exec(q)}
