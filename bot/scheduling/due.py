"""When a buyer's digest is due: periods and send slots in the buyer's own time zone (pure; time is passed in)."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.settings import Settings
from parsers.orderbook import OrderBook

log = logging.getLogger(__name__)
DAILY, WEEKLY = "daily", "weekly"


@dataclass(frozen=True)
class BuyerSchedule:
    buyer_id: str
    timezone: str  # IANA name, from the buyer's contact
    at: dt.time  # local send time
    cadence: str = DAILY  # daily | weekly
    weekday: int = 0  # for weekly: 0 = Monday, as datetime.weekday()

    @property
    def zone(self) -> ZoneInfo:
        """The buyer's time zone."""
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class DueRun:
    period: str
    scheduled_for: dt.datetime  # aware UTC


def _aware(instant: dt.datetime) -> dt.datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"a naive datetime has no place here: {instant!r}")
    return instant


def period_of(schedule: BuyerSchedule, instant: dt.datetime) -> str:
    """The digest period an instant falls in: the buyer's local date (daily) or ISO week `YYYY-Www` (weekly)."""
    local = _aware(instant).astimezone(schedule.zone).date()
    if schedule.cadence == WEEKLY:
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    return local.isoformat()


def latest_slot(schedule: BuyerSchedule, now: dt.datetime) -> dt.datetime:
    """The most recent scheduled send instant at or before `now`, aware UTC."""
    now = _aware(now)
    today = now.astimezone(schedule.zone).date()
    # eight days back always holds a weekly slot, even when today's has not come yet
    for back in range(9):
        day = today - dt.timedelta(days=back)
        if schedule.cadence == WEEKLY and day.weekday() != schedule.weekday:
            continue
        # zoneinfo resolves the local wall time with the offset in force that day, so summer and winter differ
        slot = dt.datetime.combine(day, schedule.at, tzinfo=schedule.zone).astimezone(dt.UTC)
        if slot <= now:
            return slot
    raise AssertionError(f"no slot in the nine days before {now.isoformat()} for {schedule}")  # pragma: no cover


def due_run(schedule: BuyerSchedule, last_period: str | None, now: dt.datetime,
            grace: dt.timedelta) -> DueRun | None:
    """The run to send now, if the latest slot's period has not been sent and is no older than the grace."""
    slot = latest_slot(schedule, now)
    period = period_of(schedule, slot)
    if period == last_period or now - slot > grace:
        return None
    return DueRun(period, slot)


def schedules_for(settings: Settings, book: OrderBook) -> list[BuyerSchedule]:
    """One schedule per buyer contact: the contact's time zone, the per-buyer override or else the defaults."""
    out = []
    for contact in book.contacts.values():
        if contact.role != "buyer":
            continue
        try:
            ZoneInfo(contact.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            # a digest at a guessed hour is worse than none; the warning names the contact to fix
            log.warning("buyer %s has an unknown time zone %r: no digest scheduled", contact.id, contact.timezone)
            continue
        at, cadence, weekday = settings.schedule.for_buyer(contact.id)
        out.append(BuyerSchedule(contact.id, contact.timezone, at, cadence, weekday))
    return out
