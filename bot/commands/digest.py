"""`digest`: the digest a buyer would receive at an instant, as text, JSON or HTML."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from sqlmodel import Session

from bot.commands.book import parse_instant
from bot.commands.common import open_app
from bot.digests.assemble import UnknownBuyer, assemble_digest
from bot.digests.render import to_html, to_json, to_text
from bot.services import UserError
from bot.settings import Settings
from store.book_repo import load_book


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add `digest`."""
    p = sub.add_parser("digest", parents=[common], help="a buyer's digest as of an instant")
    p.add_argument("--buyer", required=True, metavar="ID", help="the buyer's contact id")
    p.add_argument("--as-of", metavar="ISO-8601", help="the instant (default now); only what had arrived counts")
    p.add_argument("--format", choices=["text", "json", "html"], default="text")
    p.add_argument("--out", help="write to this file instead of standard output")
    p.set_defaults(run=run_digest)


def run_digest(args: argparse.Namespace, settings: Settings) -> int:
    """Print the digest."""
    with open_app(settings) as app, Session(app.engine) as session:
        as_of = parse_instant(args.as_of) if args.as_of else app.clock.now()
        book = load_book(session)
        media = Path(settings.store.media_dir) if args.format == "html" else None
        try:
            digest = assemble_digest(session, book, args.buyer, as_of, args.as_of or as_of.isoformat(), media)
        except UnknownBuyer as exc:
            raise UserError(str(exc)) from None
    if args.format == "json":
        text = json.dumps(to_json(digest), ensure_ascii=False, indent=1)
    elif args.format == "html":
        text = to_html(digest, book)
    else:
        text = to_text(digest, book)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0
