"""A digest as text (for a phone chat), JSON (CONTRACT) or one self-contained HTML page."""
from __future__ import annotations

from typing import Any

import jinja2

from bot.digests.bulk import no_cycle_collection
from bot.digests.words import action_text, person, summary_text
from bot.domain.digest import Digest, digest_json
from bot.i18n import say
from parsers.orderbook import OrderBook


def to_json(digest: Digest) -> dict[str, Any]:
    """The CONTRACT's JSON form, its words in the buyer's language."""
    lang = digest.language
    with no_cycle_collection():
        return digest_json(digest, lambda a: action_text(a, lang), lambda e: summary_text(e, lang))


def _title(digest: Digest, book: OrderBook) -> str:
    lang = digest.language
    name = person(book, digest.buyer, "buyer", lang).rsplit(" (", 1)[0]
    return say(lang, "digest.title", name=name, date=digest.local_date.isoformat(), zone=digest.timezone)


def to_text(digest: Digest, book: OrderBook) -> str:
    """Plain text that reads well in a chat: exceptions first, then each order milestone by milestone."""
    with no_cycle_collection():
        return _text(digest, book)


def _text(digest: Digest, book: OrderBook) -> str:
    lang = digest.language
    out = [_title(digest, book), ""]
    if digest.exceptions:
        out.append(say(lang, "digest.exceptions", n=len(digest.exceptions)))
        for n, e in enumerate(digest.exceptions, 1):
            out.append(say(lang, "digest.exception_line", n=n, order=e.order or say(lang, "digest.unknown_order"),
                           milestone=say(lang, f"milestone.{e.milestone}") if e.milestone else "-",
                           kind=say(lang, f"kind.{e.kind}"), severity=say(lang, f"severity.{e.severity}"),
                           risk=f" · {e.risk}" if e.risk else ""))
            out.append(say(lang, "digest.what", summary=summary_text(e, lang)))
            out.append(say(lang, "digest.who", owner=person(book, e.owner.contact, e.owner.role, lang),
                           deadline=e.deadline.isoformat() if e.deadline else "-"))
            if e.proof_key:
                out.append(say(lang, "digest.proof", proof=say(lang, f"proof.{e.proof_key}")))
            if e.decision_needed:
                out.append(say(lang, "digest.decide", verb=say(lang, f"decision.{e.decision_needed}")))
            if e.report:
                out.append(say(lang, "digest.report", fields=say(lang, "ask.list_sep").join(
                    f"{say(lang, f'report.{k}')}: {v}" for k, v in e.report.items() if k in REPORT_SHOWN)))
            if e.evidence:
                out.append(say(lang, "digest.evidence", ids=", ".join(e.evidence)))
    else:
        out.append(say(lang, "digest.no_exceptions"))
    if digest.changes:
        out += ["", say(lang, "digest.changes", n=len(digest.changes))]
        for c in digest.changes:
            out.append(say(lang, "digest.change_line", order=c.order or "-", what=c.what,
                           cost=c.cost_impact or "-", days=c.time_impact_days if c.time_impact_days is not None
                           else "-", state=say(lang, f"digest.change_{c.state}")))
    out += ["", say(lang, "digest.orders", n=len(digest.orders))]
    for o in digest.orders:
        out += ["", say(lang, "digest.order_header", order=o.order, ship=o.ship_date.isoformat() if o.ship_date
                        else "-")]
        for s in o.states:
            planned = say(lang, "digest.milestone_planned", date=s.planned.isoformat()) if s.planned else ""
            out.append(say(lang, "digest.milestone_line", milestone=say(lang, f"milestone.{s.milestone}"),
                           status=say(lang, f"status.{s.status}"), planned=planned))
            last = s.last_evidence.isoformat() if s.last_evidence else say(lang, "digest.none")
            out.append(say(lang, "digest.milestone_evidence", n=len(s.evidence), last=last))
            out.append(say(lang, "digest.milestone_risks",
                           risks=", ".join(s.open_risks) if s.open_risks else say(lang, "digest.none")))
            if s.next_action:
                deadline = say(lang, "digest.milestone_deadline", date=s.deadline.isoformat()) if s.deadline else ""
                out.append(say(lang, "digest.milestone_next", text=action_text(s.next_action, lang),
                               owner=person(book, s.next_action.owner.contact, s.next_action.owner.role, lang),
                               deadline=deadline))
    return "\n".join(out)


# what a delay report adds to the exception's own line (milestone and owner are on it already)
REPORT_SHOWN = ("cause", "revised_date", "cost_impact", "quality_impact", "alternatives")


def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("bot.digests", "templates"),
                              autoescape=jinja2.select_autoescape(["html", "j2"]), trim_blocks=True,
                              lstrip_blocks=True)


def to_html(digest: Digest, book: OrderBook) -> str:
    """One HTML page with the photos inline, each with its capture date and where that date came from."""
    lang = digest.language

    def t(key: str, **values: Any) -> str:
        return say(lang, key, **values)

    return _environment().get_template("digest.html.j2").render(
        d=digest, title=_title(digest, book), t=t, lang=lang,
        summary=lambda e: summary_text(e, lang), action=lambda a: action_text(a, lang),
        who=lambda owner: person(book, owner.contact, owner.role, lang))
