"""The tagger's vocabulary: TOML lexicons (en, zh) compiled into a few fast matchers."""
from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

WEIGHTS = {"strong": 2.0, "weak": 1.0, "ask": 1.0, "give": 1.0}


@dataclass(frozen=True)
class Hit:
    """One vocabulary term found in a text."""

    term: str
    start: int
    entries: tuple[tuple[str, str, str], ...]  # (family, label, kind), e.g. ("milestones", "po_lock", "strong")


def _pattern(term: str) -> str:
    wildcard = term.endswith("*")
    core = term[:-1] if wildcard else term
    body = re.escape(core).replace(r"\ ", r"\s+")
    if wildcard:
        body += r"[A-Za-z]*"
    # ASCII words need word edges; Chinese terms match anywhere (Chinese has no spaces)
    # a letter next to a word means another word; a digit may touch it ("AQL2.5", "PO55102")
    if core[:1].isascii() and core[:1].isalnum():
        body = (r"(?<![A-Za-z0-9])" if core[:1].isdigit() else r"(?<![A-Za-z])") + body
    if core[-1:].isascii() and core[-1:].isalnum() or wildcard:
        body += r"(?![A-Za-z0-9])" if core[-1:].isdigit() else r"(?![A-Za-z])"
    return body


def _acronym(term: str) -> bool:
    # short all-capital terms (SO, PL, CI, FRI, ETD) are only matched in capitals: "so" is a word
    return term.isascii() and term.upper() == term and any(c.isalpha() for c in term) and len(term) <= 5


class TermMatcher:
    """Finds many terms in one pass: the longest term wins at each position."""

    def __init__(self, entries: dict[str, list[tuple[str, str, str]]]) -> None:
        self._exact: dict[str, tuple] = {}
        self._prefix: dict[str, tuple] = {}
        sensitive, insensitive = [], []
        for term, ents in entries.items():
            key = term[:-1] if term.endswith("*") else term
            book = self._prefix if term.endswith("*") else self._exact
            norm = key if _acronym(key) else key.lower()
            book[norm] = tuple(dict.fromkeys(book.get(norm, ()) + tuple(ents)))
            (sensitive if _acronym(key) else insensitive).append(term)
        order = lambda ts: sorted(set(ts), key=lambda t: (-len(t), t))  # noqa: E731 - a sort key, used twice
        self._regexes = []
        if insensitive:
            self._regexes.append((re.compile("|".join(_pattern(t) for t in order(insensitive)), re.I), True))
        if sensitive:
            self._regexes.append((re.compile("|".join(_pattern(t) for t in order(sensitive))), False))

    def _lookup(self, text: str, lower: bool) -> tuple:
        key = re.sub(r"\s+", " ", text)
        key = key.lower() if lower else key
        if key in self._exact:
            return self._exact[key]
        for n in range(len(key), 0, -1):
            if key[:n] in self._prefix:
                return self._prefix[key[:n]]
        return self._exact.get(key.lower(), ())

    def find(self, text: str) -> list[Hit]:
        """Every term in the text, in order of position."""
        hits = []
        for rx, lower in self._regexes:
            for m in rx.finditer(text):
                ents = self._lookup(m.group(0), lower)
                if ents:
                    hits.append(Hit(m.group(0), m.start(), ents))
        hits.sort(key=lambda h: h.start)
        return hits


@dataclass(frozen=True)
class Lexicon:
    """The compiled vocabulary of every language."""

    terms: TermMatcher
    decisions: dict[str, TermMatcher]
    lists: dict[str, frozenset[str]] = field(default_factory=dict)
    list_matchers: dict[str, TermMatcher] = field(default_factory=dict)


def _load(lang: str) -> dict:
    text = resources.files("parsers").joinpath("lexicon", f"{lang}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@cache
def lexicon(languages: tuple[str, ...] = ("en", "zh")) -> Lexicon:
    """The compiled lexicon (built once per process: it is read-only data)."""
    terms: dict[str, list] = defaultdict(list)
    decisions: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    lists: dict[str, set[str]] = defaultdict(set)
    for lang in languages:
        doc = _load(lang)
        for family in ("milestones", "exceptions"):
            for label, kinds in doc.get(family, {}).items():
                for kind, words in kinds.items():
                    for w in words:
                        terms[w].append((family, label, kind))
        for verb, kinds in doc.get("decisions", {}).items():
            for kind, words in kinds.items():
                for w in words:
                    decisions[verb][w].append(("decisions", verb, kind))
        for section in ("chatter", "status", "products", "relay"):
            for name, words in doc.get(section, {}).items():
                lists[f"{section}.{name}"].update(words)
    list_matchers = {name: TermMatcher({w: [(name, name, "list")] for w in words})
                     for name, words in lists.items() if name not in ("products.heads", "products.stop")}
    return Lexicon(terms=TermMatcher(terms), decisions={v: TermMatcher(d) for v, d in decisions.items()},
                   lists={k: frozenset(v) for k, v in lists.items()}, list_matchers=list_matchers)
