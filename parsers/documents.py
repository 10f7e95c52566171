"""Packing lists and commercial invoices (.xlsx, .csv) read into lines, totals and SSCCs, as plain values.

Pure: bytes and a file name in, a ShipDoc out; never raises. What cannot be read becomes a problem ("row 7:
quantity is not a number") and the rest is read on. PDFs are not read (no text reader is a dependency).
"""

from __future__ import annotations

import csv
import datetime
import io
import math
import re
import unicodedata
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType

import openpyxl

from parsers.gs1 import normalize_sscc, sscc_check_digit, sscc_check_digit_ok

PACKING_LIST = "packing_list"
INVOICE = "invoice"
UNKNOWN = "unknown"

HEADER_SEARCH_ROWS = 30  # the header row is looked for among the first rows only
MIN_HEADER_COLUMNS = 3  # known column names a row needs to be taken for the header
MAX_ROWS = 20_000  # a sheet is read this far and no further
MAX_COLS = 200
_TOTAL_LOOKAHEAD = 5  # rows after a blank row that are searched for a TOTAL row

Cell = object  # None, str, int, float, bool, datetime: what openpyxl or the csv reader gives
Row = tuple[Cell, ...]


@dataclass(frozen=True)
class DocLine:
    carton_from: int | None
    carton_to: int | None
    sku: str | None
    description: str | None
    qty_per_carton: int | None
    cartons: int | None  # as written, else counted from the carton range
    quantity: int | None  # total pieces; qty_per_carton * cartons when the sheet gives none
    net_kg: float | None  # the line's total; per-carton weight * cartons when only that is given
    gross_kg: float | None
    dims: str | None
    cbm: float | None
    row: int  # 1-based row of the sheet (of the record, for a CSV)


@dataclass(frozen=True)
class ShipDoc:
    kind: str  # "packing_list" | "invoice" | "unknown"
    po: str | None  # the PO as the title block writes it; the caller matches it to the order book
    version: str | None  # "v2", normalised from "V2", "rev 2", "第2版", title first, then the file name
    lines: tuple[DocLine, ...]
    totals: dict[str, float]  # the TOTAL row's numbers: known columns by field name, others by header text
    ssccs: tuple[str, ...]  # 18 digits each, in sheet order, without duplicates
    problems: tuple[str, ...]


# ---------------------------------------------------------------- column names

# Field -> header spellings, normalised as _norm does (NFKC, lower case, brackets and non-alphanumerics dropped).
_COLUMN_SPELLINGS: dict[str, str] = {
    "carton_no": "cartonno cartonnos cartonnumber cartonsno ctnno ctnnos ctnnumber cno cnos cartonrange 箱号 箱號 件号 "
                 "箱号范围",
    "sku": "item itemno itemnumber itemcode sku skuno skucode article articleno artno art model modelno styleno "
           "style productcode productno partno 货号 貨號 款号 款號 型号 產品編號 产品编号 商品编码 物料号",
    "description": "description descriptions descriptionofgoods goodsdescription desc productname product "
                   "commodity goods nameofgoods 品名 货物名称 貨物名稱 产品名称 產品名稱 名称 描述 中文品名 英文品名",
    "qty_per_carton": "qtyperctn qtyctn qtypercarton qtycarton pcsperctn pcsctn pcspercarton pcscarton unitsperctn "
                      "unitsctn unitspercarton qtyperctns 装箱数 裝箱數 装箱数量 装箱量 每箱数量 每箱數量 每箱数 "
                      "每箱个数 每箱件数 入数 箱入数",
    "cartons": "ctns ctn cartons carton noofctns noofcartons numberofcartons ctnqty cartonqty qtyofctns totalctns "
               "totalcartons packages pkgs package 箱数 箱數 件数 件數 总箱数 總箱數 总件数 包装件数",
    "quantity": "quantity qty totalqty totalquantity pcs totalpcs qtypcs units totalunits 数量 數量 总数量 總數量 总数 "
                "总数量pcs",
    "net_kg": "nw netweight netwt totalnw totalnetweight totalnetwt nwkg nwkgs 净重 淨重 总净重 總淨重 净重kg",
    "gross_kg": "gw grossweight grosswt totalgw totalgrossweight totalgrosswt gwkg gwkgs 毛重 总毛重 總毛重 毛重kg",
    "net_kg_per_carton": "nwctn nwperctn nwpercarton netweightperctn netweightctn netweightpercarton nwkgctn "
                         "每箱净重 单箱净重 單箱淨重",
    "gross_kg_per_carton": "gwctn gwperctn gwpercarton grossweightperctn grossweightctn grossweightpercarton "
                           "gwkgctn 每箱毛重 单箱毛重 單箱毛重",
    "dims": "meas meass measurement measurements dimension dimensions dims cartonsize ctnsize cartondimensions "
            "ctndimensions ctnmeas cartonmeas lxwxh 尺寸 外箱尺寸 纸箱尺寸 箱规 箱規 包装尺寸",
    "cbm": "cbm cbms volume totalcbm totalvolume m3 体积 體積 总体积 总立方 立方数 方数",
    "sscc": "sscc ssccs ssccno ssccnumber sscccode sscc码 箱标 箱标号",
    "unit_price": "unitprice price priceunit 单价 單價",
    "amount": "amount totalamount value totalvalue 金额 金額 总金额 總金額 总价 總價",
}
_COLUMNS = MappingProxyType({name: field for field, names in _COLUMN_SPELLINGS.items() for name in names.split()})
_UNIT_SUFFIXES = ("kgs", "kg", "pcs", "cm", "mm", "m3", "usd", "rmb", "cny")
# Garment sizes (S/M/L) and product specifications share these names; only a length unit makes them carton dims.
_DIMS_WITH_A_UNIT = frozenset({"size", "规格", "規格"})
_LENGTH_UNIT = re.compile(r"(?i)cm|mm|inch|厘米|公分")
_FIELD_LABELS = MappingProxyType(
    {
        "carton_no": "carton no",
        "sku": "sku",
        "description": "description",
        "qty_per_carton": "qty per carton",
        "cartons": "cartons",
        "quantity": "quantity",
        "net_kg": "net weight",
        "gross_kg": "gross weight",
        "net_kg_per_carton": "net weight per carton",
        "gross_kg_per_carton": "gross weight per carton",
        "dims": "dimensions",
        "cbm": "cbm",
        "sscc": "sscc",
        "unit_price": "unit price",
        "amount": "amount",
    }
)
_INVOICE_COLUMNS = frozenset({"unit_price", "amount"})
_PACKING_COLUMNS = frozenset(
    {"carton_no", "qty_per_carton", "net_kg", "gross_kg", "net_kg_per_carton", "gross_kg_per_carton", "dims", "cbm",
     "sscc"}
)
_TEXT_TOTALS = frozenset({"carton_no", "sku", "description", "dims", "sscc"})  # never summed on a TOTAL row

# ---------------------------------------------------------------- title words

# A document's name followed by "No." / "#" / "date" / 号 refers to another document ("Invoice No.: INV-1" on a
# packing list); atomic groups keep "Proforma Invoice No." from matching as a bare "Proforma".
_REFERENCE = r"(?![\s_.]*(?i:no\b|nr\b|number|#|date)|\s*(?:号|號|编号|編號|日期))"
_PACKING_WORDS = re.compile(
    r"(?>(?i:packing[\s_-]*list)|装箱单|裝箱單|箱单|箱單|(?<![A-Za-z])P/?L(?![A-Za-z]))" + _REFERENCE
)
_INVOICE_WORDS = re.compile(
    r"(?>(?i:(?:commercial[\s_-]*)?invoice)|发票|發票|(?<![A-Za-z])CI(?![A-Za-z]))" + _REFERENCE
)
_PROFORMA_WORDS = re.compile(
    r"(?>(?i:pro[\s_-]*forma(?:[\s_-]*invoice)?)|形式发票|形式發票|(?<![A-Za-z])PI(?![A-Za-z]))" + _REFERENCE
)
_TOTAL_LABELS = frozenset({"total", "totals", "grandtotal", "合计", "合計", "总计", "總計", "共计", "共計", "总合计"})
_TOTAL_PREFIX = re.compile(r"(?i)^\s*(?:grand\s*)?totals?\s*[:：]|^\s*(?:合计|合計|总计|總計|共计)\s*[:：]")

_PO_TOKEN = re.compile(r"(?<![A-Za-z0-9])P\.?O\.?[-#\s]?[0-9][A-Za-z0-9-]*")
_PO_LABEL = re.compile(
    r"(?i)^\s*(?:p\.?\s?o\.?(?:\s*(?:no|nr|number|#)\.?)?|purchase\s*order(?:\s*(?:no|nr|number|#)\.?)?"
    r"|order\s*(?:no|nr|number|#)\.?|订单号|订单编号|採購單號|采购单号|采购订单号?|訂單號|訂單編號)"
    r"(?:\s*[:：#]\s*|\s+(?=[A-Za-z0-9-]*[0-9])|\s*$)(.*)$"
)
_VERSION = re.compile(
    r"(?<![A-Za-z0-9])(?i:v|ver\.?|version|rev\.?|revision|revised)\s*[:：#]?\s*([0-9]{1,2})(?![0-9A-Za-z])"
    r"|第\s*([0-9]{1,2})\s*版|版本\s*[:：]?\s*([0-9]{1,2})(?![0-9])"
)

# ---------------------------------------------------------------- cell values

_CARTON_RANGE = re.compile(r"(?i)^(?:no\.?\s*|#)?([0-9]+)\s*(?:-|~|—|–|_|至|到|to)\s*(?:no\.?\s*|#)?([0-9]+)$")
_CARTON_SINGLE = re.compile(r"(?i)^(?:no\.?\s*|#)?([0-9]+)$")
_NUMBER_WITH_UNIT = re.compile(
    r"(?i)^([-+]?[0-9][0-9.,' ]*)\s*(?:kgs?|pcs|pc|ctns?|cartons?|m3|cbm|sets?|pairs?|units?|usd|rmb|cny"
    r"|件|箱|个|個|只|套|公斤|千克|立方)?\.?$"
)
_PLAIN_NUMBER = re.compile(r"[-+]?[0-9]+(?:\.[0-9]+)?")
_SSCC_RUN = re.compile(r"(?:\(00\)\s*)?[0-9][0-9 ]{16,}[0-9]")


class _NotNumber(ValueError):
    """A cell that should hold a number and holds something else."""


def _sscc_problem(sscc: str) -> str | None:
    """Why an 18-digit SSCC fails its check digit, or None when it passes."""
    if sscc_check_digit_ok(sscc):
        return None
    return f"sscc {sscc}: check digit is {sscc[17]}, should be {sscc_check_digit(sscc[:17])}"


def read_document(data: bytes, name: str) -> ShipDoc:
    """A shipment document from its bytes (xlsx by its zip magic, else CSV text); never raises."""
    try:
        return _read(data, name)
    except Exception as exc:  # a parser bug must not lose the chat message the file came with
        return _unreadable(name, f"cannot read the document ({type(exc).__name__})")


def _read(data: bytes, name: str) -> ShipDoc:
    """read_document without its safety net."""
    if not data:
        return _unreadable(name, "empty file")
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        sheets, problems = _xlsx_sheets(data)
        if sheets is None:
            return _unreadable(name, *problems)
        return _parse(sheets, name, decimal_comma=False, problems=problems)
    if data.startswith(b"%PDF-"):
        return _unreadable(name, "pdf: not read (no PDF text reader is installed); ask for the xlsx")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return _unreadable(name, "old Excel (.xls) or other OLE file: not read; ask for xlsx or csv")
    text, problems = _decode(data)
    if "\x00" in text:
        return _unreadable(name, "not a text file (NUL bytes): neither xlsx nor csv")
    rows, delimiter, more = _csv_rows(text)
    return _parse([("csv", rows)], name, decimal_comma=delimiter == ";", problems=problems + more)


def _unreadable(name: str, *problems: str) -> ShipDoc:
    """An unknown document: nothing but the version its file name carries, and why."""
    return ShipDoc(UNKNOWN, None, _version([name]), (), {}, (), tuple(problems))


# ---------------------------------------------------------------- containers


def _xlsx_sheets(data: bytes) -> tuple[list[tuple[str, list[Row]]] | None, list[str]]:
    """Every worksheet's title and rows (values only, trailing blanks dropped), or None and why."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it skips
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl, zipfile and the XML parser raise many kinds; the file is just unreadable
        return None, [f"not a readable xlsx ({type(exc).__name__})"]
    sheets: list[tuple[str, list[Row]]] = []
    problems: list[str] = []
    try:
        for ws in wb.worksheets:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    raw = ws.iter_rows(min_row=1, max_row=MAX_ROWS, min_col=1, max_col=MAX_COLS, values_only=True)
                    rows = [_trim(r) for r in raw]
            except Exception as exc:  # one broken sheet; the others are still read
                problems.append(f"sheet {ws.title!r}: cannot read ({type(exc).__name__})")
                continue
            while rows and not rows[-1]:
                rows.pop()
            sheets.append((str(ws.title), rows))
    finally:
        wb.close()
    if not sheets:
        return None, problems + ["xlsx without a readable worksheet"]
    return sheets, problems


def _trim(row: Sequence[Cell]) -> Row:
    """The row without its trailing blank cells."""
    end = len(row)
    while end and _blank(row[end - 1]):
        end -= 1
    return tuple(row[:end])


def _decode(data: bytes) -> tuple[str, list[str]]:
    """Text from CSV bytes: UTF-16 with a BOM, else UTF-8 (BOM allowed), else GBK, else Latin-1."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), []
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "gbk"):
        try:
            return data.decode(encoding), []
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), ["text is neither UTF-8 nor GBK; read as Latin-1"]


def _csv_rows(text: str) -> tuple[list[Row], str, list[str]]:
    """The CSV's records with blanks as None, the delimiter chosen (, ; or tab), and any problems."""
    sample = text.splitlines()[:HEADER_SEARCH_ROWS]
    delimiter = max((",", ";", "\t"), key=lambda d: _delimiter_score(sample, d))  # ties: the earlier one
    rows: list[Row] = []
    problems: list[str] = []
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if len(rows) >= MAX_ROWS:
                problems.append(f"only the first {MAX_ROWS} rows are read")
                break
            rows.append(_trim([c if c.strip() else None for c in record[:MAX_COLS]]))
    except csv.Error as exc:
        problems.append(f"row {len(rows) + 1}: not valid CSV ({exc})")
    while rows and not rows[-1]:
        rows.pop()
    return rows, delimiter, problems


def _delimiter_score(lines: list[str], delimiter: str) -> int:
    """How many fields beyond the first the sample lines split into with this delimiter."""
    try:
        return sum(len(r) - 1 for r in csv.reader(lines, delimiter=delimiter))
    except csv.Error:
        return -1


# ---------------------------------------------------------------- the document


def _parse(sheets: list[tuple[str, list[Row]]], name: str, *, decimal_comma: bool, problems: list[str]) -> ShipDoc:
    """Title block, table, totals and SSCCs out of a workbook's sheets (a CSV is one sheet)."""
    main: int | None = None
    header_at, columns = -1, {}
    for i, (_, rows) in enumerate(sheets):
        header_at, columns = _find_header(rows)
        if columns:
            main = i
            break
    if main is None:
        problems.append(f"no header row with {MIN_HEADER_COLUMNS} known column names in the first "
                        f"{HEADER_SEARCH_ROWS} rows")
        title_rows = sheets[0][1][:HEADER_SEARCH_ROWS]
        title_texts = [t for r in title_rows for t in map(_text, r) if t] + [sheets[0][0]]
        kind = _kind_from_words(title_texts) or UNKNOWN
        ssccs = _unique(_sheet_ssccs(sheets, problems))
        problems.extend(p for p in map(_sscc_problem, ssccs) if p)
        return ShipDoc(kind, _po(title_rows), _version(title_texts + [name]), (), {}, ssccs, tuple(problems))

    sheet_name, rows = sheets[main]
    title_rows = rows[:header_at]
    title_texts = [t for r in title_rows for t in map(_text, r) if t] + [sheet_name]
    kind = _kind_from_words(title_texts) or _kind_from_columns(set(columns.values()))
    headers = {j: " ".join(str(c).split()) for j, c in enumerate(rows[header_at]) if j not in columns and _text(c)}
    lines, totals, ssccs = _table(rows, header_at, columns, headers, decimal_comma, problems)
    _check_totals(lines, totals, problems)
    others = [s for i, s in enumerate(sheets) if i != main]
    ssccs = _unique(ssccs + _sheet_ssccs(others, problems))
    problems.extend(p for p in map(_sscc_problem, ssccs) if p)
    return ShipDoc(kind, _po(title_rows), _version(title_texts + [name]), tuple(lines), totals, ssccs,
                   tuple(problems))


def _find_header(rows: list[Row]) -> tuple[int, dict[int, str]]:
    """The index of the first row naming enough known columns, and its column -> field map; (-1, {}) if none."""
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns: dict[int, str] = {}
        for j, cell in enumerate(row):
            field = _column_field(cell) if isinstance(cell, str) else None
            if field is not None and field not in columns.values():
                columns[j] = field
        if len(columns) >= MIN_HEADER_COLUMNS:
            return i, columns
    return -1, {}


def _norm(text: str) -> str:
    """Header text as it is looked up: NFKC, lower case, bracketed units and non-alphanumerics dropped."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]", "", text)
    return "".join(ch for ch in text if ch.isalnum())


def _column_field(header: str) -> str | None:
    """The field a header cell names ("N.W. (kg)" -> net_kg, "装箱数" -> qty_per_carton), or None."""
    key = _norm(header)
    if not key:
        return None
    if key in _COLUMNS:
        return _COLUMNS[key]
    if key in _DIMS_WITH_A_UNIT:
        return "dims" if _LENGTH_UNIT.search(header) else None
    for suffix in _UNIT_SUFFIXES:  # "nwkgs", "qtypcs", "amountusd"
        if key.endswith(suffix) and key[: -len(suffix)] in _COLUMNS:
            return _COLUMNS[key[: -len(suffix)]]
    return None


def _table(
    rows: list[Row],
    header_at: int,
    columns: dict[int, str],
    headers: dict[int, str],
    decimal_comma: bool,
    problems: list[str],
) -> tuple[list[DocLine], dict[str, float], list[str]]:
    """The lines under the header up to a blank or TOTAL row, the TOTAL row's numbers, and the SSCC column."""
    lines: list[DocLine] = []
    totals: dict[str, float] = {}
    ssccs: list[str] = []
    at = header_at + 1
    while at < len(rows):
        row, number = rows[at], at + 1
        if not row:
            totals = _totals_after_blank(rows, at + 1, columns, headers, decimal_comma)
            break
        if _is_total_row(row):
            totals = _totals(row, columns, headers, decimal_comma)
            break
        cells = {field: (row[j] if j < len(row) else None) for j, field in columns.items()}
        lines.append(_line(cells, number, decimal_comma, problems))
        sscc = cells.get("sscc")
        if isinstance(sscc, float):
            problems.append(f"row {number}: sscc stored as a number has lost digits (SSCCs must be stored as text)")
        elif not _blank(sscc):
            found = _cell_sscc(sscc)
            if found is None:
                problems.append(f"row {number}: sscc {_text(sscc)!r} is not 18 digits")
            else:
                ssccs.append(found)
        at += 1
    return lines, totals, ssccs


def _totals_after_blank(
    rows: list[Row], start: int, columns: dict[int, str], headers: dict[int, str], decimal_comma: bool
) -> dict[str, float]:
    """A TOTAL row separated from the lines by blank rows; {} when the next non-blank row is something else."""
    for row in rows[start : start + _TOTAL_LOOKAHEAD]:
        if row:
            return _totals(row, columns, headers, decimal_comma) if _is_total_row(row) else {}
    return {}


def _is_total_row(row: Row) -> bool:
    """A row labelled TOTAL / 合计 (alone in its cell, or followed by a colon)."""
    for cell in row:
        if isinstance(cell, str) and (_norm(cell) in _TOTAL_LABELS or _TOTAL_PREFIX.match(cell)):
            return True
    return False


def _totals(row: Row, columns: dict[int, str], headers: dict[int, str], decimal_comma: bool) -> dict[str, float]:
    """The numbers of a TOTAL row by field name (known columns) or header text (the others)."""
    totals: dict[str, float] = {}
    for j, cell in enumerate(row):
        key = columns.get(j) or headers.get(j)
        if key is None or key in _TEXT_TOTALS:
            continue
        try:
            value = _number(cell, decimal_comma)
        except _NotNumber:
            continue
        if value is not None:
            totals[key] = value
    return totals


def _line(cells: dict[str, Cell], row: int, decimal_comma: bool, problems: list[str]) -> DocLine:
    """One table row as a DocLine; unreadable cells become None and a problem, and nothing is computed for them."""
    bad: set[str] = set()

    def number(field: str, whole: bool) -> float | int | None:
        try:
            value = _number(cells.get(field), decimal_comma)
        except _NotNumber:
            problems.append(f"row {row}: {_FIELD_LABELS[field]} is not a number")
            bad.add(field)
            return None
        if value is None or not whole:
            return value
        if value != int(value):
            problems.append(f"row {row}: {_FIELD_LABELS[field]} is not a whole number")
            bad.add(field)
            return None
        return int(value)

    carton_from, carton_to = _carton_range(cells.get("carton_no"), row, problems)
    qty_per_carton = number("qty_per_carton", True)
    cartons = number("cartons", True)
    quantity = number("quantity", True)
    net_kg, net_each = number("net_kg", False), number("net_kg_per_carton", False)
    gross_kg, gross_each = number("gross_kg", False), number("gross_kg_per_carton", False)
    cbm = number("cbm", False)
    counted = carton_to - carton_from + 1 if carton_from is not None and carton_to is not None else None
    if cartons is None and "cartons" not in bad:
        cartons = counted
    elif counted is not None and cartons is not None and counted != cartons:
        problems.append(f"row {row}: {cartons} cartons, but cartons {carton_from}-{carton_to} are {counted}")
    if quantity is None and "quantity" not in bad and qty_per_carton is not None and cartons is not None:
        quantity = qty_per_carton * cartons
    elif None not in (quantity, qty_per_carton, cartons) and quantity != qty_per_carton * cartons:
        problems.append(f"row {row}: quantity {quantity} is not {qty_per_carton} per carton × {cartons} cartons")
    if net_kg is None and "net_kg" not in bad and net_each is not None and cartons is not None:
        net_kg = round(net_each * cartons, 6)
    if gross_kg is None and "gross_kg" not in bad and gross_each is not None and cartons is not None:
        gross_kg = round(gross_each * cartons, 6)
    return DocLine(
        carton_from=carton_from,
        carton_to=carton_to,
        sku=_text(cells.get("sku")),
        description=_text(cells.get("description")),
        qty_per_carton=qty_per_carton,
        cartons=cartons,
        quantity=quantity,
        net_kg=None if net_kg is None else float(net_kg),
        gross_kg=None if gross_kg is None else float(gross_kg),
        dims=_text(cells.get("dims")),
        cbm=None if cbm is None else float(cbm),
        row=row,
    )


def _carton_range(cell: Cell, row: int, problems: list[str]) -> tuple[int | None, int | None]:
    """("1-20", "1~20", "21 - 40", "7", 7) -> (from, to); a cell that is none of these is a problem."""
    if _blank(cell):
        return None, None
    if isinstance(cell, int) and not isinstance(cell, bool):
        return cell, cell
    if isinstance(cell, float) and math.isfinite(cell) and cell == int(cell):
        return int(cell), int(cell)
    if isinstance(cell, (datetime.date, datetime.time, datetime.timedelta)):
        problems.append(f"row {row}: carton no is a date (did Excel turn a range like 1-20 into one?)")
        return None, None
    text = unicodedata.normalize("NFKC", str(cell)).strip()
    m = _CARTON_RANGE.match(text)
    if m:
        first, last = int(m.group(1)), int(m.group(2))
        if last < first:
            problems.append(f"row {row}: carton range {text!r} runs backwards")
            return None, None
        return first, last
    m = _CARTON_SINGLE.match(text)
    if m:
        return int(m.group(1)), int(m.group(1))
    problems.append(f"row {row}: carton no {text!r} is not a carton number or range")
    return None, None


def _check_totals(lines: list[DocLine], totals: dict[str, float], problems: list[str]) -> None:
    """A problem for each TOTAL the lines do not add up to (only where every line has the number)."""
    for field in ("cartons", "quantity", "net_kg", "gross_kg", "cbm"):
        if field not in totals or not lines:
            continue
        values = [getattr(line, field) for line in lines]
        if any(v is None for v in values):
            continue
        added, total = sum(values), totals[field]
        if abs(added - total) > max(0.01, abs(total) * 0.001):
            problems.append(f"total {_FIELD_LABELS[field]} is {_fmt(total)}, but the lines add up to {_fmt(added)}")


# ---------------------------------------------------------------- title block


def _kind_from_words(texts: list[str]) -> str | None:
    """packing_list / invoice / unknown (a proforma) from the first title text that names a document kind."""
    for text in texts:
        found = []
        for pattern, kind in ((_PACKING_WORDS, PACKING_LIST), (_INVOICE_WORDS, INVOICE), (_PROFORMA_WORDS, UNKNOWN)):
            m = pattern.search(text)
            if m:
                found.append((m.start(), kind))
        if found:
            return min(found)[1]
    return None


def _kind_from_columns(fields: set[str]) -> str:
    """Prices or amounts make an invoice; carton numbers, weights or measures a packing list."""
    if fields & _INVOICE_COLUMNS:
        return INVOICE
    if fields & _PACKING_COLUMNS:
        return PACKING_LIST
    return UNKNOWN


def _po(rows: list[Row]) -> str | None:
    """The PO a title block names ("PO: PO-55102", "PO No.", "订单号" and the value beside it), as written."""
    for row in rows:
        for j, cell in enumerate(row):
            text = _text(cell)
            if text is None:
                continue
            m = _PO_TOKEN.search(text)
            if m:
                return m.group(0).rstrip("-")
            m = _PO_LABEL.match(text)
            if m is None:
                continue
            value = m.group(1).strip()
            if not value:
                value = next((t for t in map(_text, row[j + 1 :]) if t), "")
            if any(ch.isdigit() for ch in value):
                return value
    return None


def _version(texts: list[str]) -> str | None:
    """"v2" from the first text that says V2, rev 2, version 2 or 第2版."""
    for text in texts:
        m = _VERSION.search(text)
        if m:
            return f"v{int(next(g for g in m.groups() if g))}"
    return None


# ---------------------------------------------------------------- SSCCs


def _sheet_ssccs(sheets: list[tuple[str, list[Row]]], problems: list[str]) -> list[str]:
    """18-digit SSCCs written anywhere in these sheets (a problem for sheets where they were stored as numbers)."""
    found: list[str] = []
    for title, rows in sheets:
        lossy = 0
        for row in rows:
            for cell in row:
                if isinstance(cell, float) and abs(cell) >= 1e16:
                    lossy += 1
                    continue
                if isinstance(cell, int) and not isinstance(cell, bool):
                    cell = str(cell)
                if isinstance(cell, str):
                    found.extend(_ssccs_in_text(cell))
        if lossy:
            problems.append(f"sheet {title!r}: {lossy} long numbers stored as numbers have lost digits "
                            "(SSCCs must be stored as text)")
    return found


def _ssccs_in_text(text: str) -> list[str]:
    """Each run of digits (spaces allowed, "(00)" in front allowed) that makes 18 digits, split at spaces if need be."""
    out = []
    for m in _SSCC_RUN.finditer(text):
        whole = normalize_sscc(m.group(0))
        if whole is not None:
            out.append(whole)
        else:
            out.extend(s for s in map(normalize_sscc, m.group(0).split()) if s)
    return out


def _cell_sscc(cell: Cell) -> str | None:
    """The SSCC in an SSCC-column cell (text or an exact integer), or None."""
    if isinstance(cell, int) and not isinstance(cell, bool):
        return normalize_sscc(str(cell))
    if isinstance(cell, str):
        return normalize_sscc(cell)
    return None


def _unique(items: list[str]) -> tuple[str, ...]:
    """The items in first-seen order, each once."""
    return tuple(dict.fromkeys(items))


# ---------------------------------------------------------------- cells


def _blank(cell: Cell) -> bool:
    """None or whitespace."""
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _text(cell: Cell) -> str | None:
    """A cell as stripped text (10023.0 -> "10023"); None when blank."""
    if _blank(cell):
        return None
    if isinstance(cell, float) and math.isfinite(cell) and cell == int(cell):
        return str(int(cell))
    if isinstance(cell, (datetime.date, datetime.time)):
        return cell.isoformat()
    return str(cell).strip()


def _number(cell: Cell, decimal_comma: bool) -> float | None:
    """A cell's number ("1,125", "12,5" with ; CSVs, "36 kgs"); None when blank, _NotNumber when not a number."""
    if _blank(cell):
        return None
    if isinstance(cell, bool) or not isinstance(cell, (int, float, str)):
        raise _NotNumber(cell)
    if isinstance(cell, (int, float)):
        if not math.isfinite(cell):
            raise _NotNumber(cell)
        return float(cell)
    m = _NUMBER_WITH_UNIT.match(unicodedata.normalize("NFKC", cell).strip())
    if m is None:
        raise _NotNumber(cell)
    digits = re.sub(r"[ ']", "", m.group(1))
    value = float(_plain(digits, decimal_comma))
    if not math.isfinite(value):
        raise _NotNumber(cell)
    return value


def _plain(digits: str, decimal_comma: bool) -> str:
    """"1,125.5" / "1.125,5" / "12,5" as "1125.5" / "1125.5" / "12.5"; _NotNumber for anything else."""
    if "," in digits and "." in digits:  # both: the later one is the decimal mark
        dec = "," if digits.rfind(",") > digits.rfind(".") else "."
    elif "," in digits:  # "1,125" groups thousands, unless a ; CSV says commas are decimal marks
        dec = "," if decimal_comma or not _grouped(digits, ",", ".") else "."
    elif "." in digits:  # "1.125" in a ; CSV groups thousands
        dec = "," if decimal_comma and _grouped(digits, ".", ",") else "."
    else:
        dec = "."
    thousands = "," if dec == "." else "."
    if _grouped(digits, thousands, dec):
        digits = digits.replace(thousands, "")
    digits = digits.replace(dec, ".")
    if not _PLAIN_NUMBER.fullmatch(digits):
        raise _NotNumber(digits)
    return digits


def _grouped(digits: str, thousands: str, dec: str) -> bool:
    """True for digits grouped in threes by the thousands mark, with an optional decimal part."""
    pattern = rf"[-+]?[0-9]{{1,3}}(?:{re.escape(thousands)}[0-9]{{3}})+(?:{re.escape(dec)}[0-9]+)?"
    return re.fullmatch(pattern, digits) is not None


def _fmt(value: float) -> str:
    """A number as a person writes it: 1125, 36.5."""
    return str(int(value)) if value == int(value) else f"{value:g}"
