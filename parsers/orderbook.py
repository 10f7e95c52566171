"""The order book as plain values: orders, their lines and plans, and the contacts who work on them."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from parsers.order_match import BookIndex

MILESTONES: tuple[str, ...] = (
    "po_lock", "material_readiness", "inline_production", "pre_packing", "final_inspection", "freight_handover",
)
ROLES = frozenset({"factory", "agent", "inspector", "forwarder", "buyer", "packaging_vendor"})


class BookError(ValueError):
    """An order book or contact list that cannot be loaded, explained in one line."""


@dataclass(frozen=True)
class Line:
    sku: str
    description: str = ""
    qty: int | None = None
    nicknames: tuple[str, ...] = ()


@dataclass(frozen=True)
class OrderInfo:
    po: str
    status: str = "open"
    buyer: str = ""
    factory: str = ""
    incoterm: str | None = None
    destination: str | None = None
    ship_date: dt.date | None = None
    lines: tuple[Line, ...] = ()
    milestones: dict[str, dt.date | None] = field(default_factory=dict)

    @property
    def is_open(self) -> bool:
        """Closed and cancelled orders still match by PO, never by product."""
        return self.status.lower() == "open"

    @property
    def po_lock(self) -> dt.date | None:
        """The planned PO-lock date."""
        return self.milestones.get("po_lock")


@dataclass(frozen=True)
class ContactInfo:
    id: str
    name: str = ""
    role: str = "agent"
    phone: str | None = None
    timezone: str = "UTC"
    language: str = "en"
    date_order: str | None = None
    orders: tuple[str, ...] = ()
    telegram_user_id: int | None = None
    wecom_userid: str | None = None


def e164(phone: str | None) -> str | None:
    """A phone number in E.164 form (+ and digits), or None when it has no digits."""
    if not phone:
        return None
    digits = re.sub(r"\D", "", phone)
    return "+" + digits if digits else None


def nicknames_from(description: str) -> tuple[str, ...]:
    """Nicknames written after ' / ' in a description, including any in parentheses."""
    if " / " not in description:
        return ()
    tail = description.split(" / ", 1)[1]
    names = []
    for part in re.split(r"[()（）/,，、;；]+", tail):
        part = part.strip()
        if part and part not in names:
            names.append(part)
    return tuple(names)


def _date(value: Any, where: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise BookError(f"{where}: not a date: {value!r}") from None


def parse_orders(doc: Any) -> list[OrderInfo]:
    """Orders from a `{"orders": [...]}` document, validated."""
    if not isinstance(doc, dict) or not isinstance(doc.get("orders"), list):
        raise BookError('expected a JSON object with an "orders" list')
    out = []
    for i, o in enumerate(doc["orders"], 1):
        if not isinstance(o, dict) or not str(o.get("po") or "").strip():
            raise BookError(f"order {i}: no po")
        po = str(o["po"]).strip()
        lines = []
        for s in o.get("skus") or []:
            if not isinstance(s, dict) or not s.get("sku"):
                raise BookError(f"order {po}: a line without sku")
            desc = str(s.get("description") or "")
            nicks = [str(n) for n in s.get("nicknames") or []]
            nicks += [n for n in nicknames_from(desc) if n not in nicks]
            qty = s.get("qty")
            lines.append(Line(str(s["sku"]), desc, int(qty) if qty is not None else None, tuple(nicks)))
        plans = o.get("milestones") or {}
        if not isinstance(plans, dict):
            raise BookError(f"order {po}: milestones must be an object")
        unknown = set(plans) - set(MILESTONES)
        if unknown:
            raise BookError(f"order {po}: unknown milestone {sorted(unknown)[0]!r}")
        out.append(OrderInfo(
            po=po, status=str(o.get("status") or "open"), buyer=str(o.get("buyer") or ""),
            factory=str(o.get("factory") or ""), incoterm=o.get("incoterm"), destination=o.get("destination"),
            ship_date=_date(o.get("ship_date"), f"order {po} ship_date"), lines=tuple(lines),
            milestones={m: _date(plans.get(m), f"order {po} {m}") for m in MILESTONES},
        ))
    return out


def parse_contacts(doc: Any) -> list[ContactInfo]:
    """Contacts from a `{"contacts": [...]}` document, validated."""
    if not isinstance(doc, dict) or not isinstance(doc.get("contacts"), list):
        raise BookError('expected a JSON object with a "contacts" list')
    out = []
    for i, c in enumerate(doc["contacts"], 1):
        if not isinstance(c, dict) or not str(c.get("id") or "").strip():
            raise BookError(f"contact {i}: no id")
        cid = str(c["id"]).strip()
        role = str(c.get("role") or "agent")
        if role not in ROLES:
            raise BookError(f"contact {cid}: unknown role {role!r}")
        order = c.get("date_order")
        if order not in (None, "dmy", "mdy", "ymd"):
            raise BookError(f"contact {cid}: date_order must be dmy or mdy, not {order!r}")
        tg = c.get("telegram_user_id")
        out.append(ContactInfo(
            id=cid, name=str(c.get("name") or ""), role=role, phone=e164(c.get("phone")),
            timezone=str(c.get("timezone") or "UTC"), language=str(c.get("language") or "en"), date_order=order,
            orders=tuple(str(p) for p in c.get("orders") or []),
            telegram_user_id=int(tg) if tg not in (None, "") else None,
            wecom_userid=str(c.get("wecom_userid") or cid),
        ))
    return out


@dataclass(frozen=True)
class OrderBook:
    """Every order and contact, indexed for the tagger."""

    orders: dict[str, OrderInfo]
    contacts: dict[str, ContactInfo]

    @classmethod
    def of(cls, orders: list[OrderInfo], contacts: list[ContactInfo]) -> OrderBook:
        """A book from lists."""
        return cls({o.po: o for o in orders}, {c.id: c for c in contacts})

    @cached_property
    def index(self) -> BookIndex:
        """Look-up tables for the tagger, built on first use and kept with the book."""
        from parsers.order_match import BookIndex

        return BookIndex(self)

    @cached_property
    def people(self) -> dict[str, tuple[ContactInfo, ...]]:
        """The contacts on each order, in the contacts file's order (a buyer may be on a thousand orders)."""
        found: dict[str, list[ContactInfo]] = {}
        for c in self.contacts.values():
            for po in c.orders:
                found.setdefault(po, []).append(c)
        return {po: tuple(cs) for po, cs in found.items()}

    def assigned(self, contact_id: str | None) -> tuple[str, ...]:
        """The POs a contact is assigned to."""
        c = self.contacts.get(contact_id or "")
        return c.orders if c else ()
