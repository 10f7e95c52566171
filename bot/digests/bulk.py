"""Building a big digest: tens of thousands of short-lived plain objects at once."""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector while tens of thousands of plain rows are built: they hold no cycles
    (reference counting frees them), and the collector's full passes over a big heap took a third of the time."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
