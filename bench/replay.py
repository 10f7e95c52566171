"""Benchmark: `orderproof replay` of a generated 20,000-message text chat, against a bare SQLite INSERT baseline.

    python bench/replay.py [--messages 20000] [--keep DIR] [--profile | --no-profile] [--profile-messages 5000]

It generates (deterministically) an order book, contacts and a text-only chat in the corpus schema: mixed English
and Chinese lines that mention POs (in their varied written forms), SKUs, nicknames, dates, and chatter. Then, in
the same run, it measures

  (a) `orderproof replay` end to end, in-process through `bot.cli.main`, into a fresh SQLite file (msg/s), and
  (b) a baseline: reading the same files and a batched `executemany` INSERT of the same rows into a bare SQLite
      table with the same columns (sqlite3 module, same pragmas),

and prints both figures and their ratio. When (a) is below the target (2,000 msg/s) it profiles a replay of
`--profile-messages` messages with cProfile and prints the top hotspots.
"""
from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import random
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

from workdir import work_dir  # bench/ is on sys.path when a benchmark runs as a script

TARGET = 2000.0  # msg/s for (a)
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
LONDON = dt.timezone(dt.timedelta(hours=1))

PRODUCTS = [  # (sku stem, English, Chinese nickname)
    ("EP-24-RED", "enamel cast-iron pot 24cm red", "红锅"), ("EP-28-BLU", "enamel cast-iron pot 28cm blue", "蓝锅"),
    ("EP-20-GRN", "enamel pot 20cm green", "绿锅"), ("SP-5SET-GRY", "silicone spatula set grey", "硅胶铲"),
    ("BB-40-NAT", "bamboo board 40cm", "竹板"), ("BB-40-GRV", "bamboo board grooved", "带槽竹板"),
    ("AP-NAT", "linen apron natural", "围裙"), ("TT-50-WHT", "tea towel white", "白毛巾"),
    ("KN-8-STL", "chef knife 8 inch", "厨师刀"), ("MG-350-BLU", "stoneware mug 350ml blue", "蓝釉杯"),
    ("PL-27-WHT", "dinner plate 27cm white", "白盘"), ("WK-32-BLK", "carbon steel wok 32cm", "黑炒锅"),
]
MILESTONES = ("po_lock", "material_readiness", "inline_production", "pre_packing", "final_inspection",
              "freight_handover")

EN_STATUS = [
    "{po} {sku} inline check done, {n} pcs OK", "Booking for {po} confirmed, ETD {date}",
    "{po} cartons printed, {n} of {qty} so far", "{po} final inspection passed, report attached",
    "Delay on {po}: glaze material arrived late, new finish date {date}", "{en} for {po} packed, {n} cartons",
    "please confirm release of {po}", "{po} shipping marks approved", "{short} {en}: colour trial OK",
    "Packing list for {po} sent, {n} cartons, invoice to follow", "{sku} defect found, {n} pcs scratched, sorting",
    "Container loaded for {po} on {date}", "{po} PO locked and signed by both sides",
]
ZH_STATUS = [
    "{po} {zh}上釉第二遍", "{short} {zh} 今天包装 {n} 件", "{sku} 外箱唛头样 请确认", "{po} 材料到齐了",
    "{zh}有色差，要不要返工？", "{short} 大货生产中，完成 {n} 件", "{po} 验货通过，{date} 装柜",
    "{zh} 印刷包装到了 {n} 个", "{po} 纸箱不够，还差 {n} 个", "{short}的{zh}明天开始包装",
]
CHATTER_EN = ["thanks", "ok noted", "👍", "good morning", "will check and revert", "call you in 5 min",
              "sounds good", "any update?"]
CHATTER_ZH = ["收到", "好的", "明天发照片", "👍", "辛苦了", "稍等", "我问一下", "端午放假三天"]


def po_forms(po: str) -> list[str]:
    """How people write a PO in chat: as booked, short digits, without the separator."""
    digits = "".join(c for c in po if c.isdigit())
    if po.startswith("KT-"):
        short = "KT" + digits[-4:]
    elif po.startswith("PO"):
        short = digits
    else:
        short = digits[-5:]
    return [po, po, short, po.replace("-", "").replace("#", "")]


def make_book(rng: random.Random, n_orders: int = 30) -> tuple[dict[str, Any], dict[str, Any]]:
    """An order book of `n_orders` orders (some closed) and the people who work on them."""
    orders = []
    for i in range(n_orders):
        style = i % 4
        po = [f"PO-{55100 + i}", f"PO#{7700 + i}", f"45000{98700 + i}", f"KT-2026-{i:04d}"][style]
        lines = rng.sample(PRODUCTS, 3)
        start = dt.date(2026, 4, 1) + dt.timedelta(days=3 * i)
        orders.append({
            "po": po, "buyer": "Hearth & Table Ltd (UK)" if i % 2 else "Pinecrest Home Goods Inc. (US)",
            "factory": "Yongkang Hengli Cookware (永康恒力炊具)", "status": "closed" if i % 7 == 6 else "open",
            "incoterm": "FOB Ningbo", "destination": "Felixstowe, UK", "ship_date": str(start + dt.timedelta(60)),
            "skus": [{"sku": f"{stem}-{i:02d}" if j else stem, "description": f"{en} / {zh}",
                      "qty": rng.randrange(500, 6000, 100)} for j, (stem, en, zh) in enumerate(lines)],
            "milestones": {m: str(start + dt.timedelta(days=10 * k)) for k, m in enumerate(MILESTONES)},
        })
    pos = [o["po"] for o in orders]
    people = [("wang.fang", "factory", "Asia/Shanghai", "zh"), ("li.qiang", "factory", "Asia/Shanghai", "zh"),
              ("zhao.min", "inspector", "Asia/Shanghai", "zh"), ("jack.chen", "agent", "Asia/Shanghai", "en"),
              ("liu.yang", "forwarder", "Asia/Shanghai", "zh"), ("sun.li", "packaging_vendor", "Asia/Shanghai", "zh"),
              ("emma.clarke", "buyer", "Europe/London", "en"), ("jason.miller", "buyer", "America/New_York", "en")]
    contacts = [{"id": cid, "name": cid, "phone": f"+86 139 0000 {1000 + k}", "role": role, "timezone": tz,
                 "language": lang, "orders": pos} for k, (cid, role, tz, lang) in enumerate(people)]
    return {"orders": orders}, {"contacts": contacts}


CHATS = {  # chat -> (members, share of the messages)
    "factory_group": (["wang.fang", "li.qiang", "zhao.min", "jack.chen", "sun.li"], 0.5),
    "agent_buyer": (["jack.chen", "emma.clarke", "jason.miller"], 0.3),
    "forwarder_docs": (["liu.yang", "jack.chen"], 0.2),
}


def make_line(rng: random.Random, sender: dict[str, Any], orders: list[dict[str, Any]], at: dt.datetime) -> str:
    """One chat line in the sender's language: mostly status about an order, sometimes chatter."""
    zh = sender["language"] == "zh"
    if rng.random() < 0.3:
        return rng.choice(CHATTER_ZH if zh else CHATTER_EN)
    order = rng.choice(orders)
    sku = rng.choice(order["skus"])
    en, zh_name = sku["description"].split(" / ", 1)
    forms = po_forms(order["po"])
    when = at.date() + dt.timedelta(days=rng.randrange(1, 20))
    date = f"{when.month}月{when.day}日" if zh else rng.choice([when.isoformat(), f"{when:%B} {when.day}"])
    template = rng.choice(ZH_STATUS if zh else EN_STATUS)
    return template.format(po=rng.choice(forms), short=forms[2], sku=sku["sku"], en=en, zh=zh_name,
                           n=rng.randrange(10, 2000), qty=sku["qty"], date=date)


def generate(folder: Path, n: int, seed: int = 20260609) -> tuple[Path, Path, list[Path]]:
    """Write orders.json, contacts.json and chats/<chat>/messages.jsonl under `folder`; n messages in total."""
    rng = random.Random(seed)
    book, people = make_book(rng)
    folder.mkdir(parents=True, exist_ok=True)
    orders_file, contacts_file = folder / "orders.json", folder / "contacts.json"
    orders_file.write_text(json.dumps(book, ensure_ascii=False), encoding="utf-8")
    contacts_file.write_text(json.dumps(people, ensure_ascii=False), encoding="utf-8")
    by_id = {c["id"]: c for c in people["contacts"]}
    files = []
    written = 0
    for k, (chat, (members, share)) in enumerate(CHATS.items()):
        count = n - written if k == len(CHATS) - 1 else int(n * share)
        at = dt.datetime(2026, 4, 20, 8, 0, tzinfo=SHANGHAI) + dt.timedelta(seconds=17 * k)
        path = folder / "chats" / chat / "messages.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as fh:
            for i in range(count):
                at += dt.timedelta(seconds=rng.randrange(20, 400))
                sender = by_id[rng.choice(members)]
                local = at.astimezone(LONDON) if sender["timezone"] == "Europe/London" else at
                fh.write(json.dumps({"id": f"{chat}-{i + 1:05d}", "ts": local.isoformat(), "sender": sender["id"],
                                     "text": make_line(rng, sender, book["orders"], at), "attachment": None},
                                    ensure_ascii=False) + "\n")
        written += count
        files.append(path)
    return orders_file, contacts_file, files


def cli(*args: str | os.PathLike[str]) -> tuple[int, str, str]:
    """`orderproof ARGS` in this process, output captured."""
    from bot.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def prepare_db(work: Path, name: str, orders: Path, contacts: Path) -> str:
    url = f"sqlite:///{work / name}"
    for args in (("orders", "import", orders), ("contacts", "import", contacts)):
        code, _, err = cli("--db", url, *args)
        if code:
            sys.exit(f"bench: {args[0]} import failed: {err}")
    return url


def measure_replay(work: Path, orders: Path, contacts: Path, chats: list[Path], n: int) -> float:
    """(a): seconds for `orderproof replay` of every chat in one call, into a fresh SQLite file."""
    url = prepare_db(work, "replay.db", orders, contacts)
    t0 = time.perf_counter()
    code, out, err = cli("--db", url, "replay", *chats)
    elapsed = time.perf_counter() - t0
    if code:
        sys.exit(f"bench: replay failed ({code}): {out}{err}")
    print(f"  {out.strip()}")
    with contextlib.closing(sqlite3.connect(work / "replay.db")) as conn:
        stored, processed = conn.execute(
            "SELECT count(*), sum(state = 'processed') FROM inbound_messages").fetchone()
    if (stored, processed) != (n, n):
        sys.exit(f"bench: replay stored {stored} and processed {processed} of {n} messages")
    return elapsed


BASELINE_SCHEMA = """
CREATE TABLE inbound_messages (
    id INTEGER PRIMARY KEY, channel TEXT NOT NULL, chat TEXT NOT NULL, message_id TEXT NOT NULL,
    sender TEXT NOT NULL, contact_id TEXT, received_at DATETIME NOT NULL, text TEXT NOT NULL, raw JSON NOT NULL,
    state TEXT NOT NULL, error TEXT, notify BOOLEAN NOT NULL, attempts INTEGER NOT NULL, processed_at DATETIME,
    UNIQUE (channel, chat, message_id))
"""


def measure_baseline(work: Path, chats: list[Path], n: int) -> float:
    """(b): seconds to read the same files and INSERT the same rows with executemany, in batches of 500."""
    conn = sqlite3.connect(work / "baseline.db")
    try:
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            conn.execute(f"PRAGMA {pragma}")
        conn.execute(BASELINE_SCHEMA)
        conn.commit()
        t0 = time.perf_counter()
        rows = []
        for path in chats:
            chat = path.parent.name
            with path.open(encoding="utf-8") as fh:
                for line in fh:
                    m = json.loads(line)
                    at = dt.datetime.fromisoformat(m["ts"]).astimezone(dt.UTC).replace(tzinfo=None)
                    raw = {"payload": {k: v for k, v in m.items() if k != "truth"}, "attachments": []}
                    rows.append(("replay", chat, m["id"], m["sender"], None, at.isoformat(" "), m["text"],
                                 json.dumps(raw, ensure_ascii=False), "pending", False, 0))
        rows.sort(key=lambda r: r[5])
        sql = ("INSERT INTO inbound_messages (channel, chat, message_id, sender, contact_id, received_at, text, raw,"
               " state, notify, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
        for i in range(0, len(rows), 500):
            conn.executemany(sql, rows[i:i + 500])
        conn.commit()
        elapsed = time.perf_counter() - t0
        stored = conn.execute("SELECT count(*) FROM inbound_messages").fetchone()[0]
    finally:
        conn.close()
    if stored != n:
        sys.exit(f"bench: baseline stored {stored} of {n}")
    return elapsed


def profile_replay(work: Path, orders: Path, contacts: Path, chats: list[Path], n: int, top: int) -> None:
    """cProfile a replay of the first n messages (same mix) and print the hotspots."""
    sub = work / "profile_chats"
    files = []
    per_chat = max(1, n // len(chats))
    for path in chats:
        target = sub / path.parent.name / "messages.jsonl"
        target.parent.mkdir(parents=True, exist_ok=True)
        with path.open(encoding="utf-8") as src:
            target.write_text("".join(line for _, line in zip(range(per_chat), src, strict=False)),
                              encoding="utf-8")
        files.append(target)
    url = prepare_db(work, "profile.db", orders, contacts)
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    code, out, err = cli("--db", url, "replay", *files)
    prof.disable()
    elapsed = time.perf_counter() - t0
    if code:
        sys.exit(f"bench: profiled replay failed: {err}")
    print(f"\nprofile of a replay of {per_chat * len(files):,} messages ({elapsed:.1f}s under cProfile):")
    for key, title in (("tottime", "own time"), ("cumulative", "cumulative time")):
        buf = io.StringIO()
        stats = pstats.Stats(prof, stream=buf).strip_dirs().sort_stats(key)
        stats.print_stats(top)
        body = buf.getvalue()
        start = body.find("   ncalls")
        print(f"\n-- top {top} by {title} --")
        print(body[start:].rstrip() if start >= 0 else body.rstrip())
    stats_path = work / "replay.prof"
    prof.dump_stats(stats_path)
    print(f"\n(full profile: {stats_path}; open it with `python -m pstats`)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=20_000)
    ap.add_argument("--keep", metavar="DIR", help="work in DIR and keep the files (default: a temp dir)")
    ap.add_argument("--profile", action=argparse.BooleanOptionalAction, default=None,
                    help="profile the replay (default: only when below the target)")
    ap.add_argument("--profile-messages", type=int, default=5_000)
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args(argv)

    with contextlib.ExitStack() as stack:
        work = work_dir(stack, args.keep, "op-bench-")
        for name in ("replay.db", "baseline.db", "profile.db"):
            for suffix in ("", "-wal", "-shm"):
                (work / (name + suffix)).unlink(missing_ok=True)
        os.environ["ORDERPROOF_MEDIA_DIR"] = str(work / "media")
        for name in ("ORDERPROOF_DATABASE_URL", "ORDERPROOF_STORE_URL", "ORDERPROOF_CONFIG"):
            os.environ.pop(name, None)

        n = args.messages
        t0 = time.perf_counter()
        orders, contacts, chats = generate(work / "data", n)
        print(f"generated {n:,} text messages in {len(chats)} chats ({time.perf_counter() - t0:.1f}s) under {work}")

        print("(a) orderproof replay, in-process, fresh SQLite file ...")
        a = measure_replay(work, orders, contacts, chats, n)
        print("(b) baseline: read + executemany INSERT into a bare SQLite table ...")
        b = measure_baseline(work, chats, n)

        rate_a, rate_b = n / a, n / b
        print()
        print(f"(a) orderproof replay : {a:8.2f} s  {rate_a:10,.0f} msg/s   (target >= {TARGET:,.0f})")
        print(f"(b) bare INSERT       : {b:8.2f} s  {rate_b:10,.0f} msg/s")
        print(f"ratio (b)/(a)         : {rate_b / rate_a:8.1f}x slower than the bare insert")
        below = rate_a < TARGET
        print("result: " + (f"BELOW target by {TARGET / rate_a:.1f}x" if below else "meets the target"))
        if args.profile or (args.profile is None and below):
            profile_replay(work, orders, contacts, chats, min(n, args.profile_messages), args.top)
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
