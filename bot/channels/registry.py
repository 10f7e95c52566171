"""The live channels. Each `bot/channels/*_live.py` module offers NAME, enabled(settings), build(...) and routes(...).

build(settings, engine, clock) -> (channel, fetcher) makes its sender and its media fetcher;
routes(app, wake) -> a list of starlette routes for its webhook. Bootstrap and the web front loop over the modules
found here, so adding a channel never touches them.
"""
from __future__ import annotations

import pkgutil
from importlib import import_module
from types import ModuleType

import bot.channels


def live_channels() -> list[ModuleType]:
    """The live channel modules, imported on first use (no SDK is imported before it is needed)."""
    names = sorted(m.name for m in pkgutil.iter_modules(bot.channels.__path__) if m.name.endswith("_live"))
    return [import_module(f"bot.channels.{name}") for name in names]
