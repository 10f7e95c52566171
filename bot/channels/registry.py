"""The live channels. Each module offers the same four things: NAME, enabled(settings), build(...) and routes(...).

build(settings, engine, clock) -> (channel, fetcher) makes its sender and its media fetcher;
routes(app, wake) -> list of starlette routes for its webhook. Bootstrap and the web front loop over this list,
so adding a channel never touches them.
"""
from __future__ import annotations

from importlib import import_module
from types import ModuleType

LIVE = ("bot.channels.twilio_live",)


def live_channels() -> list[ModuleType]:
    """The live channel modules, imported on first use (no SDK is imported before it is needed)."""
    return [import_module(name) for name in LIVE]
