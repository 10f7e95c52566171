"""Message catalogues: the words the bot says live in TOML files, one per language."""
from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any


@cache
def catalogue(language: str) -> dict[str, Any]:
    """The catalogue of a language (English when there is none)."""
    lang = language if language in ("en", "zh") else "en"
    text = resources.files("bot").joinpath("catalog", f"{lang}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@cache
def template(language: str, key: str) -> str:
    """The catalogue text of a key in a language, English when the language lacks it (looked up once per key)."""
    node: Any = catalogue(language)
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    if not isinstance(node, str):
        node = catalogue("en")
        for part in key.split("."):
            node = node[part]
    return node


def say(language: str, key: str, **values: Any) -> str:
    """A catalogue message with its placeholders filled."""
    text = template(language, key)
    return text.format(**values) if values else text
