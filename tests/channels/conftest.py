"""Fixtures for the channel tests: a running fake Twilio and the app wired by bootstrap against it."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.channels.fakes import FakeTwilio
from tests.channels.harness import ACCOUNT_SID, AUTH_TOKEN, Bot, make_bot


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    """A fake Twilio (REST, media, CDN) on loopback."""
    with FakeTwilio(ACCOUNT_SID, AUTH_TOKEN) as fake:
        yield fake


@pytest.fixture
def bot(tmp_path: Path, fake_twilio: FakeTwilio) -> Iterator[Bot]:
    """The bot with every template configured."""
    yield from make_bot(tmp_path, fake_twilio)
