"""Messages in the corpus message schema (what `replay` reads), one JSON object per line."""
from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.messages import AttachmentRef, InboundMessage


@dataclass(frozen=True)
class LineError:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


def parse_message(obj: Any, chat: str, media_dir: str) -> InboundMessage:
    """One corpus message as an InboundMessage; ValueError names what is wrong."""
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    for key in ("id", "ts", "sender"):
        if not obj.get(key):
            raise ValueError(f"missing {key!r}")
    try:
        ts = dt.datetime.fromisoformat(str(obj["ts"]))
    except ValueError:
        raise ValueError(f"ts is not ISO-8601: {obj['ts']!r}") from None
    if ts.tzinfo is None:
        raise ValueError(f"ts has no UTC offset: {obj['ts']!r}")
    atts = []
    att = obj.get("attachment")
    if att:
        if not isinstance(att, dict) or not att.get("file"):
            raise ValueError("attachment without a file")
        rel = str(att["file"])
        atts.append(AttachmentRef(kind=str(att.get("kind") or "file"), name=os.path.basename(rel),
                                  source=os.path.abspath(os.path.join(media_dir, rel))))
    raw = {k: v for k, v in obj.items() if k != "truth"}  # truth is the label, never an input
    return InboundMessage(channel="replay", message_id=str(obj["id"]), sender=str(obj["sender"]), chat=chat,
                          received_at=ts, text=str(obj.get("text") or ""), attachments=tuple(atts), raw=raw,
                          contact_id=None)


def read_messages(path: Path, chat: str | None = None, media_dir: str | None = None
                  ) -> tuple[list[InboundMessage], list[LineError]]:
    """Every well-formed message of a file, and one error per line that is not."""
    chat = chat or path.resolve().parent.name
    media = media_dir or str(path.resolve().parent)
    out, errors = [], []
    with path.open(encoding="utf-8-sig", errors="replace") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                errors.append(LineError(str(path), n, f"malformed JSON: {exc.msg} (column {exc.colno})"))
                continue
            try:
                out.append(parse_message(obj, chat, media))
            except ValueError as exc:
                errors.append(LineError(str(path), n, str(exc)))
    return out, errors
