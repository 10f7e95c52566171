"""The tagger: one pure function from a message, its context and the order book to its tags."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from zoneinfo import ZoneInfo

from parsers.classify import Signals, read_signals
from parsers.dates import default_date_order, extract_dates
from parsers.facts import FileFacts, MessageFacts, Prior, TagContext, Tags
from parsers.identify import OrderRefs, focus_sku, identify, order_in_clauses, sku_by_quantity, sku_in
from parsers.orderbook import ContactInfo, OrderBook
from parsers.photos import same_picture
from parsers.references import references

_EXT = re.compile(r"\.[A-Za-z0-9]{1,5}$")


def local_date(at: dt.datetime, timezone: str) -> dt.date:
    """The calendar date of an instant in a time zone (UTC when the zone is unknown)."""
    try:
        return at.astimezone(ZoneInfo(timezone)).date()
    except (KeyError, ValueError):
        return at.astimezone(dt.UTC).date()


def _document_text(files: tuple[FileFacts, ...]) -> str:
    # a document's file name is text too: "packing_list_PO55102_v2.xlsx"
    names = [_EXT.sub("", f.name).replace("_", " ") for f in files if f.name and not f.is_image]
    return " ".join(names)


def _is_evidence(text: str, sig: Signals, refs: OrderRefs, files: tuple[FileFacts, ...],
                 carry: Prior | None, dated: bool) -> bool:
    """Evidence asserts a status or asks for a decision; chatter does neither (rule 1 of the labelling rules)."""
    if any(f.kind in ("photo", "document") or (f.is_image and f.kind != "sticker") for f in files):
        return True
    if not text.strip() or sig.ack_only:
        return False
    if sig.decision_given or sig.decision_needed:
        return True
    if sig.question:
        return False
    if refs.explicit:
        return sig.status or sig.weak_terms >= 1 or dated
    if refs.named:
        return sig.status or sig.weak_terms >= 2
    if sig.notice or sig.photo_remark:
        return False
    if carry is not None:
        # a short same-sender follow-up that commits to a date ("下周二出") is a status too
        return sig.status or sig.weak_terms >= 2 or dated
    # no order in sight: only a clear statement (an exception, or strong milestone words) is evidence
    return (sig.exception is not None and not sig.exception_in_question) or (sig.milestone_score >= 3
                                                                               and sig.status_terms)


def tag_message(msg: MessageFacts, ctx: TagContext, book: OrderBook) -> Tags:
    """Tags for one message: order or ambiguity, SKU, milestone, exception, decisions, dates and photo flags."""
    contact = book.contacts.get(msg.sender or "")
    if contact is None:
        return Tags(flags=("unknown_sender",))
    today = local_date(msg.received_at, contact.timezone)
    order_of_dates = contact.date_order or default_date_order(contact.timezone, contact.language)
    mentioned = tuple(extract_dates(msg.text, today, order_of_dates)) if msg.text else ()
    full_text = " ".join(t for t in (msg.text, _document_text(msg.files)) if t)
    sig = read_signals(full_text)
    if sig.ack_only and not msg.files:
        return Tags(dates_mentioned=mentioned)  # "收到", "👍": chatter, nothing more to read
    refs = identify(full_text, book.index, contact, ctx.chat_senders)
    prior = ctx.previous
    if prior is not None and not ctx.previous_is_reply and msg.received_at - prior.received_at > ctx.carry_over:
        prior = None
    if refs.order is None and not refs.candidates and ctx.known_refs:
        # a vessel, container or booking named earlier with exactly one order stands for that order
        named = references(full_text)
        hits = {o for ref, o in ctx.known_refs if ref in named}
        if len(hits) == 1:
            refs = replace(refs, order=hits.pop(), explicit=True)
    flags = ["unknown_po"] if refs.unknown_po else []
    flags += [f"unreadable:{f.name}" for f in msg.files if f.error]
    if not _is_evidence(msg.text, sig, refs, msg.files, prior, bool(mentioned)):
        return Tags(dates_mentioned=mentioned, flags=tuple(flags))
    order, cands, sku, milestone = refs.order, refs.candidates, refs.sku, sig.milestone
    if order is None and refs.explicit and len(cands) > 1 and sig.exception_cues:
        # two orders named once each: the one in the clause that carries the problem is the subject
        order = order_in_clauses(full_text, book.index, sig.exception_cues)
        cands = () if order else cands
    if refs.narrowed_from and prior is not None and prior.order in refs.narrowed_from and prior.order != order:
        # the sender's own thread (rule 3) says more than who is assigned: follow the carry-over
        order, sku = prior.order, sku_in(full_text, book.index, prior.order) or prior.sku
    if order is None and cands and sig.remaining:
        # "the remaining material" answers an earlier shortage of one of the candidate orders
        owed = {po for po, _ in ctx.shortages if po in cands}
        if len(owed) == 1:
            order, cands = owed.pop(), ()
            sku = sku_in(full_text, book.index, order) or sku
    if order is None and prior is not None and (not cands or prior.order in cands or not prior.order):
        # carry-over: same sender, same chat, within the window; the content's own milestone wins
        order = prior.order
        cands = prior.candidates if prior.order is None else ()
        milestone = milestone or prior.milestone
        sku = sku if refs.skus_named else (prior.sku or prior.focus_sku)
    elif prior is not None and order is not None and order == prior.order:
        milestone = milestone or prior.milestone
        sku = sku if refs.skus_named else (sku or prior.sku or prior.focus_sku)
    if order is not None and sku is None and refs.skus_named > 1 and "\n" in msg.text:
        sku = sku_in(msg.text.split("\n", 1)[0], book.index, order)  # a multi-line report: its subject line
    if order is not None and sku is None and refs.skus_named != 1:
        sku = sku_by_quantity(full_text, book, order)
    exception = sig.exception
    decision_given = sig.decision_given if contact.role == "buyer" or (contact.role == "agent" and sig.relayed) \
        else None
    if exception and sig.exception_in_question and exception not in ("spec_change", "document_mismatch"):
        exception = None  # asking about a problem does not assert it; "which figure is right?" still does
    if decision_given and exception in ("delay", "defect"):
        exception = None  # accepting a delay or a rework is a decision, not a new exception
    if exception == "spec_change":
        milestone = "po_lock"  # a change after lock belongs to the PO lock
    elif exception == "delay" and sig.delay_milestone:
        milestone = sig.delay_milestone  # a delay is labelled with the milestone that slips
    elif milestone is None and ("defect" in sig.problems or sig.decision_needed in ("sort", "rework")):
        milestone = "inline_production"  # defects and sorting with no stage named are found in production
    decision_needed = sig.decision_needed
    if decision_needed is None and exception == "defect" and milestone == "final_inspection" and sig.rework_mentioned:
        decision_needed = "rework"
    if decision_given:
        decision_needed = None  # a decider who gives a decision is not asking for one
    verb = decision_given or decision_needed
    if verb == "release" and exception is None:
        milestone = "final_inspection"  # releasing the goods is the decision that closes final inspection
    elif milestone is None and verb == "ship":
        milestone = "freight_handover"
    if milestone is None and "material_shortage" in sig.problems:
        milestone = "material_readiness"
    focus = focus_sku(full_text, book.index, order) if order and sku is None and exception else None
    photo = next((f for f in msg.files if f.is_image and f.kind != "sticker"), None)
    info = book.orders.get(order or "")
    stale = recycled = False
    if photo is not None and photo.captured is not None:
        evidence_date, source = photo.captured.date(), "exif"
        po_lock = info.po_lock if info else None
        stale = (today - evidence_date).days > ctx.stale_days or (po_lock is not None and evidence_date < po_lock)
    else:
        evidence_date, source = today, "message"
    if photo is not None and order is not None:
        recycled = any(p.order and p.order != order and same_picture(photo.sha256, photo.phash, p.sha256, p.phash)
                       for p in ctx.earlier_photos)
    if order is not None and contact.orders and order not in contact.orders and contact.role != "buyer":
        flags.append("unassigned_order")
    return Tags(
        evidence=True, order=order, ambiguous=order is None, candidates=tuple(cands), sku=sku, milestone=milestone,
        exception=exception, decision_needed=decision_needed, decision_given=decision_given,
        evidence_date=evidence_date, date_source=source, stale=stale, recycled=recycled,
        dates_mentioned=mentioned, flags=tuple(flags), focus_sku=focus,
    )


__all__ = ["tag_message", "local_date", "ContactInfo"]
