"""`orderproof replay` and `reprocess`, end to end against a real SQLite file."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.fixtures import (
    AGENT,
    BUYER,
    CONTRACT_KEYS,
    FACTORY,
    Workspace,
    deliver_concurrently,
    execute,
    message,
    photo,
    query,
    read_jsonl,
    scalar,
    text_chat,
    write_chat,
    write_contacts,
    write_order_book,
    write_photo,
    write_sample_chat,
)


def load_book(ws: Workspace) -> None:
    assert ws.run("orders", "import", write_order_book(ws.root / "orders.json")).code == 0
    assert ws.run("contacts", "import", write_contacts(ws.root / "contacts.json")).code == 0


def export(ws: Workspace, *extra: str) -> list[dict]:
    out = ws.root / "export.jsonl"
    result = ws.run("evidence", "export", "--out", out, *extra)
    assert result.code == 0, result.err
    return read_jsonl(out)


def inbound_count(ws: Workspace) -> int:
    return scalar(ws.db, "SELECT count(*) FROM inbound_messages")


def test_replay_stores_one_record_per_message_with_the_contract_keys(ws: Workspace) -> None:
    load_book(ws)
    chat, messages = write_sample_chat(ws.root / "factory_group")

    result = ws.run("replay", chat)

    assert result.code == 0, result.err
    assert f"{len(messages)} new" in result.out
    records = export(ws)
    assert [r["message_id"] for r in records] == [m["id"] for m in messages]
    for rec in records:
        assert CONTRACT_KEYS <= rec.keys(), CONTRACT_KEYS - rec.keys()
        assert rec["chat"] == "factory_group"  # the folder that holds the file
        assert isinstance(rec["evidence"], bool) and isinstance(rec["dates_mentioned"], list)
        assert rec["state"] == "processed"
    assert scalar(ws.db, "SELECT count(*) FROM evidence") == len(messages)


def test_an_explicit_po_is_the_messages_order(ws: Workspace) -> None:
    load_book(ws)
    chat, _ = write_sample_chat(ws.root / "factory_group")
    ws.run("replay", chat)

    by_id = {r["message_id"]: r for r in export(ws)}

    assert by_id["m-01"]["evidence"] is True and by_id["m-01"]["order"] == "PO-1001"
    assert by_id["m-05"]["order"] == "PO#2002"


def test_a_photo_is_stored_with_its_exif_capture_time(ws: Workspace) -> None:
    load_book(ws)
    chat, _ = write_sample_chat(ws.root / "factory_group")
    ws.run("replay", chat)

    rows = query(ws.db, "SELECT a.original_name, a.captured_local, a.captured_offset_min, a.path, a.error "
                        "FROM attachments a JOIN inbound_messages m ON m.id = a.inbound_id ORDER BY m.received_at")

    assert rows[0] == ("IMG_20260609_101522.jpg", "2026-06-09 10:15:22", 480, rows[0][3], None)
    assert (ws.media / rows[0][3]).is_file()  # stored under the store's media dir, not read in place
    assert rows[1][1] is None and rows[1][4] is None  # a WhatsApp-compressed photo has no EXIF, and that is fine


def test_replaying_the_same_file_again_adds_nothing(ws: Workspace) -> None:
    load_book(ws)
    chat, messages = write_sample_chat(ws.root / "factory_group")
    ws.run("replay", chat)
    before = export(ws)

    again = ws.run("replay", chat)

    assert again.code == 0
    assert "0 new" in again.out
    assert inbound_count(ws) == len(messages)
    assert scalar(ws.db, "SELECT count(*) FROM attachments") == 2
    after = export(ws)
    assert [(r["chat"], r["message_id"]) for r in after] == [(r["chat"], r["message_id"]) for r in before]


def test_several_files_are_merged_by_time_before_they_are_stored(ws: Workspace) -> None:
    load_book(ws)
    start = dt.datetime(2026, 6, 9, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    # two chats whose messages interleave in time; the second file is the earlier one overall
    a = text_chat(5, start + dt.timedelta(seconds=30), FACTORY, prefix="a", step=dt.timedelta(minutes=1))
    b = text_chat(5, start, AGENT, prefix="b", step=dt.timedelta(minutes=1))
    file_a = write_chat(ws.root / "chat_a" / "messages.jsonl", a)
    file_b = write_chat(ws.root / "chat_b" / "messages.jsonl", b)

    result = ws.run("replay", file_a, file_b)

    assert result.code == 0, result.err
    records = export(ws)
    assert [r["message_id"] for r in records] == ["b-00000", "a-00000", "b-00001", "a-00001", "b-00002",
                                                 "a-00002", "b-00003", "a-00003", "b-00004", "a-00004"]
    assert {r["chat"] for r in records} == {"chat_a", "chat_b"}
    # stored (and so processed) in time order, not file by file
    stored = [mid for (mid,) in query(ws.db, "SELECT message_id FROM inbound_messages ORDER BY id")]
    assert stored == [r["message_id"] for r in records]


def test_export_can_be_limited_to_one_chat(ws: Workspace) -> None:
    load_book(ws)
    start = dt.datetime(2026, 6, 9, 9, 0, tzinfo=dt.UTC)
    ws.run("replay", write_chat(ws.root / "chat_a" / "messages.jsonl", text_chat(3, start, prefix="a")),
           write_chat(ws.root / "chat_b" / "messages.jsonl", text_chat(4, start, prefix="b")))

    assert {r["chat"] for r in export(ws, "--chat", "chat_b")} == {"chat_b"}
    assert len(export(ws, "--chat", "chat_b")) == 4


def test_chat_option_names_the_chat_of_a_single_file(ws: Workspace) -> None:
    load_book(ws)
    chat, messages = write_sample_chat(ws.root / "factory_group")

    assert ws.run("replay", chat, "--chat", "yongkang").code == 0

    assert {r["chat"] for r in export(ws)} == {"yongkang"}


def test_chat_option_with_two_files_is_an_error_and_stores_nothing(ws: Workspace) -> None:
    chat, _ = write_sample_chat(ws.root / "factory_group")
    other = write_chat(ws.root / "other" / "messages.jsonl",
                       text_chat(2, dt.datetime(2026, 6, 1, tzinfo=dt.UTC)))

    result = ws.run("replay", chat, other, "--chat", "x")

    assert result.code != 0
    assert len(result.err_lines) == 1 and result.err.startswith("orderproof: error: ")
    assert "--chat" in result.err
    assert not ws.db.exists() or inbound_count(ws) == 0


def test_a_malformed_line_is_named_by_file_and_line_and_the_good_lines_are_stored(ws: Workspace) -> None:
    load_book(ws)
    good = text_chat(4, dt.datetime(2026, 6, 9, 1, 0, tzinfo=dt.UTC))
    chat = write_chat(ws.root / "factory_group" / "messages.jsonl",
                      [good[0], good[1], '{"id": "broken", "ts": "2026-06-09T10:00:00+08:00", "sender": ',
                       good[2], good[3]])

    result = ws.run("replay", chat)

    assert result.code != 0
    assert f"{chat}:3" in result.err
    assert "Traceback" not in result.err
    assert inbound_count(ws) == 4
    assert "broken" not in {r["message_id"] for r in export(ws)}


def test_a_line_without_required_fields_is_reported_not_stored(ws: Workspace) -> None:
    load_book(ws)
    good = text_chat(2, dt.datetime(2026, 6, 9, 1, 0, tzinfo=dt.UTC))
    chat = write_chat(ws.root / "c" / "messages.jsonl",
                      [good[0], json.dumps({"id": "no-ts", "sender": FACTORY, "text": "PO-1001"}),
                       json.dumps({"id": "naive", "ts": "2026-06-09T10:00:00", "sender": FACTORY}), good[1]])

    result = ws.run("replay", chat)

    assert result.code != 0
    assert f"{chat}:2" in result.err and f"{chat}:3" in result.err
    assert inbound_count(ws) == 2


def test_a_missing_photo_is_stored_with_its_message_and_flagged(ws: Workspace) -> None:
    load_book(ws)
    chat = write_chat(ws.root / "factory_group" / "messages.jsonl", [
        message("p-1", "2026-06-09T10:00:00+08:00", FACTORY, "PO-1001 红锅 包装", photo("IMG_gone.jpg")),
        message("p-2", "2026-06-09T10:05:00+08:00", FACTORY, "PO-1001 继续"),
    ])

    result = ws.run("replay", chat)

    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    rows = query(ws.db, "SELECT m.message_id, m.state, a.original_name, a.path, a.error FROM inbound_messages m "
                        "JOIN attachments a ON a.inbound_id = m.id")
    assert len(rows) == 1
    mid, state, name, path, error = rows[0]
    assert (mid, state, name, path) == ("p-1", "processed", "IMG_gone.jpg", None)
    assert error and "not found" in error
    assert len(export(ws)) == 2


def test_a_file_that_is_not_a_picture_is_stored_and_flagged(ws: Workspace) -> None:
    load_book(ws)
    folder = ws.root / "factory_group"
    folder.mkdir()
    (folder / "IMG_fake.jpg").write_bytes(b"%PDF-1.4 not a jpeg at all")
    chat = write_chat(folder / "messages.jsonl", [
        message("f-1", "2026-06-09T10:00:00+08:00", FACTORY, "PO-1001", photo("IMG_fake.jpg"))])

    assert ws.run("replay", chat).code == 0

    (state, error), = query(ws.db, "SELECT m.state, a.error FROM inbound_messages m "
                                   "JOIN attachments a ON a.inbound_id = m.id")
    assert state == "processed" and error


def test_media_dir_option_says_where_attachments_are_read(ws: Workspace) -> None:
    load_book(ws)
    elsewhere = ws.root / "phone_dump"
    write_photo(elsewhere / "IMG_20260609_101522.jpg", "2026:06:09 10:15:22", "+08:00")
    chat = write_chat(ws.root / "factory_group" / "messages.jsonl", [
        message("d-1", "2026-06-09T10:20:00+08:00", FACTORY, "PO-1001", photo("IMG_20260609_101522.jpg"))])

    assert ws.run("replay", chat, "--media-dir", elsewhere).code == 0

    (path, error), = query(ws.db, "SELECT path, error FROM attachments")
    assert error is None and (ws.media / path).is_file()


def test_an_unknown_sender_is_stored_but_is_not_evidence(ws: Workspace) -> None:
    load_book(ws)
    chat = write_chat(ws.root / "factory_group" / "messages.jsonl", [
        message("u-1", "2026-06-09T10:00:00+08:00", "stranger.danger", "PO-1001 all packed"),
        message("u-2", "2026-06-09T10:01:00+08:00", FACTORY, "PO-1001 all packed"),
    ])

    result = ws.run("replay", chat)

    assert result.code == 0
    unknown, known = export(ws)
    assert unknown["message_id"] == "u-1" and unknown["state"] == "quarantined"
    assert unknown["evidence"] is False and unknown["order"] is None
    assert "unknown_sender" in unknown["flags"]
    assert "unknown_sender" not in known["flags"]


def test_an_unknown_po_does_not_crash_and_is_not_an_order(ws: Workspace) -> None:
    load_book(ws)
    chat = write_chat(ws.root / "factory_group" / "messages.jsonl", [
        message("x-1", "2026-06-09T10:00:00+08:00", BUYER, "Any news on PO-99999? and 7777777"),
    ])

    result = ws.run("replay", chat)

    assert result.code == 0 and "Traceback" not in result.err
    (rec,) = export(ws)
    assert rec["state"] == "processed"
    assert rec["order"] not in ("PO-99999", "7777777")


def test_a_missing_input_file_is_one_clear_line(ws: Workspace) -> None:
    result = ws.run("replay", ws.root / "nope" / "messages.jsonl")

    assert result.code != 0
    assert result.err_lines == [f"orderproof: error: file not found: {ws.root / 'nope' / 'messages.jsonl'}"]


def test_a_missing_file_among_good_ones_stores_nothing(ws: Workspace) -> None:
    chat, _ = write_sample_chat(ws.root / "factory_group")

    result = ws.run("replay", chat, ws.root / "missing.jsonl")

    assert result.code != 0 and len(result.err_lines) == 1
    assert not ws.db.exists() or inbound_count(ws) == 0


def test_reprocess_retags_with_the_order_book_loaded_after_the_replay(ws: Workspace) -> None:
    assert ws.run("contacts", "import", write_contacts(ws.root / "contacts.json")).code == 0
    chat, messages = write_sample_chat(ws.root / "factory_group")
    ws.run("replay", chat)
    assert {r["message_id"]: r for r in export(ws)}["m-01"]["order"] is None  # no orders known yet

    assert ws.run("orders", "import", write_order_book(ws.root / "orders.json")).code == 0
    result = ws.run("reprocess")

    assert result.code == 0
    assert f"{len(messages)} re-tagged" in result.out
    tagged = {r["message_id"]: r for r in export(ws)}
    assert tagged["m-01"]["order"] == "PO-1001" and tagged["m-01"]["evidence"] is True
    assert inbound_count(ws) == len(messages)
    assert scalar(ws.db, "SELECT count(*) FROM evidence") == len(messages)  # replaced, not added
    assert scalar(ws.db, "SELECT count(*) FROM attachments") == 2


def test_reprocess_can_be_limited_to_one_chat(ws: Workspace) -> None:
    load_book(ws)
    start = dt.datetime(2026, 6, 9, 1, 0, tzinfo=dt.UTC)
    ws.run("replay", write_chat(ws.root / "chat_a" / "messages.jsonl", text_chat(3, start, prefix="a")),
           write_chat(ws.root / "chat_b" / "messages.jsonl", text_chat(5, start, prefix="b")))

    result = ws.run("reprocess", "--chat", "chat_b")

    assert result.code == 0 and "5 re-tagged" in result.out


def test_reprocess_failed_retries_only_the_messages_that_failed(ws: Workspace) -> None:
    load_book(ws)
    chat, messages = write_sample_chat(ws.root / "factory_group")
    ws.run("replay", chat)
    # damage one stored message so that processing it fails, as a bug or bad payload would
    good_raw = scalar(ws.db, "SELECT raw FROM inbound_messages WHERE message_id = 'm-04'")
    execute(ws.db, "UPDATE inbound_messages SET raw = ?, state = 'pending' WHERE message_id = 'm-04'",
            [json.dumps({"attachments": ["not an attachment"]})])
    first = ws.run("reprocess", "--chat", "nobody")  # processes only the queue: the damaged message
    assert "0 re-tagged, 1 failed" in first.out
    (state, error), = query(ws.db, "SELECT state, error FROM inbound_messages WHERE message_id = 'm-04'")
    assert state == "failed" and error
    others_before = query(ws.db, "SELECT message_id, processed_at FROM inbound_messages "
                                 "WHERE message_id != 'm-04' ORDER BY id")

    execute(ws.db, "UPDATE inbound_messages SET raw = ? WHERE message_id = 'm-04'", [good_raw])
    result = ws.run("reprocess", "--failed")

    assert result.code == 0
    assert "1 re-tagged, 0 failed" in result.out
    (state, error), = query(ws.db, "SELECT state, error FROM inbound_messages WHERE message_id = 'm-04'")
    assert state == "processed" and error is None
    assert query(ws.db, "SELECT message_id, processed_at FROM inbound_messages "
                        "WHERE message_id != 'm-04' ORDER BY id") == others_before
    assert len(export(ws)) == len(messages)


def test_the_same_delivery_stored_concurrently_leaves_one_row_on_sqlite(ws: Workspace) -> None:
    added, errors = deliver_concurrently(ws.db_url, ws.media)

    assert errors == []
    assert sorted(added) == [0, 0, 0, 0, 1]
    assert inbound_count(ws) == 1


def test_bad_order_book_file_is_one_clear_line(ws: Workspace) -> None:
    bad = ws.root / "orders.json"
    bad.write_text('{"orders": [\n{"po": "PO-1"},\n', encoding="utf-8")

    result = ws.run("orders", "import", bad)

    assert result.code != 0
    assert len(result.err_lines) == 1 and f"{bad}:" in result.err and "Traceback" not in result.err


def test_reimporting_the_order_book_updates_instead_of_duplicating(ws: Workspace) -> None:
    book = write_order_book(ws.root / "orders.json")
    first = ws.run("orders", "import", book)
    second = ws.run("orders", "import", book)

    assert "3 created, 0 updated" in first.out
    assert "0 created, 3 updated" in second.out
    assert scalar(ws.db, "SELECT count(*) FROM orders") == 3
    assert scalar(ws.db, "SELECT count(*) FROM order_lines") == 4


def test_description_nicknames_are_kept_with_the_sku(ws: Workspace) -> None:
    ws.run("orders", "import", write_order_book(ws.root / "orders.json"))

    rows = dict(query(ws.db, "SELECT l.sku, l.nicknames FROM order_lines l JOIN orders o ON o.id = l.order_id "
                             "WHERE o.po = 'PO-1001'"))

    assert "红锅" in json.loads(rows["RP-24-RED"])


def test_unknown_po_in_orders_show_is_one_clear_line(ws: Workspace) -> None:
    ws.run("orders", "import", write_order_book(ws.root / "orders.json"))

    result = ws.run("orders", "show", "PO-404")

    assert result.code != 0 and result.err_lines == ["orderproof: error: unknown PO: PO-404"]


def test_orders_show_prints_the_milestone_file(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # rich cuts a table to 80 columns when it is not a terminal
    load_book(ws)
    chat, _ = write_sample_chat(ws.root / "factory_group")
    ws.run("replay", chat)

    result = ws.run("orders", "show", "PO-1001")

    assert result.code == 0
    for milestone in ("po_lock", "material_readiness", "freight_handover"):
        assert milestone in result.out


def test_contacts_link_code_for_an_unknown_contact_is_one_clear_line(ws: Workspace) -> None:
    ws.run("contacts", "import", write_contacts(ws.root / "contacts.json"))

    assert ws.run("contacts", "link-code", FACTORY).code == 0
    result = ws.run("contacts", "link-code", "nobody")
    assert result.code != 0 and result.err_lines == ["orderproof: error: unknown contact: nobody"]


def test_a_message_id_repeated_in_a_file_is_stored_once(ws: Workspace) -> None:
    load_book(ws)
    chat = write_chat(ws.root / "factory_group" / "messages.jsonl", [
        message("r-1", "2026-06-09T10:00:00+08:00", FACTORY, "PO-1001 红锅 包装完成"),
        message("r-1", "2026-06-09T10:01:00+08:00", FACTORY, "PO-1001 红锅 包装完成 (edited)"),
        message("r-2", "2026-06-09T10:02:00+08:00", FACTORY, "好的"),
    ])

    result = ws.run("replay", chat)

    assert result.code == 0
    assert "3 messages read, 2 new" in result.out
    assert query(ws.db, "SELECT message_id, text FROM inbound_messages ORDER BY id") == [
        ("r-1", "PO-1001 红锅 包装完成"), ("r-2", "好的")]


def test_an_earlier_file_replayed_later_re_tags_the_messages_after_it(ws: Workspace) -> None:
    load_book(ws)
    start = dt.datetime(2026, 6, 9, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    later = write_chat(ws.root / "late" / "factory_group" / "messages.jsonl",
                       text_chat(5, start + dt.timedelta(hours=1), prefix="late"))
    earlier = write_chat(ws.root / "early" / "factory_group" / "messages.jsonl",
                         text_chat(3, start, prefix="early"))
    ws.run("replay", later)

    result = ws.run("replay", earlier)

    assert result.code == 0
    assert "3 new, 8 processed" in result.out  # the five later messages of the chat were tagged again
    assert [r["message_id"] for r in export(ws)] == [f"early-{i:05d}" for i in range(3)] + \
        [f"late-{i:05d}" for i in range(5)]
    assert scalar(ws.db, "SELECT count(*) FROM evidence") == 8
