"""A buyer's digest as of an instant, read from the store: only what had arrived by then counts."""
from __future__ import annotations

import base64
import datetime as dt
import io
from pathlib import Path

from PIL import Image, UnidentifiedImageError
from sqlmodel import Session

from bot.digests.bulk import no_cycle_collection
from bot.domain.digest import ChangeItem, Digest, ExceptionItem, OrderDigest, Thumb, build_digest
from bot.domain.risks import Owner
from bot.orderfile import OrderFile, files_from, holds_as_of, local_today, risk_id
from parsers.orderbook import OrderBook
from store import decision_repo, risk_repo
from store.risk_repo import RiskView

THUMB_PX = 160
THUMBS_PER_MILESTONE = 6


class UnknownBuyer(LookupError):
    """The contact id is not a buyer in the order book."""


def buyer_orders(book: OrderBook, buyer: str) -> list[str]:
    """The open orders a buyer is on, in the order book's order."""
    mine = set(book.contacts[buyer].orders)
    return [po for po, o in book.orders.items() if o.status == "open" and po in mine]


def _risk_item(view: RiskView) -> ExceptionItem:
    r = view.risk
    return ExceptionItem(r.order_po, r.milestone, r.kind, r.summary, Owner(r.owner_contact_id, r.owner_role), r.due,
                         r.decision_needed, view.messages, r.severity, risk_id(view), r.proof_required, r.rule,
                         dict(r.report or {}))


def _thumb(media_dir: Path, path: str | None) -> str | None:
    """A small JPEG of a stored photo as a data: URI, so the digest is one self-contained page."""
    if not path:
        return None
    try:
        with Image.open(media_dir / path) as img:
            img.thumbnail((THUMB_PX, THUMB_PX))
            buf = io.BytesIO()
            img.convert("RGB").save(buf, "JPEG", quality=70)
    except (OSError, UnidentifiedImageError, ValueError):
        return None  # a file we cannot draw is listed by id, not shown
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _thumbs(file: OrderFile, media_dir: Path | None) -> dict[str, list[Thumb]]:
    found: dict[str, list[Thumb]] = {}
    if media_dir is None:
        return found
    for t in reversed(file.timeline):  # newest first
        if not t.milestone or t.file_kind not in ("photo", "image") or not (t.file_mime or "").startswith("image/"):
            continue
        shelf = found.setdefault(t.milestone, [])
        if len(shelf) >= THUMBS_PER_MILESTONE:
            continue
        src = _thumb(media_dir, t.file_path)
        if src:
            flag = "recycled" if t.recycled else "stale" if t.stale else None
            shelf.append(Thumb(t.message_id, src, t.evidence_date, t.date_source, flag))
    return found


def assemble_digest(session: Session, book: OrderBook, buyer: str, as_of: dt.datetime, as_of_text: str,
                    media_dir: Path | None = None) -> Digest:
    """The digest the buyer would receive at `as_of` (with photo thumbnails when a media dir is given)."""
    with no_cycle_collection():
        return _assemble(session, book, buyer, as_of, as_of_text, media_dir)


def _assemble(session: Session, book: OrderBook, buyer: str, as_of: dt.datetime, as_of_text: str,
              media_dir: Path | None) -> Digest:
    info = book.contacts.get(buyer)
    if info is None or info.role != "buyer":
        raise UnknownBuyer(f"no buyer with contact id {buyer!r} in the order book")
    pos = buyer_orders(book, buyer)
    # one read of the evidence and one of the risks, also those whose order is not known yet
    views = risk_repo.risks_as_of(session, as_of, pos)
    files = files_from(book, pos, risk_repo.timeline(session, pos, as_of, with_text=False,
                                                        with_files=media_dir is not None),
                       [v for v in views if v.risk.order_po is not None], local_today(as_of, info.timezone),
                       holds_as_of(session, pos, as_of))
    risks = [v for f in files for v in f.risks if v.state == "open"]
    # a risk whose order is not known yet goes to the buyers of whoever raised it
    colleagues = {c.id for po in pos for c in book.people.get(po, ())} | {buyer}
    risks += [v for v in views if v.risk.order_po is None and v.state == "open" and v.opener in colleagues]
    orders = [OrderDigest(f.po, book.orders[f.po].ship_date, f.states, _thumbs(f, media_dir)) for f in files]
    return build_digest(buyer=buyer, as_of=as_of_text, timezone=info.timezone, language=info.language,
                        local_date=local_today(as_of, info.timezone), risks=[_risk_item(v) for v in risks],
                        orders=orders, changes=[
                            ChangeItem(c.order_po, c.what, c.cost_impact, c.time_impact_days, c.state, mid)
                            for c, mid, still_open in decision_repo.changes(session, pos, as_of) if still_open])
