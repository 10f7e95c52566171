"""The seams between the core and the outside: protocols only."""
from __future__ import annotations

import datetime as dt
from typing import Protocol

from bot.messages import AttachmentRef, OutboundMessage


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current instant, aware."""
        ...


class MediaFetcher(Protocol):
    def fetch(self, ref: AttachmentRef) -> bytes:
        """The attachment's bytes; raises FetchError when they cannot be had."""
        ...


class Channel(Protocol):
    name: str

    def send(self, message: OutboundMessage) -> str:
        """Deliver one message; returns the provider's id for it."""
        ...


class FetchError(Exception):
    """An attachment that could not be fetched, with the reason in one line.

    `transient` says that trying again later may work (a network failure, a busy provider); the message is then
    processed again with backoff rather than stored with the attachment missing.
    """

    def __init__(self, reason: str, transient: bool = False) -> None:
        super().__init__(reason)
        self.transient = transient
