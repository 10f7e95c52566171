"""`review`: the post-order review of an order's risks: lead time, owner, proof and days open."""
from __future__ import annotations

import argparse
import json
from typing import Any

from sqlmodel import Session

from bot.commands.book import parse_instant
from bot.commands.common import open_app
from bot.domain.review import ReviewItem, ReviewSummary, review, summarize
from bot.orderfile import risk_id
from bot.services import UserError
from bot.settings import Settings
from store import review_repo, risk_repo
from store.book_repo import load_book


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add `review`."""
    p = sub.add_parser("review", parents=[common], help="the post-order review of an order's risks")
    p.add_argument("po", metavar="PO", help="the order")
    p.add_argument("--as-of", metavar="ISO-8601", help="the instant (default now); only risks opened by then count")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(run=run_review)


def review_record(item: ReviewItem) -> dict[str, Any]:
    """A review item as CONTRACT lists it."""
    return {"risk": risk_id(item.risk), "kind": item.kind, "milestone": item.milestone,
            "first_signal_at": item.first_signal_at.isoformat(),
            "planned": item.planned.isoformat() if item.planned else None, "lead_days": item.lead_days,
            "owner_named": item.owner_named, "proof_attached": item.proof_attached, "open_days": item.open_days}


def _days(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}d"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def summary_line(s: ReviewSummary) -> str:
    """The review in one line."""
    return (f"{s.risks} risk(s) · average lead {_days(s.average_lead_days)} · {_share(s.owner_share)} with an owner"
            f" · {_share(s.proof_share)} closed with proof · median open {_days(s.median_open_days)}")


def run_review(args: argparse.Namespace, settings: Settings) -> int:
    """Print the review of one order."""
    with open_app(settings) as app, Session(app.engine) as session:
        as_of = parse_instant(args.as_of) if args.as_of else app.clock.now()
        book = load_book(session)
        order = book.orders.get(args.po)
        if order is None:
            raise UserError(f"unknown PO: {args.po}")
        views = risk_repo.risks_as_of(session, as_of, [args.po], include_unknown_order=False)
        # the first signal is the opening message as it stands (a re-tagged opener hands the risk to its next one)
        rows = [v.risk._replace(opened_at=v.opened_at) for v in views]
        with_files = review_repo.messages_with_files(session, [r.closed_by for r in rows if r.closed_by])
    items = review(rows, order.milestones, with_files, as_of)
    if args.format == "json":
        print(json.dumps([review_record(i) for i in items], ensure_ascii=False, indent=1))
        return 0
    for i in items:
        print(f"{risk_id(i.risk):>5} {i.kind:<17} {i.milestone or '-':<18} first {i.first_signal_at:%Y-%m-%d %H:%M}Z"
              f" planned {i.planned or '-'} lead {_days(i.lead_days)} · owner {'yes' if i.owner_named else 'no'}"
              f" · proof {'yes' if i.proof_attached else 'no'}"
              f" · {'still open' if i.open_days is None else f'closed after {i.open_days:.1f}d'}")
    print(summary_line(summarize(items)))
    return 0
