"""Flood limits for outbound chat messages (pure: a clock and a sleeper are passed in)."""
from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any


class RateLimiter:
    """Telegram's flood limits, checked against the times messages really went out.

    At most one message per `chat_gap` seconds to a chat, `group_per_minute` in any 60 s to a group (negative chat
    ids), and `overall_per_second` in any second overall. `hold(chat, s)` blocks one chat after a 429 retry_after,
    without holding up the others. `clock` and `sleep` are injectable so that spacing can be checked without waiting.
    """

    EPSILON = 1e-6

    def __init__(self, chat_gap: float = 1.0, group_per_minute: int = 20, overall_per_second: int = 25,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Any] = lambda s: threading.Event().wait(s)) -> None:
        self.chat_gap, self.clock, self.sleep = chat_gap, clock, sleep
        self.group_per_minute, self.overall = max(1, group_per_minute), max(1, overall_per_second)
        self._lock = threading.Lock()
        self._last: dict[int, float] = {}
        self._group: dict[int, deque[float]] = {}
        self._all: deque[float] = deque()
        self._held: dict[int, float] = {}

    def _due(self, chat_id: int, now: float) -> float:
        """The earliest instant the next message to this chat may go (<= now: it may go now)."""
        at = self._held.get(chat_id, now)
        if chat_id in self._last:
            at = max(at, self._last[chat_id] + self.chat_gap)
        group = self._group.get(chat_id)
        if group is not None:
            while group and group[0] <= now - 60.0 + self.EPSILON:
                group.popleft()
            if len(group) >= self.group_per_minute:
                at = max(at, group[0] + 60.0)
        while self._all and self._all[0] <= now - 1.0 + self.EPSILON:
            self._all.popleft()
        if len(self._all) >= self.overall:
            at = max(at, self._all[0] + 1.0)
        return at

    def wait(self, chat_id: int) -> float:
        """Wait until a message may go to this chat, and count it as sent then; returns that instant."""
        while True:
            with self._lock:
                now = self.clock()
                delay = self._due(chat_id, now) - now
                if delay <= self.EPSILON:
                    self._last[chat_id] = now
                    if chat_id < 0:
                        self._group.setdefault(chat_id, deque()).append(now)
                    self._all.append(now)
                    return now
            self.sleep(delay)

    def hold(self, chat_id: int, seconds: float) -> None:
        """Nothing goes to this chat for `seconds` from now (Telegram's retry_after)."""
        with self._lock:
            self._held[chat_id] = max(self._held.get(chat_id, 0.0), self.clock() + seconds)
