"""The web front: webhook routes that authenticate, store raw, and acknowledge; nothing slow runs here."""
from __future__ import annotations

import logging
from collections.abc import Callable

from sqlmodel import Session
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.bootstrap import App
from bot.channels import twilio
from store.inbound_repo import count_pending, quarantine

log = logging.getLogger(__name__)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
FORBIDDEN = PlainTextResponse("forbidden", status_code=403)


def public_url(app: App, request: Request) -> str:
    """The URL the provider signed: the configured public URL behind a proxy, else what we were asked."""
    base = app.settings.server.public_url.rstrip("/")
    if base:
        return base + request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return str(request.url)


def make_web(app: App, wake: Callable[[], None] = lambda: None) -> Starlette:
    """The starlette application for `serve`: webhooks and /healthz."""

    def keep_bad(channel: str, payload: dict, reason: str) -> None:
        log.warning("%s payload quarantined: %s", channel, reason)
        with Session(app.engine) as session:
            quarantine(session, channel, payload, reason, app.clock.now())
            session.commit()

    async def healthz(request: Request) -> Response:
        def pending() -> int:
            with Session(app.engine) as session:
                return count_pending(session)
        return JSONResponse({"status": "ok", "pending": await run_in_threadpool(pending)})

    async def twilio_webhook(request: Request) -> Response:
        cfg = app.settings.twilio
        if not cfg.enabled:
            return PlainTextResponse("twilio channel is off", status_code=404)
        form = {k: str(v) for k, v in (await request.form()).items()}
        if not twilio.signature_ok(cfg.auth_token, public_url(app, request), form,
                                   request.headers.get("X-Twilio-Signature")):
            return FORBIDDEN
        try:
            msg = twilio.to_inbound(form, app.clock.now())
        except ValueError as exc:
            # signed but unusable: keep it in quarantine so nothing is lost, and say so once
            await run_in_threadpool(keep_bad, "whatsapp", form, str(exc))
            return Response(EMPTY_TWIML, media_type="application/xml")
        await run_in_threadpool(app.pipeline.receive, [msg], True)
        wake()
        return Response(EMPTY_TWIML, media_type="application/xml")

    routes = [Route("/healthz", healthz), Route("/webhooks/twilio", twilio_webhook, methods=["POST"])]
    return Starlette(routes=routes)
