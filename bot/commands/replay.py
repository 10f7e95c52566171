"""`replay` (corpus-schema messages as if they arrived at their ts) and `reprocess`."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.commands.common import open_app, progress_bar
from bot.services import UserError, requeue
from bot.settings import Settings
from parsers.corpus import read_messages


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add `replay` and `reprocess`."""
    p = sub.add_parser("replay", parents=[common], help="feed corpus-schema JSONL files through the pipeline")
    p.add_argument("files", nargs="+", metavar="FILE.jsonl")
    p.add_argument("--chat", help="the chat name (one file only); default: the file's folder name")
    p.add_argument("--media-dir", help="where attachment paths are relative to (default: the file's folder)")
    p.add_argument("--notify", action="store_true", help="send replies and prompts (history sends nothing)")
    p.set_defaults(run=run_replay)
    p = sub.add_parser("reprocess", parents=[common], help="re-tag stored messages with the current rules")
    p.add_argument("--chat", help="only this chat")
    p.add_argument("--failed", action="store_true", help="only messages whose processing failed")
    p.set_defaults(run=run_reprocess)


def run_replay(args: argparse.Namespace, settings: Settings) -> int:
    """Replay files merged by time; bad lines are reported and skipped, never stored."""
    if args.chat and len(args.files) > 1:
        raise UserError("--chat takes one file only")
    paths = [Path(f) for f in args.files]
    for p in paths:
        if not p.is_file():
            raise UserError(f"file not found: {p}")
    messages, errors = [], []
    for p in paths:
        got, bad = read_messages(p, args.chat, args.media_dir)
        messages += got
        errors += bad
    messages.sort(key=lambda m: m.received_at)  # sorted() is stable: equal times keep file order
    with open_app(settings) as app:
        added = app.pipeline.receive(messages, notify=args.notify)
        with progress_bar("tagging", added) as advance:
            report = app.pipeline.process_pending(progress=advance)
        if args.notify:
            app.send_outbox()
    print(f"replay: {len(messages)} messages read, {added} new, {report.processed} processed, "
          f"{report.failed} failed, {len(errors)} bad lines")
    for e in errors:
        print(f"orderproof: error: {e}", file=sys.stderr)
    for e in report.errors[:20]:
        print(f"orderproof: failed: {e}", file=sys.stderr)
    return 1 if errors else 0


def run_reprocess(args: argparse.Namespace, settings: Settings) -> int:
    """Re-tag stored messages with the current rules."""
    with open_app(settings) as app:
        n = requeue(app.engine, args.chat, args.failed)
        with progress_bar("re-tagging", n) as advance:
            report = app.pipeline.process_pending(progress=advance)
    print(f"reprocess: {report.processed} re-tagged, {report.failed} failed")
    return 0
