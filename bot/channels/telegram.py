"""Telegram through the Bot API: Update JSON -> InboundMessage (pure), and a python-telegram-bot sender, fetcher and
poller. This is the only module that imports `telegram`.

- `to_inbound(update)` reads the Update JSON as Telegram sends it; no SDK object is needed to store a message.
- `BotRunner` keeps one PTB `Bot` on its own event loop in a daemon thread, so the synchronous worker (and the
  polling thread) can call the async SDK; `close()` shuts the Bot and the loop down.
- `TelegramFetcher` downloads attachments with getFile + the file URL, `TelegramChannel` sends with sendMessage under
  Telegram's flood limits (`RateLimiter`), honouring retry_after.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import hmac
import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

# PTB 22.2+ warns on every int time period it hands out (RetryAfter.retry_after among them) unless the caller opts in
# to the timedelta form it will use in its next major version. We opt in, and read both forms (see `_seconds`).
os.environ.setdefault("PTB_TIMEDELTA", "true")

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup  # noqa: E402 - after the opt-in above
from telegram.error import (  # noqa: E402
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.channels.ratelimit import RateLimiter  # noqa: E402
from bot.messages import AttachmentRef, InboundMessage, OutboundMessage  # noqa: E402
from bot.ports import FetchError  # noqa: E402
from bot.settings import TelegramSettings  # noqa: E402

NAME = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TELEGRAM_API = "https://api.telegram.org"
MAX_BYTES = 20 * 1024 * 1024  # the Bot API serves files up to 20 MB
MAX_TEXT = 4096  # characters per sendMessage
CALLBACK_PREFIX = "callback:"  # an outbox recipient that answers a callback query instead of sending a message
log = logging.getLogger(__name__)
T = TypeVar("T")

# what a message carries besides text; a message with none of these (and no text) is a service message
_CONTENT = ("text", "caption", "photo", "document", "animation", "voice", "audio", "video", "video_note", "sticker",
            "location", "venue", "contact", "poll", "dice")


class Ignored(ValueError):
    """An authentic update that is not a message we keep (an edit, a member change, a service notice...)."""


# ---------------------------------------------------------------- ids and the pure Update -> InboundMessage


def chat_of(chat_id: int | str) -> str:
    """Our chat name for a Telegram chat."""
    return f"{NAME}:{chat_id}"


def message_key(chat_id: int | str, message_id: int | str) -> str:
    """A Telegram message's id here: `<chat_id>:<message_id>` (message ids are only unique within a chat)."""
    return f"{chat_id}:{message_id}"


def chat_id_of(recipient: str) -> int:
    """The numeric chat id of an outbox recipient (`telegram:<chat_id>`, or a user id for a private chat)."""
    try:
        return int(recipient.removeprefix(f"{NAME}:"))
    except ValueError:
        raise ValueError(f"not a Telegram chat: {recipient!r}") from None


def secret_ok(expected: str, given: str | None) -> bool:
    """The webhook's X-Telegram-Bot-Api-Secret-Token, compared in constant time; no configured secret accepts none."""
    if not expected or not given:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode("utf-8"))


def _largest(sizes: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    return max(sizes, key=lambda s: (int(s.get("width") or 0) * int(s.get("height") or 0),
                                     int(s.get("file_size") or 0)))


def _name(obj: Mapping[str, Any], ext: str) -> str:
    return str(obj.get("file_name") or f"{obj.get('file_unique_id') or obj.get('file_id')}{ext}")


def _attachments(msg: Mapping[str, Any]) -> tuple[AttachmentRef, ...]:
    atts: list[AttachmentRef] = []
    if msg.get("photo"):
        best = _largest(msg["photo"])  # Telegram sends each size of a compressed photo; the largest is the photo
        atts.append(AttachmentRef("photo", f"{best.get('file_unique_id') or best['file_id']}.jpg", best["file_id"],
                                  "image/jpeg"))
    if msg.get("animation"):  # a GIF (sent as mp4); Telegram repeats it under `document`
        anim = msg["animation"]
        atts.append(AttachmentRef("video", _name(anim, ".mp4"), anim["file_id"], anim.get("mime_type")))
    elif msg.get("document"):
        doc = msg["document"]
        mime = str(doc.get("mime_type") or "")
        # an image sent "as file" is the original, EXIF and all: a photo for the tagger
        kind = "photo" if mime.startswith("image/") else "document"
        atts.append(AttachmentRef(kind, _name(doc, ""), doc["file_id"], mime or None))
    for key, kind, ext in (("voice", "voice", ".ogg"), ("audio", "voice", ".mp3"), ("video", "video", ".mp4"),
                           ("video_note", "video", ".mp4")):
        if msg.get(key):
            obj = msg[key]
            atts.append(AttachmentRef(kind, _name(obj, ext), obj["file_id"], obj.get("mime_type")))
    if msg.get("sticker"):
        st = msg["sticker"]
        ext = ".webm" if st.get("is_video") else ".tgs" if st.get("is_animated") else ".webp"
        atts.append(AttachmentRef("sticker", _name(st, ext), st["file_id"], None))
    return tuple(atts)


def _sender(msg: Mapping[str, Any]) -> str:
    who = msg.get("from") or msg.get("sender_chat") or {}
    if "id" not in who:
        raise ValueError("message without a sender")
    return str(who["id"])


def _message(update: Mapping[str, Any], msg: Any) -> InboundMessage:
    if not isinstance(msg, Mapping):
        raise ValueError("message is not an object")
    try:
        chat_id, mid, date = msg["chat"]["id"], msg["message_id"], int(msg["date"])
    except (KeyError, TypeError, ValueError):
        raise ValueError("message without chat.id, message_id or date") from None
    if not any(msg.get(k) for k in _CONTENT):
        raise Ignored("a service message (members, title, pin...)")
    raw = dict(update)
    reply = msg.get("reply_to_message")
    # in a forum, every message of a topic "replies" to the topic's creation: that is no reply
    if isinstance(reply, Mapping) and reply.get("message_id") is not None and "forum_topic_created" not in reply:
        raw["reply_to"] = message_key(chat_id, reply["message_id"])
    if msg.get("media_group_id"):
        raw["media_group_id"] = str(msg["media_group_id"])
    return InboundMessage(channel=NAME, message_id=message_key(chat_id, mid), sender=_sender(msg),
                          chat=chat_of(chat_id), received_at=dt.datetime.fromtimestamp(date, dt.UTC),
                          text=str(msg.get("text") or msg.get("caption") or ""), attachments=_attachments(msg),
                          raw=raw)


def _callback(update: Mapping[str, Any], cq: Any, now: dt.datetime | None) -> InboundMessage:
    if not isinstance(cq, Mapping) or not cq.get("id") or "id" not in (cq.get("from") or {}):
        raise ValueError("callback_query without id or from")
    if now is None:
        raise ValueError("a callback query carries no date: give the time it arrived")
    shown_in = cq.get("message") or {}
    chat_id = (shown_in.get("chat") or {}).get("id", cq["from"]["id"])  # an inline message: the user's own chat
    raw = dict(update)
    raw["callback_query_id"] = str(cq["id"])
    if shown_in.get("message_id") is not None:
        raw["callback_to"] = message_key(chat_id, shown_in["message_id"])  # the bot message whose button was pressed
    return InboundMessage(channel=NAME, message_id=f"{chat_id}:cb:{cq['id']}", sender=str(cq["from"]["id"]),
                          chat=chat_of(chat_id), received_at=now,
                          text=str(cq.get("data") or cq.get("game_short_name") or ""), raw=raw)


def to_inbound(update: Any, now: dt.datetime | None = None) -> InboundMessage:
    """An Update as an InboundMessage (pure).

    `message` updates keep their own date; `callback_query` updates (button presses) have none and take `now`.
    Raises Ignored for authentic updates that are not messages we keep (edits, member changes, service notices),
    and ValueError for what cannot be read at all. `raw` is the whole update, plus `reply_to` (the `<chat_id>:
    <message_id>` replied to) and `media_group_id` at the top level for the pipeline.

    Deduplication: Telegram redelivers the same update (same update_id) until it gets a 200, and every delivery gives
    the same message id here, so the store's UNIQUE (channel, chat, message_id) makes a redelivery a no-op; update_id
    is kept in raw and needs no table of its own.
    """
    if not isinstance(update, Mapping) or not isinstance(update.get("update_id"), int):
        raise ValueError("not an Update (no update_id)")
    if "message" in update:
        return _message(update, update["message"])
    if "callback_query" in update:
        return _callback(update, update["callback_query"], now)
    kinds = sorted(k for k in update if k != "update_id")
    raise Ignored(f"update of kind {kinds[0] if kinds else 'empty'} is not kept")


def callback_query_id(update: Mapping[str, Any]) -> str | None:
    """The id of the callback query an update carries, if any."""
    cq = update.get("callback_query")
    return str(cq["id"]) if isinstance(cq, Mapping) and cq.get("id") else None


# ---------------------------------------------------------------- the SDK on its own loop


def _root(url: str, default: str) -> str:
    return (url or default).rstrip("/")


def api_url(settings: TelegramSettings) -> str:
    """PTB's base_url: `[telegram] api_base_url` (a root such as http://127.0.0.1:8081) + /bot, or Telegram's."""
    base = _root(settings.api_base_url, TELEGRAM_API)
    if "{" in base or base.endswith("/bot"):
        return base  # already in PTB's form
    return base + "/bot"


def file_url(settings: TelegramSettings) -> str:
    """PTB's base_file_url: `[telegram] file_base_url` (else the API root) + /file/bot, or Telegram's."""
    base = _root(settings.file_base_url or settings.api_base_url, TELEGRAM_API)
    if "{" in base or base.endswith("/file/bot"):
        return base
    return base + "/file/bot"


class BotRunner:
    """One PTB Bot on a private event loop in a daemon thread; any thread calls `call(fn)` and waits.

    The loop starts on first use (building a channel costs nothing), the Bot is initialized once (one getMe), and
    `close()` shuts the Bot down and stops the loop. Safe to share between the sender, the fetcher and the poller.
    """

    def __init__(self, settings: TelegramSettings, timeout: float = 60.0) -> None:
        self.settings, self.timeout = settings, timeout
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._bot: Bot | None = None
        self._ready: asyncio.Lock | None = None
        self._closed = False

    def _start(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._closed:
                raise RuntimeError("the Telegram bot runner is closed")
            if self._loop is None:
                loop = asyncio.new_event_loop()
                started = threading.Event()

                def run() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(started.set)
                    loop.run_forever()

                self._thread = threading.Thread(target=run, name="telegram-bot-loop", daemon=True)
                self._thread.start()
                started.wait(10)
                self._loop = loop
            return self._loop

    async def _bot_ready(self) -> Bot:
        if self._ready is None:
            self._ready = asyncio.Lock()
        async with self._ready:
            if self._bot is None:
                bot = Bot(self.settings.token, base_url=api_url(self.settings),
                          base_file_url=file_url(self.settings))
                try:
                    await bot.initialize()  # getMe: checks the token
                except BaseException:
                    await bot.shutdown()  # close its HTTP clients; the next call tries again
                    raise
                self._bot = bot
        return self._bot

    def submit(self, fn: Callable[[Bot], Awaitable[T]]) -> concurrent.futures.Future[T]:
        """Start `await fn(bot)` on the loop; the future can be waited for, or cancelled."""
        async def go() -> T:
            return await fn(await self._bot_ready())

        return asyncio.run_coroutine_threadsafe(go(), self._start())

    def call(self, fn: Callable[[Bot], Awaitable[T]], timeout: float | None = None) -> T:
        """Run `await fn(bot)` on the loop and return its result (its exception is raised here)."""
        future = self.submit(fn)
        try:
            return future.result(timeout or self.timeout)
        except TimeoutError:
            future.cancel()  # never let a request the caller gave up on go out later
            raise

    def close(self) -> None:
        """Shut the Bot down (closing its HTTP clients) and stop the loop; idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            loop, thread = self._loop, self._thread
        if loop is None:
            return

        async def shutdown() -> None:
            if self._bot is not None:
                await self._bot.shutdown()

        try:
            asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
        except Exception:  # a failing shutdown must not keep the loop alive
            log.exception("telegram bot shutdown failed")
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(10)
        loop.close()


# ---------------------------------------------------------------- media


class TelegramFetcher:
    """Downloads an attachment by file_id: getFile, then the file URL (both through the configured roots)."""

    def __init__(self, settings: TelegramSettings, runner: BotRunner | None = None, max_bytes: int = MAX_BYTES):
        self.runner = runner or BotRunner(settings)
        self.max_bytes = max_bytes

    def fetch(self, ref: AttachmentRef) -> bytes:
        """The file's bytes, or FetchError saying why not."""
        async def download(bot: Bot) -> bytes:
            tg_file = await bot.get_file(ref.source)
            if tg_file.file_size and tg_file.file_size > self.max_bytes:
                raise FetchError(f"file too large: {tg_file.file_size} bytes (the Bot API serves up to "
                                 f"{self.max_bytes})")
            return bytes(await tg_file.download_as_bytearray())

        try:
            data = self.runner.call(download)
        except FetchError:
            raise
        except (BadRequest, Forbidden) as exc:  # "file is too big", "invalid file_id": asking again will not help
            raise FetchError(f"telegram getFile refused: {exc.message}") from None
        except (NetworkError, RetryAfter, InvalidToken, TimeoutError, OSError) as exc:
            # Telegram busy or unreachable, or a token to be fixed: the pipeline tries again later
            raise FetchError(f"telegram download failed: {type(exc).__name__}: {exc}", transient=True) from None
        except TelegramError as exc:
            raise FetchError(f"telegram download failed: {type(exc).__name__}: {exc}") from None
        if len(data) > self.max_bytes:
            raise FetchError(f"file too large: {len(data)} bytes (cap {self.max_bytes})")
        return data

    def close(self) -> None:
        """Release the SDK's loop and connections."""
        self.runner.close()


# ---------------------------------------------------------------- flood limits


def _seconds(value: int | float | dt.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


# ---------------------------------------------------------------- sending


def keyboard(buttons: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup | None:
    """An inline keyboard for the bot's choices: one row of up to three buttons, else one button per row."""
    if not buttons:
        return None
    keys = [InlineKeyboardButton(label, callback_data=data) for label, data in buttons]
    return InlineKeyboardMarkup([keys] if len(keys) <= 3 else [[k] for k in keys])


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Text cut into messages Telegram accepts, at line breaks where possible."""
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        cut = cut if cut > 0 else limit
        parts.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    parts.append(rest)
    return parts


class TelegramChannel:
    """Sends with sendMessage (inline keyboard for choices) within the flood limits; retry_after is honoured.

    A recipient `callback:<id>` answers that callback query (stops the button's spinner) instead.
    """

    name = NAME

    def __init__(self, settings: TelegramSettings, runner: BotRunner | None = None,
                 limiter: RateLimiter | None = None, max_retries: int = 8) -> None:
        self.runner = runner or BotRunner(settings)
        self.limiter = limiter or RateLimiter(
            chat_gap=1.0 / max(1, settings.chat_messages_per_second),
            group_per_minute=settings.group_messages_per_minute,
            overall_per_second=settings.messages_per_second)
        self.max_retries = max_retries

    def send(self, message: OutboundMessage) -> str:
        """Deliver one message; returns `<chat_id>:<message_id>` of the (last) message Telegram created."""
        if message.recipient.startswith(CALLBACK_PREFIX):
            return self._answer(message.recipient.removeprefix(CALLBACK_PREFIX), message.text)
        chat_id = chat_id_of(message.recipient)
        parts = split_text(message.text or " ")
        sent = ""
        for i, part in enumerate(parts):
            markup = keyboard(message.buttons) if i == len(parts) - 1 else None
            chat_id, sent = self._send_one(chat_id, part, markup)
        return sent

    def _send_one(self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None) -> tuple[int, str]:
        for _ in range(self.max_retries):
            self.limiter.wait(chat_id)
            try:
                msg = self.runner.call(lambda bot, to=chat_id: bot.send_message(to, text, reply_markup=markup))
            except RetryAfter as exc:
                # flood control: wait as long as Telegram says, then try again; the message is never dropped
                log.info("telegram 429 for %s: retry after %s", chat_id, exc.retry_after)
                self.limiter.hold(chat_id, _seconds(exc.retry_after))
                continue
            except ChatMigrated as exc:  # a group became a supergroup: it has a new id
                chat_id = int(exc.new_chat_id)
                continue
            return chat_id, message_key(chat_id, msg.message_id)
        # the outbox keeps it and tries again later
        raise RuntimeError(f"telegram kept refusing chat {chat_id} after {self.max_retries} tries")

    def _answer(self, query_id: str, text: str) -> str:
        try:
            self.runner.call(lambda bot: bot.answer_callback_query(query_id, text=text or None))
        except BadRequest as exc:  # "query is too old": a late answer can never succeed, so it is done
            log.info("callback %s not answered: %s", query_id, exc.message)
        return f"{CALLBACK_PREFIX}{query_id}"

    def close(self) -> None:
        """Release the SDK's loop and connections."""
        self.runner.close()


# ---------------------------------------------------------------- polling


# PTB's Message always writes these service flags; Telegram sends them only when true
_DEFAULT_FALSE = frozenset({"delete_chat_photo", "group_chat_created", "supergroup_chat_created",
                            "channel_chat_created"})


def _as_sent(obj: Any) -> Any:
    """PTB's to_dict() of an Update back in Telegram's own JSON (the flags it adds as false dropped)."""
    if isinstance(obj, dict):
        return {k: _as_sent(v) for k, v in obj.items() if not (k in _DEFAULT_FALSE and v is False)}
    if isinstance(obj, list):
        return [_as_sent(v) for v in obj]
    return obj


def get_updates(runner: BotRunner, offset: int | None, timeout: int,
                stop: threading.Event | None = None) -> list[dict[str, Any]]:
    """getUpdates, long-polling `timeout` s, as Update JSON (what a webhook would have received).

    Setting `stop` cancels the long poll at once and gives []; what it would have returned is not confirmed, so
    Telegram sends it again to the next poll.
    """
    async def poll(bot: Bot) -> list[dict[str, Any]]:
        updates = await bot.get_updates(offset=offset, timeout=timeout, read_timeout=timeout + 10,
                                        allowed_updates=["message", "callback_query"])
        return [_as_sent(u.to_dict()) for u in updates]

    future = runner.submit(poll)
    deadline = time.monotonic() + timeout + 30
    while True:
        try:
            return future.result(0.1)
        except concurrent.futures.TimeoutError:
            if stop is not None and stop.is_set():
                future.cancel()
                return []
            if time.monotonic() > deadline:
                future.cancel()
                raise TimeoutError("getUpdates did not answer") from None


__all__ = ["BotRunner", "Ignored", "RateLimiter", "TelegramChannel", "TelegramError", "TelegramFetcher",
           "callback_query_id", "chat_of", "get_updates", "message_key", "secret_ok", "to_inbound"]
