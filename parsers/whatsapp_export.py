"""Messages out of a WhatsApp chat export (`_chat.txt`, `WhatsApp Chat with X.txt`), as plain values.

Pure: text in, messages, system-line count and problems out; never raises on any text. Only `read_export` touches
files (the `.txt`, its folder or the export's `.zip`). Times are NAIVE local wall times exactly as the export writes
them: the exporting phone's zone is not in the file, so the caller reads them in the zone it knows.

Header styles (one compiled regex each; the style is decided once per file):
- android: `dd/mm/yyyy, HH:MM - Name: text` (also `.`/`-` date separators, 2-digit years, `yyyy-mm-dd`, 12-hour
  clocks with AM/PM, `a. m.`, 上午/下午 before or after the time, seconds optional);
- ios: `[dd/mm/yyyy, HH:MM:SS] Name: text` (comma optional), system notices under the chat's title behind U+200E.

Date order (`date_order="auto"`) is decided once from every header: a 4-digit first field is ymd; otherwise headers
whose first field is > 12 vote dmy and those whose second field is > 12 vote mdy, and the larger vote wins. When
nothing decides (every day <= 12), the file says dmy unless its clock carries upper-case `AM`/`PM` with `/` dates,
the US phone style, which says mdy. A header whose date or time is impossible under the decided order is reported
in `problems` and its line is kept as text of the message before it.
"""

from __future__ import annotations

import codecs
import gc
import re
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

__all__ = ["DATE_ORDERS", "WaExport", "WaMessage", "decode_export", "parse_whatsapp", "read_export"]

DATE_ORDERS = ("dmy", "mdy", "ymd")

_MARKS = "\u200e\u200f"  # left-to-right / right-to-left marks
_MARK_SET = frozenset(_MARKS)
_SLOW_ENDS = ") \t\u00a0\u202f"  # a first line ending so may hold `FILE (file attached)` ("" is in it too)
_BIDI = str.maketrans("", "", "\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Spaces inside a header: any horizontal space (NBSP and NARROW NO-BREAK SPACE U+202F included) and bidi marks.
_W = r"[ \t\u00a0\u2000-\u200a\u200e\u200f\u202f\u205f\u3000]"
_MERIDIEM = r"(?:[AaPp]\.?[ \u00a0\u202f]?[Mm]\.?|上午|下午|午前|午後|오전|오후|vorm\.|nachm\.|ص|م)"
_DATE = r"(\d{1,4})([./-])[\u200e\u200f]*(\d{1,2})\2[\u200e\u200f]*(\d{1,4})\.?"
_TIME = rf"(?:({_MERIDIEM}){_W}*+)?(\d{{1,2}})[:.](\d{{2}})(?:[:.](\d{{2}}))?(?:{_W}*+({_MERIDIEM}))?"
# Groups, in order: d1 sep d2 d3 m1 H M S m2 body. Matched over "\n" + the whole text, a header being a line start
# (the literal "\n" lets the regex engine skip to candidates fast); `.` stops at the end of the line.
# Runs of spaces are possessive (*+, ++): a line of 100,000 spaces costs one pass, not a quadratic backtrack.
_ANDROID = re.compile(
    rf"\n[\ufeff\u200e\u200f]*+{_DATE}(?:{_W}*+,)?{_W}++{_TIME}{_W}*+[-–](?:[ \u00a0\u202f]|(?=\n)|\Z)(.*)"
)
_IOS = re.compile(rf"\n[\ufeff\u200e\u200f]*+\[{_W}*+{_DATE}(?:{_W}*+,)?{_W}*+{_TIME}{_W}*+\][ \u00a0\u202f]?(.*)")
_STYLES = (("android", _ANDROID), ("ios", _IOS))
_PM = frozenset({"pm", "下午", "午後", "오후", "nachm", "م"})

# System notices. Without a `Name:` part a header line is a system line anyway; these catch the notices that do
# look like one: the encryption notice under the chat's title (any wording), iOS notices behind U+200E, and
# subject/description changes whose quoted text holds a colon.
_ENCRYPTION = re.compile(
    r"end-to-end[ -]?encrypt|secured with end-to-end|端到端加密|端對端加密|Ende-zu-Ende-verschlüssel|"
    r"cifrad[oa]s de extremo a extremo|chiffrés de bout en bout|crittografat[ie] end-to-end|"
    r"criptografia de ponta a ponta|сквозным шифрованием|uçtan uca şifreli",
    re.IGNORECASE,
)
_MESSAGES_WORD = re.compile(  # the notice names messages (or calls) within its first three words
    r"[\W_]*(?:\S+\s+){0,2}?(?:messages|calls|消息|訊息|信息|Nachrichten|mensajes|mensagens|messaggi|berichten|"
    r"сообщения|mesajlar)",
    re.IGNORECASE,
)
_SYSTEM_PHRASE = re.compile(
    r"created (?:this )?group|\b(?:added|removed|left|joined|was added|were added)\b|changed (?:the|this|their|to)\b|"
    r"changed (?:the )?(?:subject|group|description|icon|number)|deleted this group's icon|security code|"
    r"now an admin|no longer an admin|disappearing messages|end-to-end|invite link|"
    r"创建了群|添加了|加入了|退出了|离开了|更改了|移除了|安全码|建立了群組|已加入|已退出",
    re.IGNORECASE,
)
_SENDER_SYSTEM = re.compile(
    r"created group|changed (?:the |this group's )?(?:subject|group name|group description|description)|"
    r"创建了群|更改了群|修改了群",
    re.IGNORECASE,
)

# Attachment markers.
_IOS_ATTACHED = re.compile(
    r"[\u200e\u200f]*<(?:attached|anhang|adjunto|anexado|allegato|pièce jointe|bijlage|附件|附加檔案|вложение)"
    r"[ \u00a0\u202f]*[:：][ \u00a0\u202f]*(?P<f>[^<>\n]+?)[ \u00a0\u202f]*>",
    re.IGNORECASE,
)
_ANDROID_ATTACHED = re.compile(  # the whole first line: `FILE (file attached)`; the caption follows on the next
    r"[\u200e\u200f]*(?P<f>[^\n]+?)[ \u00a0\u202f]\((?:file attached|datei angehängt|archivo adjunto|fichier joint|"
    r"file allegato|arquivo anexado|ficheiro anexado|bestand bijgevoegd|файл прикреплен|文件附件|附件|檔案已附加)"
    r"\)\s*\Z",
    re.IGNORECASE,
)
_MEDIA_OMITTED = re.compile(
    r"[\u200e\u200f]*<[^<>\n]{0,40}?(?:omitted|omitido|omitidos|omis|omessi|ausgeschlossen|weggelaten|oculta|"
    r"省略|忽略|без медиафайлов)[^<>\n]{0,40}>"
    r"|(?:^|(?<=\s))[\u200e\u200f]*(?:image|video|audio|sticker|GIF|document|contact card|photo)"
    r"[ \u00a0\u202f]+omitted[ ]*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class WaMessage:
    line: int  # 1-based line of the message's header in the file
    sender: str  # as the export shows it, bidi marks removed
    at: datetime  # naive local wall time as written
    text: str  # continuation lines joined with "\n"; attachment and media markers removed
    attachments: tuple[str, ...] = ()
    media_omitted: bool = False


@dataclass(frozen=True)
class WaExport:
    messages: tuple[WaMessage, ...] = ()
    system_lines: int = 0
    problems: tuple[tuple[int, str], ...] = ()  # (line, reason)
    date_order: str = "dmy"
    style: str = "android"


def parse_whatsapp(text: str, date_order: str = "auto") -> WaExport:
    """The export's messages in file order, with its system-line count and problems; never raises on any text."""
    if date_order not in ("auto", *DATE_ORDERS):
        raise ValueError(f"date_order must be auto, dmy, mdy or ymd, not {date_order!r}")
    text = "\n" + text.removeprefix("\ufeff")  # so that every line, the first included, starts after a "\n"
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.removesuffix("\n")
    style, rx = _style(text)
    gc_was_on = gc.isenabled()
    gc.disable()  # 100,000s of long-lived small objects: the collector would rescan them over and over
    try:
        heads = list(rx.finditer(text))
        groups = [m.groups() for m in heads]
        decided, day_month = _decide_order({g[:4] for g in groups}, {(g[1], g[4] or g[8]) for g in groups})
        order = decided if date_order == "auto" else date_order
        if date_order in ("dmy", "mdy"):
            day_month = date_order
        return _Reader(text, order, day_month, style).read(heads, groups)
    finally:
        if gc_was_on:
            gc.enable()


def _style(text: str) -> tuple[str, re.Pattern[str]]:
    """Android or iOS: whichever header regex matches more of the file's start (Android on a tie)."""
    sample = text[:200_000]  # "\n" + the file's start
    return max(_STYLES, key=lambda s: sum(1 for _ in s[1].finditer(sample)) * 2 - (s[0] != "android"))


def _decide_order(days: set[tuple], clocks: set[tuple]) -> tuple[str, str]:
    """(date order, day-month order for dates with the year last) from the distinct dates (d1, sep, d2, d3) and
    (sep, meridiem) pairs of every header; see the module docstring. Votes count distinct dates."""
    ymd = sum(1 for d in days if len(d[0]) >= 3)
    rest = [d for d in days if len(d[0]) < 3]
    dmy = sum(1 for d in rest if int(d[0]) > 12)
    mdy = sum(1 for d in rest if int(d[2]) > 12)
    if dmy != mdy:
        day_month = "dmy" if dmy > mdy else "mdy"
    else:  # nothing decides: dmy, unless every header has the US phone's "/" dates and upper-case AM/PM
        us = bool(clocks) and all(sep == "/" and mark in ("AM", "PM") for sep, mark in clocks)
        day_month = "mdy" if us else "dmy"
    return ("ymd" if ymd > len(rest) else day_month), day_month


class _Reader:
    """One pass over the headers once the style and date order are known (internal; holds the per-call caches)."""

    def __init__(self, text: str, order: str, day_month: str, style: str) -> None:
        self.text, self.order, self.day_month, self.style = text, order, day_month, style
        self.dates: dict[tuple, tuple[int, int, int] | str] = {}  # (d1, sep, d2, d3) -> (y, m, d) or a reason
        self.times: dict[tuple, tuple[int, int, int] | str] = {}  # (m1, H, M, S, m2) -> (H, M, S) or a reason
        self.known: dict[str, str] = {}  # the text before the colon -> sender, once the sender wrote a message
        self.problems: list[tuple[int, str]] = []
        self.titles: set[str] = set()  # pseudo-senders that wrote a system notice: the chat's title

    def read(self, heads: list[re.Match[str]], groups: list[tuple]) -> WaExport:
        """Headers open an entry; the text up to the next valid header continues it (broken headers included)."""
        text, dates, times, known = self.text, self.dates, self.times, self.known
        count, new_message, new_datetime, slow_ends, marks = text.count, WaMessage, datetime, _SLOW_ENDS, _MARK_SET
        messages: list[WaMessage] = []
        append = messages.append
        broken: list[int] = []
        system_lines = 0
        first_start = -1
        line, pos = 1, 0
        # the open message: line, sender, time, first text line, end of its header line
        o_line, o_sender, o_at, o_first, o_end = 0, "", None, "", -1
        for m, g in zip(heads, groups, strict=True):
            start = m.start()
            line += count("\n", pos, start)
            pos = start
            day = dates.get(g[:4])
            clock = times.get(g[4:9])
            if day.__class__ is tuple and clock.__class__ is tuple:
                at = new_datetime(*day, *clock)  # naive local wall time as written, by design
            else:
                at = self._when(g, line)
                if at is None:
                    broken.append(line)
                    continue
            if o_end >= 0:
                rest = text[o_end:start]  # "" or "\n" and the continuation lines
                if (o_first[-1:] in slow_ends or "<" in o_first or "mitted" in o_first
                        or (rest and ("<" in rest or rest[-1].isspace()))):
                    append(_message(o_line, o_sender, o_at, o_first, rest))
                else:  # the common case: plain text, no marker, no trailing blank line
                    append(new_message(o_line, o_sender, o_at, o_first + rest))
                o_end = -1
            elif first_start < 0:
                first_start = start
            body = g[9]
            i = body.find(":")
            sender = known.get(body[:i]) if i > 0 else None
            if sender is not None and body[i + 1:i + 2] == " " and body[i + 2:i + 3] not in marks:
                first = body[i + 2:]  # the common case: a known sender, plain text
            else:
                sender, first = self._classify(body, i)
                if sender is None:
                    system_lines += 1
                    continue
            o_line, o_sender, o_at, o_first, o_end = line, sender, at, first, m.end()
        if o_end >= 0:
            append(_message(o_line, o_sender, o_at, o_first, text[o_end:]))
        self._before_first(first_start if first_start >= 0 else len(text), broken)
        return WaExport(tuple(messages), system_lines, tuple(sorted(self.problems)), self.order, self.style)

    def _before_first(self, end: int, broken: list[int]) -> None:
        """Problems for the non-blank lines before the first valid header (broken headers are reported already)."""
        if end <= 1:
            return
        skip = set(broken)
        for n, line in enumerate(self.text[1:end].split("\n"), start=1):
            if line.strip() and n not in skip:
                self.problems.append((n, "text before the first message header"))

    def _when(self, g: tuple, line: int) -> datetime | None:
        """The header's wall time, or None after recording why the header is impossible."""
        day = self.dates.get(g[:4])
        if day is None:
            day = self.dates[g[:4]] = self._date(g[0], g[2], g[3])
        clock = self.times.get(g[4:9])
        if clock is None:
            clock = self.times[g[4:9]] = _clock(*g[4:9])
        if isinstance(day, str) or isinstance(clock, str):
            why = day if isinstance(day, str) else clock
            self.problems.append((line, f"header with an impossible {why}"))
            return None
        return datetime(*day, *clock)  # noqa: DTZ001 -- naive local wall time as written, by design

    def _date(self, d1: str, d2: str, d3: str) -> tuple[int, int, int] | str:
        """(year, month, day) under the decided order, or a short reason."""
        if len(d1) >= 3 or (self.order == "ymd" and len(d3) <= 2):
            y, mo, d = d1, d2, d3
        elif self.day_month == "mdy":
            mo, d, y = d1, d2, d3
        else:
            d, mo, y = d1, d2, d3
        if len(y) not in (2, 4):
            return f"year ({self.order})"
        year = int(y) + (2000 if len(y) == 2 else 0)
        try:
            date(year, int(mo), int(d))
        except ValueError:
            return f"date ({self.order})"
        return year, int(mo), int(d)

    def _classify(self, body: str, i: int) -> tuple[str | None, str]:
        """(sender, first text line) of a header's body whose first colon is at i, or (None, "") for a system line."""
        if i <= 0:
            return None, ""
        raw = body[:i]
        sender = raw.translate(_BIDI).strip()
        if not sender or _SENDER_SYSTEM.search(sender):
            return None, ""
        first = body[i + 1:]
        if first[:1] == " ":
            first = first[1:]
        if first[:1] in _MARK_SET:
            rest = first.lstrip(_MARKS)
            if not (_IOS_ATTACHED.match(first) or _MEDIA_OMITTED.match(first)):
                if sender in self.titles or _SYSTEM_PHRASE.search(rest) or _is_encryption(rest):
                    self.titles.add(sender)
                    return None, ""
                first = rest
        elif raw not in self.known and _is_encryption(first):
            self.titles.add(sender)  # the notice under the chat's title (older exports write no U+200E)
            return None, ""
        if sender not in self.titles:
            self.known[raw] = sender
        return sender, first


def _message(line: int, sender: str, at: datetime, text: str, rest: str) -> WaMessage:
    """A message from its header's first text line and what follows that line up to the next header (a newline and
    the continuation lines): attachment and media markers out, trailing blank lines dropped."""
    parts = (text + rest).split("\n")
    attachments: list[str] = []
    omitted = False
    drop: list[int] = []  # lines that held nothing but a marker
    for k, part in enumerate(parts):
        new = part
        if "<" in new:
            new = _IOS_ATTACHED.sub(lambda a: attachments.append(a["f"]) or "", new)
        if k == 0 and new.rstrip()[-1:] == ")" and (a := _ANDROID_ATTACHED.match(new)) is not None:
            attachments.append(a["f"].strip())
            new = new[a.end():]
        if "<" in new or (k == 0 and "omitted" in new.lower()):
            new, n = _MEDIA_OMITTED.subn("", new)
            omitted = omitted or n > 0
        if new != part:
            parts[k] = new.strip()
            if not parts[k]:
                drop.append(k)
    if drop:
        parts = [p for k, p in enumerate(parts) if k not in drop]
    while len(parts) > 1 and not parts[-1].strip():
        parts.pop()
    return WaMessage(line, sender, at, "\n".join(parts), tuple(attachments), omitted)


def _clock(m1: str | None, h: str, mi: str, s: str | None, m2: str | None) -> tuple[int, int, int] | str:
    """(hour, minute, second) in 24-hour time, or a short reason."""
    mark = m1 or m2
    hour, minute, second = int(h), int(mi), int(s) if s else 0
    if mark is not None:
        norm = mark.replace(".", "").replace(" ", "").replace("\u00a0", "").replace("\u202f", "").lower()
        if hour > 23:
            return "time"
        if hour <= 12:  # "13:05 PM" (some phones) is read as the 24-hour time it already is
            if norm in _PM:
                hour = hour % 12 + 12
            elif hour == 12:
                hour = 0
    if hour > 23 or minute > 59 or second > 59:
        return "time"
    return hour, minute, second


def _is_encryption(text: str) -> bool:
    """True for WhatsApp's end-to-end encryption notice, in any wording or language."""
    return len(text) < 400 and _ENCRYPTION.search(text) is not None and _MESSAGES_WORD.match(text) is not None


# ---------------------------------------------------------------- files (the only I/O)


def decode_export(data: bytes) -> tuple[str, str | None]:
    """The export's text and, when it was not clean UTF-8 or UTF-16 with a BOM, a note on how it was read."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
        return text, ("bad UTF-16 sequences replaced with U+FFFD" if "\ufffd" in text else None)
    elif len(data) >= 2 and data[:400].count(0) * 3 > min(len(data), 400):  # UTF-16 without its BOM
        encoding = "utf-16-le" if data[1:400:2].count(0) > data[0:400:2].count(0) else "utf-16-be"
        return data.decode(encoding, errors="replace"), f"no byte order mark: read as {encoding.upper()}"
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode())
    good = sum(1 for ch in text if ch > "\x7f" and ch != "\ufffd")
    if good > bad:  # UTF-8 with a few damaged bytes: keep it UTF-8
        return text, f"not valid UTF-8 ({bad} bad sequences from byte {first_bad}, replaced with U+FFFD)"
    try:
        return data.decode("cp1252"), f"not UTF-8 (bad byte at {first_bad}): read as cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), f"not UTF-8 (bad byte at {first_bad}): read as latin-1"


def read_export(path: Path, workdir: Path | None = None) -> tuple[str, str, dict[str, Path], tuple[str, ...]]:
    """(text, chat file name, media files by name, problems) of a `.txt`, its folder or a `.zip`; never raises.

    A `.zip` is extracted (flat, by base name) into a new folder under `workdir`, which the caller owns and removes.
    """
    path = Path(path)
    problems: list[str] = []
    try:
        if path.is_dir():
            folder = path
            chat = _chat_file(folder)
        elif path.suffix.lower() == ".zip" or (path.suffix.lower() != ".txt" and zipfile.is_zipfile(path)):
            if workdir is None:
                return "", path.name, {}, (f"{path.name}: a .zip export needs a working folder to extract into",)
            folder = Path(tempfile.mkdtemp(prefix="whatsapp-", dir=workdir))
            problems.extend(_extract(path, folder))
            chat = _chat_file(folder)
        else:
            folder = path.parent
            chat = path
        if chat is None:
            return "", path.name, _media(folder, None), (*problems, f"{path.name}: no chat .txt found")
        data = chat.read_bytes()
        media = _media(folder, chat)
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        return "", path.name, {}, (*problems, f"{path.name}: cannot read: {getattr(exc, 'strerror', None) or exc}")
    text, note = decode_export(data)
    if note:
        problems.append(f"{chat.name}: {note}")
    return text, chat.name, media, tuple(problems)


def _chat_file(folder: Path) -> Path | None:
    """The chat's .txt in a folder: `_chat.txt`, `WhatsApp Chat…txt`, the only .txt, or the one that parses best."""
    txts = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".txt")
    if not txts:
        return None
    for p in txts:
        if p.name.lower() == "_chat.txt":
            return p
    named = [p for p in txts if "whatsapp" in p.name.lower()]
    if len(named) == 1 or len(txts) == 1:
        return (named or txts)[0]
    pool = named or txts

    def headers(p: Path) -> int:
        try:
            with p.open("rb") as fh:
                head = decode_export(fh.read(65536))[0]
        except OSError:
            return -1
        head = "\n" + head.replace("\r", "\n")
        return max(sum(1 for _ in rx.finditer(head)) for _, rx in _STYLES)

    return max(pool, key=headers)


def _media(folder: Path, chat: Path | None) -> dict[str, Path]:
    """The files beside the chat file, by name."""
    return {p.name: p for p in sorted(folder.iterdir()) if p.is_file() and p != chat}


def _extract(zip_path: Path, folder: Path) -> list[str]:
    """Extract every file of the zip flat into `folder` (base names only: no path escapes); problems as text."""
    problems: list[str] = []
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            name = info.filename.replace("\\", "/").rsplit("/", 1)[-1]
            if info.is_dir() or not name or name in (".", "..") or info.filename.startswith("__MACOSX/"):
                continue
            target = folder / name
            if target.exists():
                problems.append(f"{zip_path.name}: {info.filename}: a second file with this name was skipped")
                continue
            try:
                with zf.open(info) as src, target.open("wb") as dst:
                    while chunk := src.read(1 << 20):
                        dst.write(chunk)
            except (OSError, zipfile.BadZipFile, NotImplementedError, RuntimeError) as exc:
                problems.append(f"{zip_path.name}: {info.filename}: not extracted ({exc})")
    return problems
