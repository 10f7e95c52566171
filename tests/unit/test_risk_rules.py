"""bot.domain.risks and bot.domain.sequence: who owns a risk, how bad it is, when it is due, what closes it."""
from __future__ import annotations

import datetime as dt

import pytest

from bot.domain.risks import (
    Answer,
    Owner,
    assess,
    closes,
    deadline_for,
    needed_role,
    no_buffer,
    owner_for,
    proof_key,
    revised_date,
    severity_of,
)
from bot.domain.sequence import SequenceFinding, Step, check_sequence
from parsers.orderbook import ContactInfo, OrderBook, OrderInfo

PO, OTHER_PO = "PO-1001", "PO-2002"
FACTORY, SECOND_FACTORY, AGENT, INSPECTOR, BUYER = "li.qiang", "zhang.wei", "tom.wu", "sun.wei", "emma.clarke"

PLAN = {"po_lock": dt.date(2026, 5, 20), "material_readiness": dt.date(2026, 6, 5),
        "inline_production": dt.date(2026, 6, 15), "pre_packing": dt.date(2026, 6, 24),
        "final_inspection": dt.date(2026, 6, 30), "freight_handover": dt.date(2026, 7, 8)}
ORDER = OrderInfo(PO, buyer="Hearth & Table Ltd", ship_date=dt.date(2026, 7, 10), milestones=dict(PLAN))
OTHER = OrderInfo(OTHER_PO, ship_date=dt.date(2026, 8, 1), milestones={"po_lock": dt.date(2026, 6, 1)})

BOOK = OrderBook.of([ORDER, OTHER], [
    ContactInfo(FACTORY, "李强 / Li Qiang", "factory", orders=(PO,)),
    ContactInfo(SECOND_FACTORY, "张伟 / Zhang Wei", "factory", orders=(PO,)),
    ContactInfo(AGENT, "吴涛 / Tom Wu", "agent", orders=(PO, OTHER_PO)),
    ContactInfo(INSPECTOR, "孙伟 / Sun Wei", "inspector", orders=(OTHER_PO,)),
    ContactInfo(BUYER, "Emma Clarke", "buyer", orders=(PO, OTHER_PO)),
])


def answer(milestone: str | None, *, exception: str | None = None, attached: bool = True, document: bool = False,
           resolved: bool = False, passed: bool = False, decision: str | None = None,
           sender_role: str | None = "factory") -> Answer:
    return Answer(milestone, exception, attached, document, resolved, passed, decision, sender_role)


# ---------------------------------------------------------------- needed_role


def test_a_packaging_vendor_reporting_on_materials_is_the_role_needed() -> None:
    assert needed_role("material_readiness", "arriving Friday", "packaging_vendor") == "packaging_vendor"


@pytest.mark.parametrize("text", ["彩盒还没到", "colour boxes arrive Friday"])
def test_packaging_words_at_material_readiness_need_the_packaging_vendor(text: str) -> None:
    assert needed_role("material_readiness", text, "factory") == "packaging_vendor"


def test_other_materials_need_the_factory() -> None:
    assert needed_role("material_readiness", "fabric delayed", "factory") == "factory"


@pytest.mark.parametrize(("milestone", "role"), [
    ("final_inspection", "inspector"), ("freight_handover", "forwarder"), ("po_lock", "agent"),
    ("inline_production", "factory"), (None, "agent"),
])
def test_each_milestone_needs_its_own_role(milestone: str | None, role: str) -> None:
    assert needed_role(milestone, "", None) == role


# ---------------------------------------------------------------- owner_for


def test_the_sender_owns_a_risk_when_they_have_the_role_and_the_order() -> None:
    assert owner_for(BOOK, PO, "factory", SECOND_FACTORY) == Owner(SECOND_FACTORY, "factory")


def test_a_sender_without_the_role_leaves_it_to_the_first_such_contact_in_the_book() -> None:
    assert owner_for(BOOK, PO, "factory", BUYER) == Owner(FACTORY, "factory")


def test_a_sender_with_the_role_but_not_the_order_leaves_it_to_a_contact_on_the_order() -> None:
    book = OrderBook.of([ORDER], [ContactInfo("outsider", role="factory", orders=(OTHER_PO,)),
                                  ContactInfo(FACTORY, role="factory", orders=(PO,))])

    assert owner_for(book, PO, "factory", "outsider") == Owner(FACTORY, "factory")


def test_the_first_contact_is_taken_in_the_order_of_the_book() -> None:
    book = OrderBook.of([ORDER], [ContactInfo(SECOND_FACTORY, role="factory", orders=(PO,)),
                                  ContactInfo(FACTORY, role="factory", orders=(PO,))])

    assert owner_for(book, PO, "factory", None) == Owner(SECOND_FACTORY, "factory")


def test_with_nobody_in_the_role_on_the_order_the_orders_agent_owns_it() -> None:
    # the inspector in the book works on another order only
    assert owner_for(BOOK, PO, "inspector", FACTORY) == Owner(AGENT, "agent")


def test_with_no_one_in_the_role_and_no_agent_the_owner_is_unnamed() -> None:
    book = OrderBook.of([ORDER], [ContactInfo(FACTORY, role="factory", orders=(PO,))])

    assert owner_for(book, PO, "forwarder", FACTORY) == Owner(None, "forwarder")


def test_without_an_order_a_sender_in_the_role_owns_it() -> None:
    assert owner_for(BOOK, None, "factory", FACTORY) == Owner(FACTORY, "factory")


def test_without_an_order_a_sender_in_another_role_leaves_it_unnamed() -> None:
    assert owner_for(BOOK, None, "factory", BUYER) == Owner(None, "factory")


# ---------------------------------------------------------------- severity_of and proof_key


@pytest.mark.parametrize("text", ["AQL failed, whole batch", "sharp edges on the lids", "整批发霉", "安全问题，不合格"])
def test_a_defect_in_critical_words_is_critical(text: str) -> None:
    assert severity_of("defect", text) == "critical"


def test_a_defect_in_ordinary_words_is_major() -> None:
    assert severity_of("defect", "3 pcs have a scratch") == "major"


@pytest.mark.parametrize("kind", ["spec_change", "other"])
def test_a_change_or_other_is_minor_even_in_strong_words(kind: str) -> None:
    assert severity_of(kind, "critical change to the whole batch") == "minor"


@pytest.mark.parametrize(("kind", "milestone", "key"), [
    ("defect", "final_inspection", "reinspection_report"),
    ("defect", "inline_production", "rework_photo"),
    ("delay", "freight_handover", "new_booking"),
    ("delay", "material_readiness", "revised_date_photo"),
    ("document_mismatch", "freight_handover", "corrected_document"),
    ("material_shortage", "material_readiness", "material_photo"),
    ("spec_change", "po_lock", "buyer_acceptance"),
    ("other", None, "resolution_proof"),
])
def test_each_kind_of_risk_names_the_proof_that_closes_it(kind: str, milestone: str | None, key: str) -> None:
    assert proof_key(kind, milestone) == key


# ---------------------------------------------------------------- revised_date


def test_the_revised_date_is_the_latest_date_ahead() -> None:
    dates = (dt.date(2026, 6, 8), dt.date(2026, 6, 12))

    assert revised_date(dates, dt.date(2026, 6, 3), ORDER) == dt.date(2026, 6, 12)


def test_a_past_date_is_never_the_revised_date() -> None:
    assert revised_date((dt.date(2026, 5, 28),), dt.date(2026, 6, 3), ORDER) is None


def test_the_plans_own_dates_and_the_ship_date_are_quoted_not_revised() -> None:
    dates = (dt.date(2026, 6, 9), PLAN["material_readiness"], PLAN["inline_production"], ORDER.ship_date)

    assert revised_date(dates, dt.date(2026, 6, 3), ORDER) == dt.date(2026, 6, 9)


# ---------------------------------------------------------------- no_buffer


def test_a_delay_past_the_ship_date_has_no_buffer() -> None:
    assert no_buffer(ORDER, "freight_handover", dt.date(2026, 7, 14), "vessel moved") is True


def test_a_delay_past_the_next_milestones_plan_has_no_buffer() -> None:
    assert no_buffer(ORDER, "material_readiness", dt.date(2026, 6, 18), "fabric late") is True


def test_a_delay_before_the_next_milestones_plan_has_a_buffer() -> None:
    assert no_buffer(ORDER, "material_readiness", dt.date(2026, 6, 12), "fabric late") is False


@pytest.mark.parametrize("text", ["面料晚到，不影响出货", "fabric late, ship date not affected"])
def test_a_delay_that_says_the_ship_date_holds_has_a_buffer(text: str) -> None:
    assert no_buffer(ORDER, "material_readiness", dt.date(2026, 6, 18), text) is False


def test_a_delay_without_a_revised_date_has_a_buffer() -> None:
    assert no_buffer(ORDER, "material_readiness", None, "fabric late") is False


# ---------------------------------------------------------------- deadline_for


def test_the_proof_is_due_a_few_days_after_the_report() -> None:
    assert deadline_for("defect", dt.date(2026, 6, 10), None, None) == dt.date(2026, 6, 13)


def test_a_delays_proof_is_due_no_later_than_its_revised_date() -> None:
    assert deadline_for("delay", dt.date(2026, 6, 10), dt.date(2026, 6, 11), None) == dt.date(2026, 6, 11)


def test_the_proof_is_due_no_later_than_a_plan_still_ahead() -> None:
    assert deadline_for("defect", dt.date(2026, 6, 10), None, dt.date(2026, 6, 11)) == dt.date(2026, 6, 11)


def test_a_plan_already_passed_does_not_bring_the_deadline_forward() -> None:
    assert deadline_for("defect", dt.date(2026, 6, 10), None, dt.date(2026, 6, 5)) == dt.date(2026, 6, 13)


# ---------------------------------------------------------------- assess


def test_a_delay_with_no_buffer_is_critical_and_alerts() -> None:
    facts = assess(BOOK, kind="delay", po=PO, milestone="material_readiness", text="fabric late, now 2026-07-15",
                   sender=FACTORY, day=dt.date(2026, 6, 3), dates=(dt.date(2026, 7, 15),))

    assert (facts.severity, facts.no_buffer, facts.alert) == ("critical", True, True)
    assert facts.revised_date == dt.date(2026, 7, 15)
    assert facts.owner == Owner(FACTORY, "factory")
    assert facts.deadline == dt.date(2026, 6, 5)
    assert facts.proof_key == "revised_date_photo"


def test_a_delay_with_a_buffer_is_major_and_waits_for_the_digest() -> None:
    facts = assess(BOOK, kind="delay", po=PO, milestone="material_readiness", text="fabric late, now 2026-06-10",
                   sender=FACTORY, day=dt.date(2026, 6, 3), dates=(dt.date(2026, 6, 10),))

    assert (facts.severity, facts.no_buffer, facts.alert) == ("major", False, False)


def test_a_document_mismatch_alerts() -> None:
    facts = assess(BOOK, kind="document_mismatch", po=PO, milestone="freight_handover",
                   text="packing list says 1150 pcs, invoice 1200", sender=AGENT, day=dt.date(2026, 7, 2), dates=())

    assert facts.alert is True
    assert facts.proof_key == "corrected_document"


def test_a_major_defect_does_not_alert() -> None:
    facts = assess(BOOK, kind="defect", po=PO, milestone="inline_production", text="3 pcs have a scratch",
                   sender=FACTORY, day=dt.date(2026, 6, 12), dates=())

    assert (facts.severity, facts.alert) == ("major", False)


def test_a_critical_defect_alerts() -> None:
    facts = assess(BOOK, kind="defect", po=PO, milestone="inline_production", text="整批发霉",
                   sender=FACTORY, day=dt.date(2026, 6, 12), dates=())

    assert (facts.severity, facts.alert) == ("critical", True)


def test_a_packaging_shortage_is_owned_by_the_orders_agent_when_no_packaging_vendor_is_on_it() -> None:
    facts = assess(BOOK, kind="material_shortage", po=PO, milestone="material_readiness", text="彩盒还没到",
                   sender=FACTORY, day=dt.date(2026, 6, 3), dates=())

    assert facts.owner == Owner(AGENT, "agent")


# ---------------------------------------------------------------- closes


@pytest.mark.parametrize("kind", ["delay", "defect", "material_shortage", "document_mismatch", "other"])
def test_words_alone_never_close_a_risk(kind: str) -> None:
    words = answer("inline_production", attached=False, resolved=True, passed=True)

    assert closes(kind, "inline_production", words) is False


def test_a_delay_closes_on_a_photo_at_the_same_milestone() -> None:
    assert closes("delay", "inline_production", answer("inline_production")) is True


def test_a_delay_does_not_close_on_a_photo_of_another_milestone() -> None:
    assert closes("delay", "inline_production", answer("pre_packing")) is False


def test_a_delay_reported_again_does_not_close_itself() -> None:
    assert closes("delay", "inline_production", answer("inline_production", exception="delay")) is False


@pytest.mark.parametrize("milestone", ["material_readiness", "inline_production"])
def test_a_material_shortage_closes_on_a_photo_at_its_milestone_or_the_next(milestone: str) -> None:
    assert closes("material_shortage", "material_readiness", answer(milestone)) is True


def test_a_material_shortage_does_not_close_on_a_photo_two_milestones_on() -> None:
    assert closes("material_shortage", "material_readiness", answer("pre_packing")) is False


def test_a_defect_closes_on_a_photo_that_says_it_is_fixed() -> None:
    assert closes("defect", "inline_production", answer("inline_production", resolved=True)) is True


def test_a_defect_does_not_close_on_a_photo_that_says_nothing_of_a_fix() -> None:
    assert closes("defect", "inline_production", answer("inline_production")) is False


def test_a_defect_closes_on_a_final_inspection_that_passed() -> None:
    report = answer("final_inspection", document=True, passed=True, sender_role="inspector")

    assert closes("defect", "inline_production", report) is True


def test_a_document_mismatch_closes_on_a_document_at_the_same_milestone() -> None:
    assert closes("document_mismatch", "freight_handover", answer("freight_handover", document=True)) is True


def test_a_document_mismatch_does_not_close_on_a_document_with_a_new_exception() -> None:
    corrected = answer("freight_handover", document=True, exception="delay")

    assert closes("document_mismatch", "freight_handover", corrected) is False


def test_a_document_mismatch_does_not_close_on_a_photo() -> None:
    assert closes("document_mismatch", "freight_handover", answer("freight_handover")) is False


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_buyers_approval_or_rejection_closes_a_change_after_po_lock(decision: str) -> None:
    verdict = answer("po_lock", attached=False, decision=decision, sender_role="buyer")

    assert closes("spec_change", "po_lock", verdict) is True


def test_an_agent_relaying_the_buyers_approval_closes_a_change() -> None:
    verdict = answer("po_lock", attached=False, decision="approve", sender_role="agent")

    assert closes("spec_change", "po_lock", verdict) is True


def test_a_factory_cannot_approve_its_own_change() -> None:
    verdict = answer("po_lock", attached=False, decision="approve", sender_role="factory")

    assert closes("spec_change", "po_lock", verdict) is False


@pytest.mark.parametrize("role", ["buyer", "forwarder"])
def test_a_buyer_or_forwarder_never_closes_a_production_risk(role: str) -> None:
    photo = answer("inline_production", resolved=True, sender_role=role)

    assert closes("defect", "inline_production", photo) is False
    assert closes("delay", "inline_production", photo) is False


def test_a_forwarder_closes_a_freight_delay_with_a_new_booking() -> None:
    booking = answer("freight_handover", document=True, sender_role="forwarder")

    assert closes("delay", "freight_handover", booking) is True


# ---------------------------------------------------------------- check_sequence

MATERIALS_SHOWN = [Step("material_readiness", counted=True), Step("inline_production", counted=True)]


def test_packing_photos_before_any_material_proof_break_the_sequence() -> None:
    finding = check_sequence("pre_packing", "packing started", True, [Step("po_lock", counted=True)])

    assert finding == SequenceFinding("packing_before_materials", "pre_packing")


def test_stale_material_photos_do_not_count_before_packing() -> None:
    finding = check_sequence("pre_packing", "packing started", True, [Step("material_readiness", counted=False)])

    assert finding == SequenceFinding("packing_before_materials", "pre_packing")


def test_labels_changed_after_final_inspection_break_the_sequence() -> None:
    earlier = [*MATERIALS_SHOWN, Step("final_inspection", counted=True)]

    finding = check_sequence("pre_packing", "carton marks changed, new labels printed", True, earlier)

    assert finding == SequenceFinding("labels_after_final", "pre_packing")


def test_a_handover_before_release_breaks_the_sequence() -> None:
    earlier = [*MATERIALS_SHOWN, Step("final_inspection", counted=True)]

    finding = check_sequence("freight_handover", "container loaded today", True, earlier)

    assert finding == SequenceFinding("handover_before_release", "freight_handover")


def test_packing_after_materials_raises_nothing() -> None:
    assert check_sequence("pre_packing", "packing started, see photo", True, MATERIALS_SHOWN) is None


def test_a_handover_after_release_raises_nothing() -> None:
    earlier = [*MATERIALS_SHOWN, Step("pre_packing", counted=True),
               Step("final_inspection", counted=True, released=True)]

    assert check_sequence("freight_handover", "货已装柜", True, earlier) is None
