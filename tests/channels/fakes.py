"""Loopback fakes that speak the providers' real wire formats, for the channel tests.

Nothing here replaces our own code: these are the servers on the other side of the HTTP seam (Twilio's REST API,
its media URLs and the CDN they redirect to), run with uvicorn on 127.0.0.1 with an ephemeral port.
"""
from __future__ import annotations

import base64
import copy
import datetime as dt
import email.utils
import json
import mimetypes
import secrets
import socket
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import anyio
import anyio.to_thread
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route
from twilio.request_validator import RequestValidator

PAYLOADS = Path(__file__).with_name("payloads")


def load_payload(name: str) -> dict[str, Any]:
    """A recorded payload from tests/channels/payloads (a fresh copy each time)."""
    return copy.deepcopy(json.loads((PAYLOADS / name).read_text(encoding="utf-8")))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (for child processes that bind by number)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate: Any, timeout: float, what: str, step: float = 0.01) -> Any:
    """Poll `predicate()` until it returns something truthy; AssertionError naming `what` after `timeout` s."""
    pause = threading.Event()
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        pause.wait(step)


# ---------------------------------------------------------------- running an ASGI app on loopback


class LoopbackServer:
    """An ASGI app under uvicorn in a background thread, on 127.0.0.1 and a port the OS picked."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._sock: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """http://127.0.0.1:PORT, no trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> LoopbackServer:
        """Bind, serve in a thread, and return once uvicorn says it has started."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._sock, self.port = sock, sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off", ws="none",
                                timeout_graceful_shutdown=2)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name=f"loopback-{self.port}", daemon=True)
        self._thread.start()
        wait_until(lambda: self._server.started or not self._thread.is_alive(), timeout, "the loopback server")
        if not self._server.started:
            raise RuntimeError("the loopback server did not start")
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Ask uvicorn to exit, wait for its thread, and close the socket."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        if self._sock is not None:
            self._sock.close()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# ---------------------------------------------------------------- Twilio: media, CDN, REST


@dataclass
class Media:
    """One piece of media the fake holds: its bytes and how to serve them."""

    data: bytes
    content_type: str = "image/jpeg"
    chunked: bool = False  # serve without Content-Length, as a stream
    redirect_host: str | None = None  # send the 302 to this host (same port) instead of 127.0.0.1


@dataclass
class Seen:
    """One request the fake received."""

    method: str
    path: str
    host: str
    headers: dict[str, str]
    status: int = 0


@dataclass
class FakeTwilio:
    """Twilio as the bot sees it: the REST API for outbound messages, media URLs that demand Basic auth and
    redirect to a CDN that must get no credentials, and the CDN itself.

    Media can be registered (`add_media`, `add_file`) or served from a rendered corpus folder
    (`/media/<chat>/<file>` from `media_root/<chat>/whatsapp/<file>`, as render.py's MediaUrl0 expects).
    `cdn_gate` is open by default; clear it to hold every CDN response until it is set again.
    """

    account_sid: str
    auth_token: str
    media_root: Path | None = None
    requests: list[Seen] = field(default_factory=list)
    sent: list[dict[str, str]] = field(default_factory=list)
    downloads: int = 0
    cdn_gate: threading.Event = field(default_factory=threading.Event)
    cdn_delay: float = 0.0  # seconds each CDN download takes (a real CDN is not instant)
    media: dict[str, Media] = field(default_factory=dict)
    _cdn: dict[str, Media] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    server: LoopbackServer | None = None

    def __post_init__(self) -> None:
        self.cdn_gate.set()

    # ------------------------------------------------------------ set-up
    @property
    def port(self) -> int:
        """The port the fake listens on."""
        assert self.server is not None, "start the fake first"
        return self.server.port

    @property
    def url(self) -> str:
        """The API root, to use as `[twilio] api_base_url`."""
        assert self.server is not None, "start the fake first"
        return self.server.url

    def start(self) -> FakeTwilio:
        """Serve on loopback."""
        self.server = LoopbackServer(self.app()).start()
        return self

    def stop(self) -> None:
        """Stop serving (opens the CDN gate first so that no request hangs)."""
        self.cdn_gate.set()
        if self.server is not None:
            self.server.stop()

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def add_media(self, data: bytes, content_type: str = "image/jpeg", host: str = "127.0.0.1",
                  **how: Any) -> str:
        """Register media under a Twilio-style URL (.../Messages/MM.../Media/ME...) and return that URL."""
        msg, med = "MM" + secrets.token_hex(16), "ME" + secrets.token_hex(16)
        self.media[f"{msg}/{med}"] = Media(data, content_type, **how)
        return f"http://{host}:{self.port}/2010-04-01/Accounts/{self.account_sid}/Messages/{msg}/Media/{med}"

    def add_file(self, chat: str, name: str, data: bytes, content_type: str = "image/jpeg", **how: Any) -> str:
        """Register media under render.py's URL shape (/media/<chat>/<name>; `name` is quoted into the URL)."""
        self.media[f"{chat}/{name}"] = Media(data, content_type, **how)
        return f"http://127.0.0.1:{self.port}/media/{quote(chat, safe='')}/{quote(name, safe='')}"

    # ------------------------------------------------------------ what happened
    def requests_to(self, prefix: str) -> list[Seen]:
        """Requests whose path starts with `prefix`."""
        with self._lock:
            return [r for r in self.requests if r.path.startswith(prefix)]

    @property
    def media_requests(self) -> list[Seen]:
        """Every request for media: the authenticated first hop and the CDN."""
        with self._lock:
            return [r for r in self.requests if "/Media/" in r.path or r.path.startswith(("/media/", "/cdn/"))]

    # ------------------------------------------------------------ the app
    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return secrets.compare_digest(user, self.account_sid) and secrets.compare_digest(password, self.auth_token)

    def _record(self, request: Request) -> Seen:
        seen = Seen(request.method, request.url.path, request.headers.get("host", ""), dict(request.headers))
        with self._lock:
            self.requests.append(seen)
        return seen

    def _unauthorized(self, seen: Seen) -> Response:
        seen.status = 401
        body = {"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003",
                "status": 401}
        return JSONResponse(body, status_code=401, headers={"WWW-Authenticate": 'Basic realm="Twilio API"'})

    def _redirect_to_cdn(self, request: Request, seen: Seen, key: str) -> Response:
        media = self.media.get(key)
        if media is None and self.media_root is not None and key.count("/") == 1:
            chat, name = key.split("/")
            folder = (self.media_root / chat / "whatsapp").resolve()
            path = (folder / name).resolve()
            if path.parent == folder and path.is_file():
                media = Media(path.read_bytes(), mimetypes.guess_type(name)[0] or "application/octet-stream")
        if media is None:
            seen.status = 404
            return JSONResponse({"code": 20404, "message": "The requested resource was not found", "status": 404},
                                status_code=404)
        token = secrets.token_hex(16)
        with self._lock:
            self._cdn[token] = media
        host = media.redirect_host or "127.0.0.1"
        seen.status = 302
        # Twilio answers the media URL with a redirect to a short-lived signed CDN URL
        return RedirectResponse(f"http://{host}:{self.port}/cdn/{token}?X-Amz-Signature={secrets.token_hex(8)}",
                                status_code=302)

    def app(self) -> Starlette:
        """The starlette application of the fake."""

        async def twilio_media(request: Request) -> Response:
            seen = self._record(request)
            if not self._authorized(request):
                return self._unauthorized(seen)
            p = request.path_params
            return self._redirect_to_cdn(request, seen, f"{p['msg']}/{p['media']}")

        async def rendered_media(request: Request) -> Response:
            seen = self._record(request)
            if not self._authorized(request):
                return self._unauthorized(seen)
            p = request.path_params
            return self._redirect_to_cdn(request, seen, f"{p['chat']}/{p['file']}")

        async def cdn(request: Request) -> Response:
            seen = self._record(request)
            if "authorization" in request.headers:
                # a pre-signed CDN URL refuses a second credential, as S3 does
                seen.status = 400
                return PlainTextResponse("Only one auth mechanism allowed", status_code=400)
            media = self._cdn.get(request.path_params["token"])
            if media is None:
                seen.status = 404
                return PlainTextResponse("NoSuchKey", status_code=404)
            if not self.cdn_gate.is_set():
                await anyio.to_thread.run_sync(self.cdn_gate.wait)
            if self.cdn_delay:
                await anyio.sleep(self.cdn_delay)
            with self._lock:
                self.downloads += 1
            seen.status = 200
            if media.chunked:
                async def chunks() -> Any:
                    step = 1 << 20
                    for i in range(0, len(media.data), step):
                        yield media.data[i:i + step]
                return StreamingResponse(chunks(), media_type=media.content_type)
            return Response(media.data, media_type=media.content_type)

        async def create_message(request: Request) -> Response:
            seen = self._record(request)
            if not self._authorized(request):
                return self._unauthorized(seen)
            form = {k: str(v) for k, v in (await request.form()).items()}
            if "To" not in form or not ({"Body", "ContentSid", "MediaUrl"} & form.keys()):
                seen.status = 400
                return JSONResponse({"code": 21619, "message": "A text message body or media urls must be specified",
                                     "status": 400}, status_code=400)
            with self._lock:
                self.sent.append(form)
            sid = "SM" + secrets.token_hex(16)
            now = email.utils.format_datetime(dt.datetime.now(dt.UTC), usegmt=True)
            body = load_payload("twilio_message_created.json")
            body.update({"sid": sid, "account_sid": self.account_sid, "to": form["To"], "from": form.get("From"),
                         "body": form.get("Body", ""), "date_created": now, "date_updated": now,
                         "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json"})
            seen.status = 201
            return JSONResponse(body, status_code=201)

        return Starlette(routes=[
            Route("/2010-04-01/Accounts/{sid}/Messages/{msg}/Media/{media}", twilio_media),
            Route("/media/{chat}/{file:path}", rendered_media),
            Route("/cdn/{token}", cdn),
            Route("/2010-04-01/Accounts/{sid}/Messages.json", create_message, methods=["POST"]),
        ])


# ---------------------------------------------------------------- inbound webhooks as Twilio posts them


def sign(auth_token: str, url: str, form: Mapping[str, str]) -> str:
    """X-Twilio-Signature for a form POST to `url`, computed by Twilio's own library."""
    return RequestValidator(auth_token).compute_signature(url, dict(form))


def webhook_request(form: Mapping[str, str], auth_token: str, signed_url: str,
                    signature: str | None = None) -> tuple[bytes, dict[str, str]]:
    """The body and headers Twilio sends: form-encoded UTF-8, and X-Twilio-Signature over `signed_url` (the
    public URL of the webhook, path included). `signature` replaces the computed one ("" leaves the header out)."""
    sig = sign(auth_token, signed_url, form) if signature is None else signature
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8", "User-Agent": "TwilioProxy/1.1",
               "I-Twilio-Idempotency-Token": secrets.token_hex(16)}
    if sig:
        headers["X-Twilio-Signature"] = sig
    return urlencode(dict(form)).encode(), headers


_seq = iter(range(1, 1 << 62))


def inbound_form(sender: str, body: str = "", media: Sequence[tuple[str, str]] = (), sid: str | None = None,
                 account_sid: str = "AC" + "0" * 32, profile: str = "Tester") -> dict[str, str]:
    """A WhatsApp webhook form shaped like the recorded ones: `media` is [(url, content type), ...]."""
    form = load_payload("twilio_inbound_media.json" if media else "twilio_inbound_text.json")
    sid = sid or ("MM" if media else "SM") + f"{next(_seq):032x}"
    phone = sender.removeprefix("whatsapp:")
    for k in [k for k in form if k.startswith(("MediaUrl", "MediaContentType"))]:
        del form[k]
    form.update({"MessageSid": sid, "SmsMessageSid": sid, "SmsSid": sid, "AccountSid": account_sid,
                 "From": f"whatsapp:{phone}", "WaId": phone.lstrip("+"), "Body": body, "ProfileName": profile,
                 "NumMedia": str(len(media))})
    for i, (url, ctype) in enumerate(media):
        form[f"MediaUrl{i}"], form[f"MediaContentType{i}"] = url, ctype
    return form


def iter_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """The JSON objects of a JSONL file."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            yield json.loads(line)
