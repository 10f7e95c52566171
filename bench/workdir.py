"""Where a benchmark keeps its databases: a temporary folder, or one the user names with --keep."""
from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path


def work_dir(stack: contextlib.ExitStack, keep: str | None, prefix: str) -> Path:
    """The folder to work in: `keep` (created, left behind) or a temporary one removed with the stack."""
    if keep:
        work = Path(keep).resolve()
        work.mkdir(parents=True, exist_ok=True)
        return work
    return Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=prefix)))
