"""`risks`: the risk register, each with its owner, deadline, proof needed and messages."""
from __future__ import annotations

import argparse
import json
from typing import Any

from sqlmodel import Session

from bot.commands.common import open_app
from bot.orderfile import risk_id
from bot.settings import Settings
from store import risk_repo
from store.risk_repo import RiskView


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add `risks`."""
    p = sub.add_parser("risks", parents=[common], help="the risks: open, closed or all")
    p.add_argument("--order", metavar="PO", help="only this order")
    p.add_argument("--state", choices=["open", "closed", "all"], default="open")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(run=run_risks)


def risk_record(view: RiskView) -> dict[str, Any]:
    """A risk as CONTRACT lists it."""
    r = view.risk
    return {"id": risk_id(view), "order": r.order_po, "milestone": r.milestone, "kind": r.kind,
            "severity": r.severity, "owner": r.owner_contact_id, "owner_role": r.owner_role,
            "deadline": r.due.isoformat() if r.due else None, "state": view.state,
            "proof_required": r.proof_required, "messages": list(view.messages), "opened_by": view.opened_by,
            "closed_by": view.closed_by, "summary": r.summary, "rule": r.rule, "no_buffer": r.no_buffer,
            "revised_date": r.revised_date.isoformat() if r.revised_date else None,
            "decision_needed": r.decision_needed}


def run_risks(args: argparse.Namespace, settings: Settings) -> int:
    """Print the risks."""
    with open_app(settings) as app, Session(app.engine) as session:
        views = risk_repo.risks_as_of(session, None, [args.order] if args.order else None,
                                      include_unknown_order=False)
    records = [risk_record(v) for v in views if args.state in ("all", v.state)]
    if args.format == "json":
        print(json.dumps(records, ensure_ascii=False, indent=1))
        return 0
    for rec in records:
        print(f"{rec['id']:>5} {rec['state']:<6} {rec['order'] or '-':<14} {rec['milestone'] or '-':<18} "
              f"{rec['kind']:<17} {rec['severity']:<8} {rec['owner'] or '-'} ({rec['owner_role']}) "
              f"due {rec['deadline'] or '-'} · needs {rec['proof_required']} · {len(rec['messages'])} message(s)")
    print(f"{len(records)} risk(s)")
    return 0
