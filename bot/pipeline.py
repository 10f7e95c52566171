"""One path for every source: store raw and commit, then save attachments, tag, and record."""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.messages import AttachmentRef, InboundMessage
from bot.ports import Clock, FetchError, MediaFetcher
from bot.run_context import RunContext
from parsers.facts import FileFacts, MessageFacts, TagContext, Tags
from parsers.orderbook import OrderBook
from parsers.photos import PhotoFacts, inspect_photo
from parsers.sniff import extension_for, sniff_type
from parsers.tags import tag_message
from store import inbound_repo as repo
from store.blobs import BlobStore, safe_name
from store.book_repo import load_book
from store.inbound_repo import PendingRow
from store.models import AttachmentRow

log = logging.getLogger(__name__)
MAX_RETRIES = 6
CAPTION_WINDOW = dt.timedelta(seconds=10)  # a caption typed as its own message comes seconds before


class RetryLater(Exception):
    """Processing should be tried again later: a download failed for a reason that may pass."""
Tagger = Callable[[MessageFacts, TagContext, OrderBook], Tags]
AfterTagging = Callable[[Session, PendingRow, Tags, OrderBook], None]
AfterBatch = Callable[[Session, "list[repo.Result]", OrderBook], None]


@dataclass
class ProcessReport:
    processed: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


class Pipeline:
    """Stores inbound messages and processes them in time order; a failure never stops the next one."""

    def __init__(self, engine: Engine, blobs: BlobStore, fetchers: Mapping[str, MediaFetcher], clock: Clock,
                 carry_over: dt.timedelta = dt.timedelta(minutes=15), stale_days: int = 7,
                 tagger: Tagger = tag_message, after_tagging: Sequence[AfterTagging] = (),
                 captionless: frozenset[str] = frozenset({"wecom"}),
                 after_batch: Sequence[AfterBatch] = ()) -> None:
        self.engine, self.blobs, self.fetchers, self.clock = engine, blobs, fetchers, clock
        # channels whose images never carry a caption: people send the words, then the photo
        self.captionless = captionless
        self._prefetched: dict[tuple[int, int], Prepared | FetchError] = {}
        self.carry_over, self.stale_days = carry_over, stale_days
        self.tagger, self.after_tagging = tagger, list(after_tagging)
        # steps that read the order's whole timeline run once the batch's tags are written, in the same transaction
        self.after_batch = list(after_batch)

    def receive(self, messages: Sequence[InboundMessage], notify: bool = True) -> int:
        """Store messages raw and commit before anything else; returns how many were new."""
        if not messages:
            return 0
        with Session(self.engine) as session:
            added = repo.store_inbound(session, messages, notify)
            earliest = min(m.received_at for m in messages)
            if added and repo.processed_after(session, earliest):
                # flags that look back in time must see the late arrival: re-tag what came after it
                repo.requeue_after(session, [m.chat for m in messages], earliest)
            session.commit()
        return added

    def process_pending(self, batch: int = 500, only_failed: bool = False,
                        progress: Callable[[int], None] | None = None,
                        pause: Callable[[], None] | None = None) -> ProcessReport:
        """Process every waiting message in time order, committing batch by batch."""
        report = ProcessReport()
        with Session(self.engine) as session:
            book = load_book(session)
        ctx = RunContext()
        while True:
            with Session(self.engine) as session:
                rows = repo.pending_rows(session, batch, only_failed)
            if not rows:
                return report
            # downloads happen before the write transaction, so no lock is held while a provider answers
            self._prefetched = self._prefetch(rows)
            with Session(self.engine) as session:
                ctx.bind(session)
                results = [self._process_guarded(session, row, book, ctx, report) for row in rows]
                repo.write_results(session, results, self.clock.now())
                self._after_batch(session, [r for r in results if r.tags is not None], book, report)
                session.commit()
            if progress:
                progress(len(rows))
            if pause:
                pause()  # let acknowledgements go first when webhooks are busy
            only_failed = False  # failed rows were retried once; go on with the queue

    def _after_batch(self, session: Session, results: list[repo.Result], book: OrderBook,
                     report: ProcessReport) -> None:
        for step in self.after_batch:
            try:
                with session.begin_nested():
                    step(session, results, book)
            except Exception as exc:  # the tags are written; a failing follow-up step must not lose them
                log.exception("after-batch step %s failed", type(step).__name__)
                report.errors.append(f"{type(step).__name__}: {type(exc).__name__}: {exc}"[:500])

    def _process_guarded(self, session: Session, row: PendingRow, book: OrderBook, ctx: RunContext,
                         report: ProcessReport) -> repo.Result:
        try:
            with session.begin_nested():
                tags = self.process_row(session, row, book, ctx)
            report.processed += 1
            # a stranger's message is kept but quarantined until someone links the sender
            state = "quarantined" if "unknown_sender" in tags.flags else "processed"
            return repo.Result(row, state, tags, None)
        except RetryLater as exc:
            # keep it waiting, with backoff, until the provider answers; give up after MAX_RETRIES
            state = "retry" if row.attempts + 1 < MAX_RETRIES else "failed"
            report.failed += 1
            report.errors.append(f"{row.chat} {row.message_id}: {exc}")
            return repo.Result(row, state, None, str(exc)[:500])
        except Exception as exc:  # one bad message must never stop the queue
            log.exception("message %s/%s failed", row.chat, row.message_id)
            error = f"{type(exc).__name__}: {exc}"[:500]
            report.failed += 1
            report.errors.append(f"{row.chat} {row.message_id}: {error}")
            return repo.Result(row, "failed", None, error)

    def process_row(self, session: Session, row: PendingRow, book: OrderBook, ctx: RunContext | None = None) -> Tags:
        """Save attachments and tag the message (inside the caller's transaction)."""
        ctx = ctx or RunContext()
        ctx.bind(session)
        if row.contact_id is None:
            row.contact_id = ctx.contact(row.channel, row.sender)
        files = tuple(repo.file_facts(f) for f in self._attachments(session, row))
        text = row.text
        if not text and row.channel in self.captionless and any(f.is_image for f in files):
            # the words sent just before a bare image are its caption, as a captioned photo elsewhere
            text = repo.caption_before(session, row, CAPTION_WINDOW) or ""
        facts = MessageFacts(chat=row.chat, sender=row.contact_id, received_at=row.received_at, text=text,
                             files=files)
        replied = ctx.replied(row)  # a reply inherits the context of the message it answers
        tctx = TagContext(previous=replied or ctx.previous(row, self.carry_over), previous_is_reply=bool(replied),
                          chat_senders=ctx.chat_senders(row),
                          earlier_photos=ctx.photos(row) if any(f.phash for f in files) else (),
                          shortages=ctx.shortages(row), known_refs=ctx.known_refs(row),
                          carry_over=self.carry_over, stale_days=self.stale_days)
        tags = self.tagger(facts, tctx, book)
        ctx.record(row, tags, files)
        for hook in self.after_tagging:
            hook(session, row, tags, book)
        return tags

    def _attachments(self, session: Session, row: PendingRow) -> list[AttachmentRow]:
        refs = [AttachmentRef.from_json(a) for a in row.attachments]
        if not refs:
            return []
        stored = {a.position: a for a in repo.attachments_of(session, row.id)}
        for pos, ref in enumerate(refs):
            if pos not in stored:
                stored[pos] = self._save(session, row, pos, ref)
        return [stored[p] for p in sorted(stored)]

    def _prefetch(self, rows: list[PendingRow]) -> dict[tuple[int, int], Prepared | FetchError]:
        """Every not yet stored attachment of these rows, downloaded, stored as a blob and inspected."""
        wanted = [r for r in rows if r.attachments]
        if not wanted:
            return {}
        with Session(self.engine) as session:
            stored = repo.stored_positions(session, [r.id for r in wanted])
        got: dict[tuple[int, int], Prepared | FetchError] = {}
        for row in wanted:
            for pos, raw in enumerate(row.attachments):
                if (row.id, pos) in stored:
                    continue
                try:
                    got[(row.id, pos)] = self._prepare(row, AttachmentRef.from_json(raw))
                except Exception:  # a damaged payload fails later, inside its own message's guard
                    log.warning("prefetch of %s/%s failed", row.chat, row.message_id, exc_info=True)
        return got

    def _prepare(self, row: PendingRow, ref: AttachmentRef) -> Prepared | FetchError:
        """Download, store content-addressed and inspect one attachment, outside any transaction."""
        fetcher = self.fetchers.get(row.channel)
        if fetcher is None:
            return FetchError(f"no fetcher for channel {row.channel}")
        try:
            data = fetcher.fetch(ref)
        except FetchError as exc:
            return exc
        mime = sniff_type(data)
        sha, path = self.blobs.put(data, extension_for(mime))
        photo = inspect_photo(data) if mime.startswith("image/") else None
        return Prepared(mime, len(data), sha, path, photo)

    def _save(self, session: Session, row: PendingRow, pos: int, ref: AttachmentRef) -> AttachmentRow:
        att = AttachmentRow(inbound_id=row.id, position=pos, kind=ref.kind, original_name=safe_name(ref.name))
        got = self._prefetched.pop((row.id, pos), None)
        if got is None:
            got = self._prepare(row, ref)
        if isinstance(got, FetchError):
            if got.transient and row.attempts + 1 < MAX_RETRIES:
                raise RetryLater(str(got))
            att.error = str(got)
        else:
            att.mime, att.size, att.sha256, att.path = got.mime, got.size, got.sha256, got.path
            photo = got.photo
            if photo is not None:
                att.phash = f"{photo.phash:016x}" if photo.phash is not None else None
                att.error = photo.error
                if photo.capture is not None:
                    att.captured_local = photo.capture.taken.strftime("%Y-%m-%d %H:%M:%S")
                    off = photo.capture.offset
                    att.captured_offset_min = int(off.total_seconds() // 60) if off is not None else None
                    att.camera = " ".join(x for x in (photo.capture.make, photo.capture.model) if x) or None
            if ref.kind == "photo" and not got.mime.startswith("image/"):
                att.error = f"declared a photo but the content is {got.mime}"
        session.add(att)
        session.flush()
        return att


@dataclass(frozen=True)
class Prepared:
    """An attachment downloaded, stored and inspected, waiting to be written with its message."""

    mime: str
    size: int
    sha256: str
    path: str
    photo: PhotoFacts | None


__all__ = ["Pipeline", "ProcessReport", "FileFacts"]
