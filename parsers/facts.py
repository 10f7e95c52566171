"""The plain values the tagger reads and writes: a message, what came before it, and its tags."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FileFacts:
    """An attachment as stored: type, identity and capture time, never its bytes."""

    kind: str
    name: str = ""
    mime: str | None = None
    sha256: str | None = None
    phash: int | None = None
    captured: dt.datetime | None = None  # naive wall time as the camera wrote it
    captured_offset: dt.timedelta | None = None
    error: str | None = None

    @property
    def is_image(self) -> bool:
        """A picture, whatever the channel called it."""
        return bool(self.mime and self.mime.startswith("image/")) or (self.kind == "photo" and self.mime is None)


@dataclass(frozen=True)
class MessageFacts:
    """One inbound message as the tagger sees it."""

    chat: str
    sender: str | None  # contact id, None when the sender is unknown
    received_at: dt.datetime  # aware
    text: str = ""
    files: tuple[FileFacts, ...] = ()


@dataclass(frozen=True)
class Prior:
    """An earlier evidence message of the same sender in the same chat."""

    received_at: dt.datetime
    order: str | None
    ambiguous: bool
    milestone: str | None
    sku: str | None
    candidates: tuple[str, ...] = ()
    focus_sku: str | None = None  # the one product an exception in it was about, for photos that follow


@dataclass(frozen=True)
class PriorPhoto:
    """An earlier picture, for spotting a recycled photo."""

    received_at: dt.datetime
    sha256: str | None
    phash: int | None
    order: str | None


@dataclass(frozen=True)
class TagContext:
    """What came before a message that its tags may depend on."""

    previous: Prior | None = None
    previous_is_reply: bool = False  # the previous is the message this one replies to: no time window applies
    chat_senders: tuple[str, ...] = ()
    earlier_photos: tuple[PriorPhoto, ...] = ()
    shortages: tuple[tuple[str, str | None], ...] = ()  # (order, sku) of earlier material shortages in the chat
    known_refs: tuple[tuple[str, str], ...] = ()  # (vessel/container/booking, order) named together earlier in the chat
    carry_over: dt.timedelta = dt.timedelta(minutes=15)
    stale_days: int = 7


@dataclass(frozen=True)
class Tags:
    """Everything the export shows about one message."""

    evidence: bool = False
    order: str | None = None
    ambiguous: bool = False
    candidates: tuple[str, ...] = ()
    sku: str | None = None
    milestone: str | None = None
    exception: str | None = None
    decision_needed: str | None = None
    decision_given: str | None = None
    evidence_date: dt.date | None = None
    date_source: str | None = None
    stale: bool = False
    recycled: bool = False
    dates_mentioned: tuple[dt.date, ...] = ()
    flags: tuple[str, ...] = field(default=())
    focus_sku: str | None = None
