"""The worker: drains the inbound table and the outbox in the background; a crash resumes where it stopped."""
from __future__ import annotations

import logging
import threading

from sqlmodel import Session

from bot.bootstrap import App
from bot.outbox import recover_claims
from store.inbound_repo import requeue_retries

log = logging.getLogger(__name__)


class Worker:
    """Processes acknowledged messages in small committed batches, then sends what the outbox has due."""

    def __init__(self, app: App, idle_seconds: float = 1.0) -> None:
        self.app, self.idle = app, idle_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        """Tell the worker there is new work (called by webhooks after they store a message)."""
        self._wake.set()

    def run_once(self) -> int:
        """Process everything pending and send what is due; returns how many messages were processed."""
        with Session(self.app.engine) as session:
            requeue_retries(session, self.app.clock.now())
            session.commit()
        report = self.app.pipeline.process_pending(batch=self.app.settings.server.worker_batch)
        self.app.send_outbox()
        return report.processed + report.failed

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                done = self.run_once()
            except Exception:  # the database may be briefly unavailable; never let the thread die
                log.exception("worker pass failed")
                done = 0
            if not done:
                self._wake.wait(self.idle)
                self._wake.clear()

    def start(self) -> None:
        """Run in a daemon thread, after taking back what a crashed run left half-sent."""
        recover_claims(self.app.engine)
        self._thread = threading.Thread(target=self._loop, name="orderproof-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the current pass and stop."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
