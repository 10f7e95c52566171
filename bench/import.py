"""Benchmark: parsing a WhatsApp export. Prints parse_whatsapp's time on a generated 100,000-message export (median
of 3) beside whatstk 0.9.1's `WhatsAppChat.from_source` on the same file, and the ratio.

Target: parse_whatsapp is faster than whatstk. whatstk is not a dependency of OrderProof: install it only into the
benchmarking environment (`pip install whatstk==0.9.1`); without it only our side is timed.

`make_export(n, path)` writes the export; the full-import throughput figure reuses it.

Usage: python bench/import.py [--messages N] [--runs R]
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tagging import LINES  # noqa: E402  (the same message mix as the tagging benchmark)

from parsers.whatsapp_export import parse_whatsapp  # noqa: E402

WHATSTK_HFORMAT = "%d/%m/%Y, %H:%M - %name:"  # the header make_export writes (Android, 24-hour, day first)
SENDERS = ["李强", "陈杰", "王芳", "Emma Clarke", "刘洋", "+86 138 0013 8000", "Tom Wu"]


def make_export(n: int, path: Path, *, seed: int = 7, with_media: bool = False) -> Path:
    """Write an n-message Android export (24-hour, dd/mm/yyyy) to `path`: about 1 in 8 messages multi-line and
    1 in 10 with a `FILE (file attached)` photo, after the encryption notice and a `created group` line.
    With `with_media`, a tiny JPEG per attachment is written beside it. Returns `path`."""
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    at = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)
    stamp = "%d/%m/%Y, %H:%M - "
    out = [f"{at.strftime(stamp)}Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
           "WhatsApp, can read or listen to them. Tap to learn more.",
           f"{at.strftime(stamp)}{SENDERS[0]} created group \"Bench 工厂群\""]
    photos: list[str] = []
    per_day: dict[str, int] = {}
    for _ in range(n):
        at += dt.timedelta(seconds=rng.randrange(0, 600))
        k = rng.randrange(40)
        text = rng.choice(LINES).format(po=f"PO-{31000 + k}", n=31000 + k)
        if rng.random() < 0.125:
            text += "\n" + rng.choice(LINES).format(po=f"PO-{31000 + k}", n=31000 + k) + "\n数量 1,125 ctns"
        if rng.random() < 0.1:
            day = at.strftime("%Y%m%d")
            per_day[day] = per_day.get(day, 0) + 1
            name = f"IMG-{day}-WA{per_day[day]:04d}.jpg"
            photos.append(name)
            text = f"{name} (file attached)" + ("\n" + text if rng.random() < 0.6 else "")
        out.append(f"{at.strftime(stamp)}{rng.choice(SENDERS)}: {text}")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    if with_media:
        jpeg = _tiny_jpeg()
        for name in photos:
            (path.parent / name).write_bytes(jpeg)
    return path


def _tiny_jpeg() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "JPEG")
    return buf.getvalue()


def _median_seconds(fn, runs: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def full_import(n: int, tmp: Path) -> float:
    """`orderproof import whatsapp` of n text messages into a fresh SQLite file; returns messages per second."""
    import contextlib
    import io
    import json
    import os

    from bot.cli import main as cli

    export = make_export(n, tmp / "full" / "WhatsApp Chat with Full.txt")
    db = tmp / "full.db"
    os.environ.update(ORDERPROOF_DATABASE_URL=f"sqlite:///{db}", ORDERPROOF_MEDIA_DIR=str(tmp / "media"))
    # the 40 orders make_export names, and every sender a contact on all of them: messages are tagged, not
    # quarantined as strangers'
    pos = [f"PO-{31000 + k}" for k in range(40)]
    orders = {"orders": [{"po": po, "buyer": "B", "factory": "F", "status": "open",
                          "skus": [{"sku": f"MG-{po[-3:]}-BLU", "description": "stoneware mug blue / 蓝釉杯",
                                    "qty": 1000}],
                          "milestones": {"final_inspection": "2026-03-01"}} for po in pos]}
    roles = ["factory", "agent", "factory", "buyer", "inspector", "forwarder", "agent"]
    contacts = {"contacts": [{"id": f"c{i}", "name": name, "role": roles[i % len(roles)],
                              "timezone": "Asia/Shanghai", "language": "zh", "orders": pos,
                              **({"phone": name} if name.startswith("+") else {})}
                             for i, name in enumerate(SENDERS)]}
    (tmp / "o.json").write_text(json.dumps(orders), encoding="utf-8")
    (tmp / "c.json").write_text(json.dumps(contacts, ensure_ascii=False), encoding="utf-8")
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        cli(["orders", "import", str(tmp / "o.json")])
        cli(["contacts", "import", str(tmp / "c.json")])
        started = time.perf_counter()
        cli(["import", "whatsapp", str(export), "--chat", "bench", "--tz", "Asia/Shanghai"])
        seconds = time.perf_counter() - started
    rate = n / seconds
    print(f"full import (parse, tag, store) of {n:,} text messages: {seconds:.1f} s, {rate:,.0f} msg/s")
    return rate


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--full", type=int, default=20_000, metavar="N",
                    help="also import N text messages end to end (parse, tag, store) on SQLite; 0 skips it")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="orderproof-bench-") as tmp:
        path = make_export(args.messages, Path(tmp) / "WhatsApp Chat with Bench.txt")
        size = path.stat().st_size
        print(f"export: {args.messages:,} messages, {size / 1e6:.1f} MB, {path.name}")

        def ours() -> int:
            return len(parse_whatsapp(path.read_text(encoding="utf-8")).messages)

        full_rate = full_import(args.full, Path(tmp)) if args.full else None
        count = ours()
        if count != args.messages:
            print(f"parse_whatsapp read {count:,} messages, expected {args.messages:,}", file=sys.stderr)
            return 1
        t_ours = _median_seconds(ours, args.runs)
        print(f"parse_whatsapp:                {t_ours:8.3f} s  ({args.messages / t_ours:,.0f} msg/s, "
              f"median of {args.runs})")
        try:
            from whatstk import WhatsAppChat
        except ImportError:
            print("whatstk: not installed, its side is skipped (pip install whatstk==0.9.1 into this environment; "
                  "it is not an OrderProof dependency)")
            return 0

        def theirs() -> int:
            return len(WhatsAppChat.from_source(filepath=str(path), hformat=WHATSTK_HFORMAT).df)

        print(f"whatstk: {theirs():,} messages read")
        t_theirs = _median_seconds(theirs, args.runs)
        print(f"whatstk 0.9.1 from_source:     {t_theirs:8.3f} s  ({args.messages / t_theirs:,.0f} msg/s, "
              f"median of {args.runs})")
        print(f"ratio: whatstk / parse_whatsapp = {t_theirs / t_ours:.1f}x "
              f"({'faster' if t_ours < t_theirs else 'SLOWER'} than whatstk)")
        if full_rate is not None:
            print(f"full import: {full_rate:,.0f} text msg/s (goal >= 5,000: "
                  f"{'met' if full_rate >= 5000 else 'MISSED'})")
        return 0 if t_ours < t_theirs else 1


if __name__ == "__main__":
    raise SystemExit(main())
