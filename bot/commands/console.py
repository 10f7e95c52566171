"""`console --as CONTACT_ID`: chat with the bot in the terminal."""
from __future__ import annotations

import argparse
import sys
import uuid

from sqlmodel import Session

from bot.channels.console import ConsoleChannel, to_inbound
from bot.commands.common import open_app
from bot.services import UserError
from bot.settings import Settings
from store.models import Contact

HELP = "Type a message, `/photo PATH [caption]`, `/file PATH [caption]`, or `/quit`."


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add `console`."""
    p = sub.add_parser("console", parents=[common], help="chat with the bot in the terminal")
    p.add_argument("--as", dest="contact", required=True, metavar="CONTACT_ID", help="who you are")
    p.set_defaults(run=run_console)


def run_console(args: argparse.Namespace, settings: Settings) -> int:
    """Read lines from standard input until end of input or /quit."""
    channel = ConsoleChannel(sys.stdout, me=args.contact)
    with open_app(settings, channels={"console": channel}) as app:
        with Session(app.engine) as session:
            if session.get(Contact, args.contact) is None:
                raise UserError(f"unknown contact: {args.contact} (load it with `orderproof contacts import`)")
        interactive = sys.stdin.isatty()
        if interactive:
            print(HELP)
        while True:
            if interactive:
                sys.stdout.write(f"{args.contact}> ")
                sys.stdout.flush()
            line = sys.stdin.readline()
            if not line or line.strip() in ("/quit", "/exit"):
                return 0
            if not line.strip():
                continue
            try:
                msg = to_inbound({"line": line, "as": args.contact, "id": uuid.uuid4().hex,
                                  "at": app.clock.now().isoformat()})
            except ValueError as exc:
                print(f"bot> {exc}")
                continue
            app.pipeline.receive([msg], notify=True)
            app.pipeline.process_pending()
            app.send_outbox()
