"""A fake Telegram Bot API on loopback: the server on the other side of the HTTP seam, speaking the real wire format.

It answers getMe, getFile, the file download (/file/bot<token>/<file_path>), sendMessage, answerCallbackQuery and
getUpdates the way api.telegram.org does: `{"ok": true, "result": ...}`, or `{"ok": false, "error_code": ...,
"description": ..., "parameters": {"retry_after": N}}` for flood control. Requests may come as a query string,
form-encoded, JSON or multipart, as the real API accepts. Nothing of ours is replaced: the bot's own SDK calls this
server over HTTP on 127.0.0.1, with a port the OS picked.

Flood control is the real one in miniature: `flood_every=n` answers every n-th sendMessage with 429 and
`retry_after`, and a chat that got a 429 keeps getting 429 until its retry_after has passed, by `clock` (a test may
give a virtual clock that the bot's rate limiter shares, so that spacing is checked without waiting).
"""
from __future__ import annotations

import asyncio
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.channels.fakes import wait_until

BOT_ID = 7000000001
BOT_USERNAME = "OrderProofTestBot"
MAX_GETFILE = 20 * 1024 * 1024


@dataclass
class StoredFile:
    data: bytes
    file_unique_id: str
    file_path: str
    size: int | None = None  # what getFile reports, when it should differ from len(data)


@dataclass
class Sent:
    """One sendMessage the fake accepted (or refused with 429)."""

    chat_id: int
    text: str
    reply_markup: dict[str, Any] | None
    at: float  # by the fake's clock
    status: int
    message_id: int | None = None


@dataclass
class FakeBotApi:
    token: str
    clock: Callable[[], float] = time.monotonic
    flood_every: int = 0  # every n-th sendMessage gets 429 (0: never)
    retry_after: int = 3
    files: dict[str, StoredFile] = field(default_factory=dict)
    files_root: Path | None = None  # serve <root>/<file_id> for any file_id not registered (render.py's files)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    answered: list[dict[str, Any]] = field(default_factory=list)
    downloads: list[str] = field(default_factory=list)
    early_retries: list[Sent] = field(default_factory=list)  # requests that came before their retry_after passed
    migrated: dict[int, int] = field(default_factory=dict)  # group id -> the supergroup it was upgraded to
    getfile_outages: int = 0  # answer this many getFile calls with 502 Bad Gateway first
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _held: dict[int, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _requests: itertools.count = field(default_factory=lambda: itertools.count(1))
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None
    _sock: socket.socket | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _new_update: asyncio.Event | None = None
    port: int = 0

    # ------------------------------------------------------------ running
    @property
    def url(self) -> str:
        """The API root, for `[telegram] api_base_url` (and file_base_url)."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeBotApi:
        """Serve in a thread; returns once uvicorn has started."""
        # IPPROTO_TCP given explicitly: asyncio sets TCP_NODELAY only on sockets whose proto says TCP, and without it
        # every response waits ~40 ms for a delayed ACK
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind(("127.0.0.1", 0))
        self._sock, self.port = sock, sock.getsockname()[1]
        config = uvicorn.Config(self.app(), log_level="warning", access_log=False, lifespan="off", ws="none",
                                timeout_graceful_shutdown=2)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name=f"fake-bot-api-{self.port}", daemon=True)
        self._thread.start()
        wait_until(lambda: self._server.started or not self._thread.is_alive(), 10, "the fake Bot API")
        assert self._server.started, "the fake Bot API did not start"
        return self

    def stop(self) -> None:
        """Stop uvicorn and close the socket."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        if self._sock is not None:
            self._sock.close()

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ set-up
    def add_file(self, file_id: str, data: bytes, file_unique_id: str = "", kind: str = "photos",
                 size: int | None = None) -> None:
        """Serve `data` for this file_id (getFile gives it a file_path under `kind/`)."""
        n = len(self.files)
        self.files[file_id] = StoredFile(data, file_unique_id or file_id[-16:], f"{kind}/file_{n}", size)

    def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates (wakes a waiting long poll)."""
        with self._lock:
            self._updates.append(update)
        if self._loop is not None and self._new_update is not None:
            self._loop.call_soon_threadsafe(self._new_update.set)

    # ------------------------------------------------------------ what happened
    def methods(self) -> list[str]:
        """The Bot API methods called, in order."""
        with self._lock:
            return [m for m, _ in self.calls]

    def params_of(self, method: str) -> list[dict[str, Any]]:
        """The parameters of every call of one method."""
        with self._lock:
            return [p for m, p in self.calls if m == method]

    def delivered(self, chat_id: int | None = None) -> list[Sent]:
        """Messages accepted (200), optionally to one chat."""
        with self._lock:
            return [s for s in self.sent if s.status == 200 and (chat_id is None or s.chat_id == chat_id)]

    # ------------------------------------------------------------ the wire format
    @staticmethod
    def _ok(result: Any) -> Response:
        return JSONResponse({"ok": True, "result": result})

    @staticmethod
    def _error(code: int, description: str, **parameters: Any) -> Response:
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if parameters:
            body["parameters"] = parameters
        return JSONResponse(body, status_code=code)

    @staticmethod
    async def _params(request: Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query_params)
        ctype = request.headers.get("content-type", "")
        if ctype.startswith("application/json"):
            body = await request.body()
            params.update(json.loads(body) if body else {})
        elif ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            params.update({k: v for k, v in (await request.form()).items() if isinstance(v, str)})
        for key in ("reply_markup", "allowed_updates"):  # JSON-serialized objects in a form or query string
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        for key in ("chat_id", "offset", "timeout", "limit"):
            if isinstance(params.get(key), str) and params[key].lstrip("-").isdigit():
                params[key] = int(params[key])
        return params

    def _message(self, chat_id: int, text: str, reply_markup: Any) -> dict[str, Any]:
        chat = ({"id": chat_id, "title": "Test group", "type": "supergroup"} if chat_id < 0
                else {"id": chat_id, "first_name": "Test", "type": "private"})
        msg = {"message_id": next(self._ids), "from": self._me(), "chat": chat, "date": int(time.time()),
               "text": text}
        if reply_markup:
            msg["reply_markup"] = reply_markup
        return msg

    @staticmethod
    def _me() -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "OrderProof", "username": BOT_USERNAME,
                "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}

    def _file(self, file_id: str) -> StoredFile | None:
        if file_id in self.files:
            return self.files[file_id]
        if self.files_root is not None:
            path = (self.files_root / file_id).resolve()
            if path.parent == self.files_root.resolve() and path.is_file():
                return StoredFile(path.read_bytes(), file_id[-16:], f"documents/{file_id}")
        return None

    def _send_message(self, p: dict[str, Any]) -> Response:
        chat_id, text = p.get("chat_id"), p.get("text")
        if not isinstance(chat_id, int) or not text:
            return self._error(400, "Bad Request: chat_id and text are required")
        if chat_id in self.migrated:
            return self._error(400, "Bad Request: group chat was upgraded to a supergroup chat",
                               migrate_to_chat_id=self.migrated[chat_id])
        now = self.clock()
        with self._lock:
            n = next(self._requests)
            held = self._held.get(chat_id)
            if held is not None and now < held:
                seen = Sent(chat_id, text, p.get("reply_markup"), now, 429)
                self.sent.append(seen)
                self.early_retries.append(seen)
                return self._error(429, f"Too Many Requests: retry after {int(held - now) + 1}",
                                   retry_after=int(held - now) + 1)
            if self.flood_every and n % self.flood_every == 0:
                self._held[chat_id] = now + self.retry_after
                self.sent.append(Sent(chat_id, text, p.get("reply_markup"), now, 429))
                return self._error(429, f"Too Many Requests: retry after {self.retry_after}",
                                   retry_after=self.retry_after)
            msg = self._message(chat_id, text, p.get("reply_markup"))
            self.sent.append(Sent(chat_id, text, p.get("reply_markup"), now, 200, msg["message_id"]))
        return self._ok(msg)

    async def _get_updates(self, p: dict[str, Any]) -> Response:
        offset = p.get("offset")
        timeout = min(int(p.get("timeout") or 0), 5)
        if self._new_update is None:
            self._loop, self._new_update = asyncio.get_running_loop(), asyncio.Event()

        def pending() -> list[dict[str, Any]]:
            with self._lock:
                if isinstance(offset, int):  # an offset confirms every update before it: they are gone
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
                return list(self._updates[: int(p.get("limit") or 100)])

        found = pending()
        if not found and timeout:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), timeout)
            except TimeoutError:
                pass
            found = pending()
        return self._ok(found)

    def app(self) -> Starlette:
        """The starlette application of the fake."""

        async def method(request: Request) -> Response:
            if request.path_params["token"] != self.token:
                return self._error(401, "Unauthorized")
            name = request.path_params["method"]
            p = await self._params(request)
            with self._lock:
                self.calls.append((name, p))
            lower = name.lower()
            if lower == "getme":
                return self._ok(self._me())
            if lower == "getfile" and self.getfile_outages > 0:
                self.getfile_outages -= 1
                return self._error(502, "Bad Gateway")
            if lower == "getfile":
                stored = self._file(str(p.get("file_id", "")))
                if stored is None:
                    return self._error(400, "Bad Request: invalid file_id")
                size = stored.size if stored.size is not None else len(stored.data)
                if size > MAX_GETFILE:
                    return self._error(400, "Bad Request: file is too big")
                return self._ok({"file_id": p["file_id"], "file_unique_id": stored.file_unique_id,
                                 "file_size": size, "file_path": stored.file_path})
            if lower == "sendmessage":
                return self._send_message(p)
            if lower == "answercallbackquery":
                with self._lock:
                    self.answered.append(p)
                return self._ok(True)
            if lower == "getupdates":
                return await self._get_updates(p)
            return self._error(404, "Not Found")

        async def download(request: Request) -> Response:
            if request.path_params["token"] != self.token:
                return self._error(404, "Not Found")
            path = request.path_params["path"]
            stored = next((f for f in self.files.values() if f.file_path == path), None)
            if stored is None and path.startswith("documents/"):
                stored = self._file(path.removeprefix("documents/"))
            if stored is None:
                return self._error(404, "Not Found")
            with self._lock:
                self.downloads.append(path)
            return Response(stored.data, media_type="application/octet-stream")

        return Starlette(routes=[
            Route("/bot{token}/{method}", method, methods=["GET", "POST"]),
            Route("/file/bot{token}/{path:path}", download),
        ])
