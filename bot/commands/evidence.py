"""`evidence export`: one JSON object per inbound message, in arrival order."""
from __future__ import annotations

import argparse
import json
import sys
from contextlib import nullcontext
from pathlib import Path

from bot.commands.common import open_app
from bot.services import export_evidence
from bot.settings import Settings


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add `evidence export`."""
    ev = sub.add_parser("evidence", help="the tagged evidence").add_subparsers(dest="what", metavar="ACTION",
                                                                              required=True)
    p = ev.add_parser("export", parents=[common], help="one record per inbound message")
    p.add_argument("--format", choices=["jsonl", "json"], default="jsonl")
    p.add_argument("--out", help="write to this file instead of standard output")
    p.add_argument("--chat", help="only this chat")
    p.set_defaults(run=run_export)


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    """Write the export."""
    out_ctx = Path(args.out).open("w", encoding="utf-8") if args.out else nullcontext(sys.stdout)
    n = 0
    with open_app(settings) as app, out_ctx as out:
        records = export_evidence(app.engine, args.chat)
        if args.format == "json":
            json.dump(list(records), out, ensure_ascii=False, indent=1)
            out.write("\n")
        else:
            for rec in records:
                out.write(json.dumps(rec, ensure_ascii=False) + "\n")
                n += 1
    if args.out:
        print(f"evidence: wrote {args.out}", file=sys.stderr)
    return 0
