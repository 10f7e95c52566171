"""Shared test helpers: a small order book, contacts, corpus-schema chats with real JPEGs, and CLI runners.

Everything here writes real files that the product reads through its public entry points; nothing is mocked.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from PIL import Image

# The keys CONTRACT.md promises in every `evidence export` record.
CONTRACT_KEYS = frozenset({
    "chat", "message_id", "evidence", "order", "resolved_order", "ambiguous", "sku", "milestone", "exception",
    "evidence_date", "date_source", "stale", "recycled", "decision_needed", "dates_mentioned",
})

FACTORY, AGENT, BUYER = "li.qiang", "tom.wu", "emma.clarke"

ORDER_BOOK: dict[str, Any] = {"orders": [
    {"po": "PO-1001", "buyer": "Hearth & Table Ltd (UK)", "factory": "Yongkang Hengli Cookware (永康恒力炊具)",
     "status": "open", "incoterm": "FOB Ningbo", "destination": "Felixstowe, UK", "ship_date": "2026-07-10",
     "skus": [
         {"sku": "RP-24-RED", "description": "enamel pot 24cm red / 红锅 (红色珐琅锅)", "qty": 1200},
         {"sku": "BP-28-BLU", "description": "enamel pot 28cm blue / 蓝锅", "qty": 800},
     ],
     "milestones": {"po_lock": "2026-05-20", "material_readiness": "2026-06-05", "inline_production": "2026-06-15",
                    "pre_packing": "2026-06-24", "final_inspection": "2026-06-30", "freight_handover": "2026-07-08"}},
    {"po": "PO#2002", "buyer": "Hearth & Table Ltd (UK)", "factory": "Gaoyang Textiles (高阳纺织)",
     "status": "open", "incoterm": "FOB Tianjin", "destination": "Felixstowe, UK", "ship_date": "2026-07-20",
     "skus": [{"sku": "TW-50-WHT", "description": "bath towel 50x100 white / 白毛巾", "qty": 5000,
               "nicknames": ["white towel"]}],
     "milestones": {"po_lock": "2026-05-25", "material_readiness": "2026-06-10", "inline_production": "2026-06-20",
                    "pre_packing": "2026-07-01", "final_inspection": "2026-07-08", "freight_handover": "2026-07-15"}},
    {"po": "4500001234", "buyer": "Hearth & Table Ltd (UK)", "factory": "Yongkang Hengli Cookware (永康恒力炊具)",
     "status": "closed", "incoterm": "FOB Ningbo", "destination": "Felixstowe, UK", "ship_date": "2026-03-01",
     "skus": [{"sku": "RP-24-RED", "description": "enamel pot 24cm red / 红锅", "qty": 600}],
     "milestones": {"po_lock": "2025-12-01", "freight_handover": "2026-02-25"}},
]}

CONTACTS: dict[str, Any] = {"contacts": [
    {"id": FACTORY, "name": "李强 / Li Qiang", "phone": "+86 137 5891 2260", "role": "factory",
     "timezone": "Asia/Shanghai", "language": "zh", "orders": ["PO-1001", "4500001234"]},
    {"id": AGENT, "name": "吴涛 / Tom Wu", "phone": "+86 138 0000 2222", "role": "agent",
     "timezone": "Asia/Shanghai", "language": "en", "orders": ["PO-1001", "PO#2002", "4500001234"]},
    {"id": BUYER, "name": "Emma Clarke", "phone": "+44 7700 900123", "role": "buyer",
     "timezone": "Europe/London", "language": "en", "orders": ["PO-1001", "PO#2002"]},
]}


class CliResult(NamedTuple):
    """What one command run gave: exit code, standard output, standard error."""

    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        """The non-empty lines of standard error."""
        return [ln for ln in self.err.splitlines() if ln.strip()]


# ---------------------------------------------------------------- files the product reads


def write_json(path: Path, doc: Any) -> Path:
    """Write a JSON document (UTF-8, Chinese kept as is)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def write_order_book(path: Path) -> Path:
    """Three orders: two open, one closed that shares the red pot with an open one."""
    return write_json(path, ORDER_BOOK)


def write_contacts(path: Path) -> Path:
    """A factory (zh, Shanghai), an agent and a buyer (en, London)."""
    return write_json(path, CONTACTS)


def write_photo(path: Path, exif_datetime: str | None = None, exif_offset: str | None = None,
                color: tuple[int, int, int] = (180, 40, 40), size: tuple[int, int] = (64, 48)) -> Path:
    """A small JPEG, with EXIF DateTimeOriginal/OffsetTimeOriginal when given (as a camera writes them)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    img = Image.new("RGB", size, color)
    # a diagonal so that different colours also give different perceptual hashes
    for i in range(min(size)):
        img.putpixel((i, i), (255 - color[0], 255 - color[1], 255 - color[2]))
    if exif_datetime is None:
        img.save(path, "JPEG")
        return path
    exif = Image.Exif()
    ifd = exif.get_ifd(0x8769)
    ifd[0x9003] = exif_datetime
    if exif_offset is not None:
        ifd[0x9011] = exif_offset
    img.save(path, "JPEG", exif=exif)
    return path


def message(mid: str, ts: str | dt.datetime, sender: str, text: str = "",
            attachment: dict[str, Any] | None = None) -> dict[str, Any]:
    """One message in the corpus schema (with an empty truth, which replay must ignore)."""
    if isinstance(ts, dt.datetime):
        ts = ts.isoformat()
    return {"id": mid, "ts": ts, "sender": sender, "text": text, "attachment": attachment, "truth": {}}


def photo(file: str, exif_datetime: str | None = None, exif_offset: str | None = None,
          scene_id: str = "sc-test") -> dict[str, Any]:
    """A photo attachment in the corpus schema (its exif_* fields are ignored by replay)."""
    return {"kind": "photo", "file": file, "exif_datetime": exif_datetime, "exif_offset": exif_offset,
            "scene": "a test picture", "scene_id": scene_id}


def write_chat(path: Path, messages: Iterable[dict[str, Any] | str]) -> Path:
    """A messages.jsonl file; a str item is written as the line itself (for malformed lines)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for m in messages:
            fh.write((m if isinstance(m, str) else json.dumps(m, ensure_ascii=False)) + "\n")
    return path


def write_sample_chat(folder: Path) -> tuple[Path, list[dict[str, Any]]]:
    """`folder/messages.jsonl`: a factory chat with text, a photo with EXIF and a bare photo without.

    Returns the file and its messages. The chat's name is the folder's name.
    """
    write_photo(folder / "IMG_20260609_101522.jpg", "2026:06:09 10:15:22", "+08:00", color=(200, 30, 30))
    write_photo(folder / "IMG-20260609-WA0002.jpg", color=(30, 30, 200))
    messages = [
        message("m-01", "2026-06-09T09:58:00+08:00", FACTORY, "PO-1001 红锅上釉第二遍"),
        message("m-02", "2026-06-09T10:16:05+08:00", FACTORY, "PO-1001 RP-24-RED 上釉",
                photo("IMG_20260609_101522.jpg", "2026:06:09 10:15:22", "+08:00", "sc-glaze")),
        message("m-03", "2026-06-09T10:17:00+08:00", FACTORY, "",
                photo("IMG-20260609-WA0002.jpg", scene_id="sc-line")),
        message("m-04", "2026-06-09T11:02:00+08:00", AGENT, "收到"),
        message("m-05", "2026-06-09T18:30:00+01:00", BUYER,
                "PO#2002 towels passed final inspection today, report attached below"),
        message("m-06", "2026-06-10T08:05:00+08:00", FACTORY, "好的 👍"),
    ]
    return write_chat(folder / "messages.jsonl", messages), messages


def text_chat(count: int, chat_start: dt.datetime, sender: str = FACTORY, prefix: str = "t",
              step: dt.timedelta = dt.timedelta(seconds=7)) -> list[dict[str, Any]]:
    """`count` text-only messages, `step` apart, some naming an explicit PO, some chatter."""
    lines = ["PO-1001 红锅 {n} 件已上釉", "PO#2002 white towels sewing line {n}", "收到", "ok noted",
             "RP-24-RED inline check {n} pcs", "PO-1001 cartons printed, {n} so far", "好的 明天发照片"]
    return [message(f"{prefix}-{i:05d}", chat_start + i * step, sender, lines[i % len(lines)].format(n=i + 1))
            for i in range(count)]


# ---------------------------------------------------------------- running the command line


def run_subprocess(*args: str, cwd: Path | None = None, input: str | None = None,
                   env: dict[str, str] | None = None, timeout: float = 120) -> CliResult:
    """`python -m bot ARGS` in a child process (the real entry point, real stdin/stdout)."""
    proc = subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, input=input, capture_output=True,
                          text=True, encoding="utf-8", env=env if env is not None else dict(os.environ),
                          timeout=timeout)
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


class InProcessCli:
    """Runs `bot.cli.main(argv)` in this process and captures what it prints (with pytest's capsys)."""

    def __init__(self, capsys: Any) -> None:
        self.capsys = capsys

    def __call__(self, *args: str | os.PathLike[str]) -> CliResult:
        """Run one command; argparse's own exits (usage errors) are returned as codes too."""
        self.capsys.readouterr()  # drop whatever was printed before
        from bot.cli import main

        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse usage errors exit by themselves
            code = exc.code if isinstance(exc.code, int) else 1
        captured = self.capsys.readouterr()
        return CliResult(code, captured.out, captured.err)


@dataclass
class Workspace:
    """One test's own world: a working folder, a SQLite database, a media dir and the CLI to run against them."""

    root: Path
    db_url: str
    media: Path
    cli: InProcessCli

    @property
    def db(self) -> Path:
        """The SQLite file."""
        return Path(self.db_url.removeprefix("sqlite:///"))

    def run(self, *args: str | os.PathLike[str]) -> CliResult:
        """`orderproof --db <this test's database> ARGS`, in-process."""
        return self.cli("--db", self.db_url, *args)


# ---------------------------------------------------------------- reading results


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every JSON object of a JSONL file."""
    return [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


def query(db: Path, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Rows of a read-only query on a SQLite file (never writes, never holds the file open)."""
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)) as conn:
        return conn.execute(sql, params).fetchall()


def scalar(db: Path, sql: str, params: Sequence[Any] = ()) -> Any:
    """The single value of a read-only query."""
    return query(db, sql, params)[0][0]


def execute(db: Path, sql: str, params: Sequence[Any] = ()) -> None:
    """One write to a SQLite file (to set up a state the product must recover from)."""
    with closing(sqlite3.connect(db, timeout=10)) as conn, conn:
        conn.execute(sql, params)


def deliver_concurrently(db_url: str, media: Path, times: int = 5) -> tuple[list[int], list[BaseException]]:
    """Store the same delivery from `times` threads at once; returns what each receive() added, and any errors."""
    from bot.bootstrap import bootstrap
    from bot.clock import FixedClock
    from bot.messages import InboundMessage
    from bot.settings import load_settings

    app = bootstrap(load_settings(env={}).replace("store", url=db_url, media_dir=str(media)), clock=FixedClock())
    msg = InboundMessage(channel="replay", message_id="dup-1", sender=FACTORY, chat="factory_group",
                         received_at=dt.datetime(2026, 6, 9, 2, 0, tzinfo=dt.UTC), text="PO-1001 packed")
    start = threading.Barrier(times)
    added: list[int] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        start.wait()
        try:
            added.append(app.pipeline.receive([msg], notify=False))
        except BaseException as exc:  # noqa: BLE001 - reported to the caller
            errors.append(exc)

    try:
        threads = [threading.Thread(target=deliver) for _ in range(times)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        app.close()
    return added, errors


# ---------------------------------------------------------------- an app on a fixed clock, fed console lines

CONSOLE_START = dt.datetime(2026, 6, 12, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai


def console_app(ws: Workspace, start: dt.datetime = CONSOLE_START, contacts: dict[str, Any] | None = None,
                orders: dict[str, Any] | None = None, out: Any = None) -> Any:
    """The app wired as `console` wires it (the console its only channel), on a FixedClock, with an order book."""
    import io

    from bot.bootstrap import bootstrap
    from bot.channels.console import ConsoleChannel
    from bot.clock import FixedClock
    from bot.services import import_contacts, import_orders
    from bot.settings import load_settings

    settings = load_settings(env={}).replace("store", url=ws.db_url, media_dir=str(ws.media))
    app = bootstrap(settings, clock=FixedClock(start), channels={"console": ConsoleChannel(out or io.StringIO())})
    import_orders(app.engine, orders or ORDER_BOOK)
    import_contacts(app.engine, contacts or CONTACTS)
    return app


def console_line(app: Any, who: str, line: str, minutes: int = 0, notify: bool = True,
                 start: dt.datetime = CONSOLE_START) -> None:
    """One console line from a contact at `start + minutes`, received and processed as the worker would."""
    from bot.channels.console import to_inbound

    at = start + dt.timedelta(minutes=minutes)
    app.clock.current = at
    msg = to_inbound({"line": line, "at": at.isoformat(), "id": f"{who}-{minutes}-{abs(hash(line)) % 10**8}",
                      "as": who})
    app.pipeline.receive([msg], notify=notify)
    app.pipeline.process_pending()


SECOND_RED_POT_ORDER = "PO-1003"  # a second open order of the same factory with the red pot (RP-24-RED, 红锅)


def two_orders_with_the_red_pot() -> dict[str, Any]:
    """The shared order book plus PO-1003: open, same factory, the red pot only (so 红锅 names no order)."""
    import copy

    doc = copy.deepcopy(ORDER_BOOK)
    second = copy.deepcopy(doc["orders"][0])
    second.update(po=SECOND_RED_POT_ORDER, ship_date="2026-08-10")
    second["skus"] = [sku for sku in second["skus"] if sku["sku"] == "RP-24-RED"]
    doc["orders"].append(second)
    return doc


def with_factory_on(contacts: dict[str, Any], po: str) -> dict[str, Any]:
    """A copy of a contacts document with the factory contact also assigned to `po`."""
    import copy

    doc = copy.deepcopy(contacts)
    for c in doc["contacts"]:
        if c["id"] == FACTORY:
            c["orders"].append(po)
    return doc
