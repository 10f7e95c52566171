"""After each batch is tagged: answers close the questions they answer, and new questions go out."""
from __future__ import annotations

import datetime as dt
import re

from sqlmodel import Session, select

from bot.asking import Asker
from bot.chat_commands import parse
from bot.i18n import say
from bot.messages import OutboundMessage
from bot.outbox import enqueue
from bot.settings import PromptSettings
from parsers.delay_report import missing, read_report
from parsers.facts import Tags
from parsers.lexicon import lexicon
from parsers.orderbook import OrderBook
from store import prompt_repo, risk_repo
from store.inbound_repo import PendingRow, Result
from store.models import Evidence, InboundRow, Prompt, Risk

# when several questions wait for one person, a short answer most likely answers the one that needs it
PREFERRED = ("which_order", "decision_order", "delay_report", "risk")
ANSWER_WINDOW = dt.timedelta(hours=24)
SHORT_ANSWER = 40  # characters  # an answer comes within a day, or it is a new message
_PICK = re.compile(r"^pick:(\d+):(\d+)$")
_NUMBER = re.compile(r"^\s*[#(（\[]?\s*(\d)\s*[)）\].。号]?\s*$")
_DIGITS = re.compile(r"\d{3,}")
_RISK_ID = re.compile(r"\bR(\d+)\b", re.I)


def choose(options: list[str], text: str, tagged_order: str | None) -> str | None:
    """The option a short answer picks: its number, the order it names, or the one order whose number it ends."""
    if (m := _NUMBER.match(text)) and 1 <= int(m.group(1)) <= len(options):
        return options[int(m.group(1)) - 1]
    if tagged_order in options:
        return tagged_order
    lowered = text.lower()
    named = [po for po in options if po.lower() in lowered]
    if len(named) == 1:
        return named[0]
    for run in _DIGITS.findall(text):
        ends = [po for po in options if re.sub(r"\D", "", po).endswith(run)]
        if len(ends) == 1:
            return ends[0]
    return None


def _short_answer(text: str, tags: Tags) -> bool:
    """A reply that can only be an answer ("2", "对，3391的", "for 24117"): short, and stating no status of its own.
    A full message naming an order ("PO-24117 inline check done") is new evidence, not an answer."""
    return len(text.strip()) <= SHORT_ANSWER and not tags.ambiguous and not (tags.evidence and tags.milestone)


def _has_file(row: PendingRow) -> bool:
    return any((a.get("kind") or "") in ("photo", "document", "image", "file", "video") for a in row.attachments)


class PromptKeeper:
    """Reads answers to the bot's questions and asks the next ones."""

    def __init__(self, asker: Asker, settings: PromptSettings) -> None:
        self.asker, self.settings = asker, settings
        # the open questions of the batch being read, by (chat, contact), newest first (reset every batch)
        self._waiting: dict[tuple[str, str | None], list[Prompt]] = {}

    def __call__(self, session: Session, results: list[Result], book: OrderBook) -> None:
        """Answers first (they may settle what would otherwise be asked), then new questions."""
        for r in results:
            if r.row.attempts > 0:
                prompt_repo.forget_answers(session, r.row.id)
        if not results:
            return
        first = min(r.row.received_at for r in results)
        # the questions this batch can answer, read once and kept up to date as the batch asks and answers
        self._waiting = {}
        for p in prompt_repo.open_prompts(session, {r.row.chat for r in results}, first - ANSWER_WINDOW):
            self._waiting.setdefault((p.chat, p.contact_id), []).append(p)
        for r in results:
            if r.tags is None or r.row.contact_id is None:
                continue
            if self._close_command(session, r, book) or self._answer(session, r, book):
                continue
            self._ask(session, r, book)
        self._ask_risk_owners(session, results, book)

    # ------------------------------------------------------------ answers

    def _answer(self, session: Session, r: Result, book: OrderBook) -> bool:
        row, tags = r.row, r.tags
        pick = _PICK.match(row.text.strip())
        if pick:
            prompt = prompt_repo.prompt_by_id(session, int(pick.group(1)))
            if (prompt is None or prompt.state != "open" or prompt.chat != row.chat
                    or prompt.contact_id != row.contact_id or row.received_at - prompt.created_at > ANSWER_WINDOW):
                return True  # a stale button, or someone else's question: nothing to do
            n = int(pick.group(2))
            choice = prompt.options[n - 1] if 1 <= n <= len(prompt.options) else None
        else:
            prompt = self._open_for(row, ANSWER_WINDOW, PREFERRED)
            if prompt is None:
                return False
            if prompt.kind == "delay_report":
                return self._fill_report(session, prompt, r, book)
            if prompt.kind == "risk":
                return self._risk_answer(session, prompt, r, book)
            if prompt.kind not in ("which_order", "decision_order") or not _short_answer(row.text, tags):
                return False
            choice = choose(prompt.options, row.text, tags.order)
        if choice is None:
            return False
        about = self._waiting_with(session, prompt) if prompt.kind == "which_order" else [prompt.about]
        prompt_repo.resolve_order(session, about, choice)
        prompt_repo.answered(session, prompt, row.id)
        if row.notify:
            lang = book.contacts[row.contact_id].language if row.contact_id in book.contacts else "zh"
            enqueue(session, OutboundMessage(row.channel, row.chat, say(lang, "ask.attached", order=choice,
                                                                        n=len(about)), f"reply:answer:{row.id}"),
                    self.asker.clock.now())
        return True

    def _waiting_with(self, session: Session, prompt: Prompt) -> list[int]:
        """The message asked about, and the sender's other undecided messages in that chat since (an album)."""
        start = session.get(InboundRow, prompt.about).received_at
        q = (select(InboundRow.id).join(Evidence, Evidence.inbound_id == InboundRow.id)
             .where(InboundRow.chat == prompt.chat, InboundRow.contact_id == prompt.contact_id,
                    InboundRow.received_at >= start, Evidence.evidence, Evidence.ambiguous,
                    Evidence.resolved_order.is_(None), Evidence.order_po.is_(None)))
        found = list(session.exec(q))
        return found if prompt.about in found else [prompt.about, *found]

    def _fill_report(self, session: Session, prompt: Prompt, r: Result, book: OrderBook) -> bool:
        risk = session.get(Risk, prompt.risk_id) if prompt.risk_id else None
        if risk is None:
            return False
        found = _report_from(r.row.text, r.tags, risk, answering=prompt.options)
        if not found:
            return False
        risk.report = {**(risk.report or {}), **found}
        if found.get("revised_date"):
            risk.revised_date = dt.date.fromisoformat(found["revised_date"])
        session.add(risk)
        prompt_repo.answered(session, prompt, r.row.id)
        still = [f for f in missing(risk.report) if f in prompt.options]
        if r.row.notify:
            lang = book.contacts[r.row.contact_id].language
            key, fields = ("ask.report_complete", "") if not still else ("ask.report_still", say(
                lang, "ask.list_sep").join(say(lang, f"report.{f}") for f in still))
            enqueue(session, OutboundMessage(r.row.channel, r.row.chat, say(lang, key, fields=fields),
                                             f"reply:report:{r.row.id}"), self.asker.clock.now())
        return True

    def _risk_answer(self, session: Session, prompt: Prompt, r: Result, book: OrderBook) -> bool:
        """The owner answered a risk question: closed if the answer carried the proof (the risk keeper saw it),
        otherwise told what is still missing when the words say it is done."""
        risk = session.get(Risk, prompt.risk_id) if prompt.risk_id else None
        if risk is None:
            return False
        lang = book.contacts[r.row.contact_id].language
        if risk.state == "closed" and risk.closed_by == r.row.id:
            prompt_repo.answered(session, prompt, r.row.id)
            text = say(lang, "ask.closed", risk=f"R{risk.id}")
        elif lexicon().find("resolution.terms", r.row.text) or _RISK_ID.search(r.row.text):
            text = say(lang, "ask.close_needs_proof", risk=f"R{risk.id}",
                       proof=say(lang, f"proof.{risk.proof_required}"))
        else:
            return False
        if r.row.notify:
            enqueue(session, OutboundMessage(r.row.channel, r.row.chat, text, f"reply:risk:{r.row.id}"),
                    self.asker.clock.now())
        return True

    def _close_command(self, session: Session, r: Result, book: OrderBook) -> bool:
        """`/close R12`, typed or pressed: closes a risk that needs no proof, or one whose proof came with it;
        otherwise says what is still missing."""
        cmd = parse(r.row.text)
        if cmd is None or cmd.name != "close":
            return False
        m = _RISK_ID.search(cmd.arg)
        risk = session.get(Risk, int(m.group(1))) if m else None
        lang = book.contacts[r.row.contact_id].language
        if risk is None:
            text = say(lang, "ask.close_unknown", risk=cmd.arg or "-")
        elif risk.state == "closed":
            text = say(lang, "ask.close_already", risk=f"R{risk.id}")
        elif risk.kind == "spec_change" or _has_file(r.row):
            risk_repo.close(session, risk, r.row.id, r.row.received_at)
            text = say(lang, "ask.closed", risk=f"R{risk.id}")
        else:
            text = say(lang, "ask.close_needs_proof", risk=f"R{risk.id}",
                       proof=say(lang, f"proof.{risk.proof_required}"))
        if r.row.notify:
            enqueue(session, OutboundMessage(r.row.channel, r.row.chat, text, f"reply:close:{r.row.id}"),
                    self.asker.clock.now())
        return True

    # ------------------------------------------------------------ questions

    def _ask(self, session: Session, r: Result, book: OrderBook) -> None:
        row, tags = r.row, r.tags
        if not tags.evidence or parse(row.text) is not None:
            return
        if not (self.settings.which_order and tags.ambiguous) or self._asked_recently(session, row):
            return
        options = list(tags.candidates)
        if len(options) < 2:  # nothing in the message narrows it: the sender's own open orders
            options = [po for po in book.assigned(row.contact_id)
                       if po in book.orders and book.orders[po].status == "open"]
        self._asked(self.asker.which_order(session, book, row, options, [row.id]))

    def _asked_recently(self, session: Session, row: PendingRow) -> bool:
        """One "which order?" per album: an open question to this sender in this chat from the last minutes."""
        return self._open_for(row, dt.timedelta(minutes=15), ()) is not None

    def _asked(self, prompt: Prompt | None) -> None:
        if prompt is not None:
            self._waiting.setdefault((prompt.chat, prompt.contact_id), []).insert(0, prompt)  # newest first

    def _open_for(self, row: PendingRow, window: dt.timedelta, prefer: tuple[str, ...]) -> Prompt | None:
        """The question waiting for this sender in this chat, asked within the window before the message."""
        found = [p for p in self._waiting.get((row.chat, row.contact_id), ())
                 if p.state == "open" and row.received_at - window <= p.created_at <= row.received_at]
        if not found:
            return None
        rank = {kind: n for n, kind in enumerate(prefer)}
        return min(found, key=lambda p: rank.get(p.kind, len(rank)))  # the newest of the most likely kind

    def _ask_risk_owners(self, session: Session, results: list[Result], book: OrderBook) -> None:
        by_id = {r.row.id: r for r in results}
        if not by_id:
            return
        for risk in session.exec(select(Risk).where(Risk.opened_by.in_(list(by_id)), Risk.state == "open")):
            r = by_id[risk.opened_by]
            if prompt_repo.prompts_of_risk(session, risk.id):
                continue  # asked when it opened (a re-tagging asks nothing again)
            if risk.kind == "delay":
                risk.report = {**_report_from(r.row.text, r.tags, risk), **(risk.report or {})}
                session.add(risk)
                gaps = missing(risk.report)
                if self.settings.delay_report and gaps:
                    self._asked(self.asker.delay_report(session, book, r.row, risk, gaps))
            # the reporter who owns the risk is already answering the report's questions in that chat
            if self.settings.risk_owner and risk.owner_contact_id and risk.owner_contact_id != r.row.contact_id:
                self._asked(self.asker.risk_owner(session, book, r.row, risk))


def _report_from(text: str, tags: Tags | None, risk: Risk, answering: list[str] | None = None) -> dict[str, str]:
    """A delay report's fields from one message: its words, its dates, its decision, and what the risk knows."""
    found = read_report(text)
    if tags is not None:
        if tags.decision_needed:
            found["decision_needed"] = tags.decision_needed
        ahead = sorted(d for d in tags.dates_mentioned if not risk.due or d >= risk.opened_at.date())
        if answering is not None and "revised_date" in answering and ahead:
            found["revised_date"] = ahead[-1].isoformat()
    if answering is None:
        if risk.milestone:
            found["milestone"] = risk.milestone
        if risk.revised_date:
            found["revised_date"] = risk.revised_date.isoformat()
        if risk.owner_contact_id:
            found["owner"] = risk.owner_contact_id
        if risk.decision_needed:
            found["decision_needed"] = risk.decision_needed
    elif "cause" in answering and "cause" not in found and text.strip() and not lexicon().find("chatter.ack", text):
        found["cause"] = " ".join(text.split())[:200]  # "端午放假" answers "what caused it?" on its own
    return found
