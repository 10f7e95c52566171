"""The channel-neutral message types: one inbound type for every source, one outbound type."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class AttachmentRef:
    """An attachment as the channel announced it: where to fetch it, not its bytes."""

    kind: str  # photo | document | voice | sticker | video | file
    name: str
    source: str  # a path, URL, file_id or MediaId: what the channel's fetcher understands
    declared_type: str | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict, as kept in the raw row."""
        return {"kind": self.kind, "name": self.name, "source": self.source, "declared_type": self.declared_type}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> AttachmentRef:
        """The reference back from its stored dict."""
        return cls(d.get("kind") or "file", d.get("name") or "", d.get("source") or "", d.get("declared_type"))


# the channels of imported history: their messages come from export files, their media from disk
WHATSAPP_EXPORT, TELEGRAM_EXPORT = "whatsapp-export", "telegram-export"


@dataclass(frozen=True)
class InboundMessage:
    """One message from any channel, keyed by the provider's own id for idempotency."""

    channel: str
    message_id: str
    sender: str
    chat: str
    received_at: dt.datetime
    text: str = ""
    attachments: tuple[AttachmentRef, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict)
    contact_id: str | None = None  # set by channels whose sender id already is a contact id

    def __post_init__(self) -> None:
        if self.received_at.tzinfo is None:
            raise ValueError("InboundMessage.received_at must be timezone-aware")
        if self.received_at.utcoffset() != dt.timedelta(0):
            object.__setattr__(self, "received_at", self.received_at.astimezone(dt.UTC))


@dataclass(frozen=True)
class OutboundMessage:
    """A message the bot wants to send; only the outbox hands it to a channel."""

    channel: str
    recipient: str
    text: str
    dedupe_key: str
    buttons: tuple[tuple[str, str], ...] = ()  # (label, callback data) where a channel can show choices
