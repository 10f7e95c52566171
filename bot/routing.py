"""Where to reach a contact: their identity on a channel (pure)."""
from __future__ import annotations

from collections.abc import Iterable

from parsers.orderbook import ContactInfo


def address(contact: ContactInfo, channel: str) -> str | None:
    """The recipient id of a contact on one channel, or None when they are not on it."""
    if channel == "whatsapp":
        return f"whatsapp:{contact.phone}" if contact.phone else None
    if channel == "telegram":
        return str(contact.telegram_user_id) if contact.telegram_user_id else None
    if channel == "wecom":
        return contact.wecom_userid or contact.id
    if channel in ("console", "replay", "demo"):
        return f"{channel}:{contact.id}"
    return None


def reach(contact: ContactInfo, preferred: str, available: Iterable[str]) -> tuple[str, str] | None:
    """(channel, recipient) for a contact: the preferred channel when they are on it, else the first that works."""
    channels = [preferred] + [c for c in ("telegram", "wecom", "whatsapp", "console") if c != preferred]
    on = set(available)
    for ch in channels:
        if ch in on and (to := address(contact, ch)):
            return ch, to
    return None
