"""Reads and writes of the order book: orders, lines, plans, contacts and assignments."""
from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import Session, select

from parsers.orderbook import MILESTONES, ContactInfo, Line, OrderBook, OrderInfo
from store.models import Assignment, Contact, MilestonePlan, Order, OrderLine


def upsert_orders(session: Session, orders: list[OrderInfo]) -> tuple[list[str], list[str]]:
    """Create or update orders by po; returns (created, updated) POs."""
    created, updated = [], []
    for info in orders:
        row = session.exec(select(Order).where(Order.po == info.po)).first()
        (updated if row else created).append(info.po)
        row = row or Order(po=info.po)
        row.buyer, row.factory, row.status = info.buyer, info.factory, info.status
        row.incoterm, row.destination, row.ship_date = info.incoterm, info.destination, info.ship_date
        session.add(row)
        session.flush()
        session.exec(delete(OrderLine).where(OrderLine.order_id == row.id))
        for line in info.lines:
            session.add(OrderLine(order_id=row.id, sku=line.sku, description=line.description, qty=line.qty,
                                  nicknames=list(line.nicknames)))
        plans = {p.milestone: p for p in session.exec(select(MilestonePlan).where(MilestonePlan.order_id == row.id))}
        for m in MILESTONES:
            plan = plans.get(m) or MilestonePlan(order_id=row.id, milestone=m)
            plan.planned = info.milestones.get(m)
            session.add(plan)
    session.flush()
    return created, updated


def upsert_contacts(session: Session, contacts: list[ContactInfo]) -> tuple[list[str], list[str], list[str]]:
    """Create or update contacts by id; returns (created, updated, unknown POs in assignments)."""
    created, updated, unknown = [], [], []
    order_ids = {po: oid for oid, po in session.exec(select(Order.id, Order.po))}
    for position, info in enumerate(contacts):
        row = session.get(Contact, info.id)
        (updated if row else created).append(info.id)
        row = row or Contact(id=info.id)
        row.name, row.role, row.phone = info.name, info.role, info.phone
        row.timezone, row.language, row.date_order = info.timezone, info.language, info.date_order
        row.wecom_userid, row.position = info.wecom_userid, position
        if info.telegram_user_id is not None:
            row.telegram_user_id = info.telegram_user_id
        session.add(row)
        session.flush()
        session.exec(delete(Assignment).where(Assignment.contact_id == info.id))
        for po in info.orders:
            if po in order_ids:
                session.add(Assignment(contact_id=info.id, order_id=order_ids[po]))
            else:
                unknown.append(f"{info.id}:{po}")
    session.flush()
    return created, updated, unknown


def load_book(session: Session) -> OrderBook:
    """The whole order book as plain values."""
    orders = session.exec(select(Order).order_by(Order.id)).all()
    by_id = {o.id: o.po for o in orders}
    lines: dict[int, list[Line]] = {}
    for ln in session.exec(select(OrderLine).order_by(OrderLine.id)):
        lines.setdefault(ln.order_id, []).append(Line(ln.sku, ln.description, ln.qty, tuple(ln.nicknames or ())))
    plans: dict[int, dict] = {}
    for p in session.exec(select(MilestonePlan)):
        plans.setdefault(p.order_id, {})[p.milestone] = p.planned
    infos = [OrderInfo(po=o.po, status=o.status, buyer=o.buyer, factory=o.factory, incoterm=o.incoterm,
                       destination=o.destination, ship_date=o.ship_date, lines=tuple(lines.get(o.id, ())),
                       milestones={m: plans.get(o.id, {}).get(m) for m in MILESTONES}) for o in orders]
    assigned: dict[str, list[str]] = {}
    for a in session.exec(select(Assignment).order_by(Assignment.id)):
        assigned.setdefault(a.contact_id, []).append(by_id[a.order_id])
    contacts = [ContactInfo(id=c.id, name=c.name, role=c.role, phone=c.phone, timezone=c.timezone,
                            language=c.language, date_order=c.date_order, orders=tuple(assigned.get(c.id, ())),
                            telegram_user_id=c.telegram_user_id, wecom_userid=c.wecom_userid)
                for c in session.exec(select(Contact).order_by(Contact.position, Contact.id))]
    return OrderBook.of(infos, contacts)
