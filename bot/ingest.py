"""Group commit for webhooks: one writer thread stores what many requests received, in one transaction each round.

A webhook hands its InboundMessage over and waits for the commit, so it still answers only once the message is
stored; but a hundred concurrent deliveries cost one transaction, not a hundred.
"""
from __future__ import annotations

import asyncio
import logging
import queue
import threading
from concurrent.futures import Future

from bot.messages import InboundMessage
from bot.pipeline import Pipeline

log = logging.getLogger(__name__)


class InboundWriter:
    """Stores submitted messages in batches from one thread; each submitter learns when its batch committed."""

    def __init__(self, pipeline: Pipeline, max_batch: int = 200) -> None:
        self.pipeline, self.max_batch = pipeline, max_batch
        self._queue: queue.Queue[tuple[InboundMessage, bool, Future] | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the writer thread."""
        self._thread = threading.Thread(target=self._run, name="orderproof-ingest", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Store what is queued, then stop."""
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(10)

    def busy(self) -> bool:
        """Whether deliveries are waiting to be stored (webhooks are under load)."""
        return not self._queue.empty()

    def submit(self, message: InboundMessage, notify: bool = True) -> Future:
        """Queue a message; the future resolves when it is committed (with True when it was new)."""
        done: Future = Future()
        if self._thread is None:  # not started (tests, CLI): store it here and now
            try:
                done.set_result(bool(self.pipeline.receive([message], notify)))
            except Exception as exc:  # the caller answers 500 and the provider retries
                done.set_exception(exc)
            return done
        self._queue.put((message, notify, done))
        return done

    async def store(self, message: InboundMessage, notify: bool = True) -> bool:
        """Await the commit of one message from a request handler."""
        return await asyncio.wrap_future(self.submit(message, notify))

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)
                    break
                batch.append(item)
            self._write(batch)

    def _write(self, batch: list[tuple[InboundMessage, bool, Future]]) -> None:
        for notify in (True, False):
            part = [(m, f) for m, n, f in batch if n is notify]
            if not part:
                continue
            try:
                self.pipeline.receive([m for m, _ in part], notify)
            except Exception as exc:
                log.exception("storing %d inbound messages failed", len(part))
                for _, f in part:
                    f.set_exception(exc)
            else:
                for _, f in part:
                    f.set_result(True)
