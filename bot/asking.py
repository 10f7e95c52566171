"""The bot's questions: stored as prompts, sent in the asked person's language, each once."""
from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlmodel import Session

from bot.i18n import say
from bot.messages import OutboundMessage
from bot.outbox import enqueue
from bot.ports import Clock
from bot.routing import reach
from parsers.orderbook import ContactInfo, OrderBook
from store import prompt_repo
from store.inbound_repo import PendingRow
from store.models import Prompt, Risk

MAX_OPTIONS = 9  # one digit to answer with


class Asker:
    """Asks people things: which order, what a delay report lacks, the proof a risk needs, the original photo."""

    def __init__(self, clock: Clock, available: Callable[[], Iterable[str]]) -> None:
        self.clock, self.available = clock, available

    def _send(self, session: Session, channel: str, chat: str, text: str, key: str,
              buttons: tuple[tuple[str, str], ...] = ()) -> None:
        enqueue(session, OutboundMessage(channel, chat, text, key, buttons), self.clock.now())

    def which_order(self, session: Session, book: OrderBook, row: PendingRow, options: list[str],
                    about: list[int], kind: str = "which_order") -> Prompt | None:
        """Ask the sender which of some orders a message (or a decision) is about: buttons where the channel has
        them, numbers everywhere."""
        options = options[:MAX_OPTIONS]
        if not options and kind == "which_order":
            return None  # nothing to choose from: the message stays ambiguous
        prompt = prompt_repo.add(session, Prompt(kind=kind, channel=row.channel, chat=row.chat,
                                                 contact_id=row.contact_id, about=about[0], options=options,
                                                 created_at=row.received_at))
        if row.notify and options:
            lang = _lang(book, row.contact_id)
            listed = "\n".join(f"{n}. {po}" for n, po in enumerate(options, 1))
            text = say(lang, f"ask.{kind}", options=listed)
            buttons = tuple((po, f"pick:{prompt.id}:{n}") for n, po in enumerate(options, 1))
            self._send(session, row.channel, row.chat, text, f"prompt:{kind}:{row.id}", buttons)
        return prompt

    def delay_report(self, session: Session, book: OrderBook, row: PendingRow, risk: Risk,
                     fields: list[str]) -> Prompt:
        """Ask whoever reported a delay for what its report still lacks, in the same chat."""
        prompt = prompt_repo.add(session, Prompt(kind="delay_report", channel=row.channel, chat=row.chat,
                                                 contact_id=row.contact_id, about=row.id, risk_id=risk.id,
                                                 options=fields, created_at=row.received_at))
        if row.notify:
            lang = _lang(book, row.contact_id)
            asked = say(lang, "ask.list_sep").join(say(lang, f"report.{f}") for f in fields)
            self._send(session, row.channel, row.chat, say(lang, "ask.delay_report", order=risk.order_po or "-",
                                                            fields=asked), f"prompt:delay:{row.id}")
        return prompt

    def risk_owner(self, session: Session, book: OrderBook, row: PendingRow, risk: Risk) -> Prompt | None:
        """Ask a new risk's owner, in their language and on their channel, for the proof that closes it."""
        owner = book.contacts.get(risk.owner_contact_id or "")
        if owner is None or not row.notify:
            return None
        where = (row.channel, row.chat) if owner.id == row.contact_id else reach(owner, row.channel, self.available())
        if where is None:
            return None
        lang = owner.language
        text = say(lang, "ask.risk", risk=f"R{risk.id}", order=risk.order_po or say(lang, "digest.unknown_order"),
                   milestone=say(lang, f"milestone.{risk.milestone}") if risk.milestone else "-",
                   kind=say(lang, f"kind.{risk.kind}"), summary=risk.summary,
                   proof=say(lang, f"proof.{risk.proof_required}"),
                   deadline=risk.due.isoformat() if risk.due else "-")
        prompt = prompt_repo.add(session, Prompt(kind="risk", channel=where[0], chat=where[1], contact_id=owner.id,
                                                 about=risk.opened_by, risk_id=risk.id, created_at=row.received_at))
        self._send(session, where[0], where[1], text, f"prompt:risk:{risk.opened_by}:{owner.id}",
                   ((say(lang, "ask.close_button", risk=f"R{risk.id}"), f"/close R{risk.id}"),))
        return prompt


def _lang(book: OrderBook, contact_id: str | None) -> str:
    contact: ContactInfo | None = book.contacts.get(contact_id or "")
    return contact.language if contact else "zh"
