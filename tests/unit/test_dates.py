"""Dates a chat message mentions: formats, ranges, year roll-over, weekdays and the things that are not dates."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.dates import default_date_order, extract_dates

MON_8_JUNE = dt.date(2026, 6, 8)
WED_10_JUNE = dt.date(2026, 6, 10)
FRI_12_JUNE = dt.date(2026, 6, 12)
SUN_21_JUNE = dt.date(2026, 6, 21)


def d(month: int, day: int, year: int = 2026) -> dt.date:
    return dt.date(year, month, day)


def dates(text: str, today: dt.date = WED_10_JUNE, order: str = "mdy") -> list[dt.date]:
    return extract_dates(text, today, order)


# --- who writes the month first -------------------------------------------------------------------------------


def test_chinese_speakers_write_the_month_first():
    assert default_date_order("Asia/Shanghai", "zh") == "mdy"


def test_american_time_zones_write_the_month_first():
    assert default_date_order("America/New_York", "en") == "mdy"


def test_a_london_buyer_writes_day_before_month():
    assert default_date_order("Europe/London", "en") == "dmy"


def test_an_unknown_sender_is_read_day_first():
    assert default_date_order(None, None) == "dmy"


def test_an_unknown_date_order_is_refused():
    with pytest.raises(ValueError):
        extract_dates("6/12", WED_10_JUNE, "ymd")


# --- ISO dates --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["ETD 2026-07-10", "ETD 2026/07/10", "ETD 2026.07.10", "ETD 2026-7-10"])
def test_a_full_date_with_the_year_first_is_read_as_written(text):
    assert dates(text, order="dmy") == [d(7, 10)]


def test_a_written_year_is_kept_even_when_far_from_today():
    assert dates("the mould was made 2019-03-04") == [d(3, 4, 2019)]


def test_an_iso_timestamp_still_gives_its_date():
    assert dates("booked at 2026-07-10T08:00") == [d(7, 10)]


@pytest.mark.parametrize("text", ["KT-2026-0088 带槽竹板开始生产", "ref KT-2026-07-10 updated", "batch 12026-07-10"])
def test_dates_inside_identifiers_are_not_dates(text):
    assert dates(text) == []


# --- slash dates ------------------------------------------------------------------------------------------------


def test_a_chinese_agent_writes_month_slash_day():
    assert dates("spatula hang cards by 6/12 (plan was 6/5)", MON_8_JUNE) == [d(6, 12), d(6, 5)]


def test_a_london_buyer_puts_the_day_first_in_slash_dates():
    assert dates("our photographer needs 3 samples by 7/8", dt.date(2026, 6, 29), "dmy") == [d(8, 7)]


def test_a_day_first_writer_means_july_by_10_7():
    assert dates("ETD must be no later than 10/7", dt.date(2026, 6, 25), "dmy") == [d(7, 10)]


def test_a_month_above_twelve_is_swapped_with_the_day():
    assert dates("Keep 55140 on 7/15.", dt.date(2026, 6, 22), "dmy") == [d(7, 15)]
    assert dates("ready by 15/7", dt.date(2026, 6, 22), "mdy") == [d(7, 15)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("arrival ~7/3", [d(7, 3)]), ("请7/6前提供", [d(7, 6)]), ("这是6/24验货拍的", [d(6, 24)]),
     ("ETD:7/10", [d(7, 10)])],
)  # fmt: skip
def test_slash_dates_may_touch_punctuation_and_chinese_text(text, expected):
    assert dates(text) == expected


def test_slash_dates_separated_only_by_a_comma_are_both_found():
    assert dates("6/12,6/15") == [d(6, 12), d(6, 15)]


def test_a_slash_range_gives_both_end_points():
    assert dates("closed 6/19-6/21") == [d(6, 19), d(6, 21)]


def test_a_slash_range_may_leave_out_the_second_month():
    assert dates("closed 6/19-21") == [d(6, 19), d(6, 21)]


def test_a_slash_date_with_a_four_digit_year_uses_it():
    assert dates("invoice dated 12/06/2025", order="dmy") == [d(6, 12, 2025)]


@pytest.mark.parametrize("text", ["1/2/3/4", "31/2", "13/13", "support 24/7", "0/5", "3/5%"])
def test_number_chains_impossible_dates_and_24_7_are_not_dates(text):
    assert dates(text) == []
    assert dates(text, order="dmy") == []


def test_a_small_pair_of_valid_values_counts_as_a_date():
    assert dates("1/2", order="dmy") == [d(2, 1)]


# --- Chinese dates ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["inline 6月22日不变", "6月22号交货", "6 月 22 日", "2026年6月22日"])
def test_chinese_month_and_day_are_read(text):
    assert dates(text) == [d(6, 22)]


def test_a_chinese_date_inside_english_text_is_found():
    assert dates("Strap length per the 6月3日 revision (+5 cm).", dt.date(2026, 6, 22)) == [d(6, 3)]


def test_a_chinese_range_with_zhi_gives_both_end_points():
    assert dates("【放假通知】端午节6月19日至21日放假三天，22号正常上班", dt.date(2026, 6, 13)) == [
        d(6, 19),
        d(6, 21),
        d(6, 22),
    ]


def test_a_chinese_range_with_a_dash_gives_both_end_points():
    assert dates("6月19-21日放假") == [d(6, 19), d(6, 21)]


def test_a_chinese_range_across_months_gives_both_end_points():
    assert dates("6月30日至7月2日盘点") == [d(6, 30), d(7, 2)]


def test_a_bare_chinese_day_is_in_the_current_month():
    assert dates("竹板17号到了马上上线", WED_10_JUNE) == [d(6, 17)]


def test_a_bare_chinese_day_a_few_days_gone_stays_in_this_month():
    assert dates("3号已经发了", WED_10_JUNE) == [d(6, 3)]


def test_a_bare_chinese_day_well_before_today_is_next_month():
    assert dates("要29号才能补齐", dt.date(2026, 6, 25)) == [d(6, 29)]
    assert dates("5号到", dt.date(2026, 6, 25)) == [d(7, 5)]


def test_next_month_in_chinese_moves_a_bare_day_forward():
    assert dates("下个月5号出货", WED_10_JUNE) == [d(7, 5)]


@pytest.mark.parametrize("text", ["3号线停了", "第3号样品", "每月5号对账", "3日内回复", "4月份的老照片", "6月2个柜"])
def test_numbered_things_monthly_habits_and_durations_are_not_chinese_dates(text):
    assert dates(text) == []


# --- English dates ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["ETD June 21", "ETD june 21", "ETD JUNE 21", "ETD Jun 21", "ETD Jun. 21", "ETD June 21st", "ETD 21 June",
     "ETD 21st June", "ETD 21st of June", "ETD 21-Jun", "ETD June 21, 2026", "ETD 21 June 2026"],
)  # fmt: skip
def test_english_month_names_are_read_in_either_order(text):
    assert dates(text, order="dmy") == [d(6, 21)]


def test_month_names_full_or_abbreviated_map_to_their_months():
    assert dates("ETD Ningbo July 10 on MSC ANNA, ETA Felixstowe Aug 14.", dt.date(2026, 7, 9)) == [
        d(7, 10),
        d(8, 14),
    ]
    assert dates("Sept 3, Sep 4, 5 Oct, 6 Nov", dt.date(2026, 9, 1)) == [d(9, 3), d(9, 4), d(10, 5), d(11, 6)]


@pytest.mark.parametrize("text", ["shut June 19–21", "shut June 19-21", "shut June 19 to 21", "shut 19–21 June"])
def test_an_english_range_gives_both_end_points(text):
    assert dates(text) == [d(6, 19), d(6, 21)]


def test_an_english_range_may_name_a_second_month():
    assert dates("audit June 30 - July 2") == [d(6, 30), d(7, 2)]


def test_the_22nd_is_a_day_of_the_current_month():
    assert dates("closed June 19–21 for the Dragon Boat Festival, back on the 22nd.", dt.date(2026, 6, 18)) == [
        d(6, 19),
        d(6, 21),
        d(6, 22),
    ]


def test_an_ordinal_counting_things_is_not_a_date():
    assert dates("the 2nd inspection failed") == []


def test_a_lower_case_may_after_a_number_is_the_verb():
    assert dates("the 10 may arrive late") == []
    assert dates("ETD 10 May", order="dmy") == [d(5, 10)]


# --- relative words ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "offset"),
    [("today", 0), ("Today", 0), ("tomorrow", 1), ("tmr", 1), ("yesterday", -1), ("the day after tomorrow", 2),
     ("the day before yesterday", -2), ("今天", 0), ("今日", 0), ("明天", 1), ("明日", 1), ("后天", 2), ("大后天", 3),
     ("昨天", -1), ("前天", -2)],
)  # fmt: skip
def test_relative_words_count_from_the_senders_date(text, offset):
    assert dates(f"load {text} ok") == [WED_10_JUNE + dt.timedelta(days=offset)]


def test_relative_words_and_dates_mix_in_one_message():
    assert dates("98765 今天装柜完成，柜号TGHU8812345，明天开船", dt.date(2026, 5, 6)) == [d(5, 6), d(5, 7)]


def test_hou_tian_inside_other_words_is_not_a_date():
    assert dates("然后天津那票再说，提前天数不够") == []


# --- weekdays ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["周五要给客户回复", "星期五", "礼拜五", "by Friday", "by Fri", "by FRIDAY"])
def test_a_bare_weekday_is_the_next_one(text):
    assert dates(text, MON_8_JUNE) == [d(6, 12)]


@pytest.mark.parametrize("text", ["周日", "周天", "星期天", "星期日", "on Sunday", "on Sun"])
def test_sunday_has_many_names(text):
    assert dates(text, MON_8_JUNE) == [d(6, 14)]


def test_naming_todays_weekday_means_a_week_from_now():
    assert dates("Friday", FRI_12_JUNE) == [d(6, 19)]
    assert dates("周五", FRI_12_JUNE) == [d(6, 19)]


def test_this_friday_said_on_a_friday_is_today():
    assert dates("this Friday", FRI_12_JUNE) == [d(6, 12)]
    assert dates("这周五", FRI_12_JUNE) == [d(6, 12)]
    assert dates("本周五", FRI_12_JUNE) == [d(6, 12)]


def test_this_weekday_stays_in_the_current_week():
    assert dates("this Monday", WED_10_JUNE) == [d(6, 8)]


def test_next_weekday_is_in_the_next_calendar_week():
    assert dates("剩下的下周三到", WED_10_JUNE) == [d(6, 17)]
    assert dates("7718彩盒下周三出样", dt.date(2026, 6, 18)) == [d(6, 24)]
    assert dates("下星期三", SUN_21_JUNE) == [d(6, 24)]
    assert dates("next Wed", SUN_21_JUNE) == [d(6, 24)]
    assert dates("next Wednesday", FRI_12_JUNE) == [d(6, 17)]


def test_last_weekday_is_in_the_previous_calendar_week():
    assert dates("上周五", WED_10_JUNE) == [d(6, 5)]
    assert dates("last Friday", WED_10_JUNE) == [d(6, 5)]


def test_a_weekday_followed_by_its_date_counts_once():
    assert dates("cutting starts Monday 6/15.", FRI_12_JUNE) == [d(6, 15)]


def test_monday_after_a_sunday_holiday_is_tomorrow():
    assert dates("Factory is on holiday until tomorrow, I'll ask them Monday.", SUN_21_JUNE) == [d(6, 22)]


@pytest.mark.parametrize(
    "text",
    ["this month", "the monitor", "satisfied", "sunny", "Lily Sun", "the box sat there", "c'mon", "every Monday",
     "每周五开会", "一周三次", "Mondays"],
)  # fmt: skip
def test_weekday_look_alikes_and_recurring_days_are_not_dates(text):
    assert dates(text) == []


def test_ambiguous_abbreviations_count_next_to_a_cue():
    assert dates("on Sat", WED_10_JUNE) == [d(6, 13)]
    assert dates("Sat 6/13", WED_10_JUNE) == [d(6, 13)]


# --- years ------------------------------------------------------------------------------------------------------


def test_a_late_december_date_mentioned_in_january_is_last_year():
    assert dates("shipped Dec 28", dt.date(2026, 1, 3)) == [d(12, 28, 2025)]
    assert dates("12/28 shipped", dt.date(2026, 1, 3)) == [d(12, 28, 2025)]


def test_an_early_january_date_mentioned_in_december_is_next_year():
    assert dates("ETD 1/2", dt.date(2026, 12, 30)) == [d(1, 2, 2027)]
    assert dates("3号发货", dt.date(2026, 12, 28)) == [d(1, 3, 2027)]


def test_a_range_crossing_new_year_ends_in_the_next_year():
    assert dates("closed Dec 30 - Jan 2", dt.date(2026, 12, 20)) == [d(12, 30), d(1, 2, 2027)]


def test_the_29th_of_february_needs_a_leap_year_nearby():
    assert dates("ETD 2/29", dt.date(2028, 1, 10)) == [d(2, 29, 2028)]
    assert dates("ETD 2/29", dt.date(2026, 1, 10)) == []


# --- things that are not dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["收到", "👍", "", "PO#7718 carton marks attached", "SP-5SET-GRY 3000 pcs packed", "Sewing ~40%, next week done",
     "周末加班", "tonight we load 1x20GP", "EP-24-RED 1200 pcs, 24 cm", "今晚 晚上 this morning", "下周 这周 this week",
     "next week", "over the weekend", "2 days late", "大锅可能晚3-4天", "4 days", "CY cutoff 12:00",
     "2 of 32 red pots, 6 major vs 5 allowed", "1,125 labels", "1x40HQ", "AQL 2.5", "AQL2.5", "498 gsm", "69.5 cm",
     "USD 380", "$380", "PO-55102", "V.627W", "TGHU8812345", "Pantone 2955C", "新色号7734C", "含水率9.8%"],
)  # fmt: skip
def test_quantities_codes_times_durations_and_vague_spans_are_not_dates(text):
    assert dates(text) == []
    assert dates(text, order="dmy") == []


# --- whole messages ---------------------------------------------------------------------------------------------


def test_dates_come_back_in_order_of_first_appearance_without_duplicates():
    text = "PO-55102: colour boxes reach the factory tomorrow; hang cards by 6/12 (plan was 6/5). Ship 7/10, not 6/12."
    assert dates(text, MON_8_JUNE) == [d(6, 9), d(6, 12), d(6, 5), d(7, 10)]


def test_a_booking_message_skips_its_codes_and_times():
    text = "PO55102 space confirmed: MSC ANNA V.627W, ETD Ningbo 2026-07-10, CY cutoff 7/8 12:00. SO attached."
    assert dates(text, dt.date(2026, 6, 26)) == [d(7, 10), d(7, 8)]


def test_a_final_inspection_report_keeps_only_real_dates():
    text = (
        "PO-55102 final today: red pots PASS (AQL 2.5); spatulas FAIL – logo print off-centre, "
        "6 major vs 5 allowed. Rework tomorrow, re-inspection 2026-07-02."
    )
    assert dates(text, dt.date(2026, 6, 30)) == [d(6, 30), d(7, 1), d(7, 2)]


def test_chinese_and_english_mix_without_spaces():
    assert dates("天津那票7/15的舱位订好了，COSCO，SO明天发", dt.date(2026, 6, 29)) == [d(7, 15), d(6, 30)]


# --- properties -------------------------------------------------------------------------------------------------

# Pieces of date syntax glued at random reach the resolving code far more often than arbitrary text does.
_DATEISH = st.lists(
    st.sampled_from(
        list("0123456789/-.:~,#年月日号周星期天今明后前大下这本 ")
        + ["June ", "Dec ", "may ", "the ", "next ", "this ", "Friday ", "sat ", "tomorrow ", "st ", "th ", "至"]
    ),
    max_size=30,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(max_size=200), _DATEISH), today=st.dates(), order=st.sampled_from(["dmy", "mdy"]))
def test_any_text_gives_a_list_of_distinct_real_dates_without_raising(text, today, order):
    found = extract_dates(text, today, order)
    assert isinstance(found, list)
    assert all(type(day) is dt.date for day in found)
    assert len(found) == len(set(found))
