"""Who sent a message: channel identities mapped to contacts."""
from __future__ import annotations

from sqlmodel import Session, select

from parsers.orderbook import e164
from store.models import Contact


def resolve_contact(session: Session, channel: str, sender: str) -> str | None:
    """The contact id behind a channel's sender identity, or None when unknown."""
    if channel in ("whatsapp", "twilio"):
        phone = e164(sender.removeprefix("whatsapp:"))
        row = session.exec(select(Contact.id).where(Contact.phone == phone)).first() if phone else None
        return row
    if channel == "telegram":
        try:
            uid = int(sender)
        except ValueError:
            return None
        return session.exec(select(Contact.id).where(Contact.telegram_user_id == uid)).first()
    if channel == "wecom":
        hit = session.exec(select(Contact.id).where(Contact.wecom_userid == sender)).first()
        return hit or (sender if session.get(Contact, sender) else None)
    return sender if session.get(Contact, sender) else None
