"""bot.domain.milestones: what an order's evidence and open risks say about each of its six milestones."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.domain.milestones import EvidenceItem, MilestoneState, NextAction, OpenRisk, milestone_states
from bot.domain.risks import Owner
from parsers.orderbook import MILESTONES

PLAN = {"po_lock": dt.date(2026, 5, 20), "material_readiness": dt.date(2026, 6, 5),
        "inline_production": dt.date(2026, 6, 15), "pre_packing": dt.date(2026, 6, 24),
        "final_inspection": dt.date(2026, 6, 30), "freight_handover": dt.date(2026, 7, 8)}
TODAY = dt.date(2026, 6, 26)  # pre-packing's plan has just passed; final inspection is still ahead
FACTORY, AGENT, INSPECTOR = Owner("li.qiang", "factory"), Owner("tom.wu", "agent"), Owner("sun.wei", "inspector")
OWNERS = {"po_lock": AGENT, "material_readiness": FACTORY, "inline_production": FACTORY, "pre_packing": FACTORY,
          "final_inspection": INSPECTOR, "freight_handover": Owner("ocean.li", "forwarder")}


def photo(milestone: str, message_id: str, day: dt.date, *, counted: bool = True) -> EvidenceItem:
    return EvidenceItem(milestone, message_id, day, counted=counted)


def words(milestone: str, message_id: str, day: dt.date) -> EvidenceItem:
    return EvidenceItem(milestone, message_id, day, attached=False)


def risk(rid: str, milestone: str, kind: str, deadline: dt.date, proof: str, *, blocking: bool = True) -> OpenRisk:
    return OpenRisk(rid, milestone, kind, blocking, FACTORY, deadline, proof)


def states(evidence: Sequence[EvidenceItem] = (), risks: Sequence[OpenRisk] = (), *,
           closed: bool = False) -> dict[str, MilestoneState]:
    found = milestone_states(PLAN, evidence, TODAY, risks, OWNERS, closed)
    assert [s.milestone for s in found] == list(MILESTONES)
    return {s.milestone: s for s in found}


def status(evidence: Sequence[EvidenceItem] = (), risks: Sequence[OpenRisk] = ()) -> dict[str, str]:
    return {m: s.status for m, s in states(evidence, risks).items()}


def test_milestones_past_their_plan_with_no_evidence_are_overdue() -> None:
    assert status() == {"po_lock": "overdue", "material_readiness": "overdue", "inline_production": "overdue",
                        "pre_packing": "overdue", "final_inspection": "not_started",
                        "freight_handover": "not_started"}


def test_a_milestone_is_done_not_overdue_when_a_later_one_has_evidence() -> None:
    found = status([photo("inline_production", "m1", dt.date(2026, 6, 14))])

    assert found["po_lock"] == found["material_readiness"] == "done"
    assert found["pre_packing"] == "overdue"


def test_words_without_a_photo_leave_a_milestone_evidence_pending() -> None:
    found = status([words("pre_packing", "m1", dt.date(2026, 6, 25))])

    assert found["pre_packing"] == "evidence_pending"


def test_a_counted_photo_puts_a_milestone_in_progress() -> None:
    found = status([photo("pre_packing", "m1", dt.date(2026, 6, 25))])

    assert found["pre_packing"] == "in_progress"


def test_a_stale_or_recycled_photo_alone_leaves_a_milestone_evidence_pending() -> None:
    found = status([photo("pre_packing", "m1", dt.date(2026, 6, 25), counted=False)])

    assert found["pre_packing"] == "evidence_pending"


def test_a_stale_or_recycled_photo_does_not_make_earlier_milestones_done() -> None:
    found = status([photo("pre_packing", "m1", dt.date(2026, 6, 25), counted=False)])

    assert found["inline_production"] == "overdue"
    assert found["po_lock"] == "overdue"


def test_a_stale_photo_is_listed_but_does_not_date_the_last_evidence() -> None:
    found = states([photo("pre_packing", "m1", dt.date(2026, 6, 22)),
                    photo("pre_packing", "m2", dt.date(2026, 6, 25), counted=False)])

    assert found["pre_packing"].evidence == ("m1", "m2")
    assert found["pre_packing"].last_evidence == dt.date(2026, 6, 22)


def test_a_blocking_open_risk_blocks_its_milestone_even_with_a_photo() -> None:
    found = status([photo("inline_production", "m1", dt.date(2026, 6, 14))],
                   [risk("R1", "inline_production", "defect", dt.date(2026, 6, 28), "rework_photo")])

    assert found["inline_production"] == "blocked"


def test_a_delay_does_not_block_its_milestone() -> None:
    found = status([photo("inline_production", "m1", dt.date(2026, 6, 14))],
                   [risk("R1", "inline_production", "delay", dt.date(2026, 6, 28), "revised_date_photo",
                         blocking=False)])

    assert found["inline_production"] == "in_progress"


def test_a_freight_booking_does_not_make_final_inspection_done() -> None:
    found = status([photo("freight_handover", "m1", dt.date(2026, 6, 20))])

    assert found["freight_handover"] == "in_progress"
    assert found["final_inspection"] == "not_started"
    assert found["pre_packing"] == "overdue"


def test_an_overdue_milestone_asks_its_owner_for_proof_by_its_plan() -> None:
    found = states()["pre_packing"]

    assert found.next_action == NextAction("send_overdue_proof", FACTORY,
                                           {"milestone": "pre_packing", "planned": "2026-06-24"})
    assert found.deadline == PLAN["pre_packing"]


def test_a_milestone_not_started_asks_its_owner_to_confirm_the_start() -> None:
    found = states()["final_inspection"]

    assert (found.next_action.key, found.next_action.owner) == ("confirm_start", INSPECTOR)
    assert found.deadline == PLAN["final_inspection"]


def test_a_milestone_in_progress_asks_its_owner_to_confirm_completion() -> None:
    found = states([photo("pre_packing", "m1", dt.date(2026, 6, 25))])["pre_packing"]

    assert (found.next_action.key, found.next_action.owner) == ("confirm_complete", FACTORY)
    assert found.deadline == PLAN["pre_packing"]


def test_a_milestone_with_evidence_pending_asks_its_owner_for_a_photo() -> None:
    found = states([words("pre_packing", "m1", dt.date(2026, 6, 25))])["pre_packing"]

    assert (found.next_action.key, found.next_action.owner) == ("send_proof", FACTORY)
    assert found.deadline == PLAN["pre_packing"]


def test_a_done_milestone_has_no_next_action_and_no_deadline() -> None:
    found = states([photo("inline_production", "m1", dt.date(2026, 6, 14))])["material_readiness"]

    assert (found.status, found.next_action, found.deadline) == ("done", None, None)


def test_without_named_owners_the_next_action_goes_to_the_milestones_role() -> None:
    found = {s.milestone: s for s in milestone_states(PLAN, (), TODAY)}

    assert found["final_inspection"].next_action.owner == Owner(None, "inspector")
    assert found["freight_handover"].next_action.owner == Owner(None, "forwarder")


def test_the_next_action_of_a_milestone_with_open_risks_names_the_earliest_deadline_risk_and_its_proof() -> None:
    later = risk("R1", "inline_production", "delay", dt.date(2026, 6, 30), "revised_date_photo", blocking=False)
    sooner = OpenRisk("R2", "inline_production", "defect", True, Owner("zhang.wei", "factory"),
                      dt.date(2026, 6, 27), "rework_photo")

    found = states(risks=[later, sooner])["inline_production"]

    assert found.next_action == NextAction("close_risk", Owner("zhang.wei", "factory"),
                                           {"risk": "R2", "proof": "rework_photo"})
    assert found.deadline == dt.date(2026, 6, 27)
    assert found.open_risks == ("R1", "R2")


def test_a_closed_order_has_every_milestone_done() -> None:
    found = states(closed=True)

    assert {s.status for s in found.values()} == {"done"}
    assert all(s.next_action is None for s in found.values())
