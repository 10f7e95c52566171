"""Clocks: time is passed in, never read inside logic."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


class SystemClock:
    """The real clock, in UTC."""

    def now(self) -> dt.datetime:
        """The current instant, aware UTC."""
        return dt.datetime.now(dt.UTC)


@dataclass
class FixedClock:
    """A clock tests move by hand."""

    current: dt.datetime = field(default_factory=lambda: dt.datetime(2026, 6, 1, tzinfo=dt.UTC))

    def now(self) -> dt.datetime:
        """The instant the test set."""
        return self.current

    def advance(self, **delta: float) -> None:
        """Move forward by a timedelta's keyword arguments."""
        self.current = self.current + dt.timedelta(**delta)
