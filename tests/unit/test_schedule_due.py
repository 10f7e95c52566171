"""When a buyer's digest is due, in their own time zone: slots, periods, catch-up and the per-buyer settings."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.scheduling.due import BuyerSchedule, DueRun, due_run, latest_slot, period_of, schedules_for
from bot.settings import BuyerOverride, Settings, SettingsError, load_settings
from parsers.orderbook import ContactInfo, OrderBook

LONDON = BuyerSchedule("emma.clarke", "Europe/London", dt.time(8, 30))
LOS_ANGELES = BuyerSchedule("sam.reyes", "America/Los_Angeles", dt.time(8, 30))
FRIDAYS = BuyerSchedule("emma.clarke", "Europe/London", dt.time(8, 30), "weekly", 4)
HOUR = dt.timedelta(hours=1)


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


@pytest.mark.parametrize(("schedule", "now", "fires_at"), [
    (LONDON, utc(2026, 6, 10, 12, 0), utc(2026, 6, 10, 7, 30)),  # BST, UTC+1
    (LOS_ANGELES, utc(2026, 6, 10, 18, 0), utc(2026, 6, 10, 15, 30)),  # PDT, UTC-7
    (LONDON, utc(2026, 1, 14, 12, 0), utc(2026, 1, 14, 8, 30)),  # GMT
    (LOS_ANGELES, utc(2026, 1, 14, 18, 0), utc(2026, 1, 14, 16, 30)),  # PST, UTC-8
], ids=["london-summer", "los-angeles-summer", "london-winter", "los-angeles-winter"])
def test_a_daily_0830_digest_fires_at_the_utc_hour_of_the_buyers_summer_or_winter(
        schedule: BuyerSchedule, now: dt.datetime, fires_at: dt.datetime) -> None:
    assert latest_slot(schedule, now) == fires_at
    assert latest_slot(schedule, fires_at) == fires_at
    assert latest_slot(schedule, fires_at - dt.timedelta(seconds=1)) == fires_at - dt.timedelta(days=1)


def test_the_slot_moves_by_an_hour_across_the_night_the_clocks_go_forward() -> None:
    before = latest_slot(LONDON, utc(2026, 3, 28, 12, 0))  # Saturday, still GMT
    after = latest_slot(LONDON, utc(2026, 3, 29, 12, 0))  # Sunday, BST from 01:00 UTC

    assert before == utc(2026, 3, 28, 8, 30)
    assert after == utc(2026, 3, 29, 7, 30)
    assert after - before == dt.timedelta(hours=23)


def test_a_daily_period_is_the_buyers_local_date_not_the_utc_one() -> None:
    late_evening_in_los_angeles = utc(2026, 6, 11, 2, 0)  # 19:00 on the 10th there

    assert period_of(LOS_ANGELES, late_evening_in_los_angeles) == "2026-06-10"
    assert period_of(LONDON, late_evening_in_los_angeles) == "2026-06-11"


def test_a_weekly_digest_has_an_iso_week_period_and_fires_only_on_its_weekday() -> None:
    wednesday = utc(2026, 6, 10, 12, 0)
    friday_slot = utc(2026, 6, 12, 7, 30)

    assert latest_slot(FRIDAYS, wednesday) == utc(2026, 6, 5, 7, 30)  # last Friday
    assert latest_slot(FRIDAYS, friday_slot) == friday_slot
    assert friday_slot.astimezone(FRIDAYS.zone).weekday() == 4
    assert period_of(FRIDAYS, friday_slot) == "2026-W24"
    assert period_of(FRIDAYS, wednesday) == "2026-W24"


def test_a_weekly_period_at_new_year_is_the_iso_week_year() -> None:
    assert period_of(FRIDAYS, utc(2027, 1, 1, 12, 0)) == "2026-W53"


def test_a_missed_slot_is_due_once_then_not_again() -> None:
    now = utc(2026, 6, 10, 8, 10)  # 09:10 in London, 40 minutes after the 08:30 slot

    first = due_run(LONDON, "2026-06-09", now, HOUR)
    again = due_run(LONDON, first.period if first else None, now, HOUR)

    assert first == DueRun("2026-06-10", utc(2026, 6, 10, 7, 30))
    assert again is None


def test_a_buyer_who_never_had_a_digest_gets_the_one_due_now() -> None:
    assert due_run(LONDON, None, utc(2026, 6, 10, 7, 45), HOUR) == DueRun("2026-06-10", utc(2026, 6, 10, 7, 30))


def test_a_slot_missed_by_more_than_the_grace_is_skipped() -> None:
    assert due_run(LONDON, "2026-06-09", utc(2026, 6, 10, 8, 31), HOUR) is None
    assert due_run(LONDON, "2026-06-09", utc(2026, 6, 10, 8, 30), HOUR) is not None


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        latest_slot(LONDON, dt.datetime(2026, 6, 10, 12, 0))  # noqa: DTZ001 - the point of the test


def book_of(*contacts: ContactInfo) -> OrderBook:
    return OrderBook.of([], list(contacts))


def test_each_buyer_gets_a_schedule_in_their_own_zone_and_others_get_none() -> None:
    book = book_of(ContactInfo("li.qiang", role="factory", timezone="Asia/Shanghai"),
                   ContactInfo("emma.clarke", role="buyer", timezone="Europe/London"),
                   ContactInfo("sam.reyes", role="buyer", timezone="America/Los_Angeles"))

    schedules = schedules_for(Settings(), book)

    assert schedules == [BuyerSchedule("emma.clarke", "Europe/London", dt.time(8, 30), "daily", 0),
                         BuyerSchedule("sam.reyes", "America/Los_Angeles", dt.time(8, 30), "daily", 0)]


def test_a_buyer_with_an_override_gets_it_and_a_buyer_without_gets_the_defaults() -> None:
    settings = Settings().replace("schedule", time="07:45", buyers=(
        BuyerOverride("emma.clarke", time="08:30", cadence="weekly", weekday="fri"),))
    book = book_of(ContactInfo("emma.clarke", role="buyer", timezone="Europe/London"),
                   ContactInfo("sam.reyes", role="buyer", timezone="America/Los_Angeles"))

    emma, sam = schedules_for(settings, book)

    assert emma == BuyerSchedule("emma.clarke", "Europe/London", dt.time(8, 30), "weekly", 4)
    assert sam == BuyerSchedule("sam.reyes", "America/Los_Angeles", dt.time(7, 45), "daily", 0)


def test_a_buyer_with_an_unknown_time_zone_gets_no_schedule() -> None:
    assert schedules_for(Settings(), book_of(ContactInfo("x", role="buyer", timezone="Mars/Olympus"))) == []


def test_the_schedule_section_and_its_per_buyer_tables_are_read_from_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[schedule]\nenabled = 0\ntime = "09:00"\nalert_check_minutes = 5\n'
                      '[schedule.buyers."emma.clarke"]\ncadence = "weekly"\nweekday = "fri"\n', encoding="utf-8")

    schedule = load_settings(config, env={}).schedule

    assert schedule.enabled is False
    assert schedule.alert_check_minutes == 5
    assert schedule.for_buyer("emma.clarke") == (dt.time(9, 0), "weekly", 4)
    assert schedule.for_buyer("sam.reyes") == (dt.time(9, 0), "daily", 0)


def test_the_schedule_defaults_when_nothing_is_configured() -> None:
    schedule = load_settings(env={}).schedule

    assert (schedule.enabled, schedule.time, schedule.cadence, schedule.misfire_grace_seconds) == (
        True, "08:30", "daily", 3600)


@pytest.mark.parametrize(("body", "message"), [
    ('[schedule]\ntime = "25:00"', "[schedule] time must be HH:MM"),
    ('[schedule]\ncadence = "monthly"', "[schedule] cadence must be daily or weekly"),
    ('[schedule.buyers."emma.clarke"]\ntime = "8h30"', '[schedule.buyers."emma.clarke"] time must be HH:MM'),
    ('[schedule.buyers."emma.clarke"]\nweekday = "friday"', '[schedule.buyers."emma.clarke"] weekday must be'),
    ('[schedule]\nenabled = "maybe"', "[schedule] enabled must be 1 or 0"),
])
def test_a_bad_schedule_setting_is_one_line_naming_it(tmp_path: Path, body: str, message: str) -> None:
    config = tmp_path / "c.toml"
    config.write_text(body + "\n", encoding="utf-8")

    with pytest.raises(SettingsError) as caught:
        load_settings(config, env={})

    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
