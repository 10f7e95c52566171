"""The tagger's vocabulary: TOML lexicons (en, zh) compiled into one Aho-Corasick automaton.

One pass over a message finds every term of every family (milestones and exceptions, each decision verb, each
word list); within a family the longest term wins at each position, as a person would read it.
"""
from __future__ import annotations

import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import ahocorasick

TERMS = "terms"  # the family of milestone and exception terms
_LOWER = str.maketrans({**{chr(c): chr(c + 32) for c in range(65, 91)}, "\n": " ", "\t": " ", "\r": " "})


@dataclass(frozen=True)
class Hit:
    """One vocabulary term found in a text."""

    term: str
    start: int
    entries: tuple[tuple[str, str, str], ...]  # (family, label, kind), e.g. ("milestones", "po_lock", "strong")


@dataclass(frozen=True)
class _Term:
    family: str
    core: str
    wildcard: bool
    capitals: bool  # short all-capital terms (SO, PL, FRI) match only in capitals: "so" is a word
    entries: tuple[tuple[str, str, str], ...]


def _is_acronym(core: str) -> bool:
    return core.isascii() and core.upper() == core and any(c.isalpha() for c in core) and len(core) <= 5


def _edge_ok(text: str, start: int, end: int, core: str, wildcard: bool) -> bool:
    # a letter next to a word means another word; a digit may touch a word ("AQL2.5", "PO55102")
    first, last = core[:1], core[-1:]
    if first.isascii() and first.isalnum() and start > 0:
        before = text[start - 1]
        if before.isascii() and (before.isalpha() or (first.isdigit() and before.isdigit())):
            return False
    if (last.isascii() and last.isalnum() or wildcard) and end < len(text):
        after = text[end]
        if after.isascii() and (after.isalpha() or (last.isdigit() and after.isdigit())):
            return False
    return True


class Scanner:
    """Finds the terms of many families in one pass."""

    def __init__(self, terms: dict[tuple[str, str], list[tuple[str, str, str]]]) -> None:
        by_key: dict[str, list[_Term]] = defaultdict(list)
        for (family, term), entries in terms.items():
            wildcard = term.endswith("*")
            core = term[:-1] if wildcard else term
            by_key[core.translate(_LOWER)].append(
                _Term(family, core, wildcard, _is_acronym(core), tuple(dict.fromkeys(entries))))
        self._auto = ahocorasick.Automaton()
        for key, values in by_key.items():
            self._auto.add_word(key, tuple(values))
        self._auto.make_automaton()
        self.families = frozenset(t.family for vs in by_key.values() for t in vs)

    def scan(self, text: str) -> dict[str, list[Hit]]:
        """Every family's terms in the text, each family's hits in order of position."""
        if not text:
            return {}
        lowered = text.translate(_LOWER)
        found: dict[str, list[tuple[int, int, _Term]]] = defaultdict(list)
        for last, values in self._auto.iter(lowered):
            for t in values:
                start, end = last - len(t.core) + 1, last + 1
                if t.capitals and text[start:end] != t.core:
                    continue
                if t.wildcard:
                    while end < len(text) and text[end].isascii() and text[end].isalpha():
                        end += 1
                if _edge_ok(text, start, end, t.core, t.wildcard):
                    found[t.family].append((start, end, t))
        out = {}
        for family, cands in found.items():
            cands.sort(key=lambda c: (c[0], c[0] - c[1]))
            hits, reach = [], -1
            for start, end, t in cands:
                if start >= reach:
                    hits.append(Hit(text[start:end], start, t.entries))
                    reach = end
            out[family] = hits
        return out


@dataclass(frozen=True)
class Lexicon:
    """The compiled vocabulary of every language, and its plain word lists."""

    scanner: Scanner
    lists: dict[str, frozenset[str]]
    acronyms: frozenset[str]  # capital-letter terms (SO, PL, ETD): never read as an order's letter code
    # the last texts scanned: one message is asked about many families in a row (severity, proof, sequence...)
    recent: dict[str, dict[str, list[Hit]]] = field(default_factory=dict, compare=False, repr=False)

    def scan(self, text: str) -> dict[str, list[Hit]]:
        """Every family's terms in a text."""
        found = self.recent.get(text)
        if found is None:
            if len(self.recent) >= 256:
                self.recent.clear()
            found = self.recent[text] = self.scanner.scan(text)
        return found

    def find(self, family: str, text: str) -> list[Hit]:
        """One family's terms in a text."""
        return self.scan(text).get(family, [])


def _load(lang: str) -> dict:
    text = resources.files("parsers").joinpath("lexicon", f"{lang}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@cache
def lexicon(languages: tuple[str, ...] = ("en", "zh")) -> Lexicon:
    """The compiled lexicon (built once per process: it is read-only data)."""
    terms: dict[tuple[str, str], list] = defaultdict(list)
    lists: dict[str, set[str]] = defaultdict(set)
    for lang in languages:
        doc = _load(lang)
        for family in ("milestones", "exceptions"):
            for label, kinds in doc.get(family, {}).items():
                for kind, words in kinds.items():
                    for w in words:
                        terms[(TERMS, w)].append((family, label, kind))
        for verb, kinds in doc.get("decisions", {}).items():
            for kind, words in kinds.items():
                for w in words:
                    # asks and gives are separate families: "signed confirmation" asks, "signed" inside it gives
                    terms[(f"decision-{kind}:{verb}", w)].append(("decisions", verb, kind))
        for word in doc.get("neutral", {}).get("terms", []):
            terms[(TERMS, word)].append(("neutral", "neutral", "weak"))
        for section in ("chatter", "status", "products", "relay", "resolution", "risk"):
            for name, words in doc.get(section, {}).items():
                lists[f"{section}.{name}"].update(words)
    for name, words in lists.items():
        if name not in ("products.heads", "products.stop", "products.attributes_hint"):
            for w in words:
                terms[(name, w)].append((name, name, "list"))
    acronyms = frozenset(t.rstrip("*") for _, t in terms if _is_acronym(t.rstrip("*")))
    return Lexicon(Scanner(terms), {k: frozenset(v) for k, v in lists.items()}, acronyms)
