"""The digest scheduler: APScheduler jobs per buyer at their local time, persisted in our database, run by one
process at a time (the holder of a PostgreSQL advisory lock; on SQLite, the one process there is).

Sending exactly once never rests on the scheduler: every digest goes through `deliver_digest`, whose DigestRun row is
UNIQUE(buyer, period). The leader lock only keeps a crowd of processes from all doing the same work.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterable

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlmodel import Session, select

from bot.bootstrap import App
from bot.digests.deliver import deliver_digest
from bot.scheduling.due import WEEKLY, BuyerSchedule, due_run, latest_slot, period_of, schedules_for
from bot.scheduling.jobstore import RunnerJobStore
from store.book_repo import load_book
from store.models import DigestRun

log = logging.getLogger(__name__)

JOB_FUNC = "bot.scheduling.scheduler:run_job"  # textual, so a persisted job outlives the process that stored it
ALERTS_JOB = "alerts"
DIGEST_PREFIX = "digest:"
# the one session-level advisory lock every `serve` process on a database competes for ("OPSCHED1")
LEADER_LOCK_KEY = 0x4F50_5343_4845_4431


def digest_job_id(buyer_id: str) -> str:
    """The job id of a buyer's digest."""
    return f"{DIGEST_PREFIX}{buyer_id}"


def run_job(runner: DigestScheduler, kind: str, *args: str) -> object:
    """What every persisted job calls; the job store puts the live runner in front of the stored arguments."""
    return runner.run(kind, *args)


class DigestScheduler:
    """Schedules each buyer's digest and the alert sweep, catches up on a run missed while down, and elects one
    leader among the processes sharing a PostgreSQL database."""

    def __init__(self, app: App, retry_seconds: float = 10.0) -> None:
        self.app = app
        self.retry_seconds = retry_seconds  # how often a waiting process tries the leader lock (and a leader checks it)
        self.scheduler = self._build()
        self._stop = threading.Event()
        self._leading = threading.Event()
        self._transition = threading.RLock()  # taking and giving up the lead never interleave
        self._lock_conn: Connection | None = None
        self._watcher: threading.Thread | None = None
        self._synced: tuple[BuyerSchedule, ...] = ()

    # ------------------------------------------------------------ the jobs

    def _build(self) -> BackgroundScheduler:
        cfg = self.app.settings.schedule
        return BackgroundScheduler(jobstores={"default": RunnerJobStore(self, self.app.engine)},
                                   job_defaults={"coalesce": True, "misfire_grace_time": cfg.misfire_grace_seconds,
                                                 "max_instances": 1},
                                   timezone=dt.UTC)

    def load_schedules(self) -> list[BuyerSchedule]:
        """Every buyer's schedule, from the settings and the order book as it is now."""
        with Session(self.app.engine) as session:
            book = load_book(session)
        return schedules_for(self.app.settings, book)

    def schedule_job(self, job_id: str, trigger: BaseTrigger, kind: str, *args: str) -> None:
        """Add or replace one persisted job that calls this runner with `kind` and plain arguments."""
        self.scheduler.add_job(JOB_FUNC, trigger=trigger, args=(self, kind, *args), id=job_id, name=job_id,
                               replace_existing=True)

    def sync_jobs(self, schedules: Iterable[BuyerSchedule] | None = None) -> list[str]:
        """Make the stored jobs match the buyers now configured (plus the alert sweep); returns the job ids."""
        schedules = self.load_schedules() if schedules is None else list(schedules)
        ids = self._sync_digests(schedules)
        minutes = self.app.settings.schedule.alert_check_minutes
        self.schedule_job(ALERTS_JOB, IntervalTrigger(minutes=minutes, timezone=dt.UTC), "alerts")
        return [*ids, ALERTS_JOB]

    def _sync_digests(self, schedules: list[BuyerSchedule]) -> list[str]:
        wanted = []
        for s in schedules:
            trigger = CronTrigger(hour=s.at.hour, minute=s.at.minute,
                                  day_of_week=s.weekday if s.cadence == WEEKLY else "*", timezone=s.zone)
            self.schedule_job(digest_job_id(s.buyer_id), trigger, "digest", s.buyer_id)
            wanted.append(digest_job_id(s.buyer_id))
        for job in self.scheduler.get_jobs():
            if job.id.startswith(DIGEST_PREFIX) and job.id not in wanted:
                self.scheduler.remove_job(job.id)
        self._synced = tuple(schedules)
        return wanted

    def run(self, kind: str, *args: str) -> object:
        """Run one job by kind (what a fired job does)."""
        if kind == "digest":
            return self.run_digest(*args)
        if kind == "alerts":
            return self.run_alerts()
        log.warning("scheduled job of unknown kind %r ignored", kind)
        return None

    def run_digest(self, buyer_id: str) -> bool:
        """Queue and send the buyer's digest for the slot that just came; True when this call queued it."""
        schedule = next((s for s in self.load_schedules() if s.buyer_id == buyer_id), None)
        if schedule is None:
            log.warning("digest for %s skipped: no longer a buyer in the order book", buyer_id)
            return False
        # APScheduler does not say which run time fired; the latest slot at or before now is the one
        slot = latest_slot(schedule, self.app.clock.now())
        queued = deliver_digest(self.app, buyer_id, period_of(schedule, slot), slot)
        if queued:
            self.app.send_outbox()
        return queued

    def run_alerts(self) -> int:
        """Queue and send the off-cycle alerts that are due; also picks up buyers added or changed since the last
        sync, so a contacts import needs no restart."""
        schedules = self.load_schedules()
        if tuple(schedules) != self._synced:
            self._sync_digests(schedules)
        try:
            from bot.alerts import sweep_alerts
        except ModuleNotFoundError as exc:
            if exc.name != "bot.alerts":
                raise
            log.info("no alert sweep in this build; nothing to check")
            return 0
        queued = sweep_alerts(self.app)
        if queued:
            self.app.send_outbox()
        return queued

    def last_period(self, buyer_id: str) -> str | None:
        """The period of the buyer's most recent digest run, if any."""
        with Session(self.app.engine) as session:
            return session.exec(select(DigestRun.period).where(DigestRun.buyer_id == buyer_id)
                                .order_by(DigestRun.scheduled_for.desc(), DigestRun.id.desc()).limit(1)).first()

    def catch_up(self) -> int:
        """Send each buyer's digest missed while no process was scheduling (within the grace); returns how many
        were queued. Running it twice, or in two processes at once, queues each digest once."""
        now = self.app.clock.now()
        grace = dt.timedelta(seconds=self.app.settings.schedule.misfire_grace_seconds)
        queued = 0
        for s in self.load_schedules():
            try:
                run = due_run(s, self.last_period(s.buyer_id), now, grace)
                if run is not None and deliver_digest(self.app, s.buyer_id, run.period, run.scheduled_for):
                    queued += 1
            except Exception:  # one buyer's failure must not cost the others their digest
                log.exception("catching up the digest of %s failed", s.buyer_id)
        if queued:
            self.app.send_outbox()
        return queued

    # ------------------------------------------------------------ leadership

    @property
    def uses_leader_lock(self) -> bool:
        """True on PostgreSQL, where several processes may share the database."""
        return self.app.engine.dialect.name == "postgresql"

    @property
    def is_leader(self) -> bool:
        """Whether this process is the one scheduling now."""
        return self._leading.is_set()

    def wait_until_leading(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for this process to become the leader."""
        return self._leading.wait(timeout)

    def try_lead(self) -> bool:
        """Take the leader lock if it is free (always granted on SQLite); the lock lives as long as its connection."""
        if not self.uses_leader_lock or self._lock_conn is not None:
            return True
        conn = self.app.engine.connect()
        try:
            conn.execution_options(isolation_level="AUTOCOMMIT")  # never left idle in a transaction for hours
            # out of the pool: closing it must end the session, and with it the lock, not hand both to the next user
            conn.detach()
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LEADER_LOCK_KEY}).scalar())
        except BaseException:
            conn.close()
            raise
        if not got:
            conn.close()
            return False
        self._lock_conn = conn
        return True

    def _still_leader(self) -> bool:
        if not self.uses_leader_lock:
            return True
        if self._lock_conn is None:
            return False
        try:
            self._lock_conn.execute(text("SELECT 1"))
        except Exception:  # the session, and so the lock, is gone: another process may lead already
            return False
        return True

    def _release(self) -> None:
        conn, self._lock_conn = self._lock_conn, None
        if conn is None:
            return
        try:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LEADER_LOCK_KEY})
        except Exception:  # a broken connection holds no lock anyway
            log.debug("releasing the leader lock failed", exc_info=True)
        finally:
            try:
                conn.close()
            except Exception:
                log.debug("closing the leader connection failed", exc_info=True)

    def _lead(self) -> None:
        """Start scheduling: jobs synced and missed runs caught up before any job may fire."""
        self.scheduler.start(paused=True)
        try:
            self.sync_jobs()
            try:
                self.catch_up()
            except Exception:  # a failed catch-up (database hiccup) must not stop the schedule itself
                log.exception("digest catch-up failed")
            self.scheduler.resume()
        except BaseException:
            self._step_down()
            raise
        self._leading.set()

    def _step_down(self) -> None:
        self._leading.clear()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)  # a long digest job finishes on its own; its row makes it once
            self.scheduler = self._build()  # a scheduler that was shut down is not started again
        self._release()

    def _watch(self) -> None:
        while not self._stop.wait(self.retry_seconds):
            try:
                with self._transition:
                    if self._stop.is_set():
                        return
                    if self.is_leader:
                        if not self._still_leader():
                            log.warning("lost the digest scheduler's leader lock; waiting to take it again")
                            self._step_down()
                    elif self.try_lead():
                        log.info("took over the digest scheduler")
                        self._lead()
            except Exception:  # the database may be briefly unavailable; never let the thread die
                log.exception("digest scheduler leader election failed")

    def start(self) -> bool:
        """Schedule now if this process may, else wait for the leader in the background; True when scheduling."""
        with self._transition:
            if self.try_lead():
                self._lead()
        if self.uses_leader_lock:
            self._watcher = threading.Thread(target=self._watch, name="orderproof-scheduler", daemon=True)
            self._watcher.start()
        return self.is_leader

    def stop(self, timeout: float = 10.0) -> None:
        """Stop scheduling and give up the leader lock, without waiting for a running job to finish."""
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout)
        with self._transition:
            self._step_down()
