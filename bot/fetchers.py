"""Fetchers for attachments that already sit on this machine (replay, console, demo)."""
from __future__ import annotations

from pathlib import Path

from bot.messages import AttachmentRef
from bot.ports import FetchError

MAX_BYTES = 16 * 1024 * 1024


class LocalFileFetcher:
    """Reads an attachment from the path its reference names, with a size cap."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes

    def fetch(self, ref: AttachmentRef) -> bytes:
        """The file's bytes, or FetchError when it is missing, unreadable or too large."""
        path = Path(ref.source)
        try:
            size = path.stat().st_size
            if size > self.max_bytes:
                raise FetchError(f"file too large: {size} bytes (cap {self.max_bytes})")
            return path.read_bytes()
        except FileNotFoundError:
            raise FetchError(f"file not found: {ref.source}") from None
        except IsADirectoryError:
            raise FetchError(f"not a file: {ref.source}") from None
        except PermissionError:
            raise FetchError(f"file not readable: {ref.source}") from None
