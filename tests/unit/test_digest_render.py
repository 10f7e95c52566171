"""bot.domain.digest and bot.digests: a buyer's digest built, in CONTRACT's JSON, and rendered as text and HTML."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from bot.digests.render import to_html, to_json, to_text
from bot.digests.words import display_name
from bot.domain.digest import Digest, ExceptionItem, OrderDigest, Thumb, build_digest
from bot.domain.milestones import EvidenceItem, milestone_states
from bot.domain.risks import Owner
from bot.i18n import say
from parsers.orderbook import MILESTONES, ContactInfo, OrderBook, OrderInfo

POTS, TOWELS, LAMPS = "PO-1001", "PO#2002", "PO-3003"
BUYER, ZH_BUYER, FACTORY, AGENT = "emma.clarke", "wang.fang", "li.qiang", "tom.wu"
TODAY = dt.date(2026, 6, 26)
EARLY = dt.date(2026, 5, 1)  # before any plan: nothing is overdue yet


def plan(start: dt.date) -> dict[str, dt.date]:
    return {m: start + dt.timedelta(days=10 * i) for i, m in enumerate(MILESTONES)}


POTS_PLAN = plan(dt.date(2026, 5, 20))  # po_lock 05-20 ... pre_packing 06-19, final_inspection 06-29
TOWELS_PLAN = plan(dt.date(2026, 6, 1))
BOOK = OrderBook.of(
    [OrderInfo(POTS, ship_date=dt.date(2026, 7, 10), milestones=dict(POTS_PLAN)),
     OrderInfo(TOWELS, ship_date=dt.date(2026, 7, 20), milestones=dict(TOWELS_PLAN)),
     OrderInfo(LAMPS, ship_date=dt.date(2026, 7, 1), milestones=dict(POTS_PLAN))],
    [ContactInfo(BUYER, "Emma Clarke / 艾玛", "buyer", language="en", orders=(POTS, TOWELS, LAMPS)),
     ContactInfo(ZH_BUYER, "王芳 / Fiona Wang", "buyer", language="zh", orders=(POTS, TOWELS, LAMPS)),
     ContactInfo(FACTORY, "李强 / Li Qiang", "factory", orders=(POTS, TOWELS, LAMPS)),
     ContactInfo(AGENT, "吴涛 / Tom Wu", "agent", orders=(POTS, TOWELS, LAMPS))])
PIXEL = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJ"
         "RU5ErkJggg==")


def order(po: str, ship: dt.date, planned: dict[str, dt.date], today: dt.date,
          evidence: tuple[EvidenceItem, ...] = (), thumbs: dict[str, list[Thumb]] | None = None) -> OrderDigest:
    return OrderDigest(po, ship, milestone_states(planned, evidence, today), thumbs or {})


def risk(rid: str, severity: str, deadline: dt.date, *, kind: str = "defect", summary: str = "3 pcs scratched",
         milestone: str = "inline_production") -> ExceptionItem:
    return ExceptionItem(POTS, milestone, kind, summary, Owner(FACTORY, "factory"), deadline, None, ("m7",),
                         severity, rid, "rework_photo")


def digest(risks: list[ExceptionItem], orders: list[OrderDigest], *, buyer: str = BUYER,
           language: str = "en") -> Digest:
    return build_digest(buyer=buyer, as_of="2026-06-26T08:30:00+01:00", timezone="Europe/London", language=language,
                        local_date=TODAY, risks=risks, orders=orders)


def quiet_orders() -> list[OrderDigest]:
    """Both orders long before any plan date: no milestone is overdue."""
    return [order(POTS, dt.date(2026, 7, 10), POTS_PLAN, EARLY),
            order(TOWELS, dt.date(2026, 7, 20), TOWELS_PLAN, EARLY)]


def busy_digest(*, buyer: str = BUYER, language: str = "en", summary: str = "3 pcs scratched") -> Digest:
    """A digest with one risk, overdue milestones and photos: everything a page can show."""
    thumbs = {"material_readiness": [Thumb("m3", PIXEL, dt.date(2026, 6, 1), "exif"),
                                     Thumb("m4", PIXEL, dt.date(2026, 6, 2), "message", "stale")]}
    pots = order(POTS, dt.date(2026, 7, 10), POTS_PLAN, TODAY,
                 (EvidenceItem("material_readiness", "m3", dt.date(2026, 6, 1)),
                  EvidenceItem("material_readiness", "m4", dt.date(2026, 6, 2), counted=False)), thumbs)
    towels = order(TOWELS, dt.date(2026, 7, 20), TOWELS_PLAN, TODAY)
    return digest([risk("R1", "critical", dt.date(2026, 6, 28), summary=summary)], [towels, pots], buyer=buyer,
                  language=language)


# ---------------------------------------------------------------- build_digest


def test_exceptions_come_critical_then_major_then_minor() -> None:
    risks = [risk("R1", "minor", dt.date(2026, 6, 27), kind="spec_change"),
             risk("R2", "major", dt.date(2026, 6, 28)), risk("R3", "critical", dt.date(2026, 6, 30))]

    found = digest(risks, quiet_orders())

    assert [e.risk for e in found.exceptions] == ["R3", "R2", "R1"]


def test_exceptions_of_one_severity_come_by_deadline() -> None:
    risks = [risk("R1", "major", dt.date(2026, 7, 2)), risk("R2", "major", dt.date(2026, 6, 27)),
             risk("R3", "major", dt.date(2026, 6, 29))]

    found = digest(risks, quiet_orders())

    assert [e.risk for e in found.exceptions] == ["R2", "R3", "R1"]


def test_each_overdue_milestone_becomes_a_delay_exception_without_a_risk() -> None:
    pots = order(POTS, dt.date(2026, 7, 10), POTS_PLAN, TODAY)  # po_lock to pre_packing are past their plan

    found = digest([], [pots]).exceptions

    assert [(e.order, e.milestone) for e in found] == [
        (POTS, "po_lock"), (POTS, "material_readiness"), (POTS, "inline_production"), (POTS, "pre_packing")]
    assert {(e.kind, e.summary, e.risk, e.severity) for e in found} == {("delay", "overdue", None, "major")}
    assert [e.deadline for e in found] == [POTS_PLAN[m] for m in MILESTONES[:4]]


def test_an_overdue_exception_is_owned_by_the_milestones_next_action_owner() -> None:
    pots = order(POTS, dt.date(2026, 7, 10), POTS_PLAN, TODAY)

    found = {e.milestone: e.owner for e in digest([], [pots]).exceptions}

    assert found["po_lock"] == Owner(None, "agent")
    assert found["inline_production"] == Owner(None, "factory")


def test_orders_come_by_ship_date() -> None:
    orders = [order(TOWELS, dt.date(2026, 7, 20), TOWELS_PLAN, EARLY),
              order(POTS, dt.date(2026, 7, 10), POTS_PLAN, EARLY),
              order(LAMPS, dt.date(2026, 7, 1), POTS_PLAN, EARLY)]

    assert [o.order for o in digest([], orders).orders] == [LAMPS, POTS, TOWELS]


# ---------------------------------------------------------------- digest_json (CONTRACT)


def test_the_json_digest_has_the_contracts_top_level_keys() -> None:
    found = to_json(busy_digest())

    assert {"buyer", "as_of", "timezone", "exceptions", "orders"} <= set(found)
    assert (found["buyer"], found["as_of"], found["timezone"]) == (BUYER, "2026-06-26T08:30:00+01:00",
                                                                   "Europe/London")


def test_every_json_exception_has_the_contracts_keys() -> None:
    keys = {"order", "milestone", "kind", "summary", "owner", "owner_role", "deadline", "decision_needed", "evidence"}

    found = to_json(busy_digest())["exceptions"]

    assert found
    assert all(keys <= set(e) for e in found)
    assert found[0] == {**found[0], "order": POTS, "milestone": "inline_production", "kind": "defect",
                        "summary": "3 pcs scratched", "owner": FACTORY, "owner_role": "factory",
                        "deadline": "2026-06-28", "decision_needed": None, "evidence": ["m7"]}


def test_every_json_milestone_has_the_contracts_keys() -> None:
    keys = {"milestone", "planned", "status", "evidence_received", "open_risks", "next_action", "deadline"}

    found = [m for o in to_json(busy_digest())["orders"] for m in o["milestones"]]

    assert all(keys <= set(m) for m in found)
    assert all(m["next_action"] is None or set(m["next_action"]) == {"text", "owner", "owner_role"} for m in found)


def test_a_json_milestone_carries_its_plan_status_evidence_and_next_action() -> None:
    pots = next(o for o in to_json(busy_digest())["orders"] if o["order"] == POTS)
    materials = pots["milestones"][1]

    assert materials == {**materials, "milestone": "material_readiness", "planned": "2026-05-30",
                         "status": "in_progress", "evidence_received": ["m3", "m4"], "open_risks": [],
                         "deadline": "2026-05-30"}
    assert materials["next_action"] == {"text": "Send proof when material readiness is complete", "owner": None,
                                        "owner_role": "factory"}


def test_a_done_json_milestone_has_a_null_next_action() -> None:
    pots = next(o for o in to_json(busy_digest())["orders"] if o["order"] == POTS)

    assert pots["milestones"][0]["status"] == "done"
    assert pots["milestones"][0]["next_action"] is None


def test_every_json_order_lists_all_six_milestones_in_order() -> None:
    found = to_json(busy_digest())["orders"]

    assert [o["order"] for o in found] == [POTS, TOWELS]
    assert all([m["milestone"] for m in o["milestones"]] == list(MILESTONES) for o in found)


# ---------------------------------------------------------------- to_text


def test_the_text_digest_shows_no_percentage_and_never_says_on_track() -> None:
    text = to_text(busy_digest(), BOOK)

    assert "%" not in text
    assert "on track" not in text.lower()


def test_the_text_digest_lists_exceptions_before_orders() -> None:
    text = to_text(busy_digest(), BOOK)

    exceptions, orders = text.index("EXCEPTIONS ("), text.index("ORDERS (")
    assert exceptions < text.index("3 pcs scratched") < orders < text.index(f"{POTS} · ship 2026-07-10")


def test_a_chinese_buyer_gets_chinese_headings() -> None:
    found = busy_digest(buyer=ZH_BUYER, language="zh")

    text = to_text(found, BOOK)

    assert say("zh", "digest.exceptions", n=len(found.exceptions)) in text
    assert "异常" in text
    assert "EXCEPTIONS" not in text


def test_a_chinese_buyer_is_greeted_by_their_chinese_name() -> None:
    text = to_text(busy_digest(buyer=ZH_BUYER, language="zh"), BOOK)

    assert "王芳" in text.splitlines()[0]
    assert "Fiona" not in text


# ---------------------------------------------------------------- to_html


def test_the_html_digest_escapes_a_summary_with_a_script_tag() -> None:
    page = to_html(busy_digest(summary="<script>alert('x')</script> lids loose"), BOOK)

    assert "<script>" not in page
    assert "&lt;script&gt;" in page


def test_the_html_digest_shows_photos_inline_as_data_uris() -> None:
    page = to_html(busy_digest(), BOOK)

    assert f'<img src="{PIXEL}" alt="m3">' in page
    assert f'<img src="{PIXEL}" alt="m4">' in page


def captions(page: str) -> dict[str, str]:
    return dict(re.findall(r'<img src="data:[^"]+" alt="([^"]+)"><figcaption>(.*?)</figcaption>', page))


def test_a_photo_dated_by_its_camera_says_camera() -> None:
    found = captions(to_html(busy_digest(), BOOK))["m3"]

    assert "2026-06-01" in found
    assert "(camera)" in found
    assert "no camera date" not in found


def test_a_photo_dated_by_its_message_says_no_camera_date() -> None:
    found = captions(to_html(busy_digest(), BOOK))["m4"]

    assert "2026-06-02" in found
    assert "no camera date" in found


# ---------------------------------------------------------------- display_name


@pytest.mark.parametrize(("name", "lang", "shown"), [
    ("王芳 / Fiona Wang", "zh", "王芳"), ("王芳 / Fiona Wang", "en", "Fiona Wang"),
    ("Emma Clarke / 艾玛", "zh", "艾玛"), ("Emma Clarke / 艾玛", "en", "Emma Clarke"),
])
def test_a_two_script_name_shows_han_to_chinese_readers_and_latin_to_others(name: str, lang: str, shown: str) -> None:
    assert display_name(name, "fallback", lang) == shown


def test_a_name_in_one_script_is_shown_as_it_is() -> None:
    assert display_name("Emma Clarke", "emma.clarke", "zh") == "Emma Clarke"


def test_an_empty_name_falls_back_to_the_contact_id() -> None:
    assert display_name("", "emma.clarke", "en") == "emma.clarke"
