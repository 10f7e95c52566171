"""Shipment handover end to end: packing lists, invoices and carton-label photos replayed from a chat, then
`orderproof handover PO --format json`, `evidence export`, `risks` and `events export --format dcsa`."""
from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.fixtures import (
    AGENT,
    BUYER,
    FACTORY,
    Workspace,
    message,
    photo,
    read_jsonl,
    write_chat,
    write_contacts,
    write_order_book,
    write_photo,
)
from tests.labels_fixture import label_image, sscc_with_check

CHECK_NAMES = ["pl_qty_vs_po", "pl_vs_invoice", "carton_count_vs_labels", "label_sscc_on_list", "sscc_check_digit",
               "marks_sku_vs_po", "final_inspection_released", "no_hold"]
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
PACKING_DAY = dt.datetime(2026, 7, 1, 9, 0, tzinfo=SHANGHAI)

# PO-1001 in tests/fixtures.py: RP-24-RED 1,200 pcs and BP-28-BLU 800 pcs, packed 400 a carton in 3 + 2 cartons.
RED, BLUE = "RP-24-RED", "BP-28-BLU"
DESCRIPTIONS = {RED: "enamel pot 24cm red", BLUE: "enamel pot 28cm blue"}
PO_LINES: list[tuple[str, int, int]] = [(RED, 400, 3), (BLUE, 400, 2)]  # (SKU, pieces a carton, cartons)
PO_QTY = {RED: 1200, BLUE: 800}
UNIT_PRICE = {RED: 6.5, BLUE: 7.8}
SSCCS = [sscc_with_check(f"0694123450{n:07d}") for n in range(1, 6)]  # one per carton, cartons 1-5 in order
STRAY_SSCC = sscc_with_check("06941234500000099")


def gtin_of(sku: str) -> str:
    """A 14-digit GTIN with its GS1 check digit (computed here, independent of the parser)."""
    body = "0694123450" + ("012" if sku == RED else "029")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def wrong_check_digit(sscc: str) -> str:
    """The same SSCC with its last digit off by one."""
    return sscc[:17] + str((int(sscc[17]) + 1) % 10)


def at(minutes: int) -> dt.datetime:
    return PACKING_DAY + dt.timedelta(minutes=minutes)


@functools.cache
def label_jpeg(sscc: str, sku: str) -> bytes:
    """A carton photo with one GS1-128 label as a JPEG (rendered once per SSCC for the whole module)."""
    out = io.BytesIO()
    label_image(sscc, gtin_of(sku), 400).save(out, "JPEG")
    return out.getvalue()


# ---------------------------------------------------------------- the documents, as a factory's office writes them

EN_HEADER = ["Carton No.", "Item No.", "Description", "Qty/Ctn", "Ctns", "Quantity", "N.W. (kg)", "G.W. (kg)", "CBM"]
ZH_HEADER = ["箱号", "货号", "品名", "每箱数量", "箱数", "数量", "净重", "毛重", "体积"]


def packing_list_xlsx(path: Path, lines: list[tuple[str, int, int]], ssccs: list[str], *,
                      title: str = "PACKING LIST", chinese: bool = False) -> None:
    """A title block, one row per SKU with its carton range, a TOTAL row, and a second sheet "SSCC"."""
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "装箱单" if chinese else "Packing List"
    for row in ([title], ["PO: PO-1001", None, None, "Date: 2026-07-01"], [],
                ZH_HEADER if chinese else EN_HEADER):
        sheet.append(row)
    first = 1
    for sku, per_carton, cartons in lines:
        last = first + cartons - 1
        sheet.append([f"{first}-{last}", sku, DESCRIPTIONS[sku], per_carton, cartons, per_carton * cartons,
                      cartons * 9.5, cartons * 10.5, round(cartons * 0.06, 2)])
        first = last + 1
    sheet.append(["合计" if chinese else "TOTAL", None, None, None, sum(c for _, _, c in lines),
                  sum(p * c for _, p, c in lines), None, None, None])
    listed = wb.create_sheet("SSCC")
    listed.append(["Carton No.", "SSCC"])
    for number, sscc in enumerate(ssccs, 1):
        listed.append([number, sscc])  # as text: an 18-digit number would lose digits in Excel
    wb.save(path)


def packing_list_csv(path: Path, lines: list[tuple[str, int, int]], ssccs: list[str]) -> None:
    """The same packing list as a CSV, one row per carton with its SSCC."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows([["PACKING LIST"], ["PO: PO-1001"], [],
                      ["Carton No.", "Item No.", "Description", "Qty/Ctn", "Ctns", "Quantity", "SSCC"]])
    number = 0
    for sku, per_carton, cartons in lines:
        for _ in range(cartons):
            number += 1
            writer.writerow([number, sku, DESCRIPTIONS[sku], per_carton, 1, per_carton, ssccs[number - 1]])
    path.write_text(out.getvalue(), encoding="utf-8")


def invoice_xlsx(path: Path, qty: dict[str, int]) -> None:
    """A commercial invoice: item, quantity, unit price, amount."""
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "Invoice"
    for row in (["COMMERCIAL INVOICE"], ["PO: PO-1001"], [],
                ["Item No.", "Description", "Qty (pcs)", "Unit Price (USD)", "Amount (USD)"]):
        sheet.append(row)
    for sku, pieces in qty.items():
        sheet.append([sku, DESCRIPTIONS[sku], pieces, UNIT_PRICE[sku], round(pieces * UNIT_PRICE[sku], 2)])
    sheet.append(["TOTAL", None, sum(qty.values()), None, round(sum(q * UNIT_PRICE[s] for s, q in qty.items()), 2)])
    wb.save(path)


def document(file: str, scene: str) -> dict[str, Any]:
    """A document attachment in the corpus schema."""
    return {"kind": "document", "file": file, "exif_datetime": None, "exif_offset": None, "scene": scene,
            "scene_id": f"doc-{file}"}


# ---------------------------------------------------------------- a factory chat, message by message


@dataclass
class ShipmentChat:
    """A corpus-schema chat folder that the tests fill with what the factory, agent and buyer send."""

    folder: Path
    messages: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)

    def packing_list(self, mid: str, minutes: int, lines: list[tuple[str, int, int]] = PO_LINES,
                     ssccs: list[str] = SSCCS, *, name: str = "PL_PO-1001.xlsx", title: str = "PACKING LIST",
                     chinese: bool = False, text: str = "PO-1001 packing list attached") -> None:
        if name.endswith(".csv"):
            packing_list_csv(self.folder / name, lines, ssccs)
        else:
            packing_list_xlsx(self.folder / name, lines, ssccs, title=title, chinese=chinese)
        self.messages.append(message(mid, at(minutes), FACTORY, text, document(name, "packing list")))

    def invoice(self, mid: str, minutes: int, qty: dict[str, int] = PO_QTY) -> None:
        invoice_xlsx(self.folder / "CI_PO-1001.xlsx", qty)
        self.messages.append(message(mid, at(minutes), FACTORY, "PO-1001 commercial invoice attached",
                                     document("CI_PO-1001.xlsx", "commercial invoice")))

    def carton_labels(self, minutes: int, ssccs: list[str] = SSCCS) -> list[str]:
        """One label photo a carton (cartons 1-3 red pots, 4-5 blue pots); returns the messages' ids."""
        skus = [sku for sku, _, cartons in PO_LINES for _ in range(cartons)]
        ids = []
        for number, (sscc, sku) in enumerate(zip(ssccs, skus, strict=True), 1):
            name = f"IMG_label_{number}.jpg"
            (self.folder / name).write_bytes(label_jpeg(sscc, sku))
            mid = f"label-{number}"
            self.messages.append(message(mid, at(minutes + number), FACTORY,
                                         f"PO-1001 {sku} carton {number} label, SSCC 箱标",
                                         photo(name, scene_id=f"sc-label-{number}")))
            ids.append(mid)
        return ids

    def final_inspection_passed(self, mid: str, minutes: int) -> None:
        write_photo(self.folder / "IMG_final_inspection.jpg", color=(40, 160, 40), size=(96, 72))
        self.messages.append(message(mid, at(minutes), AGENT, "PO-1001 final inspection passed, AQL 2.5",
                                     photo("IMG_final_inspection.jpg", scene_id="sc-final")))

    def buyer(self, mid: str, minutes: int, text: str) -> None:
        self.messages.append(message(mid, at(minutes), BUYER, text))

    def container_loaded(self, mid: str, minutes: int) -> None:
        write_photo(self.folder / "IMG_container.jpg", color=(30, 60, 160), size=(96, 72))
        self.messages.append(message(mid, at(minutes), AGENT, "PO-1001 container loaded, 1x20GP sealed",
                                     photo("IMG_container.jpg", scene_id="sc-container")))

    def write(self) -> Path:
        return write_chat(self.folder / "messages.jsonl", self.messages)


def consistent_shipment(folder: Path, name: str = "PL_PO-1001.xlsx", *, chinese: bool = False) -> ShipmentChat:
    """Packing list and invoice matching the PO, every carton's label on the list, inspection passed, released."""
    chat = ShipmentChat(folder)
    chat.packing_list("pl", 0, name=name, chinese=chinese)
    chat.invoice("ci", 10)
    chat.carton_labels(60)
    chat.final_inspection_passed("final", 180)
    chat.buyer("release", 240, "/release PO-1001")
    return chat


# ---------------------------------------------------------------- running the product


def replay(ws: Workspace, chat: ShipmentChat) -> None:
    assert ws.run("orders", "import", write_order_book(ws.root / "orders.json")).code == 0
    assert ws.run("contacts", "import", write_contacts(ws.root / "contacts.json")).code == 0
    result = ws.run("replay", chat.write())
    assert result.code == 0, result.err
    assert " 0 failed" in result.out, result.out


def handover(ws: Workspace, *as_of: str) -> dict[str, Any]:
    result = ws.run("handover", "PO-1001", *(("--as-of", *as_of) if as_of else ()), "--format", "json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def checks(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    assert [c["name"] for c in report["checks"]] == CHECK_NAMES
    return {c["name"]: c for c in report["checks"]}


def failing(report: dict[str, Any]) -> list[str]:
    return [c["name"] for c in report["checks"] if not c["ok"]]


def exported(ws: Workspace) -> dict[str, dict[str, Any]]:
    out = ws.root / "export.jsonl"
    result = ws.run("evidence", "export", "--out", out)
    assert result.code == 0, result.err
    return {r["message_id"]: r for r in read_jsonl(out)}


def mismatch_risks(ws: Workspace, state: str = "open") -> list[dict[str, Any]]:
    result = ws.run("risks", "--order", "PO-1001", "--state", state, "--format", "json")
    assert result.code == 0, result.err
    return [r for r in json.loads(result.out) if r["kind"] == "document_mismatch"]


def dcsa_events(ws: Workspace) -> list[dict[str, Any]]:
    result = ws.run("events", "export", "--format", "dcsa", "--order", "PO-1001")
    assert result.code == 0, result.err
    return json.loads(result.out)


# ---------------------------------------------------------------- everything agrees


@pytest.mark.parametrize(("name", "chinese"), [("PL_PO-1001.xlsx", False), ("装箱单_PO-1001.xlsx", True),
                                               ("PL_PO-1001.csv", False)],
                         ids=["english-xlsx", "chinese-xlsx", "csv"])
def test_a_consistent_shipment_passes_every_check_and_is_ready(ws: Workspace, name: str, chinese: bool) -> None:
    replay(ws, consistent_shipment(ws.root / "factory_group", name, chinese=chinese))

    report = handover(ws)

    assert report["order"] == "PO-1001"
    assert failing(report) == []
    assert report["ready"] is True
    by_name = checks(report)
    assert by_name["pl_qty_vs_po"]["evidence"] == ["pl"]
    assert by_name["pl_vs_invoice"]["evidence"] == ["pl", "ci"]
    assert by_name["carton_count_vs_labels"]["detail"] == "packing list 5 cartons, 5 labels seen"
    assert {f"label-{n}" for n in range(1, 6)} <= set(by_name["label_sscc_on_list"]["evidence"])
    assert "release" in by_name["final_inspection_released"]["evidence"]
    records = exported(ws)
    assert [mid for mid, r in records.items() if r["exception"] == "document_mismatch"] == []
    assert records["pl"]["milestone"] == "freight_handover" and records["pl"]["order"] == "PO-1001"
    assert mismatch_risks(ws, "all") == []


def test_with_only_a_packing_list_each_check_with_nothing_to_compare_says_what_is_missing(ws: Workspace) -> None:
    chat = ShipmentChat(ws.root / "factory_group")
    chat.packing_list("pl", 0)
    replay(ws, chat)

    by_name = checks(report := handover(ws))

    assert report["ready"] is False
    assert by_name["pl_qty_vs_po"]["ok"] is True
    assert (by_name["pl_vs_invoice"]["ok"], by_name["pl_vs_invoice"]["detail"]) == (
        False, "no commercial invoice received yet")
    assert by_name["carton_count_vs_labels"]["ok"] is False
    assert "no carton label seen yet" in by_name["carton_count_vs_labels"]["detail"]
    assert (by_name["label_sscc_on_list"]["ok"], by_name["label_sscc_on_list"]["detail"]) == (
        False, "no carton label seen yet")
    assert (by_name["sscc_check_digit"]["ok"], by_name["sscc_check_digit"]["detail"]) == (
        False, "no carton label seen yet")
    assert (by_name["final_inspection_released"]["ok"], by_name["no_hold"]["ok"]) == (False, True)
    assert exported(ws)["pl"]["exception"] is None  # nothing to compare is not a disagreement


# ---------------------------------------------------------------- what disagrees, named on the message that brought it


def test_a_short_packed_sku_fails_pl_qty_vs_po_naming_the_sku_and_both_numbers(ws: Workspace) -> None:
    chat = ShipmentChat(ws.root / "factory_group")
    chat.packing_list("pl", 0, [(RED, 380, 3), (BLUE, 400, 2)])  # 1,140 red pots packed of 1,200 ordered
    chat.invoice("ci", 10)
    chat.carton_labels(60)
    replay(ws, chat)

    by_name = checks(report := handover(ws))

    short = by_name["pl_qty_vs_po"]
    assert short["ok"] is False
    assert short["detail"] == "RP-24-RED: packing list 1,140 pcs, PO 1,200 pcs"
    assert short["evidence"] == ["pl"]
    assert by_name["pl_vs_invoice"]["ok"] is False
    assert by_name["pl_vs_invoice"]["detail"] == "RP-24-RED: packing list 1,140 pcs, invoice 1,200 pcs"
    assert report["ready"] is False
    records = exported(ws)
    assert (records["pl"]["exception"], records["pl"]["milestone"]) == ("document_mismatch", "freight_handover")
    assert records["pl"]["evidence"] is True
    (risk,) = mismatch_risks(ws)  # the invoice that disagrees with the list joins the same risk
    assert (risk["summary"], risk["opened_by"], risk["milestone"]) == (short["detail"], "pl", "freight_handover")
    assert risk["messages"] == ["pl", "ci"]


def test_a_packing_list_that_disagrees_with_the_earlier_invoice_is_flagged_on_its_message(ws: Workspace) -> None:
    chat = ShipmentChat(ws.root / "factory_group")
    chat.invoice("ci", 0, {RED: 1200, BLUE: 850})
    chat.packing_list("pl", 10)
    replay(ws, chat)

    by_name = checks(handover(ws))

    assert by_name["pl_qty_vs_po"]["ok"] is True
    assert by_name["pl_vs_invoice"]["ok"] is False
    assert by_name["pl_vs_invoice"]["detail"] == "BP-28-BLU: packing list 800 pcs, invoice 850 pcs"
    assert by_name["pl_vs_invoice"]["evidence"] == ["pl", "ci"]
    records = exported(ws)
    assert (records["pl"]["exception"], records["pl"]["milestone"]) == ("document_mismatch", "freight_handover")
    assert [r["summary"] for r in mismatch_risks(ws)] == [by_name["pl_vs_invoice"]["detail"]]


def test_a_label_whose_sscc_is_not_on_the_list_fails_on_that_photos_message(ws: Workspace) -> None:
    chat = ShipmentChat(ws.root / "factory_group")
    chat.packing_list("pl", 0)
    chat.invoice("ci", 10)
    chat.carton_labels(60, [*SSCCS[:4], STRAY_SSCC])  # carton 5 carries a label from another shipment
    replay(ws, chat)

    by_name = checks(report := handover(ws))

    stray = by_name["label_sscc_on_list"]
    assert stray["ok"] is False
    assert stray["detail"] == f"SSCC {STRAY_SSCC} (label in label-5) is not on the packing list"
    assert "label-5" in stray["evidence"]
    assert by_name["carton_count_vs_labels"]["ok"] is False
    assert SSCCS[4] in by_name["carton_count_vs_labels"]["detail"]  # the listed carton no label was seen for
    assert by_name["sscc_check_digit"]["ok"] is True
    assert report["ready"] is False
    records = exported(ws)
    assert (records["label-5"]["exception"], records["label-5"]["milestone"]) == (
        "document_mismatch", "freight_handover")
    assert [records[f"label-{n}"]["exception"] for n in range(1, 5)] == [None] * 4
    assert [(r["summary"], r["opened_by"]) for r in mismatch_risks(ws)] == [(stray["detail"], "label-5")]


def test_a_label_with_a_wrong_check_digit_fails_sscc_check_digit_naming_the_sscc(ws: Workspace) -> None:
    misprinted = wrong_check_digit(SSCCS[1])
    cartons = [SSCCS[0], misprinted, *SSCCS[2:]]  # typed by hand into the label software and onto the list
    chat = ShipmentChat(ws.root / "factory_group")
    chat.packing_list("pl", 0, ssccs=cartons)
    chat.invoice("ci", 10)
    chat.carton_labels(60, cartons)
    replay(ws, chat)

    by_name = checks(report := handover(ws))

    digit = by_name["sscc_check_digit"]
    assert digit["ok"] is False
    assert digit["detail"] == f"SSCC {misprinted} (label in label-2) has a wrong check digit"
    assert digit["evidence"] == ["label-2"]
    assert by_name["label_sscc_on_list"]["ok"] is True
    assert report["ready"] is False
    records = exported(ws)
    assert (records["label-2"]["exception"], records["label-2"]["milestone"]) == (
        "document_mismatch", "freight_handover")
    assert records["label-1"]["exception"] is None
    assert [(r["summary"], r["opened_by"]) for r in mismatch_risks(ws)] == [(digit["detail"], "label-2")]


# ---------------------------------------------------------------- the fix, the release, the hold


@pytest.mark.parametrize(("name", "title"), [("PL_PO-1001_v2.xlsx", "PACKING LIST"),
                                             ("PL_PO-1001_corrected.xlsx", "PACKING LIST V2")],
                         ids=["v2-in-file-name", "v2-in-title"])
def test_a_corrected_v2_packing_list_clears_pl_qty_vs_po(ws: Workspace, name: str, title: str) -> None:
    chat = ShipmentChat(ws.root / "factory_group")
    chat.packing_list("pl", 0, [(RED, 380, 3), (BLUE, 400, 2)], name="PL_PO-1001_v1.xlsx")
    chat.invoice("ci", 10)
    chat.packing_list("pl-v2", 120, name=name, title=title, text="PO-1001 packing list attached")
    replay(ws, chat)

    by_name = checks(handover(ws))

    assert by_name["pl_qty_vs_po"]["ok"] is True, by_name["pl_qty_vs_po"]
    assert by_name["pl_qty_vs_po"]["evidence"] == ["pl-v2"]
    assert by_name["pl_vs_invoice"]["ok"] is True, by_name["pl_vs_invoice"]
    records = exported(ws)
    assert records["pl"]["exception"] == "document_mismatch"  # the first list stays a mismatch on its message
    assert records["pl-v2"]["exception"] is None


@pytest.mark.parametrize("text", ["PO-1001 packing list V2 attached", "PO-1001 corrected packing list attached"])
def test_a_corrected_packing_list_that_matches_closes_the_mismatch_risk(ws: Workspace, text: str) -> None:
    chat = ShipmentChat(ws.root / "factory_group")
    chat.packing_list("pl", 0, [(RED, 380, 3), (BLUE, 400, 2)], name="PL_PO-1001_v1.xlsx")
    chat.invoice("ci", 10)
    chat.packing_list("pl-v2", 120, name="PL_PO-1001_v2.xlsx", text=text)
    replay(ws, chat)

    assert checks(handover(ws))["pl_qty_vs_po"]["ok"] is True
    (risk,) = mismatch_risks(ws, "all")
    assert (risk["opened_by"], risk["state"], risk["closed_by"]) == ("pl", "closed", "pl-v2")
    assert exported(ws)["pl-v2"]["exception"] is None


def test_before_the_fix_and_the_release_the_order_is_not_ready_and_after_both_it_is(ws: Workspace) -> None:
    chat = ShipmentChat(ws.root / "factory_group")
    chat.packing_list("pl", 0, [(RED, 380, 3), (BLUE, 400, 2)])
    chat.invoice("ci", 10)
    chat.carton_labels(60)
    chat.packing_list("pl-v2", 120, name="PL_PO-1001_v2.xlsx", text="PO-1001 packing list V2 attached")
    chat.final_inspection_passed("final", 180)
    chat.buyer("release", 240, "/release PO-1001")
    replay(ws, chat)

    before = handover(ws, at(100).isoformat())
    after = handover(ws, at(300).isoformat())

    assert before["ready"] is False
    assert failing(before) == ["pl_qty_vs_po", "pl_vs_invoice", "final_inspection_released"]
    assert checks(before)["pl_qty_vs_po"]["detail"] == "RP-24-RED: packing list 1,140 pcs, PO 1,200 pcs"
    assert after["ready"] is True
    assert failing(after) == []
    assert handover(ws)["ready"] is True  # as of now


def test_a_standing_hold_fails_no_hold_until_the_buyer_lifts_it(ws: Workspace) -> None:
    chat = consistent_shipment(ws.root / "factory_group")
    chat.buyer("hold", 300, "/hold PO-1001")
    chat.buyer("lift", 400, "/lift PO-1001")
    replay(ws, chat)

    held = handover(ws, at(350).isoformat())
    lifted = handover(ws, at(450).isoformat())

    assert held["ready"] is False
    assert failing(held) == ["no_hold"]
    assert checks(held)["no_hold"]["evidence"] == ["hold"]
    assert lifted["ready"] is True
    assert checks(lifted)["no_hold"]["ok"] is True


# ---------------------------------------------------------------- the handover as DCSA events


def test_events_export_gives_dcsa_shaped_events_citing_messages_that_exist(ws: Workspace) -> None:
    chat = consistent_shipment(ws.root / "factory_group")
    chat.container_loaded("loaded", 300)
    replay(ws, chat)

    events = dcsa_events(ws)

    records = exported(ws)
    assert events
    type_code = {"SHIPMENT": "shipmentEventTypeCode", "TRANSPORT": "transportEventTypeCode",
                 "EQUIPMENT": "equipmentEventTypeCode"}
    for event in events:
        assert event["eventType"] in type_code, event
        assert event[type_code[event["eventType"]]], event
        assert event["eventClassifierCode"] in ("ACT", "PLN", "EST"), event
        assert dt.datetime.fromisoformat(event["eventDateTime"]).tzinfo is not None, event
        assert dt.datetime.fromisoformat(event["eventCreatedDateTime"]).tzinfo is not None, event
        assert event["references"] == [{"type": "PO", "value": "PO-1001"}], event
        assert event["x-orderproof-evidence"], event
        assert set(event["x-orderproof-evidence"]) <= records.keys(), event
    assert len({e["eventID"] for e in events}) == len(events)
    instants = [dt.datetime.fromisoformat(e["eventDateTime"]) for e in events]
    assert instants == sorted(instants)
    cited = {(e["eventType"], e[type_code[e["eventType"]]], m) for e in events for m in e["x-orderproof-evidence"]}
    assert {("SHIPMENT", "RECE", "pl"), ("SHIPMENT", "RECE", "ci"), ("SHIPMENT", "CONF", "label-1"),
            ("EQUIPMENT", "LOAD", "loaded")} <= cited
    received = next(e for e in events if e["x-orderproof-evidence"] == ["pl"])
    assert dt.datetime.fromisoformat(received["eventDateTime"]) == at(0)
    assert [e["eventID"] for e in dcsa_events(ws)] == [e["eventID"] for e in events]  # stable across exports

