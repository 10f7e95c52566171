"""WhatsApp through Twilio, wired as a live channel: its sender, fetcher and webhook route."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.channels import twilio
from bot.settings import Settings
from bot.webcommon import FORBIDDEN, keep_bad, last_inbound_at, public_url

NAME = twilio.NAME
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def enabled(settings: Settings) -> bool:
    """On when the account SID and auth token are set."""
    return settings.twilio.enabled


def build(settings: Settings, engine: Any, clock: Any) -> tuple[twilio.TwilioChannel, twilio.TwilioMediaFetcher]:
    """The sender (24-hour window aware) and the media fetcher."""
    channel = twilio.TwilioChannel(settings.twilio, last_inbound=lambda chat: last_inbound_at(engine, NAME, chat),
                                   now=clock.now)
    return channel, twilio.TwilioMediaFetcher(settings.twilio)


def routes(app: Any, wake: Callable[[], None]) -> list[Route]:
    """POST /webhooks/twilio: check the signature, store raw, answer an empty TwiML at once."""

    async def webhook(request: Request) -> Response:
        cfg = app.settings.twilio
        form = {k: str(v) for k, v in (await request.form()).items()}
        if not twilio.signature_ok(cfg.auth_token, public_url(app, request), form,
                                   request.headers.get("X-Twilio-Signature")):
            return FORBIDDEN
        try:
            msg = twilio.to_inbound(form, app.clock.now())
        except ValueError as exc:
            # signed but unusable: keep it in quarantine so nothing is lost
            await run_in_threadpool(keep_bad, app, NAME, form, str(exc))
            return Response(EMPTY_TWIML, media_type="application/xml")
        await app.ingest.store(msg)
        wake()
        return Response(EMPTY_TWIML, media_type="application/xml")

    return [Route("/webhooks/twilio", webhook, methods=["POST"])]
