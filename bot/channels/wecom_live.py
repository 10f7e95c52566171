"""WeCom (WeChat Work) wired as a live channel: its sender, fetcher and callback route.

The SDK (wechatpy, inside bot.channels.wecom) is imported only when the channel is built or routed, so a run with
WeCom off never loads it.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.settings import Settings
from bot.webcommon import FORBIDDEN, keep_bad

if TYPE_CHECKING:
    from bot.channels.wecom import WecomChannel, WecomMediaFetcher

NAME = "wecom"
PATH = "/webhooks/wecom"
log = logging.getLogger(__name__)


def enabled(settings: Settings) -> bool:
    """On when the corp id, the app secret, the callback token and the EncodingAESKey are set."""
    return settings.wecom.enabled


def build(settings: Settings, engine: Any, clock: Any) -> tuple[WecomChannel, WecomMediaFetcher]:
    """The sender and the media fetcher, sharing one API client (and so one cached access token).

    A malformed EncodingAESKey or AgentId is a SettingsError here, at start, not at the first callback.
    """
    from bot.channels import wecom

    wecom.callback_crypto(settings.wecom)
    api = wecom.WecomApi(settings.wecom, now=clock.now)
    return wecom.WecomChannel(settings.wecom, api), wecom.WecomMediaFetcher(api)


def _ok() -> Response:
    # WeCom wants an answer within 5 seconds; an empty body means "received, no passive reply"
    return Response(b"", media_type="text/plain")


async def _read_capped(request: Request, cap: int) -> bytes | None:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def routes(app: Any, wake: Callable[[], None]) -> list[Route]:
    """GET|POST /webhooks/wecom: URL verification, and messages verified, decrypted, stored raw, answered at once."""
    from bot.channels import wecom

    crypto = wecom.callback_crypto(app.settings.wecom)

    async def callback(request: Request) -> Response:
        q = request.query_params
        sig, timestamp, nonce = q.get("msg_signature"), q.get("timestamp"), q.get("nonce")
        if request.method == "GET":
            try:
                echo = crypto.verify_url(sig, timestamp, nonce, q.get("echostr"))
            except wecom.Forged:
                return FORBIDDEN
            except wecom.Unreadable as exc:
                log.warning("wecom URL verification refused: %s", exc)
                return FORBIDDEN
            return PlainTextResponse(echo)
        body = await _read_capped(request, wecom.MAX_CALLBACK_BYTES)
        if body is None:
            return PlainTextResponse("too large", status_code=413)
        try:
            fields = crypto.open(body, sig, timestamp, nonce)
        except wecom.Forged:
            return FORBIDDEN
        except wecom.Unreadable as exc:
            # signed with our token, so it is ours, but our corp id or key cannot open it (a configuration
            # mistake): keep the ciphertext in quarantine, answer so WeCom stops retrying
            await run_in_threadpool(keep_bad, app, NAME, exc.payload, str(exc))
            return _ok()
        if fields.get("MsgType") == "event":
            # events (enter_agent, subscribe, location reports...) are not messages: no MsgId, nothing said
            log.info("wecom event %s from %s ignored", fields.get("Event"), fields.get("FromUserName"))
            return _ok()
        try:
            msg = wecom.to_inbound(fields)
        except ValueError as exc:
            await run_in_threadpool(keep_bad, app, NAME, fields, str(exc))
            return _ok()
        await app.ingest.store(msg)
        wake()
        return _ok()

    return [Route(PATH, callback, methods=["GET", "POST"])]
