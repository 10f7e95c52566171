"""parsers.documents over the documents the shared corpus renderer writes: read without raising, kind as written."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest

from parsers.documents import ShipDoc, read_document

pytestmark = pytest.mark.shared

DOCUMENT_SUFFIXES = (".xlsx", ".csv", ".pdf")


def _documents(rendered: Path) -> list[Path]:
    return sorted(p for p in rendered.glob("*/whatsapp/*") if p.suffix.lower() in DOCUMENT_SUFFIXES)


def _own_words(path: Path) -> str:
    """Everything the file itself writes, lower-cased: every cell of an xlsx, the text of a csv; "" for a pdf."""
    data = path.read_bytes()
    if path.suffix == ".xlsx":
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        try:
            return " ".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
                            for c in row if c is not None).lower()
        finally:
            wb.close()
    if path.suffix == ".csv":
        return data.decode("utf-8-sig", "replace").lower()
    return ""


def test_the_renderer_writes_spreadsheet_documents(rendered_corpus: Path) -> None:
    assert [p for p in _documents(rendered_corpus) if p.suffix in (".xlsx", ".csv")]


def test_every_rendered_document_is_read_without_raising(rendered_corpus: Path) -> None:
    for path in _documents(rendered_corpus):
        doc = read_document(path.read_bytes(), path.name)
        assert isinstance(doc, ShipDoc), path
        assert doc.kind in ("packing_list", "invoice", "unknown"), path
        assert all(isinstance(p, str) for p in doc.problems), path


def test_kind_and_version_are_detected_where_the_file_says_so(rendered_corpus: Path) -> None:
    checked = 0
    for path in _documents(rendered_corpus):
        words = _own_words(path)
        doc = read_document(path.read_bytes(), path.name)
        if "packing list" in words or "装箱单" in words:
            assert doc.kind == "packing_list", (path.name, doc)
            checked += 1
        elif "commercial invoice" in words or "发票" in words:
            assert doc.kind == "invoice", (path.name, doc)
            checked += 1
        m = re.search(r"_v(\d+)\.", path.name)
        if m:
            assert doc.version == f"v{m.group(1)}", (path.name, doc)
    assert checked, "no rendered document names its kind"
