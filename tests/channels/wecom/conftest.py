"""Fixtures for the WeCom channel tests: a running fake WeCom API and the app wired by bootstrap against it."""
from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.channels.wecom.fake_wecom_api import FakeWecomApi
from tests.channels.wecom.harness import AGENT_ID, KEYS, SECRET, WecomBot, make_bot
from tests.fixtures import AGENT, CONTACTS, ORDER_BOOK

AGENT_USERID = "WuTao"  # tom.wu's WeCom account has its own userid; the others default to their contact id


def contacts_doc() -> dict[str, Any]:
    """The shared test contacts, the agent with a wecom_userid of his own."""
    doc = copy.deepcopy(CONTACTS)
    for c in doc["contacts"]:
        if c["id"] == AGENT:
            c["wecom_userid"] = AGENT_USERID
    return doc


@pytest.fixture
def fake_api() -> Iterator[FakeWecomApi]:
    """A fake WeCom API (gettoken, media/get, message/send) on loopback."""
    with FakeWecomApi(KEYS.corp_id, SECRET, AGENT_ID) as fake:
        yield fake


@pytest.fixture
def bot(tmp_path: Path, fake_api: FakeWecomApi) -> Iterator[WecomBot]:
    """The bot with WeCom on, the test order book and contacts loaded."""
    yield from make_bot(tmp_path, fake_api, ORDER_BOOK, contacts_doc())
