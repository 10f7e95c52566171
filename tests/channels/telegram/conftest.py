"""Fixtures for the Telegram channel tests: a running fake Bot API, and the app wired by bootstrap against it."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.channels.telegram.fake_bot_api import FakeBotApi
from tests.channels.telegram.harness import TOKEN, TelegramBot, make_bot


@pytest.fixture
def fake_api() -> Iterator[FakeBotApi]:
    """The fake Bot API on loopback."""
    with FakeBotApi(TOKEN) as fake:
        yield fake


@pytest.fixture
def tg(tmp_path: Path, fake_api: FakeBotApi) -> Iterator[TelegramBot]:
    """The bot, its webhook and worker, talking to the fake Bot API."""
    yield from make_bot(tmp_path, fake_api)
