"""Which order a text is about: explicit POs first, then products and buyer names narrowed by assignments."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from parsers.classify import clauses
from parsers.lexicon import TERMS, lexicon
from parsers.order_match import BookIndex
from parsers.orderbook import ContactInfo, OrderBook


@dataclass(frozen=True)
class OrderRefs:
    order: str | None = None
    candidates: tuple[str, ...] = ()
    explicit: bool = False  # a PO number (or its letter code) is written in the text
    named: bool = False  # a product or a buyer is named, whether or not it settles the order
    sku: str | None = None
    skus_named: int = 0
    unknown_po: bool = False
    narrowed_from: tuple[str, ...] = ()  # the product's candidates before assignments picked one


def _narrow(cands: set[str], sender: ContactInfo, book: OrderBook, chat_senders: tuple[str, ...]) -> set[str]:
    """Keep the orders the sender, then the buyers in the chat, are assigned to, when that leaves any."""
    mine = cands & set(sender.orders)
    cands = mine or cands
    buyers = {po for cid in (*chat_senders, sender.id) if (c := book.contacts.get(cid)) and c.role == "buyer"
              for po in c.orders}
    theirs = cands & buyers
    return theirs or cands


def identify(text: str, index: BookIndex, sender: ContactInfo, chat_senders: tuple[str, ...]) -> OrderRefs:
    """The order (or the candidates) and the SKU a text names."""
    book = index.book
    mentions = index.po_mentions(text)
    singles = [next(iter(m.pos)) for m in mentions if len(m.pos) == 1]
    order, cands = None, set()
    if singles:
        distinct = set(singles)
        open_ = {p for p in distinct if book.orders[p].is_open}
        if len(distinct) == 1:
            order = singles[0]
        elif len(open_) == 1:
            order = next(iter(open_))  # a closed order is usually cited, the open one is the subject
        else:
            (top, n), *rest = Counter(p for p in singles if p in (open_ or distinct)).most_common()
            if not rest or n > rest[0][1]:
                order = top  # the order named most often is the one spoken about
            else:
                cands = open_ or distinct
    elif mentions:
        cands = {p for m in mentions for p in m.pos}  # one edit from two POs: neither
    products = index.product_mentions(text)
    skus: set[str] = set()
    narrowed: tuple[str, ...] = ()
    if order is None and not cands:
        sets = [{po for po, _ in m if book.orders[po].is_open} for m in products]
        sets = [s for s in sets if s]
        buyer_orders = index.buyer_mentions(text)
        if buyer_orders:
            sets.append(buyer_orders)
        if sets:
            wide = set.intersection(*sets) or set.union(*sets)
            cands = _narrow(wide, sender, book, chat_senders)
            if len(cands) == 1:
                order, cands = next(iter(cands)), set()
                narrowed = tuple(sorted(wide)) if len(wide) > 1 else ()
    for m in products:
        skus |= {sku for po, sku in m if order is None or po == order}
    sku = next(iter(skus)) if len(skus) == 1 else None
    if order and not skus:
        hinted = index.attribute_skus(text, order, lexicon().lists.get("products.attributes_hint", frozenset()))
        sku = next(iter(hinted)) if len(hinted) == 1 else None
    unknown = any(not m.pos for m in mentions)
    return OrderRefs(order=order, candidates=tuple(sorted(cands)), explicit=bool(mentions),
                     named=bool(products) or bool(cands), sku=sku, skus_named=len(skus), unknown_po=unknown,
                     narrowed_from=narrowed)


def sku_in(text: str, index: BookIndex, order: str) -> str | None:
    """The one SKU of an order that a text names, if it names exactly one."""
    skus = {sku for m in index.product_mentions(text) for po, sku in m if po == order}
    return next(iter(skus)) if len(skus) == 1 else None


_QTY = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d.,])|(?<![\d.,])\d{2,7}(?![\d.,])")


def sku_by_quantity(text: str, book: OrderBook, order: str) -> str | None:
    """The line whose ordered quantity the text quotes ("先出55102的3000套"), when exactly one matches."""
    info = book.orders.get(order)
    if info is None:
        return None
    numbers = {int(m.group(0).replace(",", "")) for m in _QTY.finditer(text)}
    hits = {ln.sku for ln in info.lines if ln.qty and ln.qty >= 50 and ln.qty in numbers}
    return next(iter(hits)) if len(hits) == 1 else None


def focus_sku(text: str, index: BookIndex, order: str) -> str | None:
    """The one product that the exception in a multi-product text is about (the clause that has the cue)."""
    cues = [h.start for h in lexicon().find(TERMS, text) if any(f == "exceptions" for f, _, _ in h.entries)]
    skus: set[str] = set()
    for s, e in clauses(text):
        if any(s <= c < e for c in cues):
            skus |= {sku for m in index.product_mentions(text[s:e]) for po, sku in m if po == order}
    return next(iter(skus)) if len(skus) == 1 else None


def order_in_clauses(text: str, index: BookIndex, positions: tuple[int, ...]) -> str | None:
    """The one order named in the clauses that hold the given positions."""
    found: set[str] = set()
    for s, e in clauses(text):
        if any(s <= p < e for p in positions):
            found |= {po for m in index.po_mentions(text[s:e]) if len(m.pos) == 1 for po in m.pos}
    return next(iter(found)) if len(found) == 1 else None
