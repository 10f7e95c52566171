"""Engine from a URL (SQLite by default, PostgreSQL by URL), migrated on first use."""
from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import create_engine

MIGRATIONS = Path(__file__).with_name("migrations")


def normalise_url(url: str) -> str:
    """Plain postgresql:// URLs use psycopg 3, the driver we ship."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # let SQLAlchemy, not the driver, decide where transactions begin (the driver skips BEGIN before SAVEPOINT)
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    # WAL lets the web process write while the worker reads; busy_timeout waits out short locks
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


class _WriterGate:
    """One writer at a time inside this process, waited for on a Python lock.

    SQLite's own busy handler sleeps in growing steps (up to 100 ms) while it waits for the write lock, which turns
    a few milliseconds of contention between the worker and the webhooks into seconds of latency. Threads of one
    process queue here instead and go the moment the lock is free; other processes still meet busy_timeout.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def begin(self, conn) -> None:
        self.lock.acquire()
        try:
            # take the write lock up front: a transaction that reads and then writes can never fail on upgrade
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            self.lock.release()
            raise

    def end(self, conn) -> None:
        if self.lock.locked():
            self.lock.release()


def make_engine(url: str) -> Engine:
    """An engine for the URL, with SQLite tuned for one writer and many readers."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        gate = _WriterGate()
        event.listen(engine, "begin", gate.begin)
        event.listen(engine, "commit", gate.end)
        event.listen(engine, "rollback", gate.end)
        return engine
    return create_engine(url, pool_pre_ping=True)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision; a no-op when it is already there."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def open_database(url: str) -> Engine:
    """An engine whose schema is ready to use."""
    engine = make_engine(url)
    migrate(engine)
    return engine
