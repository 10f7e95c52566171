"""Benchmark: tagging alone, no database. Prints text messages per second and milliseconds per 12 MP photo.

Targets: >= 15,000 text msg/s on one core; <= 60 ms per 12 MP photo (EXIF + perceptual hash + sha256).
Baseline in the same run: a bare regex scan of the same texts for PO-like numbers, to show what the tagger costs
over the cheapest thing that reads every message.
"""
from __future__ import annotations

import datetime as dt
import io
import random
import re
import statistics
import sys
import time
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from parsers.facts import FileFacts, MessageFacts, Prior, TagContext  # noqa: E402
from parsers.orderbook import OrderBook, parse_contacts, parse_orders  # noqa: E402
from parsers.photos import inspect_photo  # noqa: E402
from parsers.tags import tag_message  # noqa: E402

ORDERS = {"orders": [
    {"po": f"PO-{31000 + i}", "buyer": "Noordhuis Living B.V.", "factory": "Jiahe", "status": "open",
     "ship_date": "2026-09-30",
     "skus": [{"sku": f"ML-{i}-BLU", "description": "stoneware mug 350ml blue / 蓝釉杯", "qty": 6000},
              {"sku": f"DL-{i}-BLK", "description": "LED desk lamp black / 黑台灯", "qty": 1200}],
     "milestones": {"po_lock": "2026-08-20", "material_readiness": "2026-09-01", "inline_production": "2026-09-08",
                    "pre_packing": "2026-09-16", "final_inspection": "2026-09-22", "freight_handover": "2026-09-28"}}
    for i in range(40)]}
CONTACTS = {"contacts": [
    {"id": "chen.hui", "role": "factory", "timezone": "Asia/Shanghai", "language": "zh",
     "orders": [o["po"] for o in ORDERS["orders"]]},
    {"id": "tom.wu", "role": "agent", "timezone": "Asia/Shanghai", "language": "zh",
     "orders": [o["po"] for o in ORDERS["orders"]]},
    {"id": "sanne", "role": "buyer", "timezone": "Europe/Amsterdam", "language": "en", "orders": ["PO-31001"]}]}
LINES = [
    "{po} 蓝釉杯上釉 3号线，明天开始包装", "收到", "👍", "{po} final inspection passed AQL 2.5, report tonight",
    "{po} 外箱唛头样 请确认", "PO {n} colour boxes arrive 6/12 (plan was 6/5)", "好的，辛苦了",
    "{po}: container loaded, ETD Ningbo July 10, B/L draft tomorrow", "黑台灯的灯臂有划痕，要不要全检？",
    "Please confirm release for {po} so the forwarder can load on 7/8", "周末还上班吗？",
    "{po} 面料只到了一半，剩下的下周三到", "ok thanks", "Delay: {po} lamps final moves 9/22 → 9/25",
]


def texts(n: int) -> list[MessageFacts]:
    rng = random.Random(7)
    start = dt.datetime(2026, 9, 1, 1, 0, tzinfo=dt.UTC)
    out = []
    for i in range(n):
        k = rng.randrange(40)
        line = rng.choice(LINES).format(po=f"PO-{31000 + k}", n=31000 + k)
        out.append(MessageFacts(chat="bench", sender=rng.choice(["chen.hui", "tom.wu", "sanne"]),
                                received_at=start + dt.timedelta(minutes=i), text=line))
    return out


def photo_12mp() -> bytes:
    img = Image.effect_noise((4000, 3000), 40).convert("RGB")
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2026:09:02 10:15:00"
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85, exif=exif)
    return buf.getvalue()


def main() -> None:
    book = OrderBook.of(parse_orders(ORDERS), parse_contacts(CONTACTS))
    book.index  # noqa: B018 - built once, as the pipeline does before a batch
    msgs = texts(20_000)
    prior = Prior(received_at=msgs[0].received_at, order="PO-31001", ambiguous=False, milestone="inline_production",
                  sku=None)
    ctx = TagContext(previous=prior, chat_senders=("chen.hui", "tom.wu", "sanne"))
    for m in msgs[:500]:
        tag_message(m, ctx, book)  # warm caches (lexicon compile)
    t0 = time.perf_counter()
    evidence = sum(tag_message(m, ctx, book).evidence for m in msgs)
    tag_s = time.perf_counter() - t0
    rx = re.compile(r"\d{4,}")
    t0 = time.perf_counter()
    for m in msgs:
        rx.findall(m.text)
    base_s = time.perf_counter() - t0
    rate = len(msgs) / tag_s
    print(f"text tagging: {len(msgs):,} messages in {tag_s:.2f} s = {rate:,.0f} msg/s "
          f"({evidence:,} evidence); target >= 15,000 msg/s")
    print(f"baseline regex scan: {len(msgs) / base_s:,.0f} msg/s; tagger/baseline time ratio {tag_s / base_s:.1f}x")
    data = photo_12mp()
    times = []
    for _ in range(7):
        t0 = time.perf_counter()
        facts = inspect_photo(data)
        f = FileFacts(kind="photo", name="IMG.jpg", mime=facts.mime, sha256=facts.sha256, phash=facts.phash,
                      captured=facts.capture.taken if facts.capture else None)
        tag_message(MessageFacts("bench", "chen.hui", msgs[0].received_at, "PO-31001 上釉", (f,)), ctx, book)
        times.append((time.perf_counter() - t0) * 1000)
    t0 = time.perf_counter()
    Image.open(io.BytesIO(data)).load()
    decode_ms = (time.perf_counter() - t0) * 1000
    print(f"photo: 4000x3000 JPEG ({len(data) / 1e6:.1f} MB): median {statistics.median(times):.1f} ms per photo "
          f"(EXIF + phash + sha256 + tags); target <= 60 ms")
    ratio = statistics.median(times) / decode_ms
    print(f"baseline full decode of the same JPEG: {decode_ms:.1f} ms; ratio {ratio:.2f}")


if __name__ == "__main__":
    main()
