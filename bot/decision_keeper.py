"""After each batch is tagged: buyers' decisions are recorded (or refused), and changes after PO lock are kept."""
from __future__ import annotations

import re

from sqlmodel import Session

from bot.asking import Asker
from bot.chat_commands import find_order, parse
from bot.domain.decisions import VERBS, Past, decider, judge
from bot.i18n import say
from bot.messages import OutboundMessage
from bot.outbox import enqueue
from parsers.lexicon import lexicon
from parsers.orderbook import OrderBook
from store import decision_repo
from store.inbound_repo import Result
from store.models import Decision, OrderChange

_DAYS = re.compile(r"(\d+)\s*(?:-|to|–)?\s*(?:\d+\s*)?(?:days?|天)", re.I)
_MONEY = re.compile(r"(?:USD|US\$|RMB|CNY|EUR|GBP|\$|¥|€|£)\s?\d[\d,.]*|\d[\d,.]*\s?(?:USD|RMB|元|美元)", re.I)


def _order_named(book: OrderBook, text: str) -> str | None:
    return find_order(book, text) if text else None


class DecisionKeeper:
    """Records what buyers decide (and agents relay), in order, and answers a refused one in its chat."""

    def __init__(self, asker: Asker) -> None:
        self.asker = asker

    def __call__(self, session: Session, results: list[Result], book: OrderBook) -> None:
        """Record the batch's decisions, lifts and changes after PO lock."""
        for r in results:
            if r.row.attempts > 0:
                decision_repo.forget(session, r.row.id)
            if r.tags is None:
                continue
            if r.tags.exception == "spec_change" and r.tags.evidence:
                self._change(session, r, book)
            verb, po = self._verb_and_order(r, book)
            if verb:
                self._decide(session, r, book, verb, po)

    def _verb_and_order(self, r: Result, book: OrderBook) -> tuple[str | None, str | None]:
        cmd = parse(r.row.text)
        if cmd is not None:
            if cmd.name in VERBS or cmd.name == "lift":
                return cmd.name, _order_named(book, cmd.arg) or r.tags.order
            return None, None
        if lexicon().find("risk.lift", r.row.text):
            return "lift", r.tags.order
        return r.tags.decision_given, r.tags.order

    def _decide(self, session: Session, r: Result, book: OrderBook, verb: str, po: str | None) -> None:
        row, tags = r.row, r.tags
        sender = book.contacts.get(row.contact_id or "")
        how = decider(sender.role if sender else None)
        if how is None:
            return  # factory staff, inspectors, forwarders and packaging vendors never decide
        on_behalf = None
        if how == "relay":
            buyers = [c.id for c in book.people.get(po or "", ()) if c.role == "buyer"]
            on_behalf = buyers[0] if buyers else None
        state, reason = ("lift", None) if verb == "lift" else ("given", None)
        if po and verb != "lift":
            past = [Past(v, s, at) for v, s, at in decision_repo.history(session, po, row.received_at)]
            inspected = decision_repo.final_inspection_proof(session, po, row.received_at, row.id)
            state, reason = judge(verb, past, inspected)
        decision_repo.record(session, Decision(order_po=po, milestone=tags.milestone, verb="hold" if verb == "lift"
                                               else verb, by_contact_id=sender.id, on_behalf_of=on_behalf,
                                               at=row.received_at, inbound_id=row.id, state=state, reason=reason))
        if po and state == "given" and verb in ("approve", "reject"):
            decision_repo.decide_changes(session, po, "accepted" if verb == "approve" else "rejected", sender.id,
                                         row.id)
        if po is None:
            options = [p for p in sender.orders if book.orders.get(p) and book.orders[p].status == "open"]
            self.asker.which_order(session, book, row, options, [row.id], kind="decision_order")
            return
        if row.notify:
            lang = sender.language
            key = {"hold_standing": "decision.refused_hold", "release_needs_final": "decision.refused_final"}.get(
                reason or "", "decision.lifted" if state == "lift" else "decision.recorded")
            text = say(lang, key, verb=say(lang, f"decision.{verb}") if verb in VERBS else verb, order=po)
            enqueue(session, OutboundMessage(row.channel, row.chat, text, f"reply:decision:{row.id}"),
                    self.asker.clock.now())

    def _change(self, session: Session, r: Result, book: OrderBook) -> None:
        """A change after PO lock, with its cost and time impact; accepted at once when the buyer made it."""
        row, tags = r.row, r.tags
        text = " ".join(row.text.split())
        days = _DAYS.search(text)
        money = _MONEY.search(text)
        sender = book.contacts.get(row.contact_id or "")
        by_buyer = bool(sender and sender.role == "buyer" and tags.decision_given in ("approve", None))
        decision_repo.add_change(session, OrderChange(
            order_po=tags.order, what=text[:300], cost_impact=money.group(0) if money else None,
            time_impact_days=int(days.group(1)) if days else None, inbound_id=row.id,
            state="accepted" if by_buyer else "proposed", accepted_by=sender.id if by_buyer else None,
            decided_by=row.id if by_buyer else None))
