"""Helpers every command shares: reading JSON files, progress bars, opening the app."""
from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from bot.bootstrap import App, bootstrap
from bot.services import UserError
from bot.settings import Settings

err = Console(stderr=True)


def read_json(path: str) -> Any:
    """A JSON file, or a one-line UserError saying why it cannot be read."""
    p = Path(path)
    if not p.is_file():
        raise UserError(f"file not found: {path}")
    try:
        return json.loads(p.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise UserError(f"{path}:{exc.lineno}: malformed JSON: {exc.msg}") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text") from None


@contextmanager
def open_app(settings: Settings, **kw: Any) -> Iterator[App]:
    """The wired application, closed afterwards."""
    app = bootstrap(settings, **kw)
    try:
        yield app
    finally:
        app.close()


@contextmanager
def progress_bar(label: str, total: int) -> Iterator[Any]:
    """A progress bar on stderr with a rate; its advance(n) moves it."""
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[rate]} msg/s"), TimeRemainingColumn(), console=err, transient=False,
                   disable=not err.is_terminal)
    with bar:
        task = bar.add_task(label, total=total, rate="-")

        def advance(n: int) -> None:
            bar.advance(task, n)
            t = bar.tasks[0]
            if t.elapsed:
                bar.update(task, rate=f"{t.completed / t.elapsed:,.0f}")

        yield advance
