"""parsers.telegram_export: a Telegram Desktop result.json read into plain messages, never an exception."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.telegram_export import TgExport, file_missing, load_telegram, parse_telegram

MISSING = "(File not included. Change data exporting settings to download.)"


def _msg(i: int, **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": i, "type": "message", "date": "2024-05-01T09:00:00", "date_unixtime": "1714554000",
                             "from": "Factory Li", "from_id": "user123456", "text": f"m{i}"}
    entry.update(extra)
    return entry


def _service(i: int) -> dict[str, Any]:
    return {"id": i, "type": "service", "date": "2024-05-01T08:00:00", "actor": "Buyer", "actor_id": "user1",
            "action": "create_group", "title": "PO 4411", "text": "", "text_entities": []}


def _single(*entries: Any, name: str = "Factory Li") -> dict[str, Any]:
    return {"name": name, "type": "personal_chat", "id": 123456, "messages": list(entries)}


def _one(entry: dict[str, Any]) -> Any:
    result = parse_telegram(_single(entry))
    assert result.problems == ()
    assert len(result.messages) == 1
    return result.messages[0]


# ---------------------------------------------------------------- text


def test_plain_text_and_metadata() -> None:
    m = _one(_msg(7))
    assert (m.id, m.chat, m.sender, m.sender_id, m.text) == (7, "Factory Li", "Factory Li", "user123456", "m7")
    assert (m.attachments, m.media, m.reply_to, m.forwarded_from, m.edited) == ((), False, None, None, False)


def test_entity_array_is_flattened_in_order() -> None:
    text = [
        "PO ",
        {"type": "bold", "text": "4411"},
        " inline done, see ",
        {"type": "link", "text": "https://example.com/qc"},
        " ",
        {"type": "mention", "text": "@agent_wang"},
        " ",
        {"type": "text_link", "text": "report", "href": "https://example.com/r"},
        {"type": "plain", "text": "."},
    ]
    assert _one(_msg(1, text=text)).text == "PO 4411 inline done, see https://example.com/qc @agent_wang report."


def test_text_entities_used_when_text_is_absent() -> None:
    entry = _msg(1, text_entities=[{"type": "plain", "text": "packing "}, {"type": "bold", "text": "80%"}])
    del entry["text"]
    assert _one(entry).text == "packing 80%"


def test_text_wins_over_text_entities() -> None:
    assert _one(_msg(1, text="from text", text_entities=[{"type": "plain", "text": "other"}])).text == "from text"


def test_no_text_at_all_is_empty() -> None:
    entry = _msg(1)
    del entry["text"]
    assert _one(entry).text == ""


# ---------------------------------------------------------------- media


def test_photo_with_relative_path() -> None:
    m = _one(_msg(1, photo="photos/photo_1@01-05-2024_09-00-00.jpg", width=1280, height=960, text=""))
    assert m.attachments == (("photo", "photos/photo_1@01-05-2024_09-00-00.jpg"),)
    assert m.media is True


def test_file_kinds_from_media_type_and_mime() -> None:
    cases = [
        ({"file": "files/PO-4411.pdf", "mime_type": "application/pdf"}, "document"),
        ({"file": "files/IMG_2231.HEIC", "mime_type": "image/heic"}, "photo"),
        ({"file": "voice_messages/audio_1.ogg", "media_type": "voice_message", "mime_type": "audio/ogg"}, "voice"),
        ({"file": "round_video_messages/file_1.mp4", "media_type": "video_message", "mime_type": "video/mp4"},
         "video"),
        ({"file": "video_files/line.mp4", "media_type": "video_file", "mime_type": "video/mp4"}, "video"),
        ({"file": "stickers/sticker.webp", "media_type": "sticker", "mime_type": "image/webp"}, "sticker"),
        ({"file": "files/clip.mov", "mime_type": "video/quicktime"}, "video"),
        ({"file": "files/unknown.bin"}, "document"),
    ]
    for extra, kind in cases:
        m = _one(_msg(1, **extra))
        assert m.attachments == ((kind, extra["file"]),), extra
        assert m.media is True


def test_missing_file_marker_is_kept_as_the_path() -> None:
    m = _one(_msg(1, photo=MISSING, width=960, height=1280, text=""))
    assert m.attachments == (("photo", MISSING),)
    assert file_missing(m.attachments[0][1])
    assert not file_missing("photos/photo_1.jpg")
    voice = _one(_msg(2, file=MISSING, media_type="voice_message", mime_type="audio/ogg", duration_seconds=4))
    assert voice.attachments == (("voice", MISSING),)


def test_media_type_alone_is_media_without_attachment() -> None:
    m = _one(_msg(1, media_type="sticker", sticker_emoji="👍"))
    assert (m.media, m.attachments) == (True, ())


def test_photo_and_file_both_kept() -> None:
    m = _one(_msg(1, photo="photos/a.jpg", file="files/b.pdf", mime_type="application/pdf"))
    assert m.attachments == (("photo", "photos/a.jpg"), ("document", "files/b.pdf"))


# ---------------------------------------------------------------- reply, forward, edit, sender


def test_reply_forward_and_edit() -> None:
    m = _one(_msg(9, reply_to_message_id=7, forwarded_from="QC Agent Wang", edited="2024-05-01T09:05:00",
                  edited_unixtime="1714554300"))
    assert (m.reply_to, m.forwarded_from, m.edited) == (7, "QC Agent Wang", True)


def test_sender_falls_back_to_actor_then_empty() -> None:
    entry = _msg(1, actor="Buyer", actor_id="user1")
    del entry["from"], entry["from_id"]
    assert (_one(entry).sender, _one(entry).sender_id) == ("Buyer", "user1")
    deleted = _msg(2, **{"from": None})  # a deleted account
    del deleted["from_id"]
    assert (_one(deleted).sender, _one(deleted).sender_id) == ("", None)


def test_numeric_from_id_of_older_exports() -> None:
    assert _one(_msg(1, from_id=123456)).sender_id == "123456"


# ---------------------------------------------------------------- dates


def test_unixtime_preferred_over_date() -> None:
    m = _one(_msg(1, date="2024-05-01T17:00:00", date_unixtime="1714554000"))
    assert m.at_utc == datetime.datetime(2024, 5, 1, 9, 0, tzinfo=datetime.UTC)
    assert m.at_utc.utcoffset() == datetime.timedelta(0)
    assert m.at_local == datetime.datetime(2024, 5, 1, 17, 0)  # noqa: DTZ001 - the export's naive local time


def test_date_alone_is_kept_naive() -> None:
    entry = _msg(1, date="2019-07-12T16:55:32")
    del entry["date_unixtime"]
    m = _one(entry)
    assert m.at_utc is None
    assert m.at_local == datetime.datetime(2019, 7, 12, 16, 55, 32)  # noqa: DTZ001 - naive as exported
    assert m.at_local.tzinfo is None


def test_unixtime_alone() -> None:
    entry = _msg(1, date_unixtime="1544006350")
    del entry["date"]
    m = _one(entry)
    assert (m.at_utc, m.at_local) == (datetime.datetime(2018, 12, 5, 10, 39, 10, tzinfo=datetime.UTC), None)


def test_no_date_at_all_is_kept_without_times() -> None:
    entry = _msg(1)
    del entry["date"], entry["date_unixtime"]
    m = _one(entry)
    assert (m.at_utc, m.at_local) == (None, None)


def test_bad_date_next_to_good_unixtime_is_ignored() -> None:
    m = _one(_msg(1, date="yesterday"))
    assert m.at_utc is not None and m.at_local is None


# ---------------------------------------------------------------- services, documents


def test_service_entries_counted_not_kept() -> None:
    result = parse_telegram(_single(_service(1), _msg(2), _service(3), _msg(4)))
    assert [m.id for m in result.messages] == [2, 4]
    assert (result.services, result.problems, result.chats) == (2, (), ("Factory Li",))


def test_single_export_without_name_or_ids() -> None:
    doc = {"messages": [{"type": "message", "date_unixtime": "1544006350", "from": "Author 1", "text": "hi"}]}
    result = parse_telegram(doc)
    assert result.chats == ("",)
    assert [(m.id, m.chat, m.sender) for m in result.messages] == [(None, "", "Author 1")]


def test_full_multi_chat_export() -> None:
    doc = {
        "about": "Here is the data you requested.",
        "personal_information": {"first_name": "Buyer"},
        "chats": {
            "about": "This page lists all chats from this export.",
            "list": [
                {"name": "Factory Li", "type": "personal_chat", "id": 1, "messages": [_msg(1), _service(2), _msg(3)]},
                {"type": "saved_messages", "id": 2, "messages": [_msg(1, text="note to self")]},
                {"name": "PO 4411 group", "type": "private_group", "id": 3, "messages": [_service(1), _msg(5)]},
            ],
        },
    }
    result = parse_telegram(doc)
    assert result.chats == ("Factory Li", "", "PO 4411 group")
    assert [(m.chat, m.id) for m in result.messages] == [("Factory Li", 1), ("Factory Li", 3), ("", 1),
                                                         ("PO 4411 group", 5)]
    assert (result.services, result.problems) == (2, ())


@pytest.mark.parametrize(
    ("doc", "where"),
    [
        (None, "document"),
        ([], "document"),
        ("result", "document"),
        ({"name": "x"}, "document"),
        ({"chats": []}, "chats"),
        ({"chats": {"list": {}}}, "chats"),
        ({"messages": {}}, "messages"),
    ],
)
def test_documents_without_messages_are_a_problem(doc: object, where: str) -> None:
    result = parse_telegram(doc)
    assert result.messages == ()
    assert [w for w, _ in result.problems] == [where]


def test_malformed_entries_reported_and_skipped() -> None:
    no_type = _msg(3)
    del no_type["type"]
    entries = [
        _msg(0),
        "not an entry",  # 1
        _msg(2, text=42),  # text of a wrong type
        no_type,  # 3
        _msg(4, text={"type": "bold", "text": "x"}),  # an entity where a list belongs
        _msg(5, text=["ok", 7]),  # a part that is neither a string nor an entity
        _msg(6, type="poll"),  # unknown type
        _msg(7, date_unixtime="soon"),
        _msg(8, id=[8]),
        _msg(9, date="not a date", date_unixtime=None),
        _msg(10, date_unixtime=10**400),
        _msg(11, text_entities=[{"type": "plain"}], text=None),
        _service(12),
        _msg(13),
    ]
    result = parse_telegram(_single(*entries))
    assert [m.id for m in result.messages] == [0, 13]
    assert result.services == 1
    where = [w for w, _ in result.problems]
    assert where == [f"messages[{i}]" for i in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)]
    reasons = dict(result.problems)
    assert reasons["messages[1]"] == "not a JSON object"
    assert reasons["messages[2]"] == "text is not a string or a list"
    assert reasons["messages[3]"] == "missing type"
    assert "poll" in reasons["messages[6]"]
    assert "date_unixtime" in reasons["messages[7]"]
    assert all(len(reason) < 120 for _, reason in result.problems)


def test_malformed_chats_in_a_full_export() -> None:
    doc = {"chats": {"list": ["x", {"name": "A", "messages": "none"}, {"name": "B", "messages": [_msg(1), 5]}]}}
    result = parse_telegram(doc)
    assert [(m.chat, m.id) for m in result.messages] == [("B", 1)]
    assert [w for w, _ in result.problems] == ["chats.list[0]", "chats.list[1].messages", "chats.list[2].messages[1]"]


# ---------------------------------------------------------------- load_telegram


def test_load_with_and_without_bom(tmp_path: Path) -> None:
    doc = _single(_msg(1, text="交期 5月20日"))
    plain, bom = tmp_path / "result.json", tmp_path / "bom.json"
    plain.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    bom.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8-sig")
    assert load_telegram(plain) == (doc, "result.json", [])
    assert load_telegram(bom) == (doc, "bom.json", [])
    assert parse_telegram(load_telegram(bom)[0]).messages[0].text == "交期 5月20日"


def test_load_invalid_json_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text('{"messages": [\n  {"type": "message",\n}', encoding="utf-8")
    doc, name, problems = load_telegram(path)
    assert (doc, name) == (None, "result.json")
    assert len(problems) == 1 and problems[0][0] == "result.json"
    assert problems[0][1].startswith("not JSON: ") and "line 3" in problems[0][1]
    assert parse_telegram(doc).messages == ()


def test_load_unreadable_files_are_problems(tmp_path: Path) -> None:
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"messages": ["caf\xe9"]}')
    assert load_telegram(latin)[0] is None and load_telegram(latin)[2][0][1].startswith("not UTF-8")
    missing = load_telegram(tmp_path / "absent.json")
    assert missing[0] is None and missing[2][0][0] == "absent.json"


# ---------------------------------------------------------------- properties

_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                     lambda c: st.lists(c) | st.dictionaries(st.text(), c))
_KEYS = st.sampled_from(["type", "id", "date", "date_unixtime", "text", "text_entities", "from", "from_id", "actor",
                         "photo", "file", "media_type", "mime_type", "reply_to_message_id", "forwarded_from",
                         "edited", "messages", "chats", "list", "name"])
_TELEGRAMISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.sampled_from(["message", "service", "1714554000"]),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(_KEYS | st.text(max_size=4), c, max_size=6), max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(_JSON)
def test_never_raises_on_any_json(doc: object) -> None:
    assert isinstance(parse_telegram(doc), TgExport)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_KEYS, _TELEGRAMISH, max_size=8), st.lists(st.dictionaries(_KEYS, _TELEGRAMISH, max_size=8),
                                                                  max_size=4))
def test_never_raises_on_telegram_shaped_values(doc: dict[str, Any], entries: list[Any]) -> None:
    for shaped in (doc, {"messages": entries}, {"chats": {"list": [{"name": "x", "messages": entries}, doc]}}):
        result = parse_telegram(shaped)
        assert all(isinstance(m.text, str) for m in result.messages)


_TEXT_PART = st.text(max_size=8) | st.builds(lambda kind, t: {"type": kind, "text": t},
                                             st.sampled_from(["bold", "link", "mention", "plain", "code"]),
                                             st.text(max_size=8))
_ENTRY = st.fixed_dictionaries(
    {"type": st.sampled_from(["message", "message", "service"])},
    optional={
        "date": st.datetimes(min_value=datetime.datetime(2000, 1, 1),  # noqa: DTZ001 - naive, as exported
                             max_value=datetime.datetime(2099, 1, 1)).map(  # noqa: DTZ001
                                 lambda d: d.replace(microsecond=0).isoformat()),
        "date_unixtime": st.integers(0, 4_000_000_000).map(str),
        "from": st.text(max_size=10),
        "from_id": st.text(max_size=10),
        "text": st.text(max_size=10) | st.lists(_TEXT_PART, max_size=4),
        "photo": st.sampled_from(["photos/p.jpg", MISSING]),
        "file": st.sampled_from(["files/a.pdf", "voice_messages/v.ogg", MISSING]),
        "media_type": st.sampled_from(["voice_message", "video_file", "sticker", "animation"]),
        "reply_to_message_id": st.integers(1, 10**6),
        "forwarded_from": st.text(max_size=10),
    },
)


def _numbered(chats: list[list[dict[str, Any]]]) -> list[list[dict[str, Any]]]:
    n = 0
    out = []
    for entries in chats:
        numbered = []
        for entry in entries:
            n += 1
            numbered.append({**entry, "id": n})
        out.append(numbered)
    return out


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_ENTRY, max_size=8), min_size=1, max_size=4), st.booleans())
def test_well_formed_exports_give_every_message_once_in_order(chats: list[list[dict[str, Any]]],
                                                              full: bool) -> None:
    chats = _numbered(chats if full else chats[:1])
    if full:
        doc: dict[str, Any] = {"chats": {"list": [{"name": f"c{i}", "messages": e} for i, e in enumerate(chats)]}}
    else:
        doc = {"name": "c0", "messages": chats[0]}
    result = parse_telegram(doc)
    expected = [(f"c{i}", e["id"]) for i, entries in enumerate(chats) for e in entries if e["type"] == "message"]
    assert [(m.chat, m.id) for m in result.messages] == expected
    assert result.services == sum(e["type"] == "service" for entries in chats for e in entries)
    assert result.problems == ()
    assert result.chats == tuple(f"c{i}" for i in range(len(chats)))
    flat = [e for entries in chats for e in entries if e["type"] == "message"]
    for m, e in zip(result.messages, flat, strict=True):
        assert m.media == any(k in e for k in ("photo", "file", "media_type"))
        assert m.reply_to == e.get("reply_to_message_id")
        if "date_unixtime" in e:
            assert m.at_utc is not None and int(m.at_utc.timestamp()) == int(e["date_unixtime"])
        elif "date" in e:
            assert m.at_utc is None and m.at_local is not None and m.at_local.isoformat() == e["date"]
