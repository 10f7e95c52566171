"""Chat exports into the pipeline: senders mapped to contacts, wall times to instants, files to attachments."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.messages import TELEGRAM_EXPORT, WHATSAPP_EXPORT, AttachmentRef, InboundMessage
from parsers.orderbook import OrderBook, e164
from parsers.telegram_export import TgExport
from parsers.whatsapp_export import WaExport

WHATSAPP, TELEGRAM = WHATSAPP_EXPORT, TELEGRAM_EXPORT
_KIND_BY_SUFFIX = {
    **dict.fromkeys((".jpg", ".jpeg", ".png", ".heic", ".heif", ".gif", ".bmp"), "photo"),
    **dict.fromkeys((".opus", ".ogg", ".m4a", ".mp3", ".aac", ".amr", ".wav"), "voice"),
    **dict.fromkeys((".mp4", ".mov", ".3gp", ".mkv"), "video"),
    ".webp": "sticker",
    **dict.fromkeys((".pdf", ".xlsx", ".xls", ".csv", ".doc", ".docx", ".txt", ".zip"), "document"),
}
_PHONE = re.compile(r"^[+\d][\d\s\-()]{6,}$")


def kind_of(name: str) -> str:
    """What a file is, by its name: photo, voice, video, sticker or document."""
    return _KIND_BY_SUFFIX.get(Path(name).suffix.lower(), "document")


@dataclass
class Senders:
    """Maps the names an export shows to contacts: the map first, then names and phone numbers in the book."""

    book: OrderBook
    given: Mapping[str, str] = field(default_factory=dict)
    unmatched: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.by_name: dict[str, str] = {}
        for c in self.book.contacts.values():
            for part in [c.name, *c.name.split("/"), c.id]:
                if part.strip():
                    self.by_name.setdefault(_fold(part), c.id)
        self.by_phone = {c.phone: c.id for c in self.book.contacts.values() if c.phone}

    def contact(self, shown: str) -> str | None:
        """The contact id behind a shown name or number, or None (remembered as unmatched)."""
        shown = shown.strip().strip("\u200e\u200f\u202a\u202c~ ")
        found = self.given.get(shown) or self.by_name.get(_fold(shown))
        if found is None and _PHONE.match(shown):
            found = self.by_phone.get(e164(shown) or "")
        if found is None or found not in self.book.contacts:
            self.unmatched.add(shown)
            return None
        return found


def _fold(name: str) -> str:
    return " ".join(name.casefold().split())


def _zone(tz: str) -> dt.tzinfo:
    return ZoneInfo(tz) if tz else dt.UTC


def whatsapp_inbound(export: WaExport, file_name: str, chat: str, tz: str, media: Mapping[str, Path],
                     senders: Senders) -> tuple[list[InboundMessage], int, list[str]]:
    """The export's messages as inbound messages; also how many files were found and which were missing."""
    zone, found, missing, out = _zone(tz), 0, [], []
    for m in export.messages:
        atts = []
        for name in m.attachments:
            path = media.get(name)
            if path is None:
                missing.append(f"{file_name}:{m.line}: {name}")
            else:
                found += 1
            # a missing file is still an attachment: stored as one that could not be read, never a crash
            atts.append(AttachmentRef(kind=kind_of(name), name=name, source=str(path or Path("missing") / name)))
        contact = senders.contact(m.sender)
        at = m.at.replace(tzinfo=zone)
        out.append(InboundMessage(channel=WHATSAPP, message_id=f"{file_name}:{m.line}", sender=contact or m.sender,
                                  chat=chat, received_at=at, text=m.text, attachments=tuple(atts),
                                  raw={"source": "whatsapp", "file": file_name, "line": m.line, "sender": m.sender,
                                       "media_omitted": m.media_omitted},
                                  contact_id=contact))
    return out, found, missing


def telegram_inbound(export: TgExport, file_name: str, chat: str, tz: str, folder: Path,
                     senders: Senders) -> tuple[list[InboundMessage], int, list[str]]:
    """A Telegram Desktop export's messages as inbound messages; also files found and missing."""
    zone, found, missing, out = _zone(tz), 0, [], []
    for n, m in enumerate(export.messages, 1):
        at = m.at_utc or (m.at_local.replace(tzinfo=zone) if m.at_local else None)
        if at is None:
            continue
        atts = []
        for kind, rel in m.attachments:
            path = folder / rel
            if path.is_file():
                found += 1
            else:
                missing.append(f"{file_name}:{m.id}: {rel}")
            atts.append(AttachmentRef(kind=kind, name=Path(rel).name, source=str(path)))
        contact = senders.contact(m.sender) if m.sender else None
        raw = {"source": "telegram", "file": file_name, "id": m.id, "sender": m.sender, "sender_id": m.sender_id,
               "forwarded_from": m.forwarded_from}
        if m.reply_to is not None:
            raw["reply_to"] = f"{file_name}:{m.reply_to}"  # replies inherit what they answer, as live
        # an export without message ids (some older ones) gets the entry's position: stable across re-imports
        key = m.id if m.id is not None else f"#{n}"
        out.append(InboundMessage(channel=TELEGRAM, message_id=f"{file_name}:{key}",
                                  sender=contact or m.sender or m.sender_id or "unknown", chat=chat, received_at=at,
                                  text=m.text, attachments=tuple(atts), raw=raw, contact_id=contact))
    return out, found, missing
