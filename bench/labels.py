"""Benchmark: carton-label reading. Prints milliseconds per 1600x1200 JPEG photo (median and p95).

Target: median <= 300 ms per photo for `read_labels` (decode, EXIF turn, grey, shrink to 1280 px, zxing-cpp scan,
and the full-size retry when nothing is found). Baseline in the same run: a bare `Image.open(...).convert("L")`
of the same bytes, to show what reading labels costs over decoding the photo at all.

The 20 photos are generated once per run (tests/labels_fixture.py): one label, two labels, small labels (bars
mostly too fine for the shrunk photo, so read on the full-size retry), a plain Code 128 only, and a bare carton.
"""
from __future__ import annotations

import io
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from parsers.labels import read_labels  # noqa: E402
from tests.labels_fixture import carton_photo, label_sticker, sscc_with_check  # noqa: E402

PHOTOS = 20
ROUNDS = 5
GOAL_MS = 300.0


def photos() -> list[tuple[bytes, int]]:
    """(JPEG bytes, how many GS1 labels it carries) for each benchmark photo."""
    rng = random.Random(42)
    out = []
    for i in range(PHOTOS):
        ssccs = [sscc_with_check(f"0387123450{rng.randrange(10**7):07d}") for _ in range(2)]
        gtin = f"0950600013{rng.randrange(10**4):04d}"
        kind = i % 5
        if kind == 0:
            stickers = [label_sticker(ssccs[0], gtin, rng.randrange(1, 200))]
        elif kind == 1:
            stickers = [label_sticker(s, gtin, rng.randrange(1, 200)) for s in ssccs]
        elif kind == 2:  # a small label: 0.7x, 2.1 px per bar module, 1.7 once shrunk to 1280 (mostly unreadable)
            sticker = label_sticker(ssccs[0], gtin, rng.randrange(1, 200))
            stickers = [sticker.resize((int(sticker.width * 0.7), int(sticker.height * 0.7)), Image.Resampling.BOX)]
        elif kind == 3:
            stickers = [label_sticker(ssccs[0]), label_sticker(ssccs[1], gs1=False)]
        else:  # nothing readable: the worst case, both passes run
            stickers = []
        labelled = {0: 1, 1: 2, 2: 1, 3: 1, 4: 0}[kind]
        out_bytes = io.BytesIO()
        carton_photo(stickers, seed=i).save(out_bytes, "JPEG", quality=85)
        out.append((out_bytes.getvalue(), labelled))
    return out


def timed(fn: Callable[[bytes], object], items: list[bytes]) -> list[float]:
    per_photo: list[float] = []
    for _ in range(ROUNDS):
        for data in items:
            start = time.perf_counter()
            fn(data)
            per_photo.append((time.perf_counter() - start) * 1000)
    return per_photo


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def main() -> None:
    start = time.perf_counter()
    corpus = photos()
    print(f"generated {len(corpus)} photos 1600x1200 in {time.perf_counter() - start:.1f} s; {ROUNDS} rounds each")
    items = [data for data, _ in corpus]
    found = [len(read_labels(data)) for data in items]  # warm-up, and a check that the timing reads real labels
    expected = [n for _, n in corpus]
    print(f"labels found {sum(found)} of {sum(expected)} ({'all' if found == expected else 'MISMATCH'})")

    baseline = timed(lambda data: Image.open(io.BytesIO(data)).convert("L"), items)
    reading = timed(read_labels, items)
    base_median, read_median = statistics.median(baseline), statistics.median(reading)
    print(f"baseline decode+grey: median {base_median:6.1f} ms  p95 {p95(baseline):6.1f} ms")
    print(f"read_labels         : median {read_median:6.1f} ms  p95 {p95(reading):6.1f} ms")
    print(f"ratio read_labels/baseline (median): {read_median / base_median:.1f}x")
    verdict = "met" if read_median <= GOAL_MS else "MISSED"
    print(f"goal median <= {GOAL_MS:.0f} ms: {verdict}")


if __name__ == "__main__":
    main()
