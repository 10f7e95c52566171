"""`handover PO`: may the goods move? And `events export --format dcsa`: the handover as DCSA events."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sqlmodel import Session

from bot.commands.book import parse_instant
from bot.commands.common import open_app
from bot.events import dcsa_events
from bot.handover import order_handover
from bot.services import UserError
from bot.settings import Settings
from store.book_repo import load_book


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add `handover` and `events export`."""
    p = sub.add_parser("handover", parents=[common], help="whether an order may ship: documents, labels, holds")
    p.add_argument("po", metavar="PO")
    p.add_argument("--as-of", metavar="ISO-8601", help="the instant (default now)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(run=run_handover)
    ev = sub.add_parser("events", help="handover events for other systems").add_subparsers(
        dest="what", metavar="ACTION", required=True)
    p = ev.add_parser("export", parents=[common], help="the orders' handover events")
    p.add_argument("--format", choices=["dcsa"], default="dcsa")
    p.add_argument("--order", metavar="PO", help="only this order")
    p.add_argument("--out", help="write to this file instead of standard output")
    p.set_defaults(run=run_events)


def run_handover(args: argparse.Namespace, settings: Settings) -> int:
    """Print the handover checks; exit 0 whether or not the order is ready (the answer is in the output)."""
    with open_app(settings) as app, Session(app.engine) as session:
        book = load_book(session)
        if args.po not in book.orders:
            raise UserError(f"unknown PO: {args.po}")
        as_of = parse_instant(args.as_of) if args.as_of else app.clock.now()
        result = order_handover(session, book, args.po, as_of)
    doc = {"order": result.order, "ready": result.ready,
           "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail, "evidence": list(c.evidence)}
                      for c in result.checks]}
    if args.format == "json":
        print(json.dumps(doc, ensure_ascii=False, indent=1))
        return 0
    print(f"{result.order}: {'READY to ship' if result.ready else 'NOT ready to ship'}")
    for c in result.checks:
        print(f"  [{'ok' if c.ok else '!!'}] {c.name}: {c.detail}")
    return 0


def run_events(args: argparse.Namespace, settings: Settings) -> int:
    """Write the DCSA-shaped events."""
    with open_app(settings) as app, Session(app.engine) as session:
        book = load_book(session)
        if args.order and args.order not in book.orders:
            raise UserError(f"unknown PO: {args.order}")
        events = dcsa_events(session, [args.order] if args.order else list(book.orders))
    text = json.dumps(events, ensure_ascii=False, indent=1)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
        print(f"events: {len(events)} written to {args.out}", file=sys.stderr)
    else:
        print(text)
    return 0
