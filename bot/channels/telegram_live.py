"""Telegram wired as a live channel: its sender, fetcher, webhook route, and a polling loop for local use.

The SDK (python-telegram-bot, inside bot.channels.telegram) is imported only when the channel is built or routed, so
a run with Telegram off never loads it.
"""
from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.messages import OutboundMessage
from bot.outbox import enqueue
from bot.settings import Settings
from bot.webcommon import FORBIDDEN, keep_bad

if TYPE_CHECKING:
    from bot.channels.telegram import BotRunner, TelegramChannel, TelegramFetcher

NAME = "telegram"
WEBHOOK_PATH = "/webhooks/telegram"
log = logging.getLogger(__name__)


def enabled(settings: Settings) -> bool:
    """On when the bot token is set."""
    return settings.telegram.enabled


def build(settings: Settings, engine: Any, clock: Any) -> tuple[TelegramChannel, TelegramFetcher]:
    """The sender and the fetcher, sharing one SDK loop (started on first use)."""
    from bot.channels import telegram

    runner = telegram.BotRunner(settings.telegram)
    return telegram.TelegramChannel(settings.telegram, runner), telegram.TelegramFetcher(settings.telegram, runner)


def answer_key(query_id: str) -> str:
    """The outbox dedupe key of the answer to a callback query (one answer per query)."""
    return f"tg-answer:{query_id}"


def accept(app: Any, update: Any) -> int:
    """Store one authentic Update raw (the webhook and the poller share this); returns how many rows were new.

    Edits, member changes and service notices are acknowledged and not kept. What cannot be read is quarantined.
    A button press is stored like a message, and its answer (which stops the button's spinner) is queued.
    """
    from bot.channels import telegram

    try:
        msg = telegram.to_inbound(update, now=app.clock.now())
    except telegram.Ignored as exc:
        log.debug("telegram update ignored: %s", exc)
        return 0
    except ValueError as exc:
        keep_bad(app, NAME, update if isinstance(update, dict) else {"update": update}, str(exc))
        return 0
    added = app.ingest.submit(msg).result()
    query = telegram.callback_query_id(update)
    if query:
        with Session(app.engine) as session:
            enqueue(session, OutboundMessage(NAME, f"{telegram.CALLBACK_PREFIX}{query}", "", answer_key(query)),
                    app.clock.now())
            session.commit()
    return added


def routes(app: Any, wake: Callable[[], None]) -> list[Route]:
    """POST /webhooks/telegram: check the secret token, store raw, answer 200 at once."""
    from bot.channels import telegram

    async def webhook(request: Request) -> Response:
        if not telegram.secret_ok(app.settings.telegram.webhook_secret, request.headers.get(telegram.SECRET_HEADER)):
            return FORBIDDEN
        body = await request.body()
        try:
            update = json.loads(body)
        except ValueError:
            await run_in_threadpool(keep_bad, app, NAME, {"body": body.decode("utf-8", "replace")}, "not JSON")
            return Response(status_code=200)
        if await run_in_threadpool(accept, app, update):
            wake()
        return Response(status_code=200)  # Telegram redelivers anything else

    return [Route(WEBHOOK_PATH, webhook, methods=["POST"])]


def poll_forever(app: Any, stop: threading.Event, wake: Callable[[], None] = lambda: None, timeout: int = 20,
                 runner: BotRunner | None = None) -> None:
    """Local use without a public URL: getUpdates until `stop` is set, each update through `accept`.

    The offset moves past an update only after it is stored, so a crash gets it again (and dedupe drops it).
    Uses the app's Telegram channel's SDK loop when there is one.
    """
    from bot.channels import telegram

    channel = app.channels.get(NAME)
    own = runner is None and not isinstance(channel, telegram.TelegramChannel)
    runner = runner or (channel.runner if isinstance(channel, telegram.TelegramChannel)
                        else telegram.BotRunner(app.settings.telegram))
    offset: int | None = None
    pause = 1.0
    try:
        while not stop.is_set():
            try:
                updates = telegram.get_updates(runner, offset, timeout, stop)
            except Exception as exc:  # the network or Telegram is down: wait and go on
                log.warning("telegram getUpdates failed: %s: %s", type(exc).__name__, exc)
                stop.wait(pause)
                pause = min(60.0, pause * 2)
                continue
            new = 0
            try:
                for update in updates:
                    new += accept(app, update)
                    if isinstance(update.get("update_id"), int):
                        offset = max(offset or 0, update["update_id"] + 1)
            except Exception:  # the store is unavailable: what was not stored comes again with the same offset
                log.exception("telegram update not stored")
                stop.wait(pause)
                pause = min(60.0, pause * 2)
            else:
                pause = 1.0
            if new:
                wake()
    finally:
        if own:
            runner.close()
