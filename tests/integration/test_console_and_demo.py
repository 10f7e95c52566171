"""`orderproof demo` and `orderproof console`: the two commands that talk back."""
from __future__ import annotations

import io
import os

import pytest

from tests.fixtures import (
    FACTORY,
    Workspace,
    execute,
    query,
    run_subprocess,
    scalar,
    write_contacts,
    write_order_book,
    write_photo,
)

DEMO_MESSAGES = 9


def test_demo_loads_its_own_database_and_prints_the_milestone_file(ws: Workspace,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")

    result = ws.cli("demo")

    assert result.code == 0, result.err
    demo_db = ws.root / "orderproof-demo.db"
    assert demo_db.is_file()
    assert scalar(demo_db, "SELECT count(*) FROM inbound_messages") == DEMO_MESSAGES
    assert scalar(demo_db, "SELECT count(*) FROM inbound_messages WHERE state != 'processed'") == 0
    assert any((ws.root / "orderproof-demo-media").rglob("*.jpg"))
    assert "bot> " in result.out  # the demo shows the bot's replies
    for heading in ("PO-31007", "PO-31020", "milestone", "po_lock", "freight_handover"):
        assert heading in result.out
    assert not (ws.root / "orderproof.db").exists()


def test_demo_twice_recreates_its_database(ws: Workspace) -> None:
    assert ws.cli("demo").code == 0
    demo_db = ws.root / "orderproof-demo.db"
    execute(demo_db, "INSERT INTO contacts (id, name, role, timezone, language) "
                     "VALUES ('leftover', '', 'agent', 'UTC', 'en')")

    second = ws.cli("demo")

    assert second.code == 0, second.err
    assert scalar(demo_db, "SELECT count(*) FROM contacts WHERE id = 'leftover'") == 0
    assert scalar(demo_db, "SELECT count(*) FROM inbound_messages") == DEMO_MESSAGES


def test_demo_never_touches_the_users_own_database(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    own = ws.root / "orderproof.db"
    assert ws.cli("--db", f"sqlite:///{own}", "orders", "import", write_order_book(ws.root / "orders.json")).code == 0
    before = own.read_bytes()
    monkeypatch.setenv("ORDERPROOF_DATABASE_URL", "sqlite:///orderproof.db")  # even when it is the configured one

    assert ws.cli("demo").code == 0

    assert own.read_bytes() == before
    assert scalar(own, "SELECT count(*) FROM inbound_messages") == 0
    assert (ws.root / "orderproof-demo.db").is_file()


def test_demo_with_db_uses_that_database(ws: Workspace) -> None:
    result = ws.run("demo")

    assert result.code == 0, result.err
    assert scalar(ws.db, "SELECT count(*) FROM inbound_messages") == DEMO_MESSAGES
    assert not (ws.root / "orderproof-demo.db").exists()


def test_console_as_an_unknown_contact_is_one_clear_line(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("hello\n"))

    result = ws.run("console", "--as", "nobody")

    assert result.code != 0
    assert len(result.err_lines) == 1
    assert result.err.startswith("orderproof: error: unknown contact: nobody")
    assert "Traceback" not in result.err


def test_console_stores_typed_lines_and_photos_and_replies(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    ws.run("orders", "import", write_order_book(ws.root / "orders.json"))
    ws.run("contacts", "import", write_contacts(ws.root / "contacts.json"))
    picture = write_photo(ws.root / "pics" / "IMG_20260609_101522.jpg", "2026:06:09 10:15:22", "+08:00")
    monkeypatch.setattr("sys.stdin", io.StringIO(
        "PO-1001 红锅上釉第二遍\n"
        "\n"
        f"/photo {picture} PO-1001 红锅 上釉\n"
        "/quit\n"
        "this line comes after /quit and is never read\n"))

    result = ws.run("console", "--as", FACTORY)

    assert result.code == 0, result.err
    rows = query(ws.db, "SELECT chat, text, state FROM inbound_messages ORDER BY id")
    assert rows == [("console:li.qiang", "PO-1001 红锅上釉第二遍", "processed"),
                    ("console:li.qiang", "PO-1001 红锅 上釉", "processed")]
    (name, path, error, captured), = query(ws.db, "SELECT original_name, path, error, captured_local "
                                                  "FROM attachments")
    assert (name, error, captured) == ("IMG_20260609_101522.jpg", None, "2026-06-09 10:15:22")
    assert (ws.media / path).is_file()
    replies = [ln for ln in result.out.splitlines() if ln.startswith("bot> ")]
    assert len(replies) == 2 and all("PO-1001" in r for r in replies)


def test_console_reads_a_real_pipe_until_end_of_input(ws: Workspace) -> None:
    ws.run("orders", "import", write_order_book(ws.root / "orders.json"))
    ws.run("contacts", "import", write_contacts(ws.root / "contacts.json"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERPROOF_")}
    env["ORDERPROOF_MEDIA_DIR"] = str(ws.media)

    result = run_subprocess("console", "--as", FACTORY, "--db", ws.db_url, cwd=ws.root, env=env,
                            input="PO-1001 cartons printed\n/photo missing.jpg\n/photo\n")

    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    assert scalar(ws.db, "SELECT count(*) FROM inbound_messages") == 2
    (error,), = query(ws.db, "SELECT error FROM attachments")
    assert "not found" in error  # a missing picture is stored and flagged, and the bot says so
    assert "bot> " in result.out
    assert "usage: /photo PATH" in result.out
