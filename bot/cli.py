"""The `orderproof` command line: parse arguments, wire the app, run one command. No logic here."""
from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from bot.commands import (
    book,
    console,
    decisions,
    demo,
    digest,
    evidence,
    handover,
    importer,
    replay,
    review,
    risks,
    serve,
)
from bot.services import UserError
from bot.settings import SettingsError, load_settings
from parsers.orderbook import BookError


def _globals(parser: argparse.ArgumentParser, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--db", metavar="URL", default=default, help="database URL (default sqlite:///orderproof.db)")
    parser.add_argument("--config", metavar="FILE", default=default, help="config file (TOML)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="orderproof", description="Purchase-order milestone evidence from chat.")
    _globals(parser, suppress=False)
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    common = argparse.ArgumentParser(add_help=False)
    _globals(common, suppress=True)
    for module in (book, replay, importer, evidence, risks, decisions, review, digest, handover, console, demo,
                   serve):
        module.register(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; a user's mistake prints one line and exits non-zero."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.CRITICAL,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings(args.config)
        if args.db:
            settings = settings.replace("store", url=args.db)
        return int(args.run(args, settings) or 0)
    except (UserError, SettingsError, BookError) as exc:
        print(f"orderproof: error: {exc}", file=sys.stderr)
        return 1
    except FileNotFoundError as exc:
        print(f"orderproof: error: file not found: {exc.filename or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # the reader went away (e.g. `| head`); stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
