"""APScheduler's SQLAlchemy job store, in our own database, handing persisted jobs the live runner.

A stored job cannot hold the running application (it is not picklable, and a restart builds a new one), and module
globals are not how we reach it. So jobs are stored with a textual function reference and plain arguments, and this
store puts the live runner it was built with in front of the arguments whenever it reads a job back, and takes it
off again whenever it writes one (the pattern of ptbcontrib's PTBSQLAlchemyJobStore).
"""
from __future__ import annotations

from typing import Any

from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy.engine import Engine

TABLE = "apscheduler_jobs"


class RunnerJobStore(SQLAlchemyJobStore):
    """Jobs persisted in the app's database; `runner` is the first argument of every job while it is live."""

    def __init__(self, runner: Any, engine: Engine, tablename: str = TABLE) -> None:
        super().__init__(engine=engine, tablename=tablename)
        self.runner = runner

    def _stored(self, job: Job) -> Job:
        """A copy of the job as it is written: the same state without the live runner."""
        state = job.__getstate__()
        args = tuple(state["args"])
        if not args or args[0] is not self.runner:
            raise ValueError(f"job {job.id!r} must take the store's runner as its first argument")
        copy = Job.__new__(Job)
        copy.__setstate__({**state, "args": args[1:]})
        return copy

    def add_job(self, job: Job) -> None:
        """Insert the job without its runner."""
        super().add_job(self._stored(job))

    def update_job(self, job: Job) -> None:
        """Update the job without its runner."""
        super().update_job(self._stored(job))

    def _reconstitute_job(self, job_state: bytes) -> Job:
        job = super()._reconstitute_job(job_state)
        job.args = (self.runner, *job.args)
        return job

    def shutdown(self) -> None:
        """Leave the engine alone: it is the application's, and the application disposes of it."""
