"""parsers.documents: packing lists and invoices (xlsx built here with openpyxl, CSV strings) read into lines."""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Sequence

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.documents import DocLine, ShipDoc, read_document
from parsers.gs1 import sscc_check_digit


def _sscc(serial: int) -> str:
    first17 = f"3061414{serial:010d}"
    return first17 + str(sscc_check_digit(first17))


def _xlsx(*sheets: tuple[str, Sequence[Sequence[object]]]) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets:
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


TITLE_BLOCK = [
    ["Ningbo Sunrise Homeware Co., Ltd."],
    ["PACKING LIST"],
    ["PO: PO-55102", None, None, "Date: 2026-06-28"],
    [],
]
ZH_HEADER = ["箱号", "货号", "品名", "装箱数", "箱数", "总数量", "净重(kg)", "毛重(kg)", "尺寸(cm)", "体积(m³)"]


def _consistent_packing_list() -> bytes:
    rows = [
        *TITLE_BLOCK,
        ZH_HEADER,
        ["1-20", "BP-01", "蓝色花盆 Blue pot", 24, 20, 480, 180.5, 200, "60x40x40", 1.92],
        ["21~60", "GP-02", "绿色花盆 Green pot", 12, 40, 480, 300, 340.8, "50x40x30", 2.4],
        ["61", 10023, "样品 Samples", 6, 1, 6, 2.5, 3, "30x30x30", 0.027],
        ["合计", None, None, None, 61, 966, 483, 543.8, None, 4.347],
    ]
    spaced = f"{_sscc(3)[0]} {_sscc(3)[1:8]} {_sscc(3)[8:17]} {_sscc(3)[17]}"  # as printed under the bars
    sscc_sheet = [["SSCC"], [_sscc(1)], ["(00)" + _sscc(2)], ["(00) " + spaced], [_sscc(1)]]
    return _xlsx(("装箱单", rows), ("SSCC", sscc_sheet))


def test_a_consistent_packing_list_parses_every_field() -> None:
    doc = read_document(_consistent_packing_list(), "PL_PO55102.xlsx")
    assert doc == ShipDoc(
        kind="packing_list",
        po="PO-55102",
        version=None,
        lines=(
            DocLine(1, 20, "BP-01", "蓝色花盆 Blue pot", 24, 20, 480, 180.5, 200.0, "60x40x40", 1.92, row=6),
            DocLine(21, 60, "GP-02", "绿色花盆 Green pot", 12, 40, 480, 300.0, 340.8, "50x40x30", 2.4, row=7),
            DocLine(61, 61, "10023", "样品 Samples", 6, 1, 6, 2.5, 3.0, "30x30x30", 0.027, row=8),
        ),
        totals={"cartons": 61.0, "quantity": 966.0, "net_kg": 483.0, "gross_kg": 543.8, "cbm": 4.347},
        ssccs=(_sscc(1), _sscc(2), _sscc(3)),
        problems=(),
    )


ENGLISH_HEADER = ["Carton No.", "Item No.", "Description", "PCS/CTN", "CTNS", "N.W. (KGS)", "G.W. (KGS)", "MEAS (CM)"]


def test_carton_ranges_count_cartons_and_quantity_is_computed() -> None:
    data = _xlsx(("Sheet1", [
        ["PACKING LIST"],
        ENGLISH_HEADER,
        ["1~20", "A1", "Mug", 24, None, 100, 110, "40x30x30"],  # no CTNS: counted from the range
        ["21 - 40", "A2", "Cup", 12, 20, 80, 90, "40x30x30"],
        ["41", "A3", "Lid", 100, 1, 5, 6, "40x30x30"],
        ["No.42-No.45", "A4", "Box", 10, None, 1, 2, None],
        ["TOTAL:", None, None, None, 45, 186, 208, None],
    ]))
    doc = read_document(data, "pl.xlsx")
    assert [(ln.carton_from, ln.carton_to, ln.cartons, ln.quantity) for ln in doc.lines] == [
        (1, 20, 20, 480), (21, 40, 20, 240), (41, 41, 1, 100), (42, 45, 4, 40)]
    assert doc.totals == {"cartons": 45.0, "net_kg": 186.0, "gross_kg": 208.0}
    assert doc.problems == ()


def test_per_carton_weights_are_multiplied_out() -> None:
    data = _xlsx(("PL", [["Ctn No", "SKU", "Qty/Ctn", "Ctns", "N.W./CTN", "G.W./CTN"], ["1-10", "X", 5, 10, 1.2, 1.5]]))
    (line,) = read_document(data, "pl.xlsx").lines
    assert (line.quantity, line.net_kg, line.gross_kg) == (50, 12.0, 15.0)


def test_a_total_that_the_lines_do_not_add_up_to_is_a_problem() -> None:
    data = _xlsx(("PL", [
        ENGLISH_HEADER,
        ["1-20", "A1", "Mug", 24, 20, 100, 110, None],
        ["21-40", "A2", "Cup", 12, 20, 80, 90, None],
        ["Total", None, None, None, 41, 180, 200, None],
    ]))
    doc = read_document(data, "pl.xlsx")
    assert doc.problems == ("total cartons is 41, but the lines add up to 40",)


def test_a_malformed_cell_is_a_problem_not_a_crash() -> None:
    data = _xlsx(("PL", [
        ["PACKING LIST"], ["PO No.", "55102"], [], [], [],
        ["Carton No", "Item", "Qty per ctn", "Ctns", "Total Qty", "N.W.", "G.W."],
        ["1-10", "A1", 10, 10, "abc", 50, 55],
        ["11-x", "A2", 10, "ten", None, 50, 55],
        ["21-30", "A3", 2.5, 10, None, "lots", 55],
        [datetime.date(2026, 1, 20), "A4", 10, 10, None, 5, 6],
    ]))
    doc = read_document(data, "pl.xlsx")
    assert doc.kind == "packing_list"
    assert doc.po == "55102"
    assert len(doc.lines) == 4
    assert doc.lines[0].quantity is None  # not computed over a cell that says something else
    assert doc.lines[1].cartons is None and doc.lines[1].quantity is None
    assert doc.lines[2].qty_per_carton is None and doc.lines[2].net_kg is None
    assert doc.problems == (
        "row 7: quantity is not a number",
        "row 8: carton no '11-x' is not a carton number or range",
        "row 8: cartons is not a number",
        "row 9: qty per carton is not a whole number",
        "row 9: net weight is not a number",
        "row 10: carton no is a date (did Excel turn a range like 1-20 into one?)",
    )


def test_inconsistent_lines_are_problems() -> None:
    data = _xlsx(("PL", [ENGLISH_HEADER[:5] + ["Quantity"], ["1-20", "A1", "Mug", 24, 21, 480]]))
    assert read_document(data, "pl.xlsx").problems == (
        "row 2: 21 cartons, but cartons 1-20 are 20",
        "row 2: quantity 480 is not 24 per carton × 21 cartons",
    )


def test_a_multi_row_item_keeps_blank_cells_blank() -> None:
    data = _xlsx(("PL", [
        ENGLISH_HEADER,
        ["1-10", "SET-9", "Gift set: mug", 2, 10, 30, 33, "50x50x50"],
        [None, None, "Gift set: saucer", 2, None, None, None, None],
    ]))
    ws_lines = read_document(data, "pl.xlsx").lines
    assert ws_lines[1] == DocLine(None, None, None, "Gift set: saucer", 2, None, None, None, None, None, None, 3)


def test_merged_sku_cells_inherit_nothing() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (ENGLISH_HEADER, ["1-5", "M-1", "Red", 4, 5, 1, 2, None], ["6-10", None, "Blue", 4, 5, 1, 2, None]):
        ws.append(row)
    ws.merge_cells("B2:B3")
    buf = io.BytesIO()
    wb.save(buf)
    doc = read_document(buf.getvalue(), "pl.xlsx")
    assert [ln.sku for ln in doc.lines] == ["M-1", None]


def test_lines_end_at_a_blank_row_and_a_total_row_after_it_is_still_read() -> None:
    data = _xlsx(("PL", [
        ENGLISH_HEADER,
        ["1-2", "A", "x", 1, 2, 1, 1, None],
        [],
        ["TOTAL", None, None, None, 2, 1, 1, None],
        [],
        ["Shipping marks: N/M", "B", "y", 1, 1, 1, 1, None],
    ]))
    doc = read_document(data, "pl.xlsx")
    assert [ln.sku for ln in doc.lines] == ["A"]
    assert doc.totals == {"cartons": 2.0, "net_kg": 1.0, "gross_kg": 1.0}


def test_an_ssccs_column_is_read_and_bad_check_digits_are_problems() -> None:
    wrong = _sscc(5)[:17] + str((int(_sscc(5)[17]) + 1) % 10)
    text = "Ctn No,SKU,Ctns,SSCC\n1,A,1,(00) " + _sscc(4) + "\n2,A,1," + wrong + "\n3,A,1,12345\n"
    doc = read_document(text.encode(), "pl.csv")
    assert doc.ssccs == (_sscc(4), wrong)
    assert doc.problems == ("row 4: sscc '12345' is not 18 digits",
                            f"sscc {wrong}: check digit is {wrong[17]}, should be {_sscc(5)[17]}")


def test_ssccs_stored_as_numbers_lose_digits_and_say_so() -> None:
    # openpyxl, like Excel, writes an 18-digit integer as a float: the last digits are gone
    data = _xlsx(("PL", [ENGLISH_HEADER + ["SSCC"], ["1", "A", "x", 1, 1, 1, 1, None, int(_sscc(2))]]),
                 ("Labels", [[int(_sscc(1))]]))
    doc = read_document(data, "pl.xlsx")
    assert doc.ssccs == ()
    assert doc.problems == (
        "row 2: sscc stored as a number has lost digits (SSCCs must be stored as text)",
        "sheet 'Labels': 1 long numbers stored as numbers have lost digits (SSCCs must be stored as text)",
    )


# ---------------------------------------------------------------- CSV


def test_a_comma_csv_in_utf8_with_a_bom() -> None:
    text = ("Sunrise Homeware,,,,\nPacking List,,,,\nPO No.:,PO-55140,,,\n"
            "Carton No,Item,Description,Qty/Ctn,Ctns\n1-500,BT-1,\"Bath towel, white\",10,500\n"
            "501-750,HT-2,Hand towel,\"1,000\",250\nTotal,,,,750\n")
    doc = read_document(text.encode("utf-8-sig"), "pl.csv")
    assert (doc.kind, doc.po, doc.totals, doc.problems) == ("packing_list", "PO-55140", {"cartons": 750.0}, ())
    assert [(ln.sku, ln.description, ln.quantity, ln.row) for ln in doc.lines] == [
        ("BT-1", "Bath towel, white", 5000, 5), ("HT-2", "Hand towel", 250000, 6)]


def test_a_semicolon_csv_in_gbk_with_decimal_commas() -> None:
    text = "装箱单 第2版;;;;\n订单号：;55102;;;\n箱号;货号;箱数;净重;体积\n1-10;A;10;12,5;0,48\n合计;;10;12,5;0,48\n"
    doc = read_document(text.encode("gbk"), "pl.csv")
    assert (doc.kind, doc.po, doc.version, doc.problems) == ("packing_list", "55102", "v2", ())
    assert doc.lines == (DocLine(1, 10, "A", None, None, 10, None, 12.5, None, None, 0.48, 4),)
    assert doc.totals == {"cartons": 10.0, "net_kg": 12.5, "cbm": 0.48}


def test_a_tab_separated_utf16_export() -> None:
    text = "Carton No\tSKU\tCtns\tQuantity\n1-3\tA\t3\t30\n"
    doc = read_document(text.encode("utf-16"), "pl.txt")
    assert [(ln.sku, ln.quantity) for ln in doc.lines] == [("A", 30)]


# ---------------------------------------------------------------- kind, PO, version


INVOICE_ROWS = [
    ["Sunrise Homeware Co., Ltd."],
    ["COMMERCIAL INVOICE"],
    ["Invoice No.: INV-2026-0042", None, "PO No. PO55102"],
    ["Item", "Description", "Quantity", "Unit Price (USD)", "Amount (USD)", "Remarks"],
    ["BP-01", "Blue pot", 480, 2.5, 1200, "ok"],
    ["GP-02", "Green pot", "480 pcs", 3, 1440, None],
    ["TOTAL", None, 960, None, 2640, None],
]


def test_an_invoice_is_told_from_a_packing_list() -> None:
    doc = read_document(_xlsx(("CI", INVOICE_ROWS)), "CI_55102.xlsx")
    assert (doc.kind, doc.po, doc.problems) == ("invoice", "PO55102", ())
    assert doc.totals == {"quantity": 960.0, "amount": 2640.0}
    assert [ln.quantity for ln in doc.lines] == [480, 480]
    assert read_document(_consistent_packing_list(), "x.xlsx").kind == "packing_list"


def test_an_invoice_number_in_a_packing_lists_title_does_not_make_it_an_invoice() -> None:
    rows = [["Invoice No.: INV-1"], ["装箱单 PACKING LIST"], ENGLISH_HEADER, ["1", "A", "x", 1, 1, 1, 1, None]]
    assert read_document(_xlsx(("Sheet1", rows)), "x.xlsx").kind == "packing_list"


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Packing List", "packing_list"),
        ("装箱单", "packing_list"),
        ("PL", "packing_list"),
        ("Commercial Invoice", "invoice"),
        ("发票", "invoice"),
        ("INVOICE", "invoice"),
        ("PROFORMA INVOICE", "unknown"),  # an order-time document, not shipment evidence
        ("Invoice No.: INV-7", "packing_list"),  # names another document; the columns decide
        ("PI No. 2026-01", "packing_list"),
        ("Sunrise Homeware", "packing_list"),  # no title words: the weight and carton columns say it
    ],
)
def test_kind_from_the_title(title: str, kind: str) -> None:
    rows = [[title], ENGLISH_HEADER, ["1", "A", "x", 1, 1, 1, 1, None]]
    assert read_document(_xlsx(("Sheet1", rows)), "doc.xlsx").kind == kind


def test_size_and_spec_are_dimensions_only_with_a_length_unit() -> None:
    header = "Ctn No,Style,Size,Ctns,规格(cm)\n"
    (line,) = read_document((header + "1-2,T-1,M,2,60x40x30\n").encode(), "pl.csv").lines
    assert (line.sku, line.dims) == ("T-1", "60x40x30")


def test_kind_from_the_columns_when_there_is_no_title() -> None:
    assert read_document(b"Item,Description,Qty,Unit price,Amount\nA,x,1,2,2\n", "d.csv").kind == "invoice"
    assert read_document(b"SKU,Qty,Notes\nA,1,x\n", "d.csv").kind == "unknown"


@pytest.mark.parametrize(
    ("title", "name", "version"),
    [
        ("PACKING LIST V2", "pl.xlsx", "v2"),
        ("Packing list (rev. 2)", "pl.xlsx", "v2"),
        ("Packing list revised 3", "pl.xlsx", "v3"),
        ("装箱单（第2版）", "pl.xlsx", "v2"),
        ("装箱单 版本：2", "pl.xlsx", "v2"),
        ("Packing list", "packing_list_PO55102_v2.xlsx", "v2"),
        ("Packing list", "PL-V3.xlsx", "v3"),
        ("Packing list v1", "packing_list_v2.xlsx", "v1"),  # the title beats the file name
        ("Packing list", "packing_list_PO55102.xlsx", None),
        ("LED lamp 220V", "pl.xlsx", None),
    ],
)
def test_version(title: str, name: str, version: str | None) -> None:
    rows = [[title], ENGLISH_HEADER, ["1", "A", "x", 1, 1, 1, 1, None]]
    assert read_document(_xlsx(("Sheet1", rows)), name).version == version


@pytest.mark.parametrize(
    ("cells", "po"),
    [
        (["PO: PO-55102"], "PO-55102"),
        (["PO No.:", None, "55102"], "55102"),
        (["P.O. #: 4500012345"], "4500012345"),
        (["订单号：PO55102"], "PO55102"),
        (["订单号", 55102], "55102"),
        (["Purchase Order No. 55102-A"], "55102-A"),
        (["PO Box 12, Ningbo"], None),
        (["Polo shirts"], None),
        (["PO: TBA"], None),
    ],
)
def test_po_from_the_title_block(cells: list[object], po: str | None) -> None:
    rows = [cells, ENGLISH_HEADER, ["1", "A", "x", 1, 1, 1, 1, None]]
    assert read_document(_xlsx(("Sheet1", rows)), "d.xlsx").po == po


def test_placeholder_text_without_a_table_still_gives_kind_po_and_version() -> None:
    data = _xlsx(("Sheet1", [["document", "packing_list_PO55102_v2.xlsx"], ["content", "packing list v2, 3 lines"]]))
    doc = read_document(data, "packing_list_PO55102_v2.xlsx")
    assert (doc.kind, doc.po, doc.version, doc.lines) == ("packing_list", "PO55102", "v2", ())
    assert doc.problems == ("no header row with 3 known column names in the first 30 rows",)


# ---------------------------------------------------------------- what is not a document


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "empty file"),
        (b"%PDF-1.4\n...", "pdf: not read (no PDF text reader is installed); ask for the xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100),
         "old Excel (.xls) or other OLE file: not read; ask for xlsx or csv"),
        (b"PK\x03\x04garbage", "not a readable xlsx (BadZipFile)"),
        (b"\x00\x01\x02binary", "not a text file (NUL bytes): neither xlsx nor csv"),
    ],
)
def test_files_that_are_not_tables_are_unknown_with_a_reason(data: bytes, problem: str) -> None:
    assert read_document(data, "x_v2.xlsx") == ShipDoc("unknown", None, "v2", (), {}, (), (problem,))


def test_a_zip_that_is_not_a_workbook_is_unknown() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "hi")
    doc = read_document(buf.getvalue(), "x.xlsx")
    assert doc.kind == "unknown" and doc.problems[0].startswith("not a readable xlsx")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_read_document_never_raises_on_arbitrary_bytes(data: bytes) -> None:
    assert isinstance(read_document(data, "x.csv"), ShipDoc)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=500))
def test_read_document_never_raises_on_bytes_that_look_like_a_zip(tail: bytes) -> None:
    assert isinstance(read_document(b"PK\x03\x04" + tail, "x.xlsx"), ShipDoc)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), st.text(max_size=12), st.integers(-10**20, 10**20),
                                   st.floats(allow_nan=True)), max_size=8), max_size=12))
def test_read_document_never_raises_on_arbitrary_tables(rows: list[list[object]]) -> None:
    text = "\n".join(",".join("" if c is None else str(c).replace("\r", "") for c in row) for row in rows)
    header = "Carton No,SKU,Description,Qty/Ctn,Ctns,Quantity,N.W.,G.W.\n"
    doc = read_document((header + text).encode("utf-8"), "x.csv")
    assert isinstance(doc, ShipDoc)
    assert all(isinstance(p, str) for p in doc.problems)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.binary(min_size=1, max_size=8))
def test_read_document_never_raises_on_a_damaged_workbook(position: int, patch: bytes) -> None:
    data = bytearray(_consistent_packing_list())  # a few ms to build; fresh, so no example sees another's damage
    at = position % len(data)
    data[at : at + len(patch)] = patch
    assert isinstance(read_document(bytes(data), "x.xlsx"), ShipDoc)
