"""WeCom's side of the wire, for the WeCom channel tests: its API on loopback, and its callbacks, sealed for real.

`FakeWecomApi` serves the three API calls the app uses (gettoken, media/get, message/send) with WeCom's own JSON
and errcodes, under a `/cgi-bin` root on 127.0.0.1 and a port the OS picked.

The callbacks are encrypted and signed here with `cryptography` and `hashlib` directly, exactly as WeCom's
documentation describes the scheme, and independently of wechatpy (which the product uses to open them):
key = base64(EncodingAESKey + "="), AES-256-CBC with IV = key[:16], plaintext = 16 random bytes + 4-byte big-endian
length + XML + corp id, PKCS#7 padded to 32 bytes; msg_signature = SHA1 of the sorted token, timestamp, nonce and
ciphertext. Nothing here replaces our own code.
"""
from __future__ import annotations

import base64
import copy
import hashlib
import json
import mimetypes
import os
import secrets
import struct
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.channels.fakes import LoopbackServer

PAYLOADS = Path(__file__).with_name("payloads")
# fields WeCom writes as bare numbers; every other field is wrapped in CDATA
NUMERIC = frozenset({"CreateTime", "MsgId", "AgentID", "Location_X", "Location_Y", "Scale"})


def load_json(name: str) -> Any:
    """A recorded JSON payload (a fresh copy each time)."""
    return copy.deepcopy(json.loads((PAYLOADS / name).read_text(encoding="utf-8")))


def load_message(name: str, **changes: Any) -> dict[str, str]:
    """The fields of a recorded callback message (payloads/<name>.xml), in order, with some changed."""
    root = ElementTree.fromstring((PAYLOADS / f"{name}.xml").read_text(encoding="utf-8"))
    fields = {child.tag: child.text or "" for child in root}
    fields.update({k: str(v) for k, v in changes.items()})
    return fields


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def message_xml(fields: dict[str, Any]) -> str:
    """The plaintext XML of a callback message, written the way WeCom writes it."""
    parts = []
    for key, value in fields.items():
        text = str(value)
        bare = key in NUMERIC and text.lstrip("-").replace(".", "").isdigit()
        parts.append(f"<{key}>{text if bare else _cdata(text)}</{key}>")
    return "<xml>" + "".join(parts) + "</xml>"


# ---------------------------------------------------------------- WeCom's callback crypto, from its description


@dataclass(frozen=True)
class AppKeys:
    """What the admin console shows for the app's callback: Token, EncodingAESKey, and the corp id."""

    token: str
    aes_key: str  # the 43-character EncodingAESKey
    corp_id: str

    @property
    def key(self) -> bytes:
        """The AES-256 key: base64 of the EncodingAESKey plus "="."""
        key = base64.b64decode(self.aes_key + "=")
        assert len(key) == 32
        return key


def msg_signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    """SHA1 over the sorted token, timestamp, nonce and ciphertext."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()


def pkcs7_32(data: bytes) -> bytes:
    """PKCS#7 padding to a multiple of 32 bytes (a whole block of 32 when already aligned)."""
    n = 32 - len(data) % 32
    return data + bytes([n]) * n


def aes_cbc(key: bytes, data: bytes) -> bytes:
    """AES-256-CBC with IV = the key's first 16 bytes, no padding of its own."""
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return enc.update(data) + enc.finalize()


def seal(keys: AppKeys, plaintext: str, receiver: str | None = None, random16: bytes | None = None,
         pad: Any = pkcs7_32) -> str:
    """The base64 ciphertext of a message, as WeCom builds it; `receiver` and `pad` can be made wrong on purpose."""
    text = plaintext.encode()
    body = (random16 or secrets.token_bytes(16)) + struct.pack(">I", len(text)) + text
    body += (keys.corp_id if receiver is None else receiver).encode()
    return base64.b64encode(aes_cbc(keys.key, pad(body))).decode()


def envelope(encrypted: str, corp_id: str, agent_id: int | str) -> bytes:
    """The POST body WeCom sends: the corp id, the app and the ciphertext."""
    return (f"<xml><ToUserName>{_cdata(corp_id)}</ToUserName><AgentID>{_cdata(str(agent_id))}</AgentID>"
            f"<Encrypt>{_cdata(encrypted)}</Encrypt></xml>").encode()


@dataclass
class Callback:
    """One callback request: the query WeCom puts on the URL and the body it posts."""

    params: dict[str, str]
    body: bytes = b""

    @property
    def query(self) -> str:
        """The query string, URL-encoded as WeCom sends it."""
        return "&".join(f"{k}={quote(v, safe='')}" for k, v in self.params.items())


def message_callback(keys: AppKeys, fields: dict[str, Any], agent_id: int | str, timestamp: str | None = None,
                     nonce: str | None = None, encrypted: str | None = None) -> Callback:
    """A message callback sealed and signed with the app's keys (or with a given ciphertext, still signed)."""
    timestamp = timestamp or str(fields.get("CreateTime") or 1780970400)
    nonce = nonce or str(secrets.randbelow(10**10))
    encrypted = encrypted if encrypted is not None else seal(keys, message_xml(fields))
    params = {"msg_signature": msg_signature(keys.token, timestamp, nonce, encrypted), "timestamp": timestamp,
              "nonce": nonce}
    return Callback(params, envelope(encrypted, keys.corp_id, agent_id))


def verification_callback(keys: AppKeys, echo: str, timestamp: str = "1780970400",
                          nonce: str | None = None) -> Callback:
    """The GET that verifies the callback URL: an encrypted random echostr, signed."""
    nonce = nonce or str(secrets.randbelow(10**10))
    echostr = seal(keys, echo)
    return Callback({"msg_signature": msg_signature(keys.token, timestamp, nonce, echostr), "timestamp": timestamp,
                     "nonce": nonce, "echostr": echostr})


# ---------------------------------------------------------------- the API


@dataclass
class Seen:
    """One API request the fake received."""

    method: str
    path: str
    params: dict[str, str]
    errcode: int = 0


@dataclass
class FakeWecomApi:
    """gettoken, media/get and message/send under `<url>/cgi-bin`, as WeCom answers them.

    Media is served by media_id from `media` (registered bytes) or from the files of `media_dir` (the rendered
    corpus uses a file's name as its MediaId). `expire_tokens()` makes every token issued so far answer 42001;
    `fail_sends` holds errcodes to answer the next sends with; `users`, when set, are the only reachable userids.
    """

    corp_id: str
    secret: str
    agent_id: int
    media_dir: Path | None = None
    users: set[str] | None = None
    expires_in: int = 7200
    media: dict[str, bytes] = field(default_factory=dict)
    fail_sends: list[int] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    requests: list[Seen] = field(default_factory=list)
    _tokens: dict[str, bool] = field(default_factory=dict)  # token -> still valid
    _lock: threading.Lock = field(default_factory=threading.Lock)
    server: LoopbackServer | None = None

    # ------------------------------------------------------------ set-up
    @property
    def url(self) -> str:
        """The API root to use as `[wecom] api_base_url`."""
        assert self.server is not None, "start the fake first"
        return f"{self.server.url}/cgi-bin"

    def start(self) -> FakeWecomApi:
        """Serve on loopback."""
        self.server = LoopbackServer(self.app()).start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self.server is not None:
            self.server.stop()

    def __enter__(self) -> FakeWecomApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def add_media(self, data: bytes, media_id: str | None = None) -> str:
        """Hold media under a MediaId (a fresh one unless given) and return the id."""
        media_id = media_id or "3" + secrets.token_urlsafe(48)
        with self._lock:
            self.media[media_id] = data
        return media_id

    def expire_tokens(self) -> None:
        """Every access token issued so far is expired from now on."""
        with self._lock:
            for token in self._tokens:
                self._tokens[token] = False

    # ------------------------------------------------------------ what happened
    def calls(self, path: str) -> list[Seen]:
        """The requests to one API path ("gettoken", "media/get", "message/send")."""
        with self._lock:
            return [r for r in self.requests if r.path == f"/cgi-bin/{path}"]

    @property
    def token_calls(self) -> int:
        """How many times an access token was asked for."""
        return len(self.calls("gettoken"))

    # ------------------------------------------------------------ the app
    def _record(self, request: Request) -> Seen:
        seen = Seen(request.method, request.url.path, dict(request.query_params))
        with self._lock:
            self.requests.append(seen)
        return seen

    @staticmethod
    def _error(seen: Seen, code: int) -> Response:
        seen.errcode = code
        return JSONResponse({"errcode": code, "errmsg": load_json("api_errors.json")[str(code)]},
                            media_type="application/json; charset=UTF-8")

    def _token_error(self, seen: Seen) -> int:
        token = seen.params.get("access_token")
        if not token:
            return 41001
        with self._lock:
            valid = self._tokens.get(token)
        return 40014 if valid is None else (0 if valid else 42001)

    def _media_bytes(self, media_id: str) -> bytes | None:
        with self._lock:
            data = self.media.get(media_id)
        if data is None and self.media_dir is not None and media_id:
            folder = self.media_dir.resolve()
            path = (folder / media_id).resolve()
            if path.parent == folder and path.is_file():
                data = path.read_bytes()
        return data

    def app(self) -> Starlette:
        """The starlette application of the fake."""

        async def gettoken(request: Request) -> Response:
            seen = self._record(request)
            if seen.params.get("corpid") != self.corp_id:
                return self._error(seen, 40013)
            if not secrets.compare_digest(seen.params.get("corpsecret", ""), self.secret):
                return self._error(seen, 40001)
            body = load_json("api_gettoken.json")
            token = secrets.token_urlsafe(96)
            with self._lock:
                self._tokens[token] = True
            body.update({"access_token": token, "expires_in": self.expires_in})
            return JSONResponse(body)

        async def media_get(request: Request) -> Response:
            seen = self._record(request)
            if code := self._token_error(seen):
                return self._error(seen, code)
            media_id = seen.params.get("media_id", "")
            data = self._media_bytes(media_id)
            if data is None:
                return self._error(seen, 40007)
            ctype = mimetypes.guess_type(media_id)[0] or "image/jpeg"
            return Response(data, media_type=ctype, headers={
                "Content-disposition": f'attachment; filename="{os.path.basename(media_id)}"',
                "Cache-Control": "no-cache, must-revalidate"})

        async def message_send(request: Request) -> Response:
            seen = self._record(request)
            if code := self._token_error(seen):
                return self._error(seen, code)
            try:
                body = json.loads(await request.body())
            except ValueError:
                return self._error(seen, 44004)
            with self._lock:
                failing = self.fail_sends.pop(0) if self.fail_sends else 0
            if failing:
                return self._error(seen, failing)
            if body.get("agentid") != self.agent_id:
                return self._error(seen, 40056)
            if body.get("msgtype") != "text" or not (body.get("text") or {}).get("content"):
                return self._error(seen, 44004)
            if self.users is not None and body.get("touser") not in self.users:
                return self._error(seen, 81013)
            with self._lock:
                self.sent.append(body)
            answer = load_json("api_message_send.json")
            answer["msgid"] = secrets.token_urlsafe(48)
            return JSONResponse(answer)

        return Starlette(routes=[
            Route("/cgi-bin/gettoken", gettoken),
            Route("/cgi-bin/media/get", media_get),
            Route("/cgi-bin/message/send", message_send, methods=["POST"]),
        ])
