"""Shared fixtures: where ../shared is, and a one-word way to skip without it."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests.fixtures import InProcessCli, Workspace

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture
def shared_dir() -> Path:
    """The read-only ../shared folder; tests using it carry the `shared` marker."""
    if not SHARED.is_dir():
        pytest.skip("../shared is absent (a user's fresh clone); CI runs this test with it present")
    return SHARED


# ---------------------------------------------------------------- integration fixtures (tests/fixtures.py helpers)


def _clear_orderproof_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("ORDERPROOF_") and name != "ORDERPROOF_REQUIRE_POSTGRES":
            monkeypatch.delenv(name)


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> InProcessCli:
    """`run_cli(*args) -> (code, out, err)`: `orderproof ARGS` in-process, output captured."""
    return InProcessCli(capsys)


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: InProcessCli) -> Workspace:
    """A fresh SQLite database and media dir under tmp_path, the cwd moved there, no ORDERPROOF_* leaking in."""
    _clear_orderproof_env(monkeypatch)
    media = tmp_path / "media"
    monkeypatch.setenv("ORDERPROOF_MEDIA_DIR", str(media))
    monkeypatch.chdir(tmp_path)
    return Workspace(root=tmp_path, db_url=f"sqlite:///{tmp_path}/t.db", media=media, cli=run_cli)


@pytest.fixture(scope="session")
def rendered_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared corpus rendered once per session by its own render.py; returns the output folder."""
    if not SHARED.is_dir():
        pytest.skip("../shared is absent (a user's fresh clone); CI runs this test with it present")
    out = tmp_path_factory.mktemp("rendered") / "out"
    proc = subprocess.run([sys.executable, str(SHARED / "corpus" / "render.py"), "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"render.py failed:\n{proc.stdout}\n{proc.stderr}"
    return out


# ---------------------------------------------------------------- PostgreSQL (tests marked `postgres`)

SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def _admin() -> psycopg.Connection:
    return psycopg.connect(SERVER, autocommit=True, connect_timeout=3)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A new, empty database on the local server, dropped afterwards (skips when there is no server)."""
    try:
        admin = _admin()
    except psycopg.OperationalError as exc:
        reason = f"PostgreSQL at 127.0.0.1:5432 is unreachable: {str(exc).strip().splitlines()[0]}"
        if os.environ.get("ORDERPROOF_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{reason} (ORDERPROOF_REQUIRE_POSTGRES=1)")
        pytest.skip(reason)
    name = f"op_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with _admin() as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


