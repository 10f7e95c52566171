"""WeCom (WeChat Work) self-built app: callback crypto, callback fields -> InboundMessage, media fetch, and send.

The callback crypto (bot/channels/wecom_crypto.py) is WeCom's own scheme: the key is the base64 of
the 43-character EncodingAESKey plus "=", AES-256-CBC with the key's first 16 bytes as IV, PKCS#7 padding to 32
bytes, and the plaintext is 16 random bytes + a 4-byte big-endian length + the XML + the receiver (our corp id).
The signature is the SHA1 of the sorted token, timestamp, nonce and ciphertext.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from bot.channels.wecom_crypto import (  # noqa: F401 - the callback crypto is part of this channel's surface
    BLOCK,
    MAX_CALLBACK_BYTES,
    CallbackCrypto,
    Forged,
    Unreadable,
    callback_crypto,
    check_aes_key,
    parse_xml,
    signature,
)
from bot.messages import AttachmentRef, InboundMessage, OutboundMessage
from bot.ports import FetchError
from bot.settings import SettingsError, WecomSettings

NAME = "wecom"
DEFAULT_API_BASE_URL = "https://qyapi.weixin.qq.com/cgi-bin"
MAX_BYTES = 20 * 1024 * 1024  # media cap
TOKEN_MARGIN = dt.timedelta(minutes=5)  # refresh the access token this long before WeCom says it expires
TOKEN_ERRORS = frozenset({40014, 42001})  # invalid access_token, access_token expired: refresh once and retry
MAX_TEXT_BYTES = 2048  # message/send cuts a text's content here
log = logging.getLogger(__name__)

# MsgType -> attachment kind, for the types whose MediaId is worth fetching
_KINDS = {"image": "photo", "voice": "voice", "video": "video", "file": "document"}


def chat_of(userid: str) -> str:
    """The chat of a WeCom user writing to the app (one-to-one)."""
    return f"wecom:{userid}"


# ---------------------------------------------------------------- callback fields -> InboundMessage (pure)


def _text_of(fields: Mapping[str, Any], msg_type: str) -> str:
    def get(key: str) -> str:
        value = fields.get(key)
        return value.strip() if isinstance(value, str) else ""

    if msg_type == "text":
        return str(fields.get("Content") or "")
    if msg_type == "link":
        return "\n".join(p for p in (get("Title"), get("Description"), get("Url")) if p)
    if msg_type == "location":
        return get("Label")
    if msg_type == "voice":
        return get("Recognition")  # speech-to-text, when the app has it switched on
    return str(fields.get("Content") or "")


def to_inbound(fields: Mapping[str, Any]) -> InboundMessage:
    """The decrypted fields of a WeCom message callback as an InboundMessage; ValueError says what is missing.

    message_id is MsgId, the chat is wecom:<FromUserName>, and the time is CreateTime (WeCom's server clock).
    Images carry no caption; voice, video and files become attachments fetched by MediaId; link and location keep
    their words as text. Events are not messages (they have no MsgId) and are refused here.
    """
    msg_type = str(fields.get("MsgType") or "").strip()
    if not msg_type:
        raise ValueError("no MsgType")
    if msg_type == "event":
        raise ValueError(f"an event ({fields.get('Event') or '?'}), not a message")
    msg_id = str(fields.get("MsgId") or "").strip()
    if not msg_id or len(msg_id) > 64:
        raise ValueError("no MsgId" if not msg_id else "a MsgId over 64 characters")
    sender = str(fields.get("FromUserName") or "").strip()
    if not sender:
        raise ValueError("no FromUserName")
    try:
        created = int(str(fields.get("CreateTime") or "").strip())
        received_at = dt.datetime.fromtimestamp(created, dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise ValueError(f"CreateTime is not a Unix time: {fields.get('CreateTime')!r}") from None
    atts: list[AttachmentRef] = []
    media_id = str(fields.get("MediaId") or "").strip()
    if media_id:
        kind = _KINDS.get(msg_type, "file")
        declared = f"audio/{str(fields.get('Format')).lower()}" if msg_type == "voice" and fields.get("Format") \
            else None
        # the MediaId is all WeCom gives as a name (the rendered corpus uses the file's name as MediaId)
        atts.append(AttachmentRef(kind=kind, name=media_id, source=media_id, declared_type=declared))
    return InboundMessage(channel=NAME, message_id=msg_id, sender=sender, chat=chat_of(sender),
                          received_at=received_at, text=_text_of(fields, msg_type), attachments=tuple(atts),
                          raw=dict(fields))


# ---------------------------------------------------------------- the app's API: token, media, send


class WecomApiError(Exception):
    """An errcode from WeCom's API, with its errmsg."""

    def __init__(self, what: str, errcode: int, errmsg: str) -> None:
        super().__init__(f"{what}: errcode {errcode}: {errmsg}")
        self.errcode, self.errmsg = errcode, errmsg


def _json_body(data: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(data)
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


class WecomApi:
    """The self-built app's API under [wecom] api_base_url, with the access token cached until shortly before
    it expires and refreshed once when WeCom says it is invalid or expired."""

    def __init__(self, settings: WecomSettings, now: Callable[[], dt.datetime],
                 client: httpx.Client | None = None) -> None:
        self.settings, self.now = settings, now
        self.base = (settings.api_base_url or DEFAULT_API_BASE_URL).rstrip("/")
        self.client = client or httpx.Client(timeout=30.0, follow_redirects=False)
        self._token: str | None = None
        self._expires_at: dt.datetime | None = None
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the HTTP connections it keeps open (safe to call twice)."""
        self.client.close()

    def token(self, stale: str | None = None) -> str:
        """A valid access token, fetched from gettoken only when there is none, it is about to expire, or the one
        WeCom just refused (`stale`) is still the cached one."""
        with self._lock:
            fresh = (self._token is not None and self._token != stale and self._expires_at is not None
                     and self.now() < self._expires_at)
            if fresh:
                return self._token  # type: ignore[return-value]
            try:
                resp = self.client.get(f"{self.base}/gettoken",
                                       params={"corpid": self.settings.corp_id, "corpsecret": self.settings.secret})
            except httpx.HTTPError as exc:
                raise WecomApiError("gettoken", -1, type(exc).__name__) from None
            data = _json_body(resp.content) or {}
            code = int(data.get("errcode") or 0) if resp.status_code == 200 else -1
            token = data.get("access_token")
            if code != 0 or not isinstance(token, str) or not token:
                raise WecomApiError("gettoken", code, str(data.get("errmsg") or f"HTTP {resp.status_code}"))
            try:
                lifetime = dt.timedelta(seconds=int(data.get("expires_in") or 7200))
            except (TypeError, ValueError):
                lifetime = dt.timedelta(seconds=7200)
            self._token = token
            self._expires_at = self.now() + max(lifetime - TOKEN_MARGIN, lifetime / 2)
            return token

    def post_json(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST JSON to an API path with the token; the answer when errcode is 0, else WecomApiError."""
        stale = None
        for attempt in (1, 2):
            token = self.token(stale)
            try:
                resp = self.client.post(f"{self.base}/{path}", params={"access_token": token},
                                        content=json.dumps(body, ensure_ascii=False).encode(),
                                        headers={"Content-Type": "application/json; charset=utf-8"})
            except httpx.HTTPError as exc:
                raise WecomApiError(path, -1, type(exc).__name__) from None
            data = _json_body(resp.content)
            if resp.status_code != 200 or data is None:
                raise WecomApiError(path, -1, f"HTTP {resp.status_code}")
            code = int(data.get("errcode") or 0)
            if code in TOKEN_ERRORS and attempt == 1:
                stale = token
                continue
            if code != 0:
                raise WecomApiError(path, code, str(data.get("errmsg") or ""))
            return data
        raise AssertionError("unreachable")  # pragma: no cover

    def media(self, media_id: str, max_bytes: int = MAX_BYTES) -> bytes:
        """The bytes behind a MediaId (media/get), or FetchError with WeCom's errmsg."""
        stale = None
        for attempt in (1, 2):
            try:
                token = self.token(stale)
            except WecomApiError as exc:
                raise FetchError(f"media download failed: {exc}") from None
            try:
                with self.client.stream("GET", f"{self.base}/media/get",
                                        params={"access_token": token, "media_id": media_id}) as resp:
                    if resp.status_code != 200:
                        raise FetchError(f"media download failed: HTTP {resp.status_code}")
                    declared = int(resp.headers.get("content-length") or 0)
                    if declared > max_bytes:
                        raise FetchError(f"media too large: {declared} bytes (cap {max_bytes})")
                    chunks, size = [], 0
                    for chunk in resp.iter_bytes():
                        size += len(chunk)
                        if size > max_bytes:
                            raise FetchError(f"media too large: over {max_bytes} bytes")
                        chunks.append(chunk)
                    ctype = resp.headers.get("content-type", "")
            except httpx.HTTPError as exc:
                raise FetchError(f"media download failed: {type(exc).__name__}") from None
            data = b"".join(chunks)
            # an error comes back as JSON instead of the file
            error = _json_body(data) if ctype.startswith(("application/json", "text/")) or data[:1] == b"{" else None
            if error is None or "errcode" not in error:
                return data
            code = int(error.get("errcode") or 0)
            if code in TOKEN_ERRORS and attempt == 1:
                stale = token
                continue
            raise FetchError(f"media/get errcode {code}: {error.get('errmsg') or 'no errmsg'}")
        raise AssertionError("unreachable")  # pragma: no cover


class WecomMediaFetcher:
    """Fetches a MediaId through the app's media/get; only the configured API root is ever asked."""

    def __init__(self, api: WecomApi, max_bytes: int = MAX_BYTES) -> None:
        self.api, self.max_bytes = api, max_bytes

    def close(self) -> None:
        """Close the API client's connections."""
        self.api.close()

    def fetch(self, ref: AttachmentRef) -> bytes:
        """The media's bytes, or FetchError saying why not."""
        if not ref.source:
            raise FetchError("no MediaId")
        return self.api.media(ref.source, self.max_bytes)


def agent_id_of(settings: WecomSettings) -> int | None:
    """The app's AgentId as the send API wants it (None when unset); SettingsError when it is not a whole number."""
    if not settings.agent_id.strip():
        return None
    try:
        return int(settings.agent_id)
    except ValueError:
        raise SettingsError(f"[wecom] agent_id must be the app's AgentId, a whole number, not {settings.agent_id!r}"
                            ) from None


def split_text(text: str, limit: int) -> list[str]:
    """Text cut into parts of at most `limit` UTF-8 bytes, at line ends where it can be, never inside a character."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate.encode()) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        current = ""
        while len(line.encode()) > limit:  # one line longer than a part: cut it by characters
            cut = len(line.encode()[:limit].decode("utf-8", "ignore"))
            parts.append(line[:cut])
            line = line[cut:]
        current = line
    if current or not parts:
        parts.append(current)
    return parts


class WecomChannel:
    """Sends text through the app's message/send; an errcode raises, so the outbox retries.

    WeCom cuts a text message at 2048 bytes, so a longer one (a digest) goes as several; when a later part fails,
    the outbox's retry resumes after the parts WeCom already took (remembered in this process).
    """

    name = NAME

    def __init__(self, settings: WecomSettings, api: WecomApi) -> None:
        self.settings, self.api = settings, api
        self.agent_id = agent_id_of(settings)
        self._parts_sent: dict[str, int] = {}  # dedupe key -> parts accepted so far, while a message is unfinished

    def close(self) -> None:
        """Close the API client's connections."""
        self.api.close()

    def send(self, message: OutboundMessage) -> str:
        """Send one text to a WeCom user (recipient: a userid or its chat wecom:<userid>); returns the last msgid."""
        touser = message.recipient.removeprefix("wecom:")
        if not touser:
            raise ValueError("no recipient")
        if self.agent_id is None:  # the outbox keeps the message and this reason until the setting is there
            raise RuntimeError("[wecom] agent_id is not set: the app cannot send")
        text = message.text
        if message.buttons:  # a plain app message has no buttons: list the choices to answer with
            text += "".join(f"\n[{n}] {label}" for n, (label, _data) in enumerate(message.buttons, 1))
        parts = split_text(text, MAX_TEXT_BYTES)
        msgid = ""
        for n in range(self._parts_sent.get(message.dedupe_key, 0), len(parts)):
            body = {"touser": touser, "msgtype": "text", "agentid": self.agent_id, "text": {"content": parts[n]},
                    "safe": 0}
            data = self.api.post_json("message/send", body)
            invalid = str(data.get("invaliduser") or "")
            if touser in invalid.split("|"):
                raise RuntimeError(f"message/send: {touser} is not someone the app can reach (invaliduser {invalid})")
            msgid = str(data.get("msgid") or "")
            if n + 1 < len(parts):
                self._parts_sent[message.dedupe_key] = n + 1
        self._parts_sent.pop(message.dedupe_key, None)
        return msgid
