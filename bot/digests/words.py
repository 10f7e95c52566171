"""The words of digests and listings, from the message catalogues."""
from __future__ import annotations

from bot.domain.digest import ExceptionItem
from bot.domain.milestones import NextAction
from bot.i18n import say
from parsers.orderbook import OrderBook


def action_text(action: NextAction, lang: str) -> str:
    """A next action in words."""
    values = dict(action.values)
    if "milestone" in values:
        values["milestone"] = say(lang, f"milestone.{values['milestone']}")
    if "proof" in values:
        values["proof"] = say(lang, f"proof.{values['proof']}")
    values.setdefault("planned", "-")
    return say(lang, f"next.{action.key}", **values)


def summary_text(item: ExceptionItem, lang: str) -> str:
    """What happened, in one line: the reporter's own words, or what a sequence check or the plan found."""
    if item.risk is None and item.summary == "overdue":
        return say(lang, "digest.overdue_summary", planned=item.deadline.isoformat() if item.deadline else "-")
    if item.rule:
        rule = say(lang, f"sequence.{item.rule}")
        return f"{rule}: “{item.summary}”" if item.summary else rule
    return item.summary


def display_name(name: str, fallback: str, lang: str) -> str:
    """The part of a "中文 / English" name that suits the reader: Han characters for Chinese, Latin otherwise."""
    parts = [p.strip() for p in name.split("/") if p.strip()] or [fallback]
    han = [p for p in parts if any("\u4e00" <= ch <= "\u9fff" for ch in p)]
    latin = [p for p in parts if p not in han]
    preferred = han if lang == "zh" else latin
    return (preferred or parts)[0]


def person(book: OrderBook, contact: str | None, role: str, lang: str) -> str:
    """A contact's name in the reader's language, with their role."""
    info = book.contacts.get(contact or "")
    role_word = say(lang, f"role.{role}")
    if info is None:
        return f"{say(lang, 'digest.nobody')} ({role_word})"
    return f"{display_name(info.name, info.id, lang)} ({role_word})"
