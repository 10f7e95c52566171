"""`import whatsapp` and `import telegram`: exported chat history through the same pipeline as live messages."""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from sqlmodel import Session

from bot.commands.common import open_app, progress_bar, read_json
from bot.importing import Senders, telegram_inbound, whatsapp_inbound
from bot.messages import InboundMessage
from bot.services import UserError
from bot.settings import Settings
from parsers.telegram_export import load_telegram, parse_telegram
from parsers.whatsapp_export import parse_whatsapp, read_export
from store.book_repo import load_book
from store.inbound_repo import evidence_by_milestone


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add `import whatsapp` and `import telegram`."""
    imp = sub.add_parser("import", help="load exported chat history").add_subparsers(dest="what", metavar="SOURCE",
                                                                                   required=True)
    p = imp.add_parser("whatsapp", parents=[common], help="a WhatsApp export: the .txt, its folder or its .zip")
    p.add_argument("path", metavar="PATH")
    _shared(p)
    p.add_argument("--date-order", choices=["dmy", "mdy", "ymd", "auto"], default="auto",
                   help="how the export writes dates (default: decided from the whole file)")
    p.add_argument("--dry-run", action="store_true", help="parse and count, store nothing")
    p.set_defaults(run=run_whatsapp)
    p = imp.add_parser("telegram", parents=[common], help="a Telegram Desktop export (result.json)")
    p.add_argument("path", metavar="RESULT.json")
    _shared(p)
    p.add_argument("--dry-run", action="store_true", help="parse and count, store nothing")
    p.set_defaults(run=run_telegram)


def _shared(p: argparse.ArgumentParser) -> None:
    p.add_argument("--chat", required=True, metavar="NAME", help="the chat's name in OrderProof")
    p.add_argument("--tz", metavar="ZONE", help="the time zone the export's times are in (default [import] tz)")
    p.add_argument("--contacts-map", metavar="FILE", help="JSON object: the names the export shows -> contact ids")
    p.add_argument("--notify", action="store_true", help="send replies and prompts (history sends nothing)")


def _tz(args: argparse.Namespace, settings: Settings) -> str:
    tz = args.tz or settings.import_.tz
    if not tz:
        print("orderproof: warning: no --tz and no [import] tz: the export's times are read as UTC", file=sys.stderr)
    return tz or ""


def _contacts_map(args: argparse.Namespace) -> dict[str, str]:
    if not args.contacts_map:
        return {}
    doc = read_json(args.contacts_map)
    if not isinstance(doc, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in doc.items()):
        raise UserError(f"{args.contacts_map}: must be a JSON object of names to contact ids")
    return doc


def run_whatsapp(args: argparse.Namespace, settings: Settings) -> int:
    """Import a WhatsApp export; broken lines and missing files are reported, never fatal."""
    path = Path(args.path)
    if not path.exists():
        raise UserError(f"not found: {path}")
    tz = _tz(args, settings)
    with tempfile.TemporaryDirectory(prefix="orderproof-import-") as work:
        started = time.perf_counter()
        text, file_name, media, problems = read_export(path, Path(work))
        export = parse_whatsapp(text, args.date_order)
        problems = [*problems, *(f"{file_name}:{line}: {why}" for line, why in export.problems)]
        if args.dry_run:
            return _dry_run(len(export.messages), problems, started)
        with open_app(settings) as app:
            senders = _senders(app, args)
            messages, found, missing = whatsapp_inbound(export, file_name, args.chat, tz, media, senders)
            return _load(app, args, messages, found, missing, problems, senders, started)


def run_telegram(args: argparse.Namespace, settings: Settings) -> int:
    """Import a Telegram Desktop export (result.json and the files beside it)."""
    path = Path(args.path)
    if not path.is_file():
        raise UserError(f"file not found: {path}")
    tz = _tz(args, settings)
    started = time.perf_counter()
    doc, file_name, problems = load_telegram(path)
    if doc is None:
        raise UserError("; ".join(f"{where}: {why}" for where, why in problems) or f"{path}: not readable")
    export = parse_telegram(doc)
    problems = [f"{where}: {why}" for where, why in [*problems, *export.problems]]
    if args.dry_run:
        return _dry_run(len(export.messages), problems, started)
    with open_app(settings) as app:
        senders = _senders(app, args)
        messages, found, missing = telegram_inbound(export, file_name, args.chat, tz, path.parent, senders)
        return _load(app, args, messages, found, missing, problems, senders, started)


def _senders(app, args: argparse.Namespace) -> Senders:  # noqa: ANN001
    """Who the export's names are: the contacts map first, then the order book's names and phones."""
    with Session(app.engine) as session:
        return Senders(load_book(session), _contacts_map(args))


def _dry_run(count: int, problems: list[str], started: float) -> int:
    print(f"import: {count} messages parsed in {time.perf_counter() - started:.2f} s (dry run: nothing stored)")
    for p in problems[:50]:
        print(f"orderproof: problem: {p}", file=sys.stderr)
    return 0


def _load(app, args: argparse.Namespace, messages: list[InboundMessage], found: int,  # noqa: ANN001
          missing: list[str], problems: list[str], senders: Senders, started: float) -> int:
    """Store, tag and summarise: messages, files found and missing, senders unmatched, evidence by milestone."""
    added = app.pipeline.receive(messages, notify=args.notify)
    tagging = time.perf_counter()
    with progress_bar("importing", added) as advance:
        report = app.pipeline.process_pending(progress=advance)
    if args.notify:
        app.send_outbox()
    elapsed = time.perf_counter() - started
    rate = added / max(time.perf_counter() - tagging, 1e-9)
    with Session(app.engine) as session:
        by_ms = evidence_by_milestone(session, messages[0].channel, args.chat) if messages else {}
    print(f"import: {len(messages)} messages, {added} new, {report.processed} processed, {report.failed} failed "
          f"in {elapsed:.1f} s ({rate:,.0f} msg/s)")
    print(f"import: attachments {found} found, {len(missing)} missing; senders unmatched: "
          f"{', '.join(sorted(senders.unmatched)) or 'none'}")
    print("import: evidence by milestone: " + (", ".join(f"{k} {v}" for k, v in sorted(by_ms.items())) or "none"))
    for line in [*problems, *(f"missing file {m}" for m in missing)][:50]:
        print(f"orderproof: problem: {line}", file=sys.stderr)
    for e in report.errors[:20]:
        print(f"orderproof: failed: {e}", file=sys.stderr)
    return 0
