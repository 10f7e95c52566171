"""Messages out of a Telegram Desktop JSON export (`result.json`), as plain values.

Pure: a decoded JSON value in, messages and problems out. Any JSON value is accepted; a malformed entry becomes
a problem naming its place in the document, and the rest is read on. File order is kept.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

MISSING_FILE_PREFIX = "(File "  # "(File not included. ...)", "(File exceeds maximum size. ...)"

# A `file`'s kind from the entry's media_type, before its mime_type is looked at.
_MEDIA_KINDS = MappingProxyType(
    {
        "voice_message": "voice",
        "video_message": "video",
        "video_file": "video",
        "audio_file": "audio",
        "sticker": "sticker",
        "animation": "animation",
    }
)
_MIME_KINDS = (("image/", "photo"), ("video/", "video"), ("audio/", "audio"))
_UNIXTIME = re.compile(r"-?[0-9]+")


@dataclass(frozen=True)
class TgExportMessage:
    id: int | str | None
    chat: str  # the chat's name in the export ("" when it has none)
    sender: str  # `from`, else `actor`, else ""
    sender_id: str | None  # `from_id` (e.g. "user123456"), else `actor_id`
    at_utc: datetime.datetime | None  # aware UTC, from `date_unixtime` (or from a `date` that has an offset)
    at_local: datetime.datetime | None  # naive, from `date`; the importer reads it in --tz when at_utc is None
    text: str
    attachments: tuple[tuple[str, str], ...] = ()  # (kind, relative path or a "(File not included...)" marker)
    media: bool = False  # has a `photo`, `file` or `media_type` key
    reply_to: int | None = None
    forwarded_from: str | None = None
    edited: bool = False


@dataclass(frozen=True)
class TgExport:
    messages: tuple[TgExportMessage, ...] = ()
    services: int = 0
    problems: tuple[tuple[str, str], ...] = ()  # (where, reason), e.g. ("chats.list[0].messages[3]", "missing type")
    chats: tuple[str, ...] = ()


class _Malformed(ValueError):
    """One entry that cannot be read, explained in a few words."""


def file_missing(path: str) -> bool:
    """True when an attachment path is Telegram's marker for a file left out of the export."""
    return path.startswith(MISSING_FILE_PREFIX)


def load_telegram(path: Path) -> tuple[object, str, list[tuple[str, str]]]:
    """The decoded export, its file name, and the problems reading it (then the document is None); never raises."""
    name = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, name, [(name, f"cannot read: {exc.strerror or exc}")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, name, [(name, f"not UTF-8: bad byte at offset {exc.start}")]
    try:
        return json.loads(text), name, []
    except json.JSONDecodeError as exc:
        return None, name, [(name, f"not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")]
    except RecursionError:
        return None, name, [(name, "not JSON: nested too deeply")]


def parse_telegram(doc: object) -> TgExport:
    """Every message of a single-chat or a full export, in file order, with the services counted and the problems."""
    chats: list[tuple[str, str, object]] = []  # (where, name, messages)
    problems: list[tuple[str, str]] = []
    if not isinstance(doc, dict):
        return TgExport(problems=(("document", "not a JSON object"),))
    if "messages" in doc:
        chats.append(("messages", _chat_name(doc), doc["messages"]))
    elif "chats" in doc:
        listed = doc["chats"].get("list") if isinstance(doc["chats"], dict) else None
        if not isinstance(listed, list):
            return TgExport(problems=(("chats", "no chat list"),))
        for c, chat in enumerate(listed):
            where = f"chats.list[{c}]"
            if not isinstance(chat, dict):
                problems.append((where, "not a JSON object"))
                continue
            chats.append((f"{where}.messages", _chat_name(chat), chat.get("messages")))
    else:
        return TgExport(problems=(("document", "neither a messages nor a chats list"),))
    messages: list[TgExportMessage] = []
    services = 0
    for where, name, entries in chats:
        if not isinstance(entries, list):
            problems.append((where, "not a list"))
            continue
        for i, entry in enumerate(entries):
            try:
                msg = _entry(entry, name)
            except _Malformed as exc:
                problems.append((f"{where}[{i}]", str(exc)))
                continue
            if msg is None:
                services += 1
            else:
                messages.append(msg)
    return TgExport(messages=tuple(messages), services=services, problems=tuple(problems),
                    chats=tuple(name for _, name, _ in chats))


def _chat_name(chat: dict) -> str:
    name = chat.get("name")
    return name if isinstance(name, str) else ""


def _entry(entry: object, chat: str) -> TgExportMessage | None:
    """One entry as a message, or None for a service entry; _Malformed says what is wrong."""
    if not isinstance(entry, dict):
        raise _Malformed("not a JSON object")
    kind = entry.get("type")
    if kind is None:
        raise _Malformed("missing type")
    if kind == "service":
        return None
    if kind != "message":
        raise _Malformed(f"unknown type {_show(kind)}" if isinstance(kind, str) else "type is not a string")
    msg_id = entry.get("id")
    if msg_id is not None and (isinstance(msg_id, bool) or not isinstance(msg_id, int | str)):
        raise _Malformed("id is not a number or a string")
    at_utc, at_local = _times(entry)
    sender = next((v for v in (entry.get("from"), entry.get("actor")) if isinstance(v, str)), "")
    sender_id = next(filter(None, map(_id_text, (entry.get("from_id"), entry.get("actor_id")))), None)
    reply_to = entry.get("reply_to_message_id")
    forwarded = entry.get("forwarded_from")
    return TgExportMessage(
        id=msg_id, chat=chat, sender=sender, sender_id=sender_id, at_utc=at_utc, at_local=at_local,
        text=_text(entry), attachments=_attachments(entry),
        media=any(key in entry for key in ("photo", "file", "media_type")),
        reply_to=reply_to if isinstance(reply_to, int) and not isinstance(reply_to, bool) else None,
        forwarded_from=forwarded if isinstance(forwarded, str) else None,
        edited=bool(entry.get("edited") or entry.get("edited_unixtime")),
    )


def _times(entry: dict) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """(UTC from date_unixtime, naive local from date); a present but unreadable date is _Malformed."""
    at_utc = at_local = None
    unix = entry.get("date_unixtime")
    if unix is not None:
        at_utc = _from_unixtime(unix)
    date = entry.get("date")
    if date is not None:
        try:
            parsed = datetime.datetime.fromisoformat(date) if isinstance(date, str) else None
        except ValueError:
            parsed = None
        if parsed is None:
            if at_utc is None:  # date_unixtime wins, so a bad date next to a good one does no harm
                raise _Malformed(f"date is not ISO-8601: {_show(date)}")
        elif parsed.tzinfo is None:
            at_local = parsed
        elif at_utc is None:
            at_utc = parsed.astimezone(datetime.UTC)
    return at_utc, at_local


def _from_unixtime(value: object) -> datetime.datetime:
    try:
        if isinstance(value, str) and _UNIXTIME.fullmatch(value.strip()):
            seconds = int(value)
        elif isinstance(value, int) and not isinstance(value, bool):
            seconds = value
        else:
            raise _Malformed(f"date_unixtime is not a whole number: {_show(value)}")
        return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)
    except (OverflowError, OSError, ValueError) as exc:  # ValueError: also a number too long to convert
        if isinstance(exc, _Malformed):
            raise
        raise _Malformed(f"date_unixtime out of range: {_show(value)}") from None


def _id_text(value: object) -> str | None:
    """A sender id as text: a non-empty string, or a whole number (older exports); else None."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**30:
        return str(value)
    return None


def _show(value: object) -> str:
    """A short, safe rendering of a bad value for a problem's reason."""
    if isinstance(value, str):
        return repr(value[:40] + ("..." if len(value) > 40 else ""))
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**30:
        return str(value)
    return f"a {type(value).__name__}"


def _text(entry: dict) -> str:
    """The `text` field flattened (else `text_entities`): plain strings and entity texts joined in order."""
    if entry.get("text") is not None:
        return _flatten(entry["text"], "text")
    if entry.get("text_entities") is not None:
        return _flatten(entry["text_entities"], "text_entities")
    return ""


def _flatten(value: object, field: str) -> str:
    if isinstance(value, str):
        return value
    if not isinstance(value, list):
        raise _Malformed(f"{field} is not a string or a list")
    parts = []
    for part in value:
        if isinstance(part, str):
            parts.append(part)
        elif isinstance(part, dict) and isinstance(part.get("text"), str):
            parts.append(part["text"])
        else:
            raise _Malformed(f"{field} has a part that is neither a string nor an entity with text")
    return "".join(parts)


def _attachments(entry: dict) -> tuple[tuple[str, str], ...]:
    out = []
    photo = entry.get("photo")
    if isinstance(photo, str) and photo:
        out.append(("photo", photo))
    file = entry.get("file")
    if isinstance(file, str) and file:
        out.append((_file_kind(entry.get("media_type"), entry.get("mime_type")), file))
    return tuple(out)


def _file_kind(media_type: object, mime: object) -> str:
    if isinstance(media_type, str) and media_type in _MEDIA_KINDS:
        return _MEDIA_KINDS[media_type]
    if isinstance(mime, str):
        for prefix, kind in _MIME_KINDS:
            if mime.lower().startswith(prefix):
                return kind
    return "document"
