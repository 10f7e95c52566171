"""The post-order review read from plain risk rows: lead days, owners, proof and days open (pure)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from bot.domain.review import review, summarize
from store.risk_repo import RiskRow

SIGNAL = dt.datetime(2026, 6, 12, 2, 0, tzinfo=dt.UTC)
PLAN = {"po_lock": dt.date(2026, 5, 20), "inline_production": dt.date(2026, 6, 15), "final_inspection": None}
LATER = dt.datetime(2026, 7, 1, tzinfo=dt.UTC)
OPENER, PHOTO_CLOSER, WORDS_CLOSER = 10, 20, 30


def risk(n: int = 1, **kw: Any) -> RiskRow:
    """A stored risk as risks_as_of reads it: an open factory defect on inline production unless told otherwise."""
    values = {name: None for name in RiskRow._fields}
    values.update(id=n, kind="defect", severity="major", order_po="PO-1001", milestone="inline_production",
                  owner_contact_id="li.qiang", owner_role="factory", proof_required="rework_photo", state="open",
                  summary="", no_buffer=False, opened_by=OPENER, opened_at=SIGNAL)
    values.update(kw)
    return RiskRow(**values)


def closed(n: int = 1, by: int = PHOTO_CLOSER, after: dt.timedelta = dt.timedelta(hours=36), **kw: Any) -> RiskRow:
    """A risk closed by a message some time after it opened."""
    return risk(n, state="closed", closed_by=by, closed_at=SIGNAL + after, **kw)


def test_a_signal_three_days_before_the_planned_date_has_three_lead_days() -> None:
    (item,) = review([risk()], PLAN, set(), LATER)

    assert item.planned == dt.date(2026, 6, 15) and item.lead_days == 3.0


def test_a_signal_after_the_planned_date_has_negative_lead_days() -> None:
    (item,) = review([risk(milestone="po_lock")], PLAN, set(), LATER)

    assert item.lead_days == -23.0


def test_lead_days_count_from_the_signals_utc_date() -> None:
    # 23:30 UTC on the 14th is already the 15th in Shanghai; the review reads UTC dates
    late = dt.datetime(2026, 6, 15, 7, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))

    (item,) = review([risk(opened_at=late)], PLAN, set(), LATER)

    assert item.first_signal_at == dt.datetime(2026, 6, 14, 23, 30, tzinfo=dt.UTC) and item.lead_days == 1.0


def test_a_milestone_without_a_plan_or_a_risk_without_a_milestone_has_no_lead_days() -> None:
    items = review([risk(1, milestone="final_inspection"), risk(2, milestone=None)], PLAN, set(), LATER)

    assert [(i.planned, i.lead_days) for i in items] == [(None, None), (None, None)]


def test_a_risk_still_open_at_the_instant_has_no_open_days_and_no_proof() -> None:
    (item,) = review([risk()], PLAN, {PHOTO_CLOSER}, LATER)

    assert item.open_days is None and item.proof_attached is False


def test_a_risk_closed_after_the_instant_reads_as_open_then() -> None:
    (item,) = review([closed()], PLAN, {PHOTO_CLOSER}, SIGNAL + dt.timedelta(hours=1))

    assert item.open_days is None and item.proof_attached is False


def test_a_risk_closed_by_a_message_with_a_photo_has_proof_and_its_days_open() -> None:
    (item,) = review([closed()], PLAN, {PHOTO_CLOSER}, LATER)

    assert item.proof_attached is True and item.open_days == 1.5


def test_a_risk_closed_by_a_message_without_a_file_has_no_proof() -> None:
    (item,) = review([closed(by=WORDS_CLOSER)], PLAN, {PHOTO_CLOSER}, LATER)

    assert item.proof_attached is False and item.open_days == 1.5


def test_only_a_risk_with_an_owner_contact_counts_as_owned() -> None:
    items = review([risk(1), risk(2, owner_contact_id=None)], PLAN, set(), LATER)

    assert [i.owner_named for i in items] == [True, False]


def test_items_come_in_order_of_first_signal_and_risks_opened_after_the_instant_are_left_out() -> None:
    rows = [risk(1, opened_at=SIGNAL + dt.timedelta(days=2)), risk(2), risk(3, opened_at=LATER + dt.timedelta(1))]

    items = review(rows, PLAN, set(), LATER)

    assert [i.risk for i in items] == [2, 1]


def test_the_summary_averages_lead_shares_owners_and_proof_and_takes_the_median_days_open() -> None:
    rows = [closed(1, after=dt.timedelta(days=1)), closed(2, by=WORDS_CLOSER, after=dt.timedelta(days=2)),
            closed(3, after=dt.timedelta(days=4), milestone="po_lock", owner_contact_id=None), risk(4)]

    s = summarize(review(rows, PLAN, {PHOTO_CLOSER}, LATER))

    assert s.risks == 4
    assert s.average_lead_days == round((3 + 3 - 23 + 3) / 4, 1)
    assert (s.owner_share, s.proof_share, s.median_open_days) == (0.75, 0.5, 2.0)


def test_an_order_without_risks_sums_up_to_nothing() -> None:
    s = summarize(review([], PLAN, set(), LATER))

    assert (s.risks, s.average_lead_days, s.owner_share, s.proof_share, s.median_open_days) == (0, None, None, None,
                                                                                               None)
