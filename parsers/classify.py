"""What a text says, from the lexicon alone: milestone, exception, decisions, and whether it is chatter."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from parsers.lexicon import TERMS, Hit, lexicon
from parsers.orderbook import MILESTONES

_EXPLICIT_APPROVE = re.compile(r"approv|批准|同意", re.I)
_LEFTOVER = re.compile(r"[A-Za-z0-9\u4e00-\u9fff]")
# clauses end at sentence and list punctuation, but not at the comma of 1,125 or the point of 2.5
_CLAUSE = re.compile(r"[。！!？?\n；;，]|,(?!\d{3}(?!\d))|(?<=[A-Za-z0-9)])\.(?:\s|$)|\s[–—-]\s")
# a full stop ends a sentence only before a space ("0.09" and "No.5" stay whole)
_SENTENCE = re.compile(r"(?:[^。！!？?\n.]|\.(?!\s))*(?:[。！!？?\n]|\.(?=\s))?")
_QUESTION_MARK = re.compile(r"[?？]")
# cues a word list cannot hold: "缺200个" (short by a number), "change 'A' to 'B'", "should be X, not Y"
_PATTERN_CUES = (
    (re.compile(r"缺\s?\d+|短(?:装|发)\s?\d+|short by \d+", re.I), "material_shortage"),
    (re.compile(r"\bchang(?:e|ed|ing)\b[^.?!\n]{1,40}?\bto\b", re.I), "spec_change"),
    (re.compile(r"\bshould (?:be|read)\b[^.?!\n]{1,60}?,?\s+not\b", re.I), "document_mismatch"),
)
# exception kinds in the order they win when a text has cues for several ("delay!" is a strong delay cue)
EXCEPTION_PRIORITY = ("delay!", "material_shortage", "document_mismatch", "defect", "spec_change", "delay", "other")


@dataclass(frozen=True)
class Signals:
    milestone: str | None = None
    milestone_score: float = 0.0
    delay_milestone: str | None = None  # the milestone named next to a delay cue: the one that slips
    exception: str | None = None
    exception_in_question: bool = False  # every cue of the exception sits in a question
    decision_needed: str | None = None
    decision_given: str | None = None
    ack_only: bool = True
    notice: bool = False
    photo_remark: bool = False
    question: bool = False  # the text only asks; no clause asserts anything
    status: bool = False  # some clause asserts a state of things (a status word, a strong term, an exception)
    status_terms: bool = False  # some clause has a plain status word ("done", "到了")
    relayed: bool = False  # the text passes on the buyer's words
    weak_terms: int = 0  # weak milestone words in clauses that assert
    remaining: bool = False
    rework_mentioned: bool = False
    problems: frozenset[str] = frozenset()  # every exception kind named, even when asked about or resolved
    exception_cues: tuple[int, ...] = ()  # where the chosen exception's cues are


@lru_cache(maxsize=2048)
def clauses(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) spans of the clauses of a text, split at sentence and list punctuation."""
    spans, start = [], 0
    for m in _CLAUSE.finditer(text):
        spans.append((start, m.end()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return tuple(spans)


def _ack_only(text: str, acks: list[Hit]) -> bool:
    rest = text
    for h in sorted(acks, key=lambda h: -h.start):
        rest = rest[:h.start] + " " + rest[h.start + len(h.term):]
    return not _LEFTOVER.search(rest)


def _questions(text: str) -> list[tuple[int, int]]:
    """Spans of sentences that end with a question mark."""
    return [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if m.group(0).rstrip().endswith(("?", "？"))]


def _decisions(scan: dict[str, list[Hit]], asked: list[tuple[int, int]]) -> tuple[str | None, str | None]:
    asks, gives = [], []
    for family, hits in scan.items():
        if not family.startswith("decision-"):
            continue
        verb = family.split(":", 1)[1]
        for h in hits:
            # a specific verb ("confirm release") beats a generic "please confirm"; then the earliest cue wins
            explicit = verb != "approve" or bool(_EXPLICIT_APPROVE.search(h.term))
            # a decision verb in a sentence that ends with "?" asks for it ("Shall we reject those 400, …?")
            ask = h.entries[0][2] == "ask" or any(s <= h.start < e for s, e in asked)
            (asks if ask else gives).append((not explicit, h.start, verb, h.start + len(h.term)))
    # a cue that is only part of a longer cue of the other kind is that cue: "全检" in "安排全检" gives,
    # "approve" in "please approve" asks
    inside = lambda a, b: b[1] <= a[1] and a[3] <= b[3] and b[3] - b[1] > a[3] - a[1]  # noqa: E731
    asks, gives = ([a for a in asks if not any(inside(a, g) for g in gives)],
                   [g for g in gives if not any(inside(g, a) for a in asks)])
    # and a cue inside a longer one of another verb is that verb: "approve" in "approve rework" gives rework
    asks = [a for a in asks if not any(inside(a, o) and o[2] != a[2] for o in asks)]
    gives = [g for g in gives if not any(inside(g, o) and o[2] != g[2] for o in gives)]
    return (min(asks)[2] if asks else None), (min(gives)[2] if gives else None)


def _question_spans(text: str, scan: dict[str, list[Hit]]) -> list[tuple[int, int]]:
    cues = [h.start for h in scan.get("chatter.question", [])]
    out = []
    for s, e in clauses(text):
        if _QUESTION_MARK.search(text[s:e]) or any(s <= c < e for c in cues):
            out.append((s, e))
    return out


def read_signals(text: str) -> Signals:
    """Everything the vocabulary can tell about a text (empty text tells nothing)."""
    if not text.strip():
        return Signals()
    scan = lexicon().scan(text)
    has = lambda name: scan.get(name, [])  # noqa: E731 - a local accessor
    hits = has(TERMS)
    asked = _question_spans(text, scan)
    if asked:
        in_question = lambda pos: any(s <= pos < e for s, e in asked)  # noqa: E731 - a local predicate
    else:
        in_question = lambda pos: False  # noqa: E731 - nothing is asked
    ms_score = {m: 0.0 for m in MILESTONES}
    ms_first: dict[str, int] = {}
    ex_score: dict[str, float] = {}
    ex_asserted: set[str] = set()
    ms_hits, delay_hits = [], []
    for h in hits:
        for family, label, kind in h.entries:
            w = 2.0 if kind == "strong" else 1.0
            if family == "milestones":
                ms_score[label] += w
                ms_first.setdefault(label, h.start)
                ms_hits.append((h.start, label))
            else:
                key = "delay!" if label == "delay" and kind == "strong" else label
                ex_score[key] = ex_score.get(key, 0.0) + w
                if not in_question(h.start):
                    ex_asserted.add(key)
                if label == "delay":
                    delay_hits.append((h.start, w))
    for rx, kind in _PATTERN_CUES:
        for m in rx.finditer(text):
            ex_score[kind] = ex_score.get(kind, 0.0) + 2.0
            if not in_question(m.start()):
                ex_asserted.add(kind)
    best = max(ms_score.values())
    milestone = None
    if best > 0:
        milestone = min((m for m in MILESTONES if ms_score[m] == best), key=lambda m: ms_first.get(m, 1 << 30))
    # a delay, a shortage... needs a real cue; only a delay may rest on weak words ("late")
    found = [k for k in EXCEPTION_PRIORITY if ex_score.get(k, 0) >= (1 if k in ("delay", "delay!") else 2)]
    if has("resolution.terms"):
        # a problem reported as fixed ("返工好了", "resolved") closes a risk; it opens none
        found = [k for k in found if k not in ("defect", "material_shortage", "document_mismatch")]
    exception = found[0] if found else None
    problems = frozenset(k.rstrip("!") for k in ex_score)
    ask, give = _decisions(scan, _questions(text) if "?" in text or "？" in text else [])
    plain = [h.start for h in has("status.terms") if not in_question(h.start)]
    strong = [h.start for h in hits if not in_question(h.start)
              and any(k == "strong" or f == "exceptions" for f, _, k in h.entries)]
    asserting = plain + strong
    weak = sum(1 for h in hits if not in_question(h.start) and any(f == "milestones" for f, _, _ in h.entries))
    return Signals(
        milestone=milestone, milestone_score=best,
        delay_milestone=_near_delay(text, ms_hits, delay_hits),
        exception="delay" if exception == "delay!" else exception,
        exception_in_question=exception is not None and exception not in ex_asserted,
        problems=problems, exception_cues=tuple(h.start for h in hits if exception and any(
            f == "exceptions" and lbl == exception.rstrip("!") for f, lbl, _ in h.entries)),
        decision_needed=ask, decision_given=give, ack_only=_ack_only(text, has("chatter.ack")),
        notice=bool(has("chatter.notice")), photo_remark=bool(has("chatter.photo_remark")),
        question=bool(asked) and not asserting and not weak, status=bool(asserting), status_terms=bool(plain),
        relayed=bool(has("relay.terms")), weak_terms=weak,
        remaining=bool(has("products.remaining")),
        rework_mentioned=bool(re.search(r"rework|re-work|返工", text, re.I)),
    )


def _near_delay(text: str, ms_hits: list[tuple[int, str]], delay_hits: list[tuple[int, float]]) -> str | None:
    """The milestone named closest to the strongest delay cue in the same clause: the one that slips."""
    best: tuple[float, int, str] | None = None
    for s, e in clauses(text):
        cues = [(d, w) for d, w in delay_hits if s <= d < e]
        for pos, label in ms_hits:
            for d, w in cues:
                if s <= pos < e:
                    key = (-w, abs(pos - d), label)
                    if best is None or key < best:
                        best = key
    return best[2] if best else None
