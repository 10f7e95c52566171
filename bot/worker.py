"""The worker: drains the inbound table and the outbox in the background; a crash resumes where it stopped."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlmodel import Session

from bot.bootstrap import App
from bot.outbox import drain, recover_claims
from store.inbound_repo import requeue_retries

log = logging.getLogger(__name__)
OUTBOX_CLAIM = 20  # messages claimed per outbox pass: a rate-limited channel may take a while to send them


class Worker:
    """Processes acknowledged messages in small committed batches; a second thread sends what the outbox has due,
    so a channel waiting out its flood limits never holds up the tagging of what comes in."""

    def __init__(self, app: App, idle_seconds: float = 1.0) -> None:
        self.app, self.idle = app, idle_seconds
        self._wakes: dict[str, threading.Event] = {}
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def wake(self) -> None:
        """Tell the worker there is new work (called by webhooks after they store a message)."""
        if "orderproof-worker" in self._wakes:
            self._wakes["orderproof-worker"].set()

    def process_once(self) -> int:
        """Process everything pending (and what waited out a retry backoff); returns how many were handled."""
        with Session(self.app.engine) as session:
            requeue_retries(session, self.app.clock.now())
            session.commit()
        report = self.app.pipeline.process_pending(batch=self.app.settings.server.worker_batch,
                                                   pause=self._give_way)
        done = report.processed + report.failed
        if done and "orderproof-outbox" in self._wakes:
            self._wakes["orderproof-outbox"].set()  # replies may be waiting
        return done

    def _give_way(self) -> None:
        """Between batches, wait briefly while deliveries queue to be stored: acknowledging comes first."""
        ingest, pause, waited = self.app.ingest, threading.Event(), 0.0
        while ingest is not None and ingest.busy() and waited < 0.02:
            pause.wait(0.001)
            waited += 0.001

    def send_once(self) -> int:
        """Send what the outbox has due; returns how many went."""
        return drain(self.app.engine, self.app.channels, self.app.clock, limit=OUTBOX_CLAIM)

    def run_once(self) -> int:
        """Process everything pending, then send what is due (one synchronous pass, for tests and tools)."""
        done = self.process_once()
        self.app.send_outbox()
        return done

    def _loop(self, step: Callable[[], int], name: str) -> None:
        wake = self._wakes[name]
        while not self._stop.is_set():
            try:
                done = step()
            except Exception:  # the database may be briefly unavailable; never let the thread die
                log.exception("%s pass failed", name)
                done = 0
            if not done:
                wake.wait(self.idle)
                wake.clear()

    def start(self) -> None:
        """Run in daemon threads, after taking back what a crashed run left half-sent."""
        recover_claims(self.app.engine)
        for step, name in ((self.process_once, "orderproof-worker"), (self.send_once, "orderproof-outbox")):
            self._wakes[name] = threading.Event()
            thread = threading.Thread(target=self._loop, args=(step, name), name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the current passes and stop."""
        self._stop.set()
        for event in self._wakes.values():
            event.set()
        for thread in self._threads:
            thread.join(timeout)
