"""May the goods move? Packing list, invoice, carton labels, marks, inspection and holds checked together (pure)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

CHECKS = ("pl_qty_vs_po", "pl_vs_invoice", "carton_count_vs_labels", "label_sscc_on_list", "sscc_check_digit",
          "marks_sku_vs_po", "final_inspection_released", "no_hold")


@dataclass(frozen=True)
class Doc:
    """A packing list or invoice as received: quantities and cartons by SKU, its SSCC list, its message."""

    message_id: str
    qty: Mapping[str, int]
    cartons: int | None
    ssccs: tuple[str, ...] = ()
    version: str | None = None


@dataclass(frozen=True)
class Label:
    sscc: str
    valid: bool
    message_id: str


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Handover:
    order: str
    checks: list[Check] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        """True only when every check passes."""
        return bool(self.checks) and all(c.ok for c in self.checks)


def _n(x: int) -> str:
    return f"{x:,}"


def qty_differences(left: Mapping[str, int], right: Mapping[str, int], left_name: str, right_name: str) -> list[str]:
    """Per SKU, where two quantity tables disagree, in words that name the SKU and both numbers."""
    out = []
    for sku in sorted(set(left) | set(right)):
        a, b = left.get(sku), right.get(sku)
        if a != b:
            out.append(f"{sku}: {left_name} {_n(a) if a is not None else 'none'} pcs, "
                       f"{right_name} {_n(b) if b is not None else 'none'} pcs")
    return out


def check_packing_list(pl: Doc | None, po_qty: Mapping[str, int]) -> Check:
    """The packing list's quantity per SKU against the PO."""
    if pl is None:
        return Check("pl_qty_vs_po", False, "no packing list received yet")
    if not pl.qty:
        return Check("pl_qty_vs_po", False, f"the packing list in {pl.message_id} lists no SKU quantities",
                     (pl.message_id,))
    diffs = qty_differences(pl.qty, po_qty, "packing list", "PO")
    return Check("pl_qty_vs_po", not diffs, "; ".join(diffs) or "packing list quantities match the PO",
                 (pl.message_id,))


def check_invoice(pl: Doc | None, invoice: Doc | None) -> Check:
    """The packing list against the commercial invoice: same SKUs, same quantities."""
    missing = [what for what, d in (("packing list", pl), ("commercial invoice", invoice)) if d is None]
    if missing:
        return Check("pl_vs_invoice", False, f"no {' and no '.join(missing)} received yet",
                     tuple(d.message_id for d in (pl, invoice) if d))
    diffs = qty_differences(pl.qty, invoice.qty, "packing list", "invoice")
    return Check("pl_vs_invoice", not diffs, "; ".join(diffs) or "packing list and invoice agree",
                 (pl.message_id, invoice.message_id))


def check_labels(pl: Doc | None, labels: Sequence[Label]) -> list[Check]:
    """Carton count and SSCCs on the list against the labels seen; labels not on the list; check digits."""
    seen = {lb.sscc: lb for lb in labels}
    label_ids = tuple(dict.fromkeys(lb.message_id for lb in labels))
    out = []
    if pl is None or pl.cartons is None:
        out.append(Check("carton_count_vs_labels", False, "no packing list with a carton count received yet",
                         label_ids))
    elif not labels:
        out.append(Check("carton_count_vs_labels", False,
                         f"packing list {_n(pl.cartons)} cartons, no carton label seen yet", (pl.message_id,)))
    else:
        unseen = [s for s in pl.ssccs if s not in seen]
        ok = len(seen) == pl.cartons and not unseen
        detail = f"packing list {_n(pl.cartons)} cartons, {_n(len(seen))} labels seen"
        if unseen:
            detail += f"; not seen: {', '.join(unseen[:5])}{' …' if len(unseen) > 5 else ''}"
        out.append(Check("carton_count_vs_labels", ok, detail, (pl.message_id, *label_ids)))
    if not labels:
        out.append(Check("label_sscc_on_list", False, "no carton label seen yet"))
    elif pl is None or not pl.ssccs:
        out.append(Check("label_sscc_on_list", False, "the packing list has no SSCC list to check the labels against",
                         label_ids))
    else:
        stray = [lb for lb in labels if lb.sscc not in pl.ssccs]
        out.append(Check("label_sscc_on_list", not stray,
                         "; ".join(f"SSCC {lb.sscc} (label in {lb.message_id}) is not on the packing list"
                                   for lb in stray) or "every label's SSCC is on the packing list",
                         (pl.message_id, *(dict.fromkeys(lb.message_id for lb in stray) or label_ids))))
    if not labels:
        out.append(Check("sscc_check_digit", False, "no carton label seen yet"))
    else:
        bad = [lb for lb in labels if not lb.valid]
        out.append(Check("sscc_check_digit", not bad,
                         "; ".join(f"SSCC {lb.sscc} (label in {lb.message_id}) has a wrong check digit"
                                   for lb in bad) or "every SSCC check digit is right",
                         tuple(dict.fromkeys(lb.message_id for lb in bad)) or label_ids))
    return out


def check_marks(marks: Sequence[tuple[str, str]], po_skus: Sequence[str]) -> Check:
    """The SKUs on the shipping marks against the PO: (sku, message id) of every mark seen."""
    if not marks:
        return Check("marks_sku_vs_po", False, "no shipping mark seen yet")
    wrong = [(sku, mid) for sku, mid in marks if sku not in po_skus]
    return Check("marks_sku_vs_po", not wrong,
                 "; ".join(f"shipping mark in {mid} shows SKU {sku}, which is not on the PO ({', '.join(po_skus)})"
                           for sku, mid in wrong) or "shipping marks show the PO's SKUs",
                 tuple(dict.fromkeys(mid for _, mid in (wrong or marks))))


def assess_handover(order: str, po_qty: Mapping[str, int], pl: Doc | None, invoice: Doc | None,
                    labels: Sequence[Label], marks: Sequence[tuple[str, str]], released: tuple[str, ...],
                    hold: tuple[str, ...]) -> Handover:
    """Every handover check for one order: `released` holds the messages that released final inspection (empty
    when it is not released), `hold` the message of a standing hold (empty when none)."""
    checks = [check_packing_list(pl, po_qty), check_invoice(pl, invoice), *check_labels(pl, labels),
              check_marks(marks, list(po_qty)),
              Check("final_inspection_released", bool(released),
                    "final inspection released" if released else "final inspection not released yet", released),
              Check("no_hold", not hold, "a buyer's hold stands: lift it first" if hold else "no hold stands", hold)]
    return Handover(order, checks)
