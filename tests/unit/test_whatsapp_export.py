"""parsers.whatsapp_export: WhatsApp chat exports of every header style read into plain messages, never an
exception."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.whatsapp_export import WaExport, WaMessage, parse_whatsapp, read_export

LRM = "\u200e"
NNBSP = "\u202f"


def _at(*parts: int) -> datetime:
    return datetime(*parts)  # noqa: DTZ001 - the export's naive local wall time


def _msgs(text: str, date_order: str = "auto") -> list[tuple[int, str, datetime, str]]:
    export = parse_whatsapp(text, date_order)
    assert export.problems == ()
    return [(m.line, m.sender, m.at, m.text) for m in export.messages]


def _one(text: str, date_order: str = "auto") -> WaMessage:
    export = parse_whatsapp(text, date_order)
    assert export.problems == ()
    assert len(export.messages) == 1, export
    return export.messages[0]


# ---------------------------------------------------------------- header styles


def test_android_24h_day_first() -> None:
    export = parse_whatsapp("12/06/2026, 10:02 - 李强: 98765 红锅上釉第二遍\n13/06/2026, 09:00 - Emma Clarke: ok\n")
    assert export.style == "android"
    assert export.date_order == "dmy"
    assert [(m.line, m.sender, m.at, m.text) for m in export.messages] == [
        (1, "李强", _at(2026, 6, 12, 10, 2), "98765 红锅上釉第二遍"),
        (2, "Emma Clarke", _at(2026, 6, 13, 9, 0), "ok"),
    ]


def test_ios_brackets_with_seconds() -> None:
    export = parse_whatsapp("[08/06/2026, 17:30:05] Jack: hi\n[18/06/2026, 17:31:10] Emma Clarke: PO-55102: fine")
    assert export.style == "ios"
    assert [(m.line, m.sender, m.at, m.text) for m in export.messages] == [
        (1, "Jack", _at(2026, 6, 8, 17, 30, 5), "hi"),
        (2, "Emma Clarke", _at(2026, 6, 18, 17, 31, 10), "PO-55102: fine"),
    ]


def test_ios_brackets_without_comma_or_seconds() -> None:
    export = parse_whatsapp("[01/30/19 20:49] Jahn Doe: Lorem\n[12/30/21 22:01] John Doe: ipsum")
    assert export.style == "ios"
    assert export.date_order == "mdy"
    assert [m.at for m in export.messages] == [_at(2019, 1, 30, 20, 49), _at(2021, 12, 30, 22, 1)]


@pytest.mark.parametrize(("header", "expected"), [
    ("2016-08-06, 1:23 PM - ", _at(2016, 8, 6, 13, 23)),
    ("[2016/08/06 13:23] ", _at(2016, 8, 6, 13, 23)),
    ("06.08.2016, 13:23 - ", _at(2016, 8, 6, 13, 23)),
    ("06.08.16, 13:23 - ", _at(2016, 8, 6, 13, 23)),
    ("6/8/16, 13:23 - ", _at(2016, 8, 6, 13, 23)),
    ("06/08/2016, 13:23:45 - ", _at(2016, 8, 6, 13, 23, 45)),
    ("[16/08/2016, 1:23:45 PM] ", _at(2016, 8, 16, 13, 23, 45)),
    ("[8/6/16, 1:23:45 PM] ", _at(2016, 8, 6, 13, 23, 45)),  # undecided, US AM/PM: month first
    ("20/08/2016, 12:05 AM - ", _at(2016, 8, 20, 0, 5)),
    ("20/08/2016, 12:05 PM - ", _at(2016, 8, 20, 12, 5)),
    (f"20/08/2016, 1:23{NNBSP}PM - ", _at(2016, 8, 20, 13, 23)),
    (f"[20/08/2016, 1:23:09{NNBSP}pm] ", _at(2016, 8, 20, 13, 23, 9)),
    ("20/08/2016, 1:23 p.m. - ", _at(2016, 8, 20, 13, 23)),
    ("20/08/2016, 11:23 a.m. - ", _at(2016, 8, 20, 11, 23)),
    ("20/08/2016, 08:49 p. m. - ", _at(2016, 8, 20, 20, 49)),
    ("20/08/2016, 00:08 a. m. - ", _at(2016, 8, 20, 0, 8)),
    ("2016/8/20 下午1:23 - ", _at(2016, 8, 20, 13, 23)),
    ("2016/8/20 上午11:23 - ", _at(2016, 8, 20, 11, 23)),
    ("[2016/8/20 1:23:00 下午] ", _at(2016, 8, 20, 13, 23)),
    ("20.08.16, 1:23 nachm. - ", _at(2016, 8, 20, 13, 23)),
    ("20.08.16, 9:23 vorm. - ", _at(2016, 8, 20, 9, 23)),
])
def test_header_styles(header: str, expected: datetime) -> None:
    m = _one(header + "Ash Ketchum: Hey guys!")
    assert (m.line, m.sender, m.at, m.text) == (1, "Ash Ketchum", expected, "Hey guys!")


def test_style_is_decided_once_per_file() -> None:
    assert parse_whatsapp("[20/08/2016, 13:23:00] A: x").style == "ios"
    assert parse_whatsapp("20/08/2016, 13:23 - A: x").style == "android"
    assert parse_whatsapp("").style == "android"


# ---------------------------------------------------------------- date order


def test_auto_date_order_from_a_day_above_12_anywhere_in_the_file() -> None:
    text = "01/02/2021, 10:00 - A: first\n" * 3 + "25/02/2021, 10:00 - A: late\n"
    export = parse_whatsapp(text)
    assert export.date_order == "dmy"
    assert export.messages[0].at == _at(2021, 2, 1, 10, 0)
    text = "01/02/2021, 10:00 - A: first\n02/25/2021, 10:00 - A: late\n"
    export = parse_whatsapp(text)
    assert export.date_order == "mdy"
    assert [m.at.date().isoformat() for m in export.messages] == ["2021-01-02", "2021-02-25"]


def test_auto_date_order_four_digit_first_field_is_ymd() -> None:
    export = parse_whatsapp("2021-02-01, 10:00 - A: x")
    assert export.date_order == "ymd"
    assert export.messages[0].at == _at(2021, 2, 1, 10, 0)


def test_undecided_date_order_prefers_dmy_but_us_am_pm_says_mdy() -> None:
    assert parse_whatsapp("01/02/21, 10:00 - A: x").date_order == "dmy"
    assert parse_whatsapp("01/02/21, 10:00 - A: x").messages[0].at == _at(2021, 2, 1, 10, 0)
    us = parse_whatsapp("1/2/21, 10:00 AM - A: x")
    assert us.date_order == "mdy"
    assert us.messages[0].at == _at(2021, 1, 2, 10, 0)
    indian = parse_whatsapp("1/2/21, 10:00 am - A: x")  # lower-case am/pm: day first
    assert indian.date_order == "dmy"


def test_forced_date_order() -> None:
    text = "01/02/21, 10:00 - A: x"
    assert parse_whatsapp(text, "dmy").messages[0].at == _at(2021, 2, 1, 10, 0)
    assert parse_whatsapp(text, "mdy").messages[0].at == _at(2021, 1, 2, 10, 0)
    assert parse_whatsapp(text, "ymd").messages[0].at == _at(2001, 2, 21, 10, 0)
    assert parse_whatsapp(text, "mdy").date_order == "mdy"
    # forcing mdy on a day-first file: the impossible dates become problems, not crashes
    export = parse_whatsapp("01/02/21, 10:00 - A: x\n25/02/21, 10:00 - A: y", "mdy")
    assert [m.text for m in export.messages] == ["x\n25/02/21, 10:00 - A: y"]
    assert export.problems == ((2, "header with an impossible date (mdy)"),)


def test_bad_date_order_argument() -> None:
    with pytest.raises(ValueError, match="date_order"):
        parse_whatsapp("", "dym")


# ---------------------------------------------------------------- messages, continuation, system lines


def test_multi_line_messages_keep_inner_blank_lines_and_drop_trailing_ones() -> None:
    text = ("30/01/19, 20:49 - Jahn Doe: Lorem ipsum dolor sit amet,\n"
            "consectetur adipiscing elit.\n\n"
            "  indented: with a colon\n"
            "10/06/20, 15:55 - John-John Doe: Lorem ipsum : dolor sit amet.\n\n\n")
    assert _msgs(text) == [
        (1, "Jahn Doe", _at(2019, 1, 30, 20, 49),
         "Lorem ipsum dolor sit amet,\nconsectetur adipiscing elit.\n\n  indented: with a colon"),
        (5, "John-John Doe", _at(2020, 6, 10, 15, 55), "Lorem ipsum : dolor sit amet."),
    ]


def test_empty_and_dot_texts_are_messages() -> None:
    export = parse_whatsapp("20/01/19, 11:23 - John Doe:.\n20/01/19, 11:24 - John Doe:\n20/01/19, 11:25 - A: ")
    assert [(m.sender, m.text) for m in export.messages] == [("John Doe", "."), ("John Doe", ""), ("A", "")]
    assert export.system_lines == 0


@pytest.mark.parametrize("notice", [
    "Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or "
    "listen to them. Tap to learn more.",
    "Messages to this group are now secured with end-to-end encryption. Tap for more info.",
    "Messages you send to this group are now secured with end-to-end encryption. Tap for more info.",
    "Messages and calls are end-to-end encrypted. Only people in this chat can read, listen to, or share them.",
    "消息和通话已进行端到端加密。此聊天之外的任何人，甚至包括 WhatsApp，都无法读取或收听这些消息和通话。",
    '+12 345 578 created group "Groupname"',
    "You created group “Sample Group”",
    "You were added",
    "Li Qiang added Emma Clarke",
    "Emma Clarke joined using this group's invite link",
    "Tom Wu left",
    'Li Qiang changed the subject from "Hengli" to "Hengli: PO 55102"',
    "Li Qiang changed this group's icon",
    "Li Qiang changed the group description",
    "Tom Wu changed their phone number to a new number. Tap to message or add the new number.",
    "Your security code with Tom Wu changed. Tap to learn more.",
    "",
])
def test_android_system_lines(notice: str) -> None:
    export = parse_whatsapp(f"20/06/20, 00:08 - {notice}\n20/06/20, 00:09 - Tom Wu: hi")
    assert [(m.line, m.text) for m in export.messages] == [(2, "hi")]
    assert export.system_lines == 1
    assert export.problems == ()


def test_ios_notices_under_the_chat_title_behind_lrm() -> None:
    title = "Hearth & Table x Jack sourcing"
    text = (f"[08/06/2026, 17:30:00] {title}: {LRM}Messages and calls are end-to-end encrypted. No one outside of "
            "this chat, not even WhatsApp, can read or listen to them.\n"
            f"[08/06/2026, 17:30:00] {title}: {LRM}陈杰 created group “{title}”\n"
            "[08/06/2026, 17:30:00] 陈杰: Hi Emma, weekly update below\n"
            f"[09/06/2026, 10:00:00] {title}: {LRM}陈杰 added Tom Wu\n"
            f"[09/06/2026, 10:01:00] {title}: {LRM}Tom Wu's security code changed.\n"
            f"[09/06/2026, 10:02:00] {title}: {LRM}Some notice in a wording never seen before\n"
            f"[09/06/2026, 10:03:00] Emma Clarke: {LRM}This message was deleted.\n")
    export = parse_whatsapp(text)
    assert export.system_lines == 5
    assert [(m.line, m.sender, m.text) for m in export.messages] == [
        (3, "陈杰", "Hi Emma, weekly update below"),
        (7, "Emma Clarke", "This message was deleted."),
    ]


def test_encryption_notice_under_the_title_without_lrm() -> None:
    text = ("15.04.2016, 15:04 - Pokemon Chat: Messages and calls are end-to-end encrypted. No one outside of this "
            "chat, not even WhatsApp, can read or listen to them.\n"
            "06.08.2016, 13:23 - Ash Ketchum: Hey guys!\n"
            "06.08.2016, 13:24 - Ash Ketchum: are messages end-to-end encrypted here?\n")
    export = parse_whatsapp(text)
    assert export.system_lines == 1
    assert [m.text for m in export.messages] == ["Hey guys!", "are messages end-to-end encrypted here?"]


def test_continuation_of_a_system_line_is_not_a_message() -> None:
    export = parse_whatsapp("01/07/2026, 09:00 - Li Qiang changed the group description\nline two\n"
                            "01/07/2026, 09:01 - Li Qiang: ok")
    assert [(m.line, m.text) for m in export.messages] == [(3, "ok")]
    assert export.system_lines == 1


def test_senders_lose_bidi_marks_but_keep_their_spelling() -> None:
    m = _one(f"[01/07/2026, 09:00:00] \u202a+86 138 0013 8000\u202c: {LRM}hello")
    assert (m.sender, m.text) == ("+86 138 0013 8000", "hello")
    assert _one("01/07/2026, 09:00 - John Doe 🤓: x").sender == "John Doe 🤓"


# ---------------------------------------------------------------- attachments and media


@pytest.mark.parametrize(("body", "files", "omitted", "text"), [
    (f"{LRM}<attached: 00000012-PHOTO-2026-06-12-18-10-00.jpg>", ("00000012-PHOTO-2026-06-12-18-10-00.jpg",),
     False, ""),
    (f"{LRM}<attached: KT-2026-0088_signed.pdf>\nThanks Jack. Signed", ("KT-2026-0088_signed.pdf",), False,
     "Thanks Jack. Signed"),
    ("<attached: IMG_1.jpg>", ("IMG_1.jpg",), False, ""),
    ("IMG-20260609-WA0001.jpg (file attached)\n55102彩盒到了", ("IMG-20260609-WA0001.jpg",), False, "55102彩盒到了"),
    ("KT-2026-0088_PO确认 盖章.pdf (file attached)", ("KT-2026-0088_PO确认 盖章.pdf",), False, ""),
    ("IMG-20260609-WA0001.jpg (Datei angehängt)", ("IMG-20260609-WA0001.jpg",), False, ""),
    ("IMG-20260609-WA0001.jpg (archivo adjunto)\ncaption", ("IMG-20260609-WA0001.jpg",), False, "caption"),
    (f"{LRM}<附件：IMG_0001.JPG>", ("IMG_0001.JPG",), False, ""),
    ("<Media omitted>", (), True, ""),
    ("<media omitted>", (), True, ""),
    ("<媒体文件已省略>", (), True, ""),
    ("<Multimedia omitido>", (), True, ""),
    (f"{LRM}image omitted", (), True, ""),
    (f"{LRM}sticker omitted", (), True, ""),
    ("video omitted", (), True, ""),
    ("see the report (v2)", (), False, "see the report (v2)"),
    ("a < b and c > d", (), False, "a < b and c > d"),
])
def test_attachment_and_media_markers(body: str, files: tuple[str, ...], omitted: bool, text: str) -> None:
    m = _one(f"[12/06/2026, 18:10:00] 陈杰: {body}")
    assert (m.attachments, m.media_omitted, m.text) == (files, omitted, text)
    m = _one(f"12/06/2026, 18:10 - 陈杰: {body}")
    assert (m.attachments, m.media_omitted, m.text) == (files, omitted, text)


# ---------------------------------------------------------------- encodings and invisible characters


def test_bom_crlf_cr_lrm_and_narrow_no_break_space() -> None:
    text = (f"\ufeff{LRM}[13/06/2026, 6:10:00{NNBSP}PM] A: one\r\n"
            "two\r\n"
            f"[13/06/2026,{NNBSP}6:11:00\u00a0PM] B: three\r"
            f"[{LRM}13/06/2026, {LRM}6:12:00 PM] C: four\r\n")
    assert _msgs(text) == [
        (1, "A", _at(2026, 6, 13, 18, 10), "one\ntwo"),
        (3, "B", _at(2026, 6, 13, 18, 11), "three"),
        (4, "C", _at(2026, 6, 13, 18, 12), "four"),
    ]


# ---------------------------------------------------------------- problems, never exceptions


def test_broken_header_is_a_problem_with_its_line_and_stays_text() -> None:
    text = ("25/06/2026, 10:00 - A: one\n"
            "31/06/2026, 10:01 - B: no 31 June\n"
            "26/06/2026, 25:01 - B: no hour 25\n"
            "26/06/2026, 10:02 - C: three\n")
    export = parse_whatsapp(text)
    assert export.problems == ((2, "header with an impossible date (dmy)"), (3, "header with an impossible time"))
    assert [(m.line, m.sender, m.text) for m in export.messages] == [
        (1, "A", "one\n31/06/2026, 10:01 - B: no 31 June\n26/06/2026, 25:01 - B: no hour 25"),
        (4, "C", "three"),
    ]


def test_lines_before_the_first_header_are_problems() -> None:
    export = parse_whatsapp("WhatsApp chat export\n\n99/99/2026, 10:00 - X: broken\n25/06/2026, 10:00 - A: one")
    assert export.problems == ((1, "text before the first message header"),
                               (3, "header with an impossible date (dmy)"))
    assert [(m.line, m.text) for m in export.messages] == [(4, "one")]
    assert parse_whatsapp("just\nsome text").problems == ((1, "text before the first message header"),
                                                         (2, "text before the first message header"))
    assert parse_whatsapp("") == WaExport()


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_never_raises_on_any_text(text: str) -> None:
    export = parse_whatsapp(text)
    assert isinstance(export, WaExport)
    lines = text.count("\n") + text.count("\r") + 1
    assert all(1 <= m.line <= lines for m in export.messages)


_PIECES = ["12/06/2026, ", "[", "] ", "06/12/26 ", "2026-06-12, ", "10:02", ":59", " - ", " PM", f"{NNBSP}a. m.",
           "上午", "A: ", "Bob:", ":", "\n", "\r\n", "\r", LRM, "\ufeff", "<attached: x.jpg>", " (file attached)",
           "<Media omitted>", "image omitted", "created group", "end-to-end encrypted", "99/99/99, 99:99 - ", "x", " "]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40), st.sampled_from(["auto", "dmy", "mdy", "ymd"]))
def test_never_raises_on_header_like_noise(pieces: list[str], order: str) -> None:
    assert isinstance(parse_whatsapp("".join(pieces), order), WaExport)


# ---------------------------------------------------------------- property: a well-formed export round-trips

_NAME = st.text(alphabet="abcxyzABZ 李王·-_.+0123", min_size=1, max_size=8).map(str.strip).filter(bool)
_CHARS = "abcXYZ 李王工厂😀.,;:!?()[]/-_'\"#@&*%0123456789\t\u00a0\u2028"
_FIRST_LINE = st.text(alphabet=_CHARS, max_size=25)
_MORE_LINE = st.one_of(  # a continuation line never starts like a header
    st.just(""), st.tuples(st.sampled_from("abcXYZ李王工厂😀"), st.text(alphabet=_CHARS, max_size=25)).map("".join))


@st.composite
def _export(draw: st.DrawFn) -> tuple[str, list[tuple[int, str, datetime, str]]]:
    ios = draw(st.booleans())
    stamp = "[%d/%m/%Y, %H:%M:%S] " if ios else "%d/%m/%Y, %H:%M - "
    lines: list[str] = []
    expected = []
    for _ in range(draw(st.integers(1, 12))):
        at = draw(st.datetimes(min_value=_at(2009, 1, 1), max_value=_at(2099, 12, 31)))
        at = at.replace(microsecond=0, second=at.second if ios else 0)
        sender = draw(_NAME)
        parts = [draw(_FIRST_LINE), *draw(st.lists(_MORE_LINE, max_size=4))]
        while len(parts) > 1 and not parts[-1].strip():
            parts.pop()
        expected.append((len(lines) + 1, sender, at, "\n".join(parts)))
        lines.append(f"{at.strftime(stamp)}{sender}: {parts[0]}")
        lines.extend(parts[1:])
    return "\n".join(lines) + draw(st.sampled_from(["", "\n"])), expected


@settings(max_examples=300, deadline=None)
@given(_export())
def test_well_formed_export_round_trips_every_line(case: tuple[str, list[tuple[int, str, datetime, str]]]) -> None:
    text, expected = case
    export = parse_whatsapp(text)
    assert export.problems == ()
    assert export.system_lines == 0
    got = [(m.line, m.sender, m.at, m.text) for m in export.messages]
    assert got == expected
    # no line lost: each message covers its own lines up to the next header
    total = len(text.removesuffix("\n").split("\n"))
    spans = [m.line for m in export.messages] + [total + 1]
    assert sum(spans[k + 1] - spans[k] for k in range(len(export.messages))) == total
    assert all(t.count("\n") <= spans[k + 1] - spans[k] - 1 for k, (_, _, _, t) in enumerate(got))


# ---------------------------------------------------------------- read_export


CHAT = "12/06/2026, 10:00 - A: IMG-20260612-WA0001.jpg (file attached)\n12/06/2026, 10:01 - B: ok\n"


def test_read_export_txt_and_the_media_beside_it(tmp_path: Path) -> None:
    chat = tmp_path / "WhatsApp Chat with Factory.txt"
    chat.write_text(CHAT, encoding="utf-8")
    (tmp_path / "IMG-20260612-WA0001.jpg").write_bytes(b"\xff\xd8\xff")
    text, name, media, problems = read_export(chat, tmp_path)
    assert (text, name, problems) == (CHAT, "WhatsApp Chat with Factory.txt", ())
    assert media == {"IMG-20260612-WA0001.jpg": tmp_path / "IMG-20260612-WA0001.jpg"}
    assert parse_whatsapp(text).messages[0].attachments == ("IMG-20260612-WA0001.jpg",)


def test_read_export_folder_prefers_the_chat_file(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("a document someone sent", encoding="utf-8")
    (tmp_path / "_chat.txt").write_text(CHAT, encoding="utf-8")
    text, name, media, problems = read_export(tmp_path)
    assert (text, name, sorted(media), problems) == (CHAT, "_chat.txt", ["notes.txt"], ())
    (tmp_path / "_chat.txt").unlink()
    (tmp_path / "WhatsApp Chat - Factory.txt").write_text(CHAT, encoding="utf-8")
    assert read_export(tmp_path)[1] == "WhatsApp Chat - Factory.txt"
    (tmp_path / "WhatsApp Chat - Factory.txt").rename(tmp_path / "zz export.txt")
    assert read_export(tmp_path)[1] == "zz export.txt"  # the .txt whose lines are headers


def test_read_export_zip_extracts_flat_and_safely(tmp_path: Path) -> None:
    archive = tmp_path / "WhatsApp Chat - Factory.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("WhatsApp Chat - Factory/_chat.txt", CHAT)
        zf.writestr("WhatsApp Chat - Factory/IMG-20260612-WA0001.jpg", b"\xff\xd8\xff")
        zf.writestr("../../escape.pdf", b"%PDF-")
    work = tmp_path / "work"
    work.mkdir()
    text, name, media, problems = read_export(archive, work)
    assert (text, name, problems) == (CHAT, "_chat.txt", ())
    assert sorted(media) == ["IMG-20260612-WA0001.jpg", "escape.pdf"]
    assert all(work in p.parents for p in media.values())
    assert not (tmp_path / "escape.pdf").exists()
    assert read_export(archive)[3] == ("WhatsApp Chat - Factory.zip: a .zip export needs a working folder to "
                                       "extract into",)


def test_read_export_decoding_fallbacks_never_raise(tmp_path: Path) -> None:
    chat = tmp_path / "_chat.txt"
    chat.write_bytes(b"\xef\xbb\xbf" + "12/06/2026, 10:00 - 李强: 好的\n".encode())
    assert read_export(chat)[0] == "12/06/2026, 10:00 - 李强: 好的\n"
    assert parse_whatsapp(read_export(chat)[0]).messages[0].line == 1
    chat.write_bytes("12/06/2026, 10:00 - Zoë: café\n".encode("utf-16"))
    assert read_export(chat)[0] == "12/06/2026, 10:00 - Zoë: café\n"
    assert read_export(chat)[3] == ()
    chat.write_bytes("12/06/2026, 10:00 - Zoë: café\n".encode("utf-16-le"))
    assert read_export(chat)[0::3] == ("12/06/2026, 10:00 - Zoë: café\n",
                                       ("_chat.txt: no byte order mark: read as UTF-16-LE",))
    chat.write_bytes("12/06/2026, 10:00 - Zoë: café – ok\n".encode("cp1252"))
    text, _, _, problems = read_export(chat)
    assert text == "12/06/2026, 10:00 - Zoë: café – ok\n"
    assert problems == ("_chat.txt: not UTF-8 (bad byte at 22): read as cp1252",)
    chat.write_bytes(b"12/06/2026, 10:00 - A: \x81\x8d\x8f\n")  # bytes cp1252 leaves undefined
    text, _, _, problems = read_export(chat)
    assert parse_whatsapp(text).messages[0].text == "\x81\x8d\x8f"
    assert problems == ("_chat.txt: not UTF-8 (bad byte at 23): read as latin-1",)
    chat.write_bytes("12/06/2026, 10:00 - 李强: 好的，红锅上釉 ".encode() + b"\xff\n")  # UTF-8, one bad byte
    text, _, _, problems = read_export(chat)
    assert text.endswith("红锅上釉 \ufffd\n")
    assert problems[0].startswith("_chat.txt: not valid UTF-8 (1 bad sequences")


def test_read_export_missing_or_empty_never_raises(tmp_path: Path) -> None:
    assert read_export(tmp_path)[3] == (f"{tmp_path.name}: no chat .txt found",)
    text, name, media, problems = read_export(tmp_path / "gone.txt")
    assert (text, name, media) == ("", "gone.txt", {})
    assert problems[0].startswith("gone.txt: cannot read")
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    assert read_export(bad, tmp_path)[3][0].startswith("bad.zip: cannot read")
