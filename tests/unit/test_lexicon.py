"""parsers.lexicon: the TOML word lists load, every term can be found, and the longest term wins."""
from __future__ import annotations

import tomllib
from collections.abc import Iterator
from importlib import resources

import pytest

from parsers.classify import read_signals
from parsers.lexicon import TERMS, lexicon

LANGUAGES = ("en", "zh")
UNSCANNED = {("products", "heads"), ("products", "stop"), ("products", "attributes_hint")}  # plain word sets


def load(lang: str) -> dict:
    return tomllib.loads(resources.files("parsers").joinpath("lexicon", f"{lang}.toml").read_text(encoding="utf-8"))


def word_lists(node: dict, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], list]]:
    """Every list of terms in a lexicon document, with its table path (("milestones", "po_lock", "strong"))."""
    for key, value in node.items():
        if isinstance(value, dict):
            yield from word_lists(value, (*path, key))
        else:
            yield (*path, key), value


def family(path: tuple[str, ...]) -> str:
    """The scanner family a list's terms are found under."""
    if path[0] in ("milestones", "exceptions", "neutral"):
        return TERMS
    if path[0] == "decisions":
        return f"decision-{path[2]}:{path[1]}"
    return f"{path[0]}.{path[1]}"




@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_lexicon_file_parses_into_tables_of_term_lists(lang):
    lists = list(word_lists(load(lang)))
    assert lists
    for path, terms in lists:
        assert isinstance(terms, list), path
        assert all(isinstance(t, str) and t.strip() == t and t for t in terms), path


def test_every_language_has_milestones_exceptions_and_decisions():
    for lang in LANGUAGES:
        doc = load(lang)
        assert {"milestones", "exceptions", "decisions", "chatter", "status"} <= set(doc), lang


def test_the_lexicon_compiles():
    lx = lexicon()
    assert lx.find(TERMS, "final inspection")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_term_is_found_in_its_own_words(lang):
    missed = []
    for path, terms in word_lists(load(lang)):
        if path[:2] in UNSCANNED:
            continue
        for term in terms:
            words = term.removesuffix("*")
            hits = lexicon().find(family(path), words)
            if not hits or (hits[0].start, hits[0].term) != (0, words):
                missed.append((".".join(path), term))
    assert missed == []


@pytest.mark.parametrize(("text", "longest"), [
    ("final inspection passed", "final inspection"),
    ("new ETD 7/20", "new ETD"),
    ("packing list attached", "packing list"),
    ("尾期验货通过", "尾期验货"),
    ("验货报告发了", "验货报告"),
])
def test_the_longest_term_wins_where_several_start(text, longest):
    assert lexicon().find(TERMS, text)[0].term == longest


def test_a_wildcard_term_takes_the_whole_word():
    assert [h.term for h in lexicon().find(TERMS, "inspected today")] == ["inspected"]


def test_a_term_is_not_found_inside_a_longer_english_word():
    assert [h.term for h in lexicon().find(TERMS, "finalize")] == []


def test_a_term_may_touch_chinese_text_and_digits():
    assert [h.term for h in lexicon().find(TERMS, "红杯AQL2.5通过")][:1] == ["AQL"]


@pytest.mark.parametrize(("text", "found"), [("SO received", True), ("PL attached", True), ("so we wait", False),
                                             ("pl send", False), ("So, what now", False)])
def test_short_acronyms_are_matched_only_in_capitals(text, found):
    assert bool(lexicon().find(TERMS, text)) is found


def test_the_english_word_so_is_not_a_shipping_order():
    assert read_signals("ok so the mugs are fine").milestone is None
    assert read_signals("SO released for the mugs").milestone == "freight_handover"


def test_ordinary_terms_are_matched_in_any_case():
    assert [h.term for h in lexicon().find(TERMS, "FINAL INSPECTION")] == ["FINAL INSPECTION"]
