"""The web front: webhook routes that authenticate, store raw, and acknowledge; nothing slow runs here."""
from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.bootstrap import App
from bot.channels.registry import live_channels
from store.inbound_repo import count_pending


def make_web(app: App, wake: Callable[[], None] = lambda: None) -> Starlette:
    """The starlette application for `serve`: /healthz and the webhook of every channel that is on."""

    async def healthz(request: Request) -> Response:
        def pending() -> int:
            with Session(app.engine) as session:
                return count_pending(session)
        return JSONResponse({"status": "ok", "pending": await run_in_threadpool(pending)})

    routes = [Route("/healthz", healthz)]
    for module in live_channels():
        if module.enabled(app.settings):
            routes += module.routes(app, wake)
    return Starlette(routes=routes)
