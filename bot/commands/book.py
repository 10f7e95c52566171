"""`orders import|show` and `contacts import|link-code`."""
from __future__ import annotations

import argparse
import datetime as dt

from rich.console import Console
from rich.table import Table
from sqlmodel import Session, select

from bot.commands.common import open_app, read_json
from bot.digests.words import action_text
from bot.orderfile import order_files
from bot.services import UserError, import_contacts, import_orders, new_link_code
from bot.settings import Settings
from store.inbound_repo import proof_of
from store.models import Order


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the order-book commands."""
    orders = sub.add_parser("orders", help="the order book").add_subparsers(dest="what", metavar="ACTION",
                                                                            required=True)
    p = orders.add_parser("import", parents=[common], help="load orders from JSON (upsert by po)")
    p.add_argument("file")
    p.set_defaults(run=run_orders_import)
    p = orders.add_parser("show", parents=[common], help="an order's milestone file")
    p.add_argument("po")
    p.add_argument("--as-of", help="an ISO-8601 instant: only what had arrived by then counts (default: now)")
    p.set_defaults(run=run_orders_show)
    contacts = sub.add_parser("contacts", help="people and their channels").add_subparsers(
        dest="what", metavar="ACTION", required=True)
    p = contacts.add_parser("import", parents=[common], help="load contacts from JSON (upsert by id)")
    p.add_argument("file")
    p.set_defaults(run=run_contacts_import)
    p = contacts.add_parser("link-code", parents=[common], help="a one-time code that links a chat user")
    p.add_argument("contact_id")
    p.set_defaults(run=run_link_code)


def run_orders_import(args: argparse.Namespace, settings: Settings) -> int:
    """Load an order book file."""
    doc = read_json(args.file)
    with open_app(settings) as app:
        created, updated = import_orders(app.engine, doc)
    _report("orders", created, updated)
    return 0


def _report(what: str, created: list[str], updated: list[str]) -> None:
    print(f"{what}: {len(created)} created, {len(updated)} updated")
    for key in created:
        print(f"  created {key}")
    for key in updated:
        print(f"  updated {key}")


def run_contacts_import(args: argparse.Namespace, settings: Settings) -> int:
    """Load a contacts file."""
    doc = read_json(args.file)
    with open_app(settings) as app:
        created, updated, unknown = import_contacts(app.engine, doc)
    _report("contacts", created, updated)
    for pair in unknown:
        print(f"  warning: {pair.split(':', 1)[0]} is assigned to unknown order {pair.split(':', 1)[1]}")
    return 0


def run_link_code(args: argparse.Namespace, settings: Settings) -> int:
    """Print a one-time link code for a contact."""
    with open_app(settings) as app:
        code, expires = new_link_code(app.engine, args.contact_id, app.clock)
    print(code)
    print(f"valid until {expires.isoformat(timespec='minutes')}; send `/start {code}` to the bot")
    return 0


def parse_instant(text: str) -> dt.datetime:
    """An aware ISO-8601 instant, or a one-line UserError."""
    try:
        at = dt.datetime.fromisoformat(text)
    except ValueError:
        raise UserError(f"not an ISO-8601 instant: {text}") from None
    if at.tzinfo is None:
        raise UserError(f"the instant needs a UTC offset: {text}")
    return at


def run_orders_show(args: argparse.Namespace, settings: Settings) -> int:
    """Print an order's milestone file as a table."""
    with open_app(settings) as app, Session(app.engine) as session:
        order = session.exec(select(Order).where(Order.po == args.po)).first()
        if order is None:
            raise UserError(f"unknown PO: {args.po}")
        from store.book_repo import load_book

        book = load_book(session)
        info = book.orders[order.po]
        as_of = parse_instant(args.as_of) if getattr(args, "as_of", None) else app.clock.now()
        # proof only: a stale or recycled photo, or a post on an order the sender is not on, is kept but not counted
        proof, flagged = proof_of(session, order.po, as_of)
        file = order_files(session, book, [order.po], as_of)[0]
        states = file.states
    table = Table(title=f"{info.po} · {info.buyer} · {info.status} · ship {info.ship_date or '-'}")
    for col in ("milestone", "planned", "status", "evidence", "last evidence", "exceptions", "next action"):
        table.add_column(col)
    for s in states:
        exceptions = sorted({t.exception for t in file.timeline if t.milestone == s.milestone and t.exception})
        action = "-" if s.next_action is None else (
            f"{s.next_action.owner.contact or s.next_action.owner.role}: {action_text(s.next_action, 'en')}")
        table.add_row(s.milestone, str(s.planned or "-"), s.status, str(len(s.evidence)),
                      str(s.last_evidence or "-"), ", ".join(exceptions) or "-", action)
    console = Console()
    if not console.is_terminal:
        console = Console(width=120)  # a log or a file has no width: use one that fits the table
    console.print(table)
    console.print(f"{len(proof)} messages count as proof; {flagged} kept but not counted "
                  "(stale, recycled or unassigned)")
    return 0
