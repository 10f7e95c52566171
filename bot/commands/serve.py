"""`serve`: the webhooks, the worker and (later) the scheduler, in one process."""
from __future__ import annotations

import argparse
import logging
import sys
import threading

import uvicorn

from bot.commands.common import open_app
from bot.scheduling.scheduler import DigestScheduler
from bot.settings import Settings
from bot.web import make_web
from bot.worker import Worker


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add `serve`."""
    p = sub.add_parser("serve", parents=[common], help="run the webhooks and the worker")
    p.add_argument("--host", help="listen address (default [server] host, 127.0.0.1)")
    p.add_argument("--port", type=int, help="listen port (default [server] port, 8080)")
    p.add_argument("--telegram-polling", action="store_true",
                   help="fetch Telegram updates with getUpdates instead of the webhook (local use, no public URL); "
                        "the default when [telegram] webhook_secret is not set")
    p.set_defaults(run=run_serve)


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Serve until interrupted; the worker resumes whatever a previous run left pending."""
    host = args.host or settings.server.host
    port = args.port or settings.server.port
    with open_app(settings) as app:
        for name, cfg in (("whatsapp (twilio)", settings.twilio), ("telegram", settings.telegram),
                          ("wecom", settings.wecom)):
            state = "on" if cfg.enabled else "off (its secrets are not set)"
            print(f"serve: {name} channel {state}", file=sys.stderr)
        worker = Worker(app)
        worker.start()
        scheduler = DigestScheduler(app) if settings.schedule.enabled else None
        if scheduler is None:
            print("serve: digest scheduler off ([schedule] enabled = 0)", file=sys.stderr)
        elif scheduler.start():
            print("serve: digests and alerts are scheduled by this process", file=sys.stderr)
        else:
            print("serve: digests: another process schedules them; this one waits to take over", file=sys.stderr)
        app.ingest.start()
        stop_polling, poller = threading.Event(), None
        if settings.telegram.enabled and (args.telegram_polling or not settings.telegram.webhook_secret):
            from bot.channels.telegram_live import poll_forever

            poller = threading.Thread(target=poll_forever, args=(app, stop_polling, worker.wake),
                                      name="telegram-poller", daemon=True)
            poller.start()
            print("serve: telegram by polling (getUpdates), not by webhook", file=sys.stderr)
        print(f"serve: listening on http://{host}:{port}", file=sys.stderr, flush=True)
        try:
            uvicorn.run(make_web(app, wake=worker.wake), host=host, port=port, log_level="warning",
                        access_log=False)
        finally:
            if scheduler is not None:
                scheduler.stop()
            stop_polling.set()
            if poller is not None:
                poller.join(30)
            app.ingest.stop()
            worker.stop()
            logging.getLogger(__name__).info("serve stopped")
    return 0
