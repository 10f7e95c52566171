"""Finding orders and products in text: PO numbers in any common form, SKUs, nicknames and buyer names."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from rapidfuzz.distance import OSA

from parsers.classify import clauses
from parsers.lexicon import Scanner, lexicon
from parsers.orderbook import OrderBook

LineRef = tuple[str, str]  # (po, sku)

_MENTION = re.compile(r"(?<![A-Za-z0-9])(?:([A-Za-z]{1,4})\s?[#:：\-_.№]?\s?)?(\d+(?:-\d+)*)(?!\d)")
# a unit after a number makes it a quantity; a Chinese unit only when it touches the number ("88231 箱单" is a PO)
_UNIT_AFTER = re.compile(
    r"(?:\s?(?:pcs|pc|pieces|sets?|ctns?|cartons?|kg|kgs|g|cm|mm|m|ml|l|gsm|%|usd|rmb|yuan|h|days?|weeks?|units?|x)"
    r"(?![A-Za-z])"
    r"|(?:套|个|件|箱(?!唛|单|号)|只|张|台|条|双|米|公斤|克|元|块|美金|天|号(?!订单|单)|日|月|年|小时|分钟))", re.I)
_QTY_BEFORE = re.compile(r"(?:qty|quantity|total|数量|共|合计)\s*[:：]?\s*$", re.I)
_CURRENCY_BEFORE = re.compile(r"(?:[$¥￥€£]|usd|rmb|cny|eur)\s?$", re.I)
_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
_WORD = re.compile(r"[A-Za-z]+|\d+")
_CJK = re.compile(r"[\u4e00-\u9fff]")


@cache
def stem(word: str) -> str:
    """A crude English stem, enough to make 'pots' meet 'pot', 'hoodies' meet 'hoodie', 'grooved' meet 'groove'."""
    w = word.lower()
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("es") and w[:-2].endswith(("s", "x", "z", "ch", "sh")):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith("ss") and len(w) > 3:
        w = w[:-1]
    for suffix in ("ing", "ed", "e"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            break
    if w.endswith("y") and len(w) > 3:
        w = w[:-1] + "i"
    return w


def words(text: str) -> list[str]:
    """Stemmed English words and digit runs of a text."""
    return [stem(w) for w in _WORD.findall(text)]


@dataclass(frozen=True)
class PoKey:
    po: str
    letters: str
    digits: str


@dataclass(frozen=True)
class PoMention:
    start: int
    pos: frozenset[str]
    fuzzy: bool


@dataclass(frozen=True)
class EnLine:
    ref: LineRef
    words: frozenset[str]
    heads: frozenset[str]


class BookIndex:
    """Look-up tables built once per order book."""

    def __init__(self, book: OrderBook) -> None:
        lx = lexicon()
        self.book = book
        self.keys = [PoKey(o.po, re.match(r"[A-Za-z]*", o.po.strip()).group(0).upper(), re.sub(r"\D", "", o.po))
                     for o in book.orders.values()]
        self.key_of = {k.po: k for k in self.keys}
        by_letters = defaultdict(set)
        for k in self.keys:
            if len(k.letters) >= 2 and k.letters != "PO":
                by_letters[k.letters].add(k.po)
        self.letter_alias = {ls: next(iter(pos)) for ls, pos in by_letters.items() if len(pos) == 1
                             and ls not in lx.acronyms}
        self.sku_lines: dict[str, set[LineRef]] = defaultdict(set)
        self.zh_lines: dict[str, set[LineRef]] = defaultdict(set)
        heads = {stem(h) for h in lx.lists.get("products.heads", ())}
        stop = {stem(s) for s in lx.lists.get("products.stop", ())}
        hints = {stem(h) for h in lx.lists.get("products.attributes_hint", ())}
        self.en_lines: list[EnLine] = []
        for o in book.orders.values():
            for ln in o.lines:
                ref = (o.po, ln.sku)
                self.sku_lines[ln.sku.lower()].add(ref)
                english = ln.description.split(" / ", 1)[0]
                names = [english] + [n for n in ln.nicknames if not _CJK.search(n)]
                ws = {w for n in names for w in words(n)} - stop
                # a product is named by a known noun, or else by the last plain word of each of its names
                # ("plush koala 30cm" -> koala, "LED strip 5m" -> strip)
                own = {_last_noun(n, stop, hints) for n in names} - {None}
                self.en_lines.append(EnLine(ref, frozenset(ws), frozenset((ws & heads) | own)))
                for nick in ln.nicknames:
                    if _CJK.search(nick):
                        # a shorter ending of a nickname names the same kind of thing: 竹板 in 带槽竹板
                        for i in range(len(nick) - 1):
                            self.zh_lines[nick[i:]].add(ref)
        self.head_lines: dict[str, list[EnLine]] = defaultdict(list)
        for line in self.en_lines:
            for h in line.heads:
                self.head_lines[h].append(line)
        self.by_digits: dict[str, set[str]] = defaultdict(set)
        self.by_suffix: dict[str, set[str]] = defaultdict(set)
        for k in self.keys:
            self.by_digits[k.digits].add(k.po)
            for n in range(4, len(k.digits)):
                self.by_suffix[k.digits[-n:]].add(k.po)
        # SKU codes and Chinese nicknames are found in one Aho-Corasick pass, longest first
        names = {("sku", code): [("sku", code, "code")] for code in self.sku_lines}
        names.update({("zh", nick): [("zh", nick, "nick")] for nick in self.zh_lines})
        self.names = Scanner(names) if names else None
        self.letter_sets = {k.letters for k in self.keys}
        self.buyer_pos: dict[str, set[str]] = defaultdict(set)
        for o in book.orders.values():
            first = re.match(r"[A-Z][A-Za-z]{3,}", o.buyer.strip())
            if first and o.is_open:
                self.buyer_pos[first.group(0)].add(o.po)
        self.buyer_rx = _alternation(self.buyer_pos, ascii_edges=True, ignore_case=False)

    # -- purchase orders -------------------------------------------------------------------------
    def po_mentions(self, text: str) -> list[PoMention]:
        """Every PO the text names, by number (exact, short form or one-edit typo) or letter code."""
        found = []
        for m in _MENTION.finditer(text):
            letters, num = (m.group(1) or "").upper(), m.group(2)
            if letters and letters not in ("PO", "P", "NO", "ORDER") and letters not in self.letter_sets:
                if m.end(1) == m.start(2):
                    continue  # letters glued to digits that are no PO prefix: a code (TGHU4012345)
                letters = ""  # a word before the number ("and 4500098765"), not a prefix
            digits = num.replace("-", "")
            if len(digits) < 3 or _DATE.match(num) or self._not_an_id(text, m):
                continue
            keys = self.key_of
            exact = {po for po in self.by_digits.get(digits, ()) if self._letters_fit(letters, keys[po])}
            short = {po for po in self.by_suffix.get(digits, ()) if self._letters_fit(letters, keys[po])}
            if exact or short:
                found.append(PoMention(m.start(), frozenset(exact or short), False))
                continue
            min_len = 4 if letters else 5
            if len(digits) >= min_len:
                near = {k.po for k in self.keys if self._letters_fit(letters, k) and self._one_edit(digits, k.digits)}
                if near:
                    found.append(PoMention(m.start(), frozenset(near), True))
        for code, po in self.letter_alias.items():
            for m in re.finditer(rf"(?<![A-Za-z0-9]){re.escape(code)}(?![A-Za-z])", text):
                if not text[m.end():m.end() + 1].isdigit() and not text[m.end():m.end() + 2].strip("-# ")[:1].isdigit():
                    found.append(PoMention(m.start(), frozenset({po}), False))
        return sorted(found, key=lambda p: p.start)

    @staticmethod
    def _letters_fit(letters: str, key: PoKey) -> bool:
        return not letters or letters in ("PO", "P", "NO", "ORDER") or letters == key.letters

    @staticmethod
    def _one_edit(digits: str, target: str) -> bool:
        if len(target) > len(digits) + 1:
            target = target[-len(digits):]
        return abs(len(target) - len(digits)) <= 1 and OSA.distance(digits, target, score_cutoff=1) <= 1

    @staticmethod
    def _not_an_id(text: str, m: re.Match) -> bool:
        s, e = m.start(2), m.end(2)
        before, after = text[max(0, s - 6):s], text[e:e + 8]
        if before.endswith((",", ".")) and len(before) >= 2 and before[-2].isdigit():
            return True  # 1,125 or 69.5: a quantity
        if after[:1] in (".", ",") and after[1:2].isdigit():
            return True
        if after[:1].isascii() and after[:1].isalpha():
            return True  # 2955C, 40HQ: a code, not an order
        if after[:1] in ("/", ":") and after[1:2].isdigit():
            return True  # a date or a time
        if before[-1:] in ("/", ":") and len(before) >= 2 and before[-2].isdigit():
            return True
        if _CURRENCY_BEFORE.search(before) or _QTY_BEFORE.search(text[max(0, s - 12):s]):
            return True
        return bool(_UNIT_AFTER.match(after)) and not m.group(1)

    # -- products --------------------------------------------------------------------------------
    def product_mentions(self, text: str) -> list[frozenset[LineRef]]:
        """Each product the text names, as the order lines it could be."""
        mentions: list[frozenset[LineRef]] = []
        found = self.names.scan(text) if self.names is not None else {}
        for h in found.get("sku", []):
            mentions.append(frozenset(self.sku_lines[h.entries[0][1]]))
        for h in found.get("zh", []):
            mentions.append(frozenset(self.zh_lines[h.entries[0][1]]))
        parts = [words(text[s:e]) for s, e in clauses(text)]
        for head in sorted(self.head_lines.keys() & {w for p in parts for w in p}):
            group = self.head_lines[head]
            # words in the clause of the product noun ("blue 28 cm pots", "towels ... 500 gsm") narrow it
            near = {w for p in parts if head in p for w in p} - {head}
            for attr in sorted(near & {w for ln in group for w in ln.words}):
                narrowed = [ln for ln in group if attr in ln.words]
                if narrowed and len(narrowed) < len(group):
                    group = narrowed
            mentions.append(frozenset(ln.ref for ln in group))
        return mentions

    def attribute_skus(self, text: str, po: str, hints: frozenset[str]) -> set[str]:
        """SKUs of one order that a distinguishing word (a colour, a material) in the text points to."""
        msg_words = set(words(text)) & {stem(h) for h in hints}
        lines = [ln for ln in self.en_lines if ln.ref[0] == po]
        out = set()
        for w in msg_words:
            having = [ln for ln in lines if w in ln.words]
            if len(having) == 1:
                out.add(having[0].ref[1])
        return out

    def buyer_mentions(self, text: str) -> set[str]:
        """Open orders of any buyer the text names."""
        if self.buyer_rx is None:
            return set()
        return {po for m in self.buyer_rx.finditer(text) for po in self.buyer_pos[m.group(0)]}


_SIZE = re.compile(r"\d")


def _last_noun(name: str, stop: set[str], hints: set[str]) -> str | None:
    """The last plain word of a product name before its sizes and specs, skipping colours and materials."""
    head = re.split(r"[,(;]| with | for ", name.lower(), maxsplit=1)[0]
    tokens = head.split()
    cut = next((i for i, t in enumerate(tokens) if _SIZE.search(t)), len(tokens))
    plain = [stem(t) for t in tokens[:cut] if t.isalpha() and len(t) >= 3]
    plain = [t for t in plain if t not in stop and t not in hints]
    return plain[-1] if plain else None


def _alternation(table: dict, ascii_edges: bool, ignore_case: bool = True) -> re.Pattern | None:
    if not table:
        return None
    parts = []
    for key in sorted(table, key=lambda k: (-len(k), k)):
        body = re.escape(key)
        if ascii_edges:
            body = rf"(?<![A-Za-z0-9]){body}(?![A-Za-z0-9])"
        parts.append(body)
    return re.compile("|".join(parts), re.I if ignore_case else 0)
