"""Benchmark: one buyer's digest (`assemble_digest` + `to_json` + `to_text`) on SQLite as the order book grows.

    python bench/digest.py [--quick] [--runs 5] [--evidence-per-order 50] [--risks-per-order 3] [--keep DIR]

For each size (250, 500 and 1,000 open orders; `--quick`: 250 only) it builds a fresh SQLite file: the orders and
contacts go in through `bot.services.import_orders` / `import_contacts` (one buyer assigned to every order), then
50 evidence messages per order (inbound_messages + evidence rows, a photo attachment on every fifth) and a few
risks per order (risks + risk_messages, some of them closed) are bulk-inserted with SQLAlchemy core. The tagger is
not run: this measures the digest, not the tagging.

It prints, per size: orders, evidence rows, the digest build time (median of `--runs` runs, each with a fresh
session) and its peak memory (tracemalloc, in a separate run), then the ratio of the 1,000-order time to the
250-order time (the baseline, measured in the same run; linear growth would be 4.0) and whether the 1,000-order
digest met the goal of 1 s.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session
from workdir import work_dir  # bench/ is on sys.path when a benchmark runs as a script

from bot.digests.assemble import assemble_digest
from bot.digests.render import to_json, to_text
from bot.services import import_contacts, import_orders
from parsers.orderbook import MILESTONES
from store.book_repo import load_book
from store.db import open_database
from store.models import AttachmentRow, Evidence, InboundRow, Risk, RiskMessage

SIZES = (250, 500, 1000)
GOAL_S = 1.0  # seconds for the 1,000-order digest
BUYER, FACTORY, AGENT, INSPECTOR, FORWARDER = "emma.clarke", "li.qiang", "tom.wu", "zhao.min", "liu.yang"
AS_OF = dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC)
START = dt.datetime(2026, 4, 1, 1, 0, tzinfo=dt.UTC)
RISK_KINDS = (("defect", "major", "rework_photo"), ("delay", "major", "revised_date_photo"),
              ("material_shortage", "major", "material_photo"), ("document_mismatch", "critical",
                                                                  "corrected_document"),
              ("spec_change", "minor", "buyer_acceptance"))
TEXTS = ("{po} 红锅上釉第二遍", "{po} RP-24-RED inline check done, 120 pcs OK", "{po} 材料到齐了",
         "{po} cartons printed, 300 so far", "{po} final inspection passed, report attached",
         "Booking for {po} confirmed")
CHUNK = 2000  # rows per executemany


def make_book(n_orders: int, rng: random.Random) -> tuple[dict[str, Any], dict[str, Any]]:
    """`n_orders` open orders, planned over spring and summer, and five people each assigned to every order."""
    orders = []
    for i in range(n_orders):
        start = dt.date(2026, 4, 1) + dt.timedelta(days=i % 90)
        orders.append({
            "po": f"PO-{100000 + i}", "buyer": "Hearth & Table Ltd (UK)",
            "factory": "Yongkang Hengli Cookware (永康恒力炊具)", "status": "open", "incoterm": "FOB Ningbo",
            "destination": "Felixstowe, UK", "ship_date": str(start + dt.timedelta(days=70)),
            "skus": [{"sku": f"RP-24-RED-{i:04d}", "description": "enamel pot 24cm red / 红锅",
                      "qty": rng.randrange(500, 6000, 100)},
                     {"sku": f"BP-28-BLU-{i:04d}", "description": "enamel pot 28cm blue / 蓝锅",
                      "qty": rng.randrange(500, 6000, 100)}],
            "milestones": {m: str(start + dt.timedelta(days=12 * k)) for k, m in enumerate(MILESTONES)},
        })
    pos = [o["po"] for o in orders]
    people = [(FACTORY, "李强 / Li Qiang", "factory", "Asia/Shanghai", "zh"),
              (AGENT, "吴涛 / Tom Wu", "agent", "Asia/Shanghai", "en"),
              (INSPECTOR, "赵敏 / Zhao Min", "inspector", "Asia/Shanghai", "zh"),
              (FORWARDER, "刘洋 / Liu Yang", "forwarder", "Asia/Shanghai", "zh"),
              (BUYER, "Emma Clarke", "buyer", "Europe/London", "en")]
    contacts = [{"id": cid, "name": name, "phone": f"+86 139 0000 {1000 + k}", "role": role, "timezone": tz,
                 "language": lang, "orders": pos} for k, (cid, name, role, tz, lang) in enumerate(people)]
    return {"orders": orders}, {"contacts": contacts}


def bulk_insert(engine: Engine, table: Any, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as conn:
        for i in range(0, len(rows), CHUNK):
            conn.execute(insert(table), rows[i:i + CHUNK])


def fill(engine: Engine, book: dict[str, Any], per_order: int, risks_per_order: int, rng: random.Random) -> int:
    """Bulk-insert the evidence messages and risks of every order; returns the evidence rows written."""
    inbound, evidence, attachments, risks, members = [], [], [], [], []
    next_id = 1
    span = (AS_OF - START).total_seconds() - 3600
    for k, order in enumerate(book["orders"]):
        po, skus = order["po"], [s["sku"] for s in order["skus"]]
        chat = f"factory_group_{k % 20}"
        times = sorted(START + dt.timedelta(seconds=rng.uniform(0, span)) for _ in range(per_order))
        ids = []
        for j, at in enumerate(times):
            mid = next_id
            next_id += 1
            ids.append(mid)
            # evidence moves through the milestones as the order progresses
            milestone = MILESTONES[min(len(MILESTONES) - 1, j * len(MILESTONES) // per_order)]
            photo = j % 5 == 0
            sender = FORWARDER if milestone == "freight_handover" else FACTORY
            inbound.append({"id": mid, "channel": "replay", "chat": chat, "message_id": f"{po}-m{j:03d}",
                            "sender": sender, "contact_id": sender, "received_at": at,
                            "text": rng.choice(TEXTS).format(po=po), "raw": {}, "state": "processed",
                            "error": None, "notify": False, "attempts": 1, "processed_at": at})
            evidence.append({"inbound_id": mid, "evidence": True, "order_po": po, "resolved_order": None,
                             "ambiguous": False, "candidates": [], "sku": rng.choice(skus), "focus_sku": None,
                             "milestone": milestone, "exception": None, "decision_needed": None,
                             "decision_given": None, "evidence_date": at.date(),
                             "date_source": "exif" if photo and j % 10 else "message", "stale": j % 47 == 46,
                             "recycled": False, "dates_mentioned": [], "flags": [], "received_at": at,
                             "tagged_at": at})
            if photo:
                attachments.append({"inbound_id": mid, "position": 0, "kind": "photo",
                                    "original_name": f"IMG_{mid}.jpg", "sha256": f"{mid:064x}", "mime": "image/jpeg",
                                    "size": 40_000, "path": f"{mid:064x}.jpg", "phash": f"{mid:016x}",
                                    "captured_local": at.strftime("%Y-%m-%d %H:%M:%S"), "captured_offset_min": 480,
                                    "camera": None, "error": None})
        for r in range(risks_per_order):
            kind, severity, proof = RISK_KINDS[(k + r) % len(RISK_KINDS)]
            j = rng.randrange(per_order - 3)
            opener, at = ids[j], times[j]
            ev = evidence[opener - 1]
            ev["exception"] = kind
            closed = r == 0  # the oldest risk of every order was closed by a later message
            rid = len(risks) + 1
            risks.append({"id": rid, "kind": kind, "severity": severity, "order_po": po,
                          "milestone": ev["milestone"], "owner_contact_id": FACTORY, "owner_role": "factory",
                          "due": at.date() + dt.timedelta(days=3), "proof_required": proof,
                          "state": "closed" if closed else "open", "summary": f"{po} {kind} reported",
                          "chat": chat, "rule": None, "revised_date": None, "no_buffer": False,
                          "decision_needed": "rework" if kind == "defect" else None, "opened_by": opener,
                          "closed_by": ids[j + 3] if closed else None, "opened_at": at,
                          "closed_at": times[j + 3] if closed else None})
            members += [{"risk_id": rid, "inbound_id": ids[j + d]} for d in (0, 1, 2)]
    bulk_insert(engine, InboundRow.__table__, inbound)
    bulk_insert(engine, Evidence.__table__, evidence)
    bulk_insert(engine, AttachmentRow.__table__, attachments)
    bulk_insert(engine, Risk.__table__, risks)
    bulk_insert(engine, RiskMessage.__table__, members)
    return len(evidence)


def build(work: Path, n_orders: int, per_order: int, risks_per_order: int) -> tuple[Engine, int]:
    """A fresh SQLite file with `n_orders` orders and their evidence."""
    path = work / f"digest-{n_orders}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = open_database(f"sqlite:///{path}")
    rng = random.Random(20260901 + n_orders)
    orders, contacts = make_book(n_orders, rng)
    import_orders(engine, orders)
    import_contacts(engine, contacts)
    return engine, fill(engine, orders, per_order, risks_per_order, rng)


def digest_once(engine: Engine) -> tuple[float, dict[str, Any], str]:
    """One digest as the command builds it (fresh session, book already loaded); returns seconds and outputs."""
    with Session(engine) as session:
        book = load_book(session)
        t0 = time.perf_counter()
        digest = assemble_digest(session, book, BUYER, AS_OF, AS_OF.isoformat())
        doc = to_json(digest)
        text = to_text(digest, book)
        return time.perf_counter() - t0, doc, text


def peak_memory(engine: Engine) -> int:
    """Peak bytes allocated by Python during one digest (tracemalloc, which slows it: timed separately)."""
    with Session(engine) as session:
        book = load_book(session)
        tracemalloc.start()
        try:
            digest = assemble_digest(session, book, BUYER, AS_OF, AS_OF.isoformat())
            to_json(digest)
            to_text(digest, book)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


def measure(work: Path, n_orders: int, args: argparse.Namespace) -> dict[str, Any]:
    t0 = time.perf_counter()
    engine, n_evidence = build(work, n_orders, args.evidence_per_order, args.risks_per_order)
    built = time.perf_counter() - t0
    try:
        times = []
        for _ in range(args.runs):
            seconds, doc, text = digest_once(engine)
            times.append(seconds)
        if len(doc["orders"]) != n_orders or any(len(o["milestones"]) != len(MILESTONES) for o in doc["orders"]):
            sys.exit(f"bench: the digest of {n_orders} orders has {len(doc['orders'])} orders")
        peak = peak_memory(engine)
    finally:
        engine.dispose()
    return {"orders": n_orders, "evidence": n_evidence, "built_s": built, "median_s": statistics.median(times),
            "min_s": min(times), "peak_mb": peak / 2**20, "exceptions": len(doc["exceptions"]),
            "json_kb": len(json.dumps(doc, ensure_ascii=False)) / 1024, "text_lines": text.count("\n") + 1}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="250 orders only")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per size (the median is reported)")
    ap.add_argument("--evidence-per-order", type=int, default=50)
    ap.add_argument("--risks-per-order", type=int, default=3)
    ap.add_argument("--keep", metavar="DIR", help="work in DIR and keep the databases (default: a temp dir)")
    args = ap.parse_args(argv)
    if args.evidence_per_order < 6 or not 1 <= args.risks_per_order <= len(RISK_KINDS):
        ap.error(f"--evidence-per-order must be >= 6 and --risks-per-order 1..{len(RISK_KINDS)}")
    sizes = SIZES[:1] if args.quick else SIZES

    with contextlib.ExitStack() as stack:
        work = work_dir(stack, args.keep, "op-bench-digest-")
        for name in ("ORDERPROOF_DATABASE_URL", "ORDERPROOF_STORE_URL", "ORDERPROOF_CONFIG"):
            os.environ.pop(name, None)
        print(f"digest of one buyer on SQLite, {args.evidence_per_order} evidence messages and "
              f"{args.risks_per_order} risks per order, median of {args.runs} runs, under {work}")
        results = []
        for n in sizes:
            r = measure(work, n, args)
            results.append(r)
            print(f"  {r['orders']:>5,} orders  {r['evidence']:>7,} evidence rows  digest {r['median_s']:7.3f} s "
                  f"(min {r['min_s']:.3f})  peak {r['peak_mb']:7.1f} MiB  "
                  f"[{r['exceptions']:,} exceptions, JSON {r['json_kb']:,.0f} KiB, {r['text_lines']:,} text lines;"
                  f" data built in {r['built_s']:.1f} s]")

    print()
    base = results[0]
    print(f"{'orders':>7} {'evidence':>9} {'median s':>9} {'peak MiB':>9} {'vs 250':>7}")
    for r in results:
        print(f"{r['orders']:>7,} {r['evidence']:>9,} {r['median_s']:>9.3f} {r['peak_mb']:>9.1f} "
              f"{r['median_s'] / base['median_s']:>6.1f}x")
    if len(results) < len(SIZES):
        print(f"(--quick: 250 orders only; no ratio and no verdict on the {GOAL_S:.0f} s goal at 1,000 orders)")
        return 0
    top = results[-1]
    ratio = top["median_s"] / base["median_s"]
    print(f"ratio 1,000 / 250 orders: {ratio:.1f}x (linear would be 4.0x)")
    met = top["median_s"] <= GOAL_S
    print(f"goal (1,000 orders <= {GOAL_S:.0f} s): " + ("met" if met else f"MISSED, {top['median_s']:.2f} s "
                                                          f"({top['median_s'] / GOAL_S:.1f}x the goal)"))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
