"""The console channel: a chat in the terminal, through the same pipeline as every other channel."""
from __future__ import annotations

import datetime as dt
import os
import shlex
from typing import Any, TextIO

from bot.messages import AttachmentRef, InboundMessage, OutboundMessage

NAME = "console"


def chat_of(contact_id: str) -> str:
    """The console chat of a contact."""
    return f"console:{contact_id}"


def to_inbound(payload: dict[str, Any]) -> InboundMessage:
    """A typed line (`text`, `/photo PATH [caption]` or `/file PATH [caption]`) as an InboundMessage."""
    line = str(payload["line"]).strip()
    at = dt.datetime.fromisoformat(payload["at"])
    atts: tuple[AttachmentRef, ...] = ()
    text = line
    for command, kind in (("/photo", "photo"), ("/file", "document")):
        if line == command or line.startswith(command + " "):
            rest = line[len(command):].strip()
            try:
                parts = shlex.split(rest)
            except ValueError:
                parts = rest.split()
            if not parts:
                raise ValueError(f"usage: {command} PATH [caption]")
            path = os.path.abspath(os.path.expanduser(parts[0]))
            atts = (AttachmentRef(kind=kind, name=os.path.basename(path), source=path),)
            text = " ".join(parts[1:])
    return InboundMessage(channel=NAME, message_id=str(payload["id"]), sender=str(payload["as"]),
                          chat=chat_of(str(payload["as"])), received_at=at, text=text, attachments=atts,
                          raw=dict(payload), contact_id=None)


class ConsoleChannel:
    """Prints the bot's messages to a stream."""

    name = NAME

    def __init__(self, out: TextIO, me: str | None = None) -> None:
        self.out, self.me = out, me
        self.sent = 0

    def send(self, message: OutboundMessage) -> str:
        """Print one message with the bot's prompt; one meant for someone else says who it is for."""
        self.sent += 1
        prompt = "bot> "
        if self.me is not None and message.recipient != chat_of(self.me):
            prompt = f"bot → {message.recipient.split(':', 1)[-1]}> "
        for i, line in enumerate(message.text.splitlines() or [""]):
            self.out.write((prompt if i == 0 else "     ") + line + "\n")
        for n, (label, _data) in enumerate(message.buttons, 1):
            self.out.write(f"     [{n}] {label}\n")
        self.out.flush()
        return f"console-{self.sent}"
