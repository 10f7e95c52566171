"""The same commands against PostgreSQL: a fresh database per test on the local server."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import psycopg
import pytest

from tests.fixtures import (
    Workspace,
    deliver_concurrently,
    read_jsonl,
    text_chat,
    write_chat,
    write_contacts,
    write_order_book,
)

pytestmark = pytest.mark.postgres

def pg_rows(url: str, query: str) -> list[tuple]:
    """Rows of a query on the test database."""
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3) as conn:
        return conn.execute(query).fetchall()


def pg_scalar(url: str, query: str):
    return pg_rows(url, query)[0][0]


def load_book(ws: Workspace, db: str) -> None:
    assert ws.cli("--db", db, "orders", "import", write_order_book(ws.root / "orders.json")).code == 0
    assert ws.cli("--db", db, "contacts", "import", write_contacts(ws.root / "contacts.json")).code == 0


def comparable(records: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in ("error",)} for r in records]


def test_the_schema_is_created_on_first_use(ws: Workspace, pg_url: str) -> None:
    result = ws.cli("--db", pg_url, "orders", "import", write_order_book(ws.root / "orders.json"))

    assert result.code == 0, result.err
    tables = {t for (t,) in pg_rows(pg_url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert {"alembic_version", "orders", "order_lines", "contacts", "inbound_messages", "attachments",
            "evidence", "outbox"} <= tables
    assert pg_scalar(pg_url, "SELECT count(*) FROM alembic_version") == 1


def test_orders_and_contacts_import_and_reimport_as_updates(ws: Workspace, pg_url: str) -> None:
    book, people = write_order_book(ws.root / "orders.json"), write_contacts(ws.root / "contacts.json")

    assert "3 created, 0 updated" in ws.cli("--db", pg_url, "orders", "import", book).out
    assert "3 created, 0 updated" in ws.cli("--db", pg_url, "contacts", "import", people).out
    assert "0 created, 3 updated" in ws.cli("--db", pg_url, "orders", "import", book).out
    assert "0 created, 3 updated" in ws.cli("--db", pg_url, "contacts", "import", people).out

    assert pg_scalar(pg_url, "SELECT count(*) FROM orders") == 3
    assert pg_scalar(pg_url, "SELECT count(*) FROM order_lines") == 4
    assert pg_scalar(pg_url, "SELECT count(*) FROM assignments") == 7
    assert pg_scalar(pg_url, "SELECT phone FROM contacts WHERE id = 'li.qiang'") == "+8613758912260"


def test_a_text_replay_exports_the_same_on_postgresql_as_on_sqlite(ws: Workspace, pg_url: str) -> None:
    chat = write_chat(ws.root / "factory_group" / "messages.jsonl",
                      text_chat(60, dt.datetime(2026, 6, 9, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))))
    exports = {}
    for name, db in (("sqlite", ws.db_url), ("postgres", pg_url)):
        load_book(ws, db)
        result = ws.cli("--db", db, "replay", chat)
        assert result.code == 0, result.err
        ws.cli("--db", db, "evidence", "export", "--out", ws.root / f"{name}.jsonl")
        exports[name] = read_jsonl(ws.root / f"{name}.jsonl")

    assert len(exports["postgres"]) == 60
    assert exports["postgres"] == exports["sqlite"]


def test_the_same_delivery_stored_five_times_concurrently_leaves_one_row(ws: Workspace, pg_url: str) -> None:
    added, errors = deliver_concurrently(pg_url, ws.media)

    assert errors == []
    assert sorted(added) == [0, 0, 0, 0, 1]
    assert pg_scalar(pg_url, "SELECT count(*) FROM inbound_messages") == 1


@pytest.mark.shared
def test_the_shared_corpus_gives_192_records_on_postgresql(ws: Workspace, pg_url: str, shared_dir: Path,
                                                           rendered_corpus: Path) -> None:
    assert ws.cli("--db", pg_url, "orders", "import", shared_dir / "corpus" / "orders.json").code == 0
    assert ws.cli("--db", pg_url, "contacts", "import", shared_dir / "corpus" / "contacts.json").code == 0
    chats = sorted(rendered_corpus.glob("*/messages.jsonl"))

    result = ws.cli("--db", pg_url, "replay", *chats)
    again = ws.cli("--db", pg_url, "replay", *chats)

    assert result.code == 0, result.err
    assert "192 new" in result.out and "0 new" in again.out
    ws.cli("--db", pg_url, "evidence", "export", "--out", ws.root / "export.jsonl")
    records = read_jsonl(ws.root / "export.jsonl")
    assert len(records) == 192
    assert len({(r["chat"], r["message_id"]) for r in records}) == 192
    assert {r["state"] for r in records} == {"processed"}
