"""The only place that wires things together; tests call it too, with their fakes."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from bot.alerts import Notifier
from bot.asking import Asker
from bot.channels.registry import live_channels
from bot.chat_commands import CommandHook
from bot.clock import SystemClock
from bot.decision_keeper import DecisionKeeper
from bot.document_keeper import DocumentKeeper
from bot.fetchers import LocalFileFetcher
from bot.ingest import InboundWriter
from bot.messages import TELEGRAM_EXPORT, WHATSAPP_EXPORT
from bot.outbox import drain
from bot.pipeline import AfterBatch, Pipeline
from bot.ports import Channel, Clock, MediaFetcher
from bot.prompt_keeper import PromptKeeper
from bot.risk_keeper import RiskKeeper
from bot.services import ReplyHook, UnknownSenderHook
from bot.settings import Settings
from store.blobs import BlobStore
from store.db import open_database

IMPORT_CHANNELS = (WHATSAPP_EXPORT, TELEGRAM_EXPORT)


@dataclass
class App:
    settings: Settings
    engine: Engine
    clock: Clock
    blobs: BlobStore
    pipeline: Pipeline
    channels: dict[str, Channel] = field(default_factory=dict)
    fetchers: dict[str, MediaFetcher] = field(default_factory=dict)
    ingest: InboundWriter | None = None  # group commit for webhooks; `serve` starts its thread

    def send_outbox(self) -> int:
        """Send whatever the outbox has due."""
        return drain(self.engine, self.channels, self.clock)

    def close(self) -> None:
        """Release network clients and the database connections."""
        for part in [*self.channels.values(), *self.fetchers.values()]:
            close = getattr(part, "close", None)
            if callable(close):
                close()
        self.engine.dispose()


def _keepers(settings: Settings, clock: Clock, available: Callable[[], Iterable[str]],
             blobs: BlobStore) -> list[AfterBatch]:
    """What runs once a batch's tags are written, in this order: documents and labels are read (a mismatch is an
    exception), risks open or close, decisions are recorded, then answers are read and questions asked."""
    asker = Asker(clock, available)
    return [DocumentKeeper(blobs), RiskKeeper(Notifier(clock, available)), DecisionKeeper(asker),
            PromptKeeper(asker, settings.prompts)]


def bootstrap(settings: Settings, clock: Clock | None = None, channels: Mapping[str, Channel] | None = None,
              fetchers: Mapping[str, MediaFetcher] | None = None, engine: Engine | None = None) -> App:
    """Build the application from settings; anything passed in replaces the real one."""
    clock = clock or SystemClock()
    engine = engine or open_database(settings.store.url)
    blobs = BlobStore(settings.store.media_dir)
    local = LocalFileFetcher()
    # history and local chats read their files from disk
    all_fetchers: dict[str, MediaFetcher] = {name: local for name in ("replay", "console", "demo", *IMPORT_CHANNELS)}
    all_channels: dict[str, Channel] = {}
    for module in live_channels():
        if module.enabled(settings):
            all_channels[module.NAME], all_fetchers[module.NAME] = module.build(settings, engine, clock)
    all_fetchers.update(fetchers or {})
    all_channels.update(channels or {})
    hooks = [CommandHook(clock), ReplyHook(clock, settings.prompts.ask_for_original),
             UnknownSenderHook(clock, lambda: all_channels.keys())]
    pipeline = Pipeline(engine, blobs, all_fetchers, clock,
                        carry_over=dt.timedelta(minutes=settings.tagging.carry_over_minutes),
                        stale_days=settings.tagging.stale_days, after_tagging=hooks,
                        after_batch=_keepers(settings, clock, lambda: all_channels.keys(), blobs))
    return App(settings, engine, clock, blobs, pipeline, all_channels, all_fetchers, InboundWriter(pipeline))

