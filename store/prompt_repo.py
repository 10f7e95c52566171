"""Questions the bot asked, and the answers that close them: queries and writes, no rules."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import update
from sqlmodel import Session, select

from store.models import Decision, Evidence, Prompt, Risk


def open_prompts(session: Session, chats: Iterable[str], since: dt.datetime) -> list[Prompt]:
    """Every question still open in some chats, asked since an instant, newest first (one query per batch)."""
    return list(session.exec(select(Prompt).where(Prompt.chat.in_(list(chats)), Prompt.state == "open",
                                                  Prompt.created_at >= since)
                             .order_by(Prompt.created_at.desc(), Prompt.id.desc())))


def prompt_by_id(session: Session, prompt_id: int) -> Prompt | None:
    """A question by its id (a button press names it)."""
    return session.get(Prompt, prompt_id)


def add(session: Session, prompt: Prompt) -> Prompt:
    """Store a question (its id goes into the buttons)."""
    session.add(prompt)
    session.flush()
    return prompt


def answered(session: Session, prompt: Prompt, inbound_id: int) -> None:
    """Mark a question answered by a message."""
    prompt.state, prompt.answered_by = "answered", inbound_id
    session.add(prompt)


def forget_answers(session: Session, inbound_id: int) -> None:
    """Reopen what a message answered (it is being tagged again)."""
    session.execute(update(Prompt).where(Prompt.answered_by == inbound_id).values(state="open", answered_by=None))


def resolve_order(session: Session, inbound_ids: list[int], po: str) -> None:
    """Attach messages to the order an answer named: their milestone file counts them, their own tag stays."""
    session.execute(update(Evidence).where(Evidence.inbound_id.in_(inbound_ids)).values(resolved_order=po))
    session.execute(update(Risk).where(Risk.opened_by.in_(inbound_ids), Risk.order_po.is_(None)).values(order_po=po))
    session.execute(update(Decision).where(Decision.inbound_id.in_(inbound_ids), Decision.order_po.is_(None))
                    .values(order_po=po))


def prompts_of_risk(session: Session, risk_id: int) -> list[Prompt]:
    """The questions asked about a risk."""
    return list(session.exec(select(Prompt).where(Prompt.risk_id == risk_id)))
