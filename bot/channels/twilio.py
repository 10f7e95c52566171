"""WhatsApp through Twilio: form payload -> InboundMessage, signature check, media fetch, and send."""
from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import httpx
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from bot.messages import AttachmentRef, InboundMessage, OutboundMessage
from bot.ports import FetchError
from bot.settings import TwilioSettings
from parsers.orderbook import e164

NAME = "whatsapp"
MAX_MEDIA = 10
MAX_BYTES = 16 * 1024 * 1024
log = logging.getLogger(__name__)


def chat_of(phone: str) -> str:
    """The chat of a one-to-one WhatsApp conversation."""
    return f"whatsapp:{e164(phone) or phone}"


def _kind(content_type: str) -> str:
    if content_type.startswith("image/"):
        return "sticker" if content_type == "image/webp" else "photo"
    if content_type.startswith("audio/"):
        return "voice"
    if content_type.startswith("video/"):
        return "video"
    return "document"


def to_inbound(form: Mapping[str, str], received_at: dt.datetime) -> InboundMessage:
    """A Twilio WhatsApp webhook form as an InboundMessage (Twilio sends no time stamp: it arrives now)."""
    sid = form.get("MessageSid") or form.get("SmsMessageSid") or ""
    if not sid:
        raise ValueError("no MessageSid")
    sender = str(form.get("From") or "").removeprefix("whatsapp:")
    if not e164(sender):
        raise ValueError("no sender")
    try:
        count = min(int(form.get("NumMedia") or 0), MAX_MEDIA)
    except ValueError:
        count = 0
    atts = []
    for i in range(count):
        url = form.get(f"MediaUrl{i}")
        if not url:
            continue
        ctype = form.get(f"MediaContentType{i}") or "application/octet-stream"
        name = unquote(urlsplit(url).path.rsplit("/", 1)[-1]) or f"media{i}"
        atts.append(AttachmentRef(kind=_kind(ctype), name=name, source=url, declared_type=ctype))
    return InboundMessage(channel=NAME, message_id=sid, sender=e164(sender) or sender, chat=chat_of(sender),
                          received_at=received_at, text=str(form.get("Body") or ""), attachments=tuple(atts),
                          raw=dict(form))


def signature_ok(auth_token: str, url: str, form: Mapping[str, str], signature: str | None) -> bool:
    """X-Twilio-Signature checked with Twilio's own validator against the public URL."""
    if not signature or not auth_token:
        return False
    return RequestValidator(auth_token).validate(url, dict(form), signature)


def _host_allowed(url: str, hosts: tuple[str, ...]) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host not in {h.lower() for h in hosts}:
        return False
    if parts.scheme == "https":
        return True
    # plain http only to a listed loopback host (local tests and fakes)
    try:
        return parts.scheme == "http" and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return parts.scheme == "http" and host == "localhost"


class TwilioMediaFetcher:
    """Downloads MediaUrlN: Basic auth to Twilio, redirects followed without credentials, hosts allow-listed."""

    def __init__(self, settings: TwilioSettings, client: httpx.Client | None = None, max_bytes: int = MAX_BYTES):
        self.settings, self.max_bytes = settings, max_bytes
        self.client = client or httpx.Client(timeout=30.0, follow_redirects=False)

    def fetch(self, ref: AttachmentRef) -> bytes:
        """The media's bytes, or FetchError saying why not."""
        url, auth = ref.source, (self.settings.account_sid, self.settings.auth_token)
        for _hop in range(6):
            if not _host_allowed(url, self.settings.media_hosts):
                raise FetchError(f"media host not allowed: {urlsplit(url).hostname}")
            headers = {}
            if auth is not None:
                token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
                headers["Authorization"] = f"Basic {token}"
            try:
                with self.client.stream("GET", url, headers=headers) as resp:
                    if resp.status_code in (301, 302, 303, 307, 308):
                        url = urljoin(url, resp.headers.get("location", ""))
                        auth = None  # the CDN gets no credentials
                        continue
                    if resp.status_code != 200:
                        raise FetchError(f"media download failed: HTTP {resp.status_code}",
                                         transient=resp.status_code in (429, 500, 502, 503, 504))
                    declared = int(resp.headers.get("content-length") or 0)
                    if declared > self.max_bytes:
                        raise FetchError(f"media too large: {declared} bytes (cap {self.max_bytes})")
                    chunks, size = [], 0
                    for chunk in resp.iter_bytes():
                        size += len(chunk)
                        if size > self.max_bytes:
                            raise FetchError(f"media too large: over {self.max_bytes} bytes")
                        chunks.append(chunk)
                    return b"".join(chunks)
            except httpx.HTTPError as exc:
                raise FetchError(f"media download failed: {type(exc).__name__}", transient=True) from None
        raise FetchError("media download failed: too many redirects")

    def close(self) -> None:
        """Close the HTTP connections it keeps open."""
        self.client.close()


class _RebasedHttpClient(TwilioHttpClient):
    """Sends the SDK's requests to another API root (a local fake in tests), keeping paths and auth."""

    def __init__(self, base_url: str) -> None:
        super().__init__(timeout=15)
        self.base = base_url.rstrip("/")

    def request(self, method, url, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        """Rewrite the scheme and host, then send as the SDK would."""
        parts = urlsplit(url)
        rebased = self.base + parts.path + (f"?{parts.query}" if parts.query else "")
        return super().request(method, rebased, params, data, headers, auth, timeout, allow_redirects)


class TwilioChannel:
    """Sends WhatsApp messages with the Twilio SDK; outside the 24-hour window only approved templates go."""

    name = NAME

    def __init__(self, settings: TwilioSettings, last_inbound: Callable[[str], dt.datetime | None],
                 now: Callable[[], dt.datetime], pace: Callable[[float], None] | None = None) -> None:
        http = _RebasedHttpClient(settings.api_base_url) if settings.api_base_url else None
        self.client = Client(settings.account_sid, settings.auth_token, http_client=http)
        self.settings, self.last_inbound, self.now = settings, last_inbound, now
        self._lock = threading.Lock()
        self._next_at = 0.0
        self._pace = pace or (lambda s: threading.Event().wait(s))

    def close(self) -> None:
        """Close the HTTP connections the SDK keeps open."""
        session = getattr(self.client.http_client, "session", None)
        if session is not None:
            session.close()

    def _throttle(self) -> None:
        # Twilio's per-sender rate: space messages from our number evenly
        gap = 1.0 / max(1, self.settings.messages_per_second)
        with self._lock:
            wait = self._next_at - time.monotonic()
            if wait > 0:
                self._pace(wait)
            self._next_at = max(self._next_at, time.monotonic()) + gap

    def send(self, message: OutboundMessage) -> str:
        """Send free-form text inside the window, else the kind's template; returns the message SID."""
        to = message.recipient if message.recipient.startswith("whatsapp:") else chat_of(message.recipient)
        last = self.last_inbound(to)
        kwargs: dict[str, Any] = {"to": to, "from_": self.settings.from_number}
        if last is not None and self.now() - last < dt.timedelta(hours=24):
            kwargs["body"] = message.text
        else:
            kind = message.dedupe_key.split(":", 1)[0]
            template = getattr(self.settings, f"template_{kind}", "") or self.settings.template_reply
            if not template:
                raise RuntimeError(f"outside the 24-hour window and no template for {kind!r} messages")
            kwargs["content_sid"] = template
            # WhatsApp refuses a template parameter with a newline, a tab or more than 4 spaces in a row
            flat = " ".join(message.text.split())
            kwargs["content_variables"] = json.dumps({"1": flat[:1000]}, ensure_ascii=False)
        self._throttle()
        return self.client.messages.create(**kwargs).sid

