"""`orderproof import whatsapp|telegram`: exported history becomes the same evidence as if the bot had been there."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

from tests.fixtures import Workspace, query, read_jsonl, scalar, write_contacts, write_order_book, write_photo

ANDROID_EXPORT = "\ufeff09/06/2026, 09:58 - Messages and calls are end-to-end encrypted. No one outside of this " \
    "chat can read them.\n" + """09/06/2026, 09:58 - 李强 created group "Hengli 跟单"
09/06/2026, 09:58 - 李强: PO-1001 红锅上釉第二遍
09/06/2026, 10:16 - 李强: IMG_20260609_101522.jpg (file attached)
PO-1001 RP-24-RED 上釉
09/06/2026, 10:17 - 李强: IMG-20260609-WA0002.jpg (file attached)
09/06/2026, 11:02 - Tom Wu: 收到
09/06/2026, 11:05 - +44 7700 900999: who is this group for?
"""


def book(ws: Workspace) -> None:
    assert ws.run("orders", "import", write_order_book(ws.root / "orders.json")).code == 0
    assert ws.run("contacts", "import", write_contacts(ws.root / "contacts.json")).code == 0


def export_folder(ws: Workspace, with_missing: bool = True) -> Path:
    """An Android export folder: the chat text and one of its two photos (the other went missing)."""
    folder = ws.root / "export"
    folder.mkdir(exist_ok=True)
    (folder / "WhatsApp Chat with Hengli.txt").write_text(ANDROID_EXPORT, encoding="utf-8")
    write_photo(folder / "IMG_20260609_101522.jpg", "2026:06:09 10:15:22", "+08:00")
    if not with_missing:
        write_photo(folder / "IMG-20260609-WA0002.jpg", color=(30, 30, 200))
    return folder


def records(ws: Workspace) -> list[dict]:
    out = ws.root / "export.jsonl"
    assert ws.run("evidence", "export", "--out", out).code == 0
    return read_jsonl(out)


def test_a_whatsapp_export_folder_imports_its_messages_with_line_ids_and_its_photos(ws: Workspace) -> None:
    book(ws)

    result = ws.run("import", "whatsapp", export_folder(ws), "--chat", "hengli", "--tz", "Asia/Shanghai")

    assert result.code == 0, result.err
    assert "5 messages" in result.out and "attachments 1 found, 1 missing" in result.out
    assert "+44 7700 900999" in result.out  # the unmatched sender is named
    recs = records(ws)
    ids = [r["message_id"] for r in recs]
    assert ids == [f"WhatsApp Chat with Hengli.txt:{n}" for n in (3, 4, 6, 7, 8)]
    first, photo = recs[0], recs[1]
    assert (first["order"], first["milestone"], first["evidence_date"]) == ("PO-1001", "inline_production",
                                                                            "2026-06-09")
    assert (photo["order"], photo["sku"], photo["date_source"]) == ("PO-1001", "RP-24-RED", "exif")
    assert first["received_at"] == "2026-06-09T01:58:00+00:00"  # read in Asia/Shanghai
    assert scalar(ws.db, "SELECT count(*) FROM attachments WHERE error IS NOT NULL") == 1  # kept, not a crash


def test_importing_the_same_export_again_adds_nothing(ws: Workspace) -> None:
    book(ws)
    folder = export_folder(ws)
    ws.run("import", "whatsapp", folder, "--chat", "hengli", "--tz", "Asia/Shanghai")

    again = ws.run("import", "whatsapp", folder, "--chat", "hengli", "--tz", "Asia/Shanghai")

    assert again.code == 0 and "0 new" in again.out
    assert scalar(ws.db, "SELECT count(*) FROM inbound_messages") == 5


def test_a_zipped_export_imports_like_its_folder(ws: Workspace) -> None:
    book(ws)
    folder = export_folder(ws, with_missing=False)
    archive = ws.root / "WhatsApp Chat - Hengli.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in folder.iterdir():
            z.write(f, f.name)

    result = ws.run("import", "whatsapp", archive, "--chat", "hengli", "--tz", "Asia/Shanghai")

    assert result.code == 0, result.err
    assert "attachments 2 found, 0 missing" in result.out
    assert scalar(ws.db, "SELECT count(*) FROM attachments WHERE error IS NULL") == 2


def test_a_dry_run_counts_and_stores_nothing(ws: Workspace) -> None:
    book(ws)

    result = ws.run("import", "whatsapp", export_folder(ws), "--chat", "hengli", "--dry-run")

    assert result.code == 0 and "5 messages parsed" in result.out
    assert scalar(ws.db, "SELECT count(*) FROM inbound_messages") == 0


def test_a_contacts_map_names_the_senders(ws: Workspace) -> None:
    book(ws)
    cmap = ws.root / "map.json"
    cmap.write_text(json.dumps({"+44 7700 900999": "emma.clarke"}), encoding="utf-8")

    result = ws.run("import", "whatsapp", export_folder(ws), "--chat", "hengli", "--tz", "Asia/Shanghai",
                    "--contacts-map", cmap)

    assert "senders unmatched: none" in result.out
    assert query(ws.db, "SELECT contact_id FROM inbound_messages WHERE message_id LIKE '%:8'") == [("emma.clarke",)]


def test_history_sends_nothing(ws: Workspace) -> None:
    book(ws)

    ws.run("import", "whatsapp", export_folder(ws), "--chat", "hengli", "--tz", "Asia/Shanghai")

    assert scalar(ws.db, "SELECT count(*) FROM outbox") == 0


def test_a_telegram_desktop_export_imports_text_entities_photos_and_replies(ws: Workspace) -> None:
    book(ws)
    folder = ws.root / "tg"
    write_photo(folder / "photos" / "photo_1.jpg", "2026:06:09 10:15:22", "+08:00")
    doc = {"name": "Hengli", "type": "private_group", "id": 1, "messages": [
        {"id": 1, "type": "service", "date": "2026-06-09T09:00:00", "date_unixtime": "1780966800",
         "actor": "李强 / Li Qiang", "action": "create_group"},
        {"id": 2, "type": "message", "date": "2026-06-09T10:16:05", "date_unixtime": "1780971365",
         "from": "Li Qiang", "from_id": "user777", "photo": "photos/photo_1.jpg",
         "text": [{"type": "bold", "text": "PO-1001"}, " RP-24-RED 上釉"]},
        {"id": 3, "type": "message", "date": "2026-06-09T10:20:00", "date_unixtime": "1780971600",
         "from": "Li Qiang", "from_id": "user777", "reply_to_message_id": 2, "text": "第二遍也上好了"},
    ]}
    (folder / "result.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")

    result = ws.run("import", "telegram", folder / "result.json", "--chat", "hengli-tg", "--tz", "Asia/Shanghai")

    assert result.code == 0, result.err
    recs = records(ws)
    assert [r["message_id"] for r in recs] == ["result.json:2", "result.json:3"]
    assert (recs[0]["order"], recs[0]["date_source"]) == ("PO-1001", "exif")
    assert recs[1]["order"] == "PO-1001"  # a reply inherits the order of the message it answers
    assert "attachments 1 found, 0 missing" in result.out
