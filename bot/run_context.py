"""What came before each message, kept in memory for one processing run so tagging needs no query per message.

Messages are processed in time order, so each cache is loaded from the store once (for what came before the run)
and then extended as the run goes. A message that arrives late re-queues the ones after it (see Pipeline.receive).
"""
from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from parsers.facts import FileFacts, Prior, PriorPhoto, Tags
from parsers.references import references
from store import inbound_repo as repo
from store.contacts_repo import resolve_contact


class RunContext:
    """Caches of senders, last evidence, photos and shortages, valid while messages go in time order."""

    def __init__(self) -> None:
        self.session: Session | None = None
        self._contacts: dict[tuple[str, str], str | None] = {}
        self._senders: dict[str, set[str]] = {}
        self._previous: dict[tuple[str, str], Prior | None] = {}
        self._photos: list[PriorPhoto] | None = None
        # per chat, an ordered set (a dict) of (order, sku) shortages: a long chat repeats the same ones
        self._shortages: dict[str, dict[tuple[str, str | None], None]] = {}
        self._refs: dict[str, set[tuple[str, str]]] = {}

    def bind(self, session: Session) -> None:
        """Use this session for the look-ups that fill the caches."""
        self.session = session

    def contact(self, channel: str, sender: str) -> str | None:
        """The contact behind a channel identity."""
        key = (channel, sender)
        if key not in self._contacts:
            found = resolve_contact(self.session, channel, sender)
            if found is None and channel == "telegram":
                return None  # not cached: a /start link in this run may make the sender known
            self._contacts[key] = found
        return self._contacts[key]

    def replied(self, row) -> Prior | None:
        """The tags of the message this one replies to, when the channel says it is a reply."""
        if not row.reply_to:
            return None
        return repo.evidence_of(self.session, row.channel, row.chat, str(row.reply_to))

    def chat_senders(self, row) -> tuple[str, ...]:
        """Contacts who have written in the row's chat up to it."""
        if row.chat not in self._senders:
            self._senders[row.chat] = set(repo.chat_senders(self.session, row))
        if row.contact_id:
            self._senders[row.chat].add(row.contact_id)
        return tuple(sorted(self._senders[row.chat]))

    def previous(self, row, window: dt.timedelta) -> Prior | None:
        """The sender's latest evidence in the chat, if it came within the window."""
        if row.contact_id is None:
            return None
        key = (row.chat, row.contact_id)
        if key not in self._previous:
            self._previous[key] = repo.previous_evidence(self.session, row, dt.timedelta(days=36500))
        prior = self._previous[key]
        if prior is None or row.received_at - prior.received_at > window:
            return None
        return prior

    def photos(self, row) -> tuple[PriorPhoto, ...]:
        """Every picture received before the row, in any chat."""
        if self._photos is None:
            self._photos = list(repo.earlier_photos(self.session, row))
        return tuple(p for p in self._photos if p.received_at <= row.received_at)

    def shortages(self, row) -> tuple[tuple[str, str | None], ...]:
        """Material shortages reported earlier in the row's chat."""
        if row.chat not in self._shortages:
            self._shortages[row.chat] = dict.fromkeys(repo.earlier_shortages(self.session, row))
        return tuple(self._shortages[row.chat])

    def known_refs(self, row) -> tuple[tuple[str, str], ...]:
        """(vessel/container/booking, order) pairs named together earlier in the row's chat."""
        if row.chat not in self._refs:
            self._refs[row.chat] = {(ref, order) for text, order in repo.earlier_order_texts(self.session, row)
                                    for ref in references(text)}
        return tuple(sorted(self._refs[row.chat]))

    def record(self, row, tags: Tags, files: tuple[FileFacts, ...]) -> None:
        """Remember what this message adds for the ones after it."""
        if tags.evidence and row.contact_id:
            self._previous[(row.chat, row.contact_id)] = Prior(
                received_at=row.received_at, order=tags.order, ambiguous=tags.ambiguous, milestone=tags.milestone,
                sku=tags.sku, candidates=tags.candidates, focus_sku=tags.focus_sku)
        pictures = [PriorPhoto(row.received_at, f.sha256, f.phash, tags.order) for f in files if f.phash]
        if pictures:
            self.photos(row)  # load what came before the run first, then extend
            self._photos += pictures
        if tags.order and row.text:
            named = references(row.text)
            if named:
                self.known_refs(row)
                self._refs[row.chat] |= {(ref, tags.order) for ref in named}
        if tags.exception == "material_shortage" and tags.order:
            self.shortages(row)
            self._shortages[row.chat][(tags.order, tags.sku)] = None
