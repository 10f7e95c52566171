"""`decisions`: what buyers decided (and agents relayed), each with the message it rests on."""
from __future__ import annotations

import argparse
import json
from typing import Any

from sqlmodel import Session

from bot.commands.common import open_app
from bot.settings import Settings
from store import decision_repo
from store.decision_repo import DecisionRecord


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add `decisions`."""
    p = sub.add_parser("decisions", parents=[common], help="buyer decisions, in time order")
    p.add_argument("--order", metavar="PO", help="only this order")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(run=run_decisions)


def decision_record(d: DecisionRecord) -> dict[str, Any]:
    """A decision as CONTRACT lists it (a lifted hold shows as verb hold, state lift; a refused one says why)."""
    return {"order": d.order, "milestone": d.milestone, "verb": d.verb, "by": d.by, "on_behalf_of": d.on_behalf_of,
            "at": d.at.isoformat(), "message_id": d.message_id, "state": d.state, "reason": d.reason}


def run_decisions(args: argparse.Namespace, settings: Settings) -> int:
    """Print the decisions."""
    with open_app(settings) as app, Session(app.engine) as session:
        records = [decision_record(d) for d in decision_repo.decisions(session, args.order)]
    if args.format == "json":
        print(json.dumps(records, ensure_ascii=False, indent=1))
        return 0
    for r in records:
        relay = f" for {r['on_behalf_of']}" if r["on_behalf_of"] else ""
        note = "" if r["state"] == "given" else f" [{r['state']}{': ' + r['reason'] if r['reason'] else ''}]"
        print(f"{r['at']}  {r['order'] or '(which order?)':<14} {r['verb']:<11} by {r['by']}{relay}"
              f"{note}  · {r['message_id']}")
    print(f"{len(records)} decision(s)")
    return 0
