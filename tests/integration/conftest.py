"""Fixtures for the integration tests that drive the app directly."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.bootstrap import App
from tests.fixtures import Workspace, console_app


@pytest.fixture
def app(ws: Workspace) -> Iterator[App]:
    """The app wired as `console` wires it, on a fixed clock (10:00 in Shanghai, 2026-06-12), with the fixture
    order book."""
    application = console_app(ws)
    try:
        yield application
    finally:
        application.close()
