"""`demo`: a bundled sample order book and chat, replayed into its own database, then its milestone file."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
from importlib import resources
from pathlib import Path

from sqlmodel import Session

from bot.channels.console import ConsoleChannel
from bot.commands.book import run_orders_show
from bot.commands.common import open_app
from bot.digests.assemble import assemble_digest
from bot.digests.render import to_text
from bot.services import export_evidence, import_contacts, import_orders
from bot.settings import Settings
from parsers.corpus import read_messages
from store.book_repo import load_book

DEMO_DB = "orderproof-demo.db"
DEMO_MEDIA = "orderproof-demo-media"


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add `demo`."""
    p = sub.add_parser("demo", parents=[common], help="replay a bundled sample chat (no accounts, no network)")
    p.set_defaults(run=run_demo)


def run_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Load the sample, replay its chat with the bot's replies shown, and print the milestone file."""
    import sys

    if not args.db:  # never touch a user's own database: the demo has its own, recreated each run
        for suffix in ("", "-wal", "-shm"):
            Path(DEMO_DB + suffix).unlink(missing_ok=True)
        shutil.rmtree(DEMO_MEDIA, ignore_errors=True)
        settings = settings.replace("store", url=f"sqlite:///{DEMO_DB}", media_dir=DEMO_MEDIA)
    folder = resources.files("bot").joinpath("demo")
    with resources.as_file(folder) as demo_dir:
        channel = ConsoleChannel(sys.stdout)
        with open_app(settings, channels={"replay": channel}) as app:
            import_orders(app.engine, json.loads((demo_dir / "orders.json").read_text(encoding="utf-8")))
            import_contacts(app.engine, json.loads((demo_dir / "contacts.json").read_text(encoding="utf-8")))
            messages, errors = read_messages(demo_dir / "chat.jsonl", chat="demo-factory", media_dir=str(demo_dir))
            with Session(app.engine) as session:
                book = load_book(session)
            print(f"OrderProof demo: {len(book.orders)} orders, {len(book.contacts)} contacts, "
                  f"{len(messages)} messages\n")
            for msg in messages:
                who = msg.sender
                shown = msg.text + (f" [{msg.attachments[0].kind}: {msg.attachments[0].name}]" if msg.attachments
                                    else "")
                print(f"{msg.received_at:%Y-%m-%d %H:%M}Z {who}: {shown}")
                app.pipeline.receive([msg], notify=True)
                app.pipeline.process_pending()
                app.send_outbox()
            records = list(export_evidence(app.engine))
    ev = [r for r in records if r["evidence"]]
    print(f"\n{len(records)} messages stored, {len(ev)} tagged as evidence, "
          f"{sum(r['stale'] for r in records)} stale photo(s)\n")
    # the sample chat is from the past: show the file as it stood a day after the last message
    args.as_of = (max(m.received_at for m in messages) + dt.timedelta(days=1)).isoformat()
    for po in sorted(book.orders):
        args.po = po
        run_orders_show(args, settings)
    # and what the buyer reads: the digest as it would go out at that instant
    with open_app(settings) as app, Session(app.engine) as session:
        for buyer in (c.id for c in book.contacts.values() if c.role == "buyer"):
            digest = assemble_digest(session, book, buyer, dt.datetime.fromisoformat(args.as_of), args.as_of)
            print("\n" + to_text(digest, book))
    return 1 if errors else 0
