"""parsers.whatsapp_export against real exports in ../shared/testdata and the rendered corpus chats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from parsers.whatsapp_export import parse_whatsapp, read_export

pytestmark = pytest.mark.shared

_SHARED = Path(__file__).resolve().parents[2].parent / "shared"
_EXPORTS = sorted(p for p in _SHARED.glob("testdata/*/whatsapp/*.txt") if p.with_suffix(".truth.json").is_file())
_PARAMS = [pytest.param(p, id=f"{p.parts[-3]}/{p.name}") for p in _EXPORTS] or [
    pytest.param(None, marks=pytest.mark.skip(reason="../shared is absent (a user's fresh clone); CI runs it"),
                 id="no-shared-testdata")
]


@pytest.mark.parametrize("export_path", _PARAMS)
def test_testdata_export_matches_its_truth(shared_dir: Path, export_path: Path) -> None:
    truth = json.loads(export_path.with_suffix(".truth.json").read_text(encoding="utf-8"))
    text, name, _media, problems = read_export(export_path)
    assert (name, problems) == (export_path.name, ())
    export = parse_whatsapp(text)
    assert export.problems == ()
    messages = export.messages
    assert len(messages) == truth["messages"]
    assert messages[0].at.isoformat() == truth["first_message_ts"]
    assert messages[-1].at.isoformat() == truth["last_message_ts"]
    assert all(m.at.tzinfo is None for m in messages)
    if "media_messages" in truth:
        assert sum(1 for m in messages if m.attachments or m.media_omitted) == truth["media_messages"]


def test_rendered_corpus_chats_map_to_their_corpus_ids(rendered_corpus: Path) -> None:
    chats = sorted(p for p in rendered_corpus.iterdir() if (p / "whatsapp" / "_chat.txt").is_file())
    assert chats, f"render.py wrote no WhatsApp export under {rendered_corpus}"
    for chat in chats:
        text, name, media, problems = read_export(chat / "whatsapp")
        assert (name, problems) == ("_chat.txt", ())
        export = parse_whatsapp(text)
        assert export.problems == ()
        assert export.system_lines == 2  # the encryption notice and "created group", in either style
        ids = json.loads((chat / "ids.json").read_text(encoding="utf-8"))["whatsapp"]
        assert [f"{name}:{m.line}" for m in export.messages] == list(ids), chat.name
        corpus = [json.loads(line) for line in (chat / "messages.jsonl").read_text(encoding="utf-8").splitlines()
                  if line.strip()]
        by_id = {c["id"]: c for c in corpus}
        for m in export.messages:
            c = by_id[ids[f"{name}:{m.line}"]]
            attachment = c["attachment"]
            assert m.text == c["text"], (chat.name, m.line)
            assert m.attachments == ((Path(attachment["file"]).name,) if attachment else ()), (chat.name, m.line)
            assert all(a in media for a in m.attachments), (chat.name, m.line)
