"""The digest scheduler: catch-up after a restart, one leader among processes, and real APScheduler firing."""
from __future__ import annotations

import copy
import datetime as dt
import io
import os
import pickle
import threading
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import text

from bot.bootstrap import App, bootstrap
from bot.channels.console import ConsoleChannel
from bot.clock import FixedClock
from bot.scheduling.scheduler import JOB_FUNC, DigestScheduler
from bot.services import import_contacts, import_orders
from bot.settings import load_settings
from tests.channels.fakes import wait_until
from tests.fixtures import BUYER, CONTACTS, ORDER_BOOK, Workspace

SECOND_BUYER = "sam.reyes"  # Los Angeles: a second time zone on the same orders
NINE_TEN_IN_LONDON = dt.datetime(2026, 6, 10, 8, 10, tzinfo=dt.UTC)  # 40 minutes after the 08:30 BST slot
NOON_IN_LONDON = dt.datetime(2026, 6, 10, 11, 0, tzinfo=dt.UTC)  # the 08:30 slot is past the hour of grace


def contacts_with_two_buyers() -> dict[str, Any]:
    doc = copy.deepcopy(CONTACTS)
    doc["contacts"].append({"id": SECOND_BUYER, "name": "Sam Reyes", "phone": "+1 415 555 0100", "role": "buyer",
                            "timezone": "America/Los_Angeles", "language": "en", "orders": ["PO-1001"]})
    return doc


def open_app(db_url: str, media: os.PathLike[str] | str, clock: FixedClock, load_book: bool = True) -> App:
    """The app as `serve` wires it, with the console as its only channel; the order book loaded when asked."""
    settings = load_settings(env={}).replace("store", url=db_url, media_dir=str(media))
    app = bootstrap(settings, clock=clock, channels={"console": ConsoleChannel(io.StringIO())})
    if load_book:
        import_orders(app.engine, ORDER_BOOK)
        import_contacts(app.engine, contacts_with_two_buyers())
    return app


def rows(app: App, query: str) -> list[tuple[Any, ...]]:
    with app.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(query))]


def digest_runs(app: App) -> list[tuple[str, str]]:
    return rows(app, "SELECT buyer_id, period FROM digest_runs ORDER BY buyer_id, period")


def digest_messages(app: App) -> list[tuple[str, str, str]]:
    return rows(app, "SELECT dedupe_key, recipient, state FROM outbox WHERE dedupe_key LIKE 'digest:%' "
                     "ORDER BY dedupe_key")


def console_output(app: App) -> str:
    channel = app.channels["console"]
    assert isinstance(channel, ConsoleChannel) and isinstance(channel.out, io.StringIO)
    return channel.out.getvalue()


@pytest.fixture
def sqlite_app(ws: Workspace) -> Iterator[App]:
    app = open_app(ws.db_url, ws.media, FixedClock(NINE_TEN_IN_LONDON))
    try:
        yield app
    finally:
        app.close()


# ---------------------------------------------------------------- catch-up after a restart (SQLite)


def test_a_digest_missed_while_down_is_sent_at_start_and_a_restart_sends_nothing_more(ws: Workspace) -> None:
    first = open_app(ws.db_url, ws.media, FixedClock(NINE_TEN_IN_LONDON))
    try:
        caught_up = DigestScheduler(first).catch_up()
        output = console_output(first)
    finally:
        first.close()
    restarted = open_app(ws.db_url, ws.media, FixedClock(NINE_TEN_IN_LONDON + dt.timedelta(minutes=5)),
                         load_book=False)
    try:
        again = DigestScheduler(restarted).catch_up()

        assert caught_up == 1 and again == 0
        assert digest_runs(restarted) == [(BUYER, "2026-06-10")]
        assert digest_messages(restarted) == [(f"digest:{BUYER}:2026-06-10", f"console:{BUYER}", "sent")]
        assert output.count("bot> ") == 1
        assert console_output(restarted) == ""
    finally:
        restarted.close()


def test_a_digest_missed_by_more_than_the_grace_is_not_sent_late(sqlite_app: App) -> None:
    sqlite_app.clock.current = NOON_IN_LONDON  # type: ignore[attr-defined]

    assert DigestScheduler(sqlite_app).catch_up() == 0
    assert digest_runs(sqlite_app) == []


def test_the_job_runner_queues_the_slot_that_just_came_once(sqlite_app: App) -> None:
    scheduler = DigestScheduler(sqlite_app)

    results = [scheduler.run("digest", BUYER), scheduler.run("digest", BUYER)]

    assert results == [True, False]
    assert digest_runs(sqlite_app) == [(BUYER, "2026-06-10")]
    assert len(digest_messages(sqlite_app)) == 1


def test_the_runner_skips_a_contact_who_is_no_longer_a_buyer(sqlite_app: App) -> None:
    assert DigestScheduler(sqlite_app).run("digest", "tom.wu") is False
    assert digest_runs(sqlite_app) == []


# ---------------------------------------------------------------- the jobs in the database (SQLite)


def stored_jobs(app: App) -> dict[str, dict[str, Any]]:
    return {job_id: pickle.loads(state) for job_id, state in rows(app, "SELECT id, job_state FROM apscheduler_jobs")}


def test_start_stores_one_job_per_buyer_and_the_alert_sweep_with_plain_arguments(sqlite_app: App) -> None:
    scheduler = DigestScheduler(sqlite_app)
    try:
        assert scheduler.start() is True
    finally:
        scheduler.stop()

    jobs = stored_jobs(sqlite_app)
    assert set(jobs) == {f"digest:{BUYER}", f"digest:{SECOND_BUYER}", "alerts"}
    assert {job["func"] for job in jobs.values()} == {JOB_FUNC}
    assert jobs[f"digest:{BUYER}"]["args"] == ("digest", BUYER)
    assert jobs["alerts"]["args"] == ("alerts",)
    for buyer, zone in ((BUYER, "Europe/London"), (SECOND_BUYER, "America/Los_Angeles")):
        next_run = jobs[f"digest:{buyer}"]["next_run_time"]  # APScheduler's own clock: some real day to come
        assert next_run.astimezone(ZoneInfo(zone)).time() == dt.time(8, 30)
    assert digest_runs(sqlite_app) == [(BUYER, "2026-06-10")]  # today's London digest, caught up at start


def test_a_stored_job_comes_back_in_a_new_process_with_that_process_runner(ws: Workspace) -> None:
    first = open_app(ws.db_url, ws.media, FixedClock(NOON_IN_LONDON))
    try:
        old = DigestScheduler(first)
        old.start()
        old.schedule_job("later", DateTrigger(dt.datetime.now(dt.UTC) + dt.timedelta(days=30)), "digest", BUYER)
        old.stop()
    finally:
        first.close()
    second = open_app(ws.db_url, ws.media, FixedClock(NOON_IN_LONDON), load_book=False)
    new = DigestScheduler(second)
    try:
        new.start()
        job = new.scheduler.get_job("later")
    finally:
        new.stop()
        second.close()

    assert job is not None
    assert job.args == (new, "digest", BUYER)


def test_a_buyer_no_longer_in_the_book_loses_their_job(sqlite_app: App) -> None:
    scheduler = DigestScheduler(sqlite_app)
    try:
        scheduler.start()
        demoted = contacts_with_two_buyers()
        demoted["contacts"][-1]["role"] = "agent"
        import_contacts(sqlite_app.engine, demoted)

        ids = scheduler.sync_jobs()
    finally:
        scheduler.stop()

    assert ids == [f"digest:{BUYER}", "alerts"]
    assert set(stored_jobs(sqlite_app)) == {f"digest:{BUYER}", "alerts"}


def test_a_buyer_added_while_running_gets_a_job_at_the_next_alert_sweep(sqlite_app: App) -> None:
    scheduler = DigestScheduler(sqlite_app)
    try:
        scheduler.start()
        more = contacts_with_two_buyers()
        more["contacts"].append({"id": "kim.berg", "name": "Kim Berg", "role": "buyer", "timezone": "Europe/Berlin",
                                 "language": "en", "orders": ["PO#2002"]})
        import_contacts(sqlite_app.engine, more)

        scheduler.run("alerts")
    finally:
        scheduler.stop()

    assert "digest:kim.berg" in stored_jobs(sqlite_app)


def test_the_alert_sweep_job_queues_overdue_alerts_once(sqlite_app: App) -> None:
    scheduler = DigestScheduler(sqlite_app)

    first, second = scheduler.run("alerts"), scheduler.run("alerts")

    assert first > 0 and second == 0
    assert rows(sqlite_app, "SELECT count(*) FROM outbox WHERE dedupe_key LIKE 'alert:overdue:%'") == [(first,)]


# ---------------------------------------------------------------- real APScheduler firing (SQLite)


def test_a_job_fired_by_apscheduler_queues_and_sends_one_digest(ws: Workspace) -> None:
    app = open_app(ws.db_url, ws.media, FixedClock(NOON_IN_LONDON))
    scheduler = DigestScheduler(app)
    fired, outcomes = threading.Event(), []

    def on_run(event: JobExecutionEvent) -> None:
        if event.job_id == "soon":
            outcomes.append(event.exception or event.retval)
            fired.set()

    try:
        assert scheduler.start() is True
        assert digest_runs(app) == []  # the morning slot is past its grace: nothing to catch up
        scheduler.scheduler.add_listener(on_run, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        scheduler.schedule_job("soon", IntervalTrigger(seconds=1, timezone=dt.UTC), "digest", BUYER)
        stored = stored_jobs(app)["soon"]

        assert fired.wait(15), "APScheduler did not run the job within 15 s"
    finally:
        scheduler.stop()
    try:
        assert outcomes[0] is True
        assert stored["func"] == JOB_FUNC and stored["args"] == ("digest", BUYER)
        assert digest_runs(app) == [(BUYER, "2026-06-10")]
        assert digest_messages(app) == [(f"digest:{BUYER}:2026-06-10", f"console:{BUYER}", "sent")]
        assert "soon" in stored_jobs(app)  # an interval job stays in the same database for the next start
    finally:
        app.close()


# ---------------------------------------------------------------- several processes on one PostgreSQL database


@pytest.fixture
def two_processes(ws: Workspace, pg_url: str) -> Iterator[tuple[App, App]]:
    """Two apps on one PostgreSQL database, as two `serve` processes would be."""
    one = open_app(pg_url, ws.media, FixedClock(NINE_TEN_IN_LONDON))
    other = open_app(pg_url, ws.media, FixedClock(NINE_TEN_IN_LONDON), load_book=False)
    try:
        yield one, other
    finally:
        one.close()
        other.close()


@pytest.mark.postgres
def test_two_processes_catching_up_and_firing_at_once_queue_one_digest_per_buyer(
        two_processes: tuple[App, App]) -> None:
    schedulers = [DigestScheduler(app) for app in two_processes for _ in range(2)]
    start, errors, queued = threading.Barrier(len(schedulers)), [], []

    def both_ways(scheduler: DigestScheduler) -> None:
        start.wait()
        try:
            queued.append(scheduler.catch_up())
            queued.extend(int(scheduler.run("digest", buyer) is True) for buyer in (BUYER, SECOND_BUYER))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=both_ways, args=(s,)) for s in schedulers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    app = two_processes[0]
    assert errors == []
    # London's 08:30 slot was 40 minutes ago; Los Angeles' latest is yesterday's, 08:30 PDT
    assert digest_runs(app) == [(BUYER, "2026-06-10"), (SECOND_BUYER, "2026-06-09")]
    assert [key for key, _, _ in digest_messages(app)] == [f"digest:{BUYER}:2026-06-10",
                                                          f"digest:{SECOND_BUYER}:2026-06-09"]
    assert sum(queued) == 2  # and only the call that queued a digest says it did


@pytest.mark.postgres
def test_only_one_process_leads_and_the_other_takes_over_when_it_stops(two_processes: tuple[App, App]) -> None:
    leader, waiting = (DigestScheduler(app, retry_seconds=0.1) for app in two_processes)
    try:
        assert leader.start() is True
        assert waiting.start() is False
        assert waiting.wait_until_leading(0.5) is False  # several retries, the lock still held

        leader.stop()

        assert waiting.wait_until_leading(10) is True
        assert leader.is_leader is False
        assert {job.id for job in waiting.scheduler.get_jobs()} == {f"digest:{BUYER}", f"digest:{SECOND_BUYER}",
                                                                    "alerts"}
    finally:
        leader.stop()
        waiting.stop()
    assert digest_runs(two_processes[0]) == [(BUYER, "2026-06-10")]


@pytest.mark.postgres
def test_when_the_leaders_database_session_dies_the_other_process_takes_over(two_processes: tuple[App, App]) -> None:
    leader, waiting = (DigestScheduler(app, retry_seconds=0.1) for app in two_processes)
    try:
        assert leader.start() is True
        assert waiting.start() is False
        holder = rows(two_processes[1], "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted")
        assert len(holder) == 1

        rows(two_processes[1], f"SELECT pg_terminate_backend({holder[0][0]})")  # as if the leader's host vanished

        assert waiting.wait_until_leading(10) is True
        assert wait_until(lambda: not leader.is_leader, 10, "the old leader to step down")
    finally:
        leader.stop()
        waiting.stop()
