"""Dates a chat message mentions, in English and Chinese, resolved against the sender's local date."""
from __future__ import annotations

import datetime as dt
import re

__all__ = ["default_date_order", "extract_dates"]

_MONTH_NUMBERS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip

_WEEKDAY_NUMBERS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tues": 1, "tue": 1, "wednesday": 2, "weds": 2, "wed": 2,
    "thursday": 3, "thurs": 3, "thur": 3, "thu": 3, "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
    "一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6,
    "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6,
}  # fmt: skip

_RELATIVE_OFFSETS = {
    "今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "後天": 2, "大后天": 3, "大後天": 3,
    "听日": 1, "聽日": 1, "后日": 2, "後日": 2, "琴日": -1, "尋日": -1,
    "昨天": -1, "昨日": -1, "前天": -2, "大前天": -3,
    "today": 0, "tomorrow": 1, "tmr": 1, "tmrw": 1, "yesterday": -1,
    "the day after tomorrow": 2, "day after tomorrow": 2,
    "the day before yesterday": -2, "day before yesterday": -2,
}  # fmt: skip

# Abbreviations that are also ordinary words or surnames ("the box sat", "Lily Sun", "wed in May"):
# they only count as weekdays next to a cue word or a date.
_AMBIGUOUS_WEEKDAYS = frozenset({"sat", "sun", "wed"})
_WEEKDAY_CUES = frozenset({"on", "by", "this", "next", "last", "coming", "until", "till", "til", "before", "from"})
# A bare ordinal ("the 2nd") is a day of the month only when something date-like surrounds it;
# "the 2nd inspection" is a count.
_ORDINAL_CUES = frozenset({"the", "on", "by", "before", "until", "till", "til", "from"})
_ORDINAL_FOLLOWERS = frozenset({
    "and", "or", "at", "to", "by", "in", "on", "if", "so", "but", "as", "then", "instead", "latest",
    "is", "was", "will", "would", "should", "we", "i", "they", "he", "she", "it", "you", "the", "when",
    "pls", "please", "ok", "morning", "afternoon", "evening", "night", "noon", "too", "etd", "eta",
})  # fmt: skip

_MONTH = (
    r"(?:january|february|march|april|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|may|jun|jul|aug|sept|sep|oct|nov|dec)"
)
_WEEKDAY = (
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|mon|tues|tue|weds|wed|thurs|thur|thu|fri|sat|sun)"
)
_ORD = r"(?:st|nd|rd|th)"
_DASH = r"(?:-|–|—|~|～|〜|至|到)"
_EN_DASH = r"(?:-|–|—|~|to|through|thru|till|until)"
_YEAR = r"(?:19|20)\d\d"
# A number that starts a date must not continue an identifier, decimal, list of digits or PO-like code.
_NUM_START = r"(?<![A-Za-z0-9_#./\\])(?<![A-Za-z0-9]-)"
_NO_LETTER_BEFORE = r"(?<![A-Za-z'])"
_NO_LETTER_AFTER = r"(?![A-Za-z])"
# What may follow a day written without 日/号: units turn "6月2" into "June, 2 pieces", and 月/年 mean the
# number belongs to the next date ("6月 7月" lists months).
_CN_UNITS = r"个件套箱只台天周批次柜%月年"
# Nouns after N号 that make it "number N" (line 3, building 2, cabinet 5) rather than a day.
_CN_HAO_NOUNS = r"线楼机柜仓车门位箱库房厂台码色桶罐窑堆区"

_DATE_RE = re.compile(
    rf"""
    # Three entry gates (a digit, a Chinese date character, the start of an English word) are tested first,
    # so the scan does not try every alternative at every position of the message.
    (?=\d){_NUM_START}
    (?:(?P<iso>
        (?P<iso_y>{_YEAR})(?P<iso_s>[-/.])(?P<iso_m>\d{{1,2}})(?P=iso_s)(?P<iso_d>\d{{1,2}})
        (?=t\d|(?![0-9a-z]|[-/.]\d)))
    |(?P<cn>
        (?:(?P<cn_y>{_YEAR})\s*年\s*)?
        (?P<cn_m>\d{{1,2}})\s*月\s*(?P<cn_d>\d{{1,2}})(?:\s*[日号號]|(?![\d.]|\s*[{_CN_UNITS}]))
        (?:\s*{_DASH}\s*(?:(?P<cn_m2>\d{{1,2}})\s*月\s*)?(?P<cn_d2>\d{{1,2}})(?:\s*[日号號]|(?![\d.]|\s*[{_CN_UNITS}])))?)
    |(?P<slash>
        (?P<sl_a>\d{{1,2}})/(?P<sl_b>\d{{1,2}})(?:/(?P<sl_y>{_YEAR}))?
        (?:\s*{_DASH}\s*(?:(?P<sl_c>\d{{1,2}})/)?(?P<sl_d>\d{{1,2}})(?![0-9A-Za-z%]|[/.:]\d))?
        (?![0-9A-Za-z%]|[/.:]\d))
    |(?P<dm>
        (?P<dm_d>\d{{1,2}}){_ORD}?
        (?:\s*{_EN_DASH}\s*(?P<dm_d2>\d{{1,2}}){_ORD}?)?
        (?:\s*-\s*|\s+of\s+|\s*)(?P<dm_mon>{_MONTH})\.?{_NO_LETTER_AFTER}
        (?:\s*,?\s*(?P<dm_y>{_YEAR})(?!\d))?)
    |(?P<cnday>(?<![第每])(?<!每月)
        (?P<cnday_d>\d{{1,2}})\s*(?:[号號](?![{_CN_HAO_NOUNS}])|日(?!内|以内|之内|后|之后|後)))
    |(?P<ord>(?P<ord_d>\d{{1,2}}){_ORD}(?![A-Za-z0-9])))
    |(?=[今明昨后後前大周週星礼禮下上这這本听聽琴尋])
    (?:(?P<cnmonth>(?P<cnmonth_pre>下个?月|下個?月|本月|这个?月|這個?月)
        (?P<cnmonth_d>\d{{1,2}})\s*[号號日])
    |(?P<rel>大[后後]天|大前天|(?<![然之以最随隨过過])[后後]天|(?<![提之以目当當眼从從此面])前天|今天|今日|明天|明日|昨天|昨日|[听聽]日|[后後]日|琴日|尋日)
    |(?P<cw>(?:(?P<cw_pre>下下个?|下下個|下个?|下個|上上个?|上上個|上个?|上個|这个?|這個?|本)|(?<![每一二两兩三四五六七八九十几幾个個]))
        (?:周|週|星期|礼拜|禮拜)(?P<cw_d>[一二三四五六日天1-7])(?![次遍趟0-9])))
    |(?<![A-Za-z'])(?=[acdfjlmnostwy])
    (?:(?P<md>
        (?P<md_mon>{_MONTH})\.?\s*(?P<md_d>\d{{1,2}}){_ORD}?(?!\d|[A-Za-z]|[.:]\d|,\d{{3}}(?!\d))
        (?:\s*,?\s*(?P<md_y>{_YEAR})(?!\d))?
        (?:\s*{_EN_DASH}\s*(?:(?P<md_mon2>{_MONTH})\.?\s*)?(?P<md_d2>\d{{1,2}}){_ORD}?(?![0-9A-Za-z]|[.:]\d))?)
    |(?P<erel>(?:the\s+day\s+after\s+tomorrow|day\s+after\s+tomorrow|the\s+day\s+before\s+yesterday
        |day\s+before\s+yesterday|today|tomorrow|tmrw|tmr|yesterday){_NO_LETTER_AFTER})
    |(?P<wd>(?:(?P<wd_pre>this|next|last|coming|this\s+coming)\s+)?
        (?P<wd_name>{_WEEKDAY})\.?{_NO_LETTER_AFTER}
        (?:\s+(?:of\s+)?(?P<wd_post>this|next|last)\s+week{_NO_LETTER_AFTER})?))
    """,
    re.VERBOSE,
)

# Cheap screens: with no digit and no keyword the full scan cannot match, so most chatter costs two searches.
# Both start with plain characters (no IGNORECASE, no lookaround), which lets `re` skip ahead in C.
_TRIGGER_RE = re.compile(r"[0-9今明昨后後前周週星礼禮听聽琴尋]")
_ENGLISH_TRIGGER_RE = re.compile(r"mon|tue|wed|thu|fri|sat|sun|tod|tom|tmr|yesterday")
_PREVIOUS_WORD_RE = re.compile(r"([A-Za-z]+)[\s,]*\Z")
_NEXT_WORD_RE = re.compile(r"\s*([A-Za-z]+)")
_DIGIT_AHEAD_RE = re.compile(r"[\s,.:]*\d")
_CN_WEEK_SHIFT = {"下": 1, "下下": 2, "上": -1, "上上": -2, "这": 0, "這": 0, "本": 0}
_EN_WEEK_SHIFT = {"next": 1, "last": -1, "this": 0}


def default_date_order(timezone: str | None, language: str | None) -> str:
    """'mdy' for America/* time zones and for 'zh' speakers, 'dmy' otherwise."""
    # Chinese writes month first (6月12日), and so does its slash shorthand 6/12.
    if (timezone or "").startswith("America/") or (language or "").lower().startswith("zh"):
        return "mdy"
    return "dmy"


def extract_dates(text: str, today: dt.date, date_order: str = "dmy") -> list[dt.date]:
    """Dates a chat message mentions, relative words resolved against `today` (the sender's local date)."""
    if date_order not in ("dmy", "mdy"):
        raise ValueError(f"date_order must be 'dmy' or 'mdy', not {date_order!r}")
    # Matching lower-cased text is several times faster than re.IGNORECASE; the few case-sensitive
    # decisions look at the original text, so the two must stay aligned character for character.
    low = text.lower()
    if len(low) != len(text):
        low = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)
    if not _TRIGGER_RE.search(low) and not _ENGLISH_TRIGGER_RE.search(low):
        return []
    found: list[dt.date] = []
    for match in _DATE_RE.finditer(low):
        for day in _resolve(match, text, today, date_order):
            if day is not None and day not in found:
                found.append(day)
    return found


def _resolve(m: re.Match[str], text: str, today: dt.date, date_order: str) -> tuple[dt.date | None, ...]:
    kind = m.lastgroup
    if kind == "iso":
        return (_make(int(m["iso_y"]), int(m["iso_m"]), int(m["iso_d"])),)
    if kind == "cn":
        start = _in_year(today, _number(m["cn_y"]), int(m["cn_m"]), int(m["cn_d"]))
        return start, _range_end(start, _number(m["cn_m2"]), _number(m["cn_d2"]))
    if kind == "slash":
        if m["sl_a"] == "24" and m["sl_b"] == "7" and not m["sl_y"]:
            return ()  # "24/7" means around the clock
        month, day = _month_day(int(m["sl_a"]), int(m["sl_b"]), date_order)
        start = _in_year(today, _number(m["sl_y"]), month, day)
        if m["sl_c"] is not None:
            return start, _range_end(start, *_month_day(int(m["sl_c"]), int(m["sl_d"]), date_order))
        return start, _range_end(start, None, _number(m["sl_d"]))
    if kind == "dm":
        if m["dm_mon"] == "may" and text[m.start("dm_mon")] == "m":
            return ()  # "10 may arrive late": only a capitalised May follows a bare number as a month
        start = _english_date(today, _MONTH_NUMBERS[m["dm_mon"]], int(m["dm_d"]), m["dm_y"])
        # "19–21 June": the month is written once, after the second day.
        return start, _range_end(start, None, _number(m["dm_d2"]))
    if kind == "md":
        start = _english_date(today, _MONTH_NUMBERS[m["md_mon"]], int(m["md_d"]), m["md_y"])
        month2 = _MONTH_NUMBERS[m["md_mon2"]] if m["md_mon2"] else None
        return start, _range_end(start, month2, _number(m["md_d2"]))
    if kind == "cnday":
        return (_bare_day(today, int(m["cnday_d"]), None),)
    if kind == "cnmonth":
        return (_bare_day(today, int(m["cnmonth_d"]), m["cnmonth_pre"]),)
    if kind == "ord":
        return (_ordinal_day(m, text, today),)
    if kind in ("rel", "erel"):
        return (_shift(today, _RELATIVE_OFFSETS[" ".join(m[kind].split())]),)
    if kind == "wd":
        return (_english_weekday(m, text, today),)
    if kind == "cw":
        prefix = (m["cw_pre"] or "").rstrip("个個")
        shift = _CN_WEEK_SHIFT.get(prefix)
        return (_weekday(today, _WEEKDAY_NUMBERS[m["cw_d"]], shift),)
    return ()


def _make(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _month_day(first: int, second: int, date_order: str) -> tuple[int, int]:
    month, day = (first, second) if date_order == "mdy" else (second, first)
    # Whoever wrote 7/15 meant July whatever their habit, since there is no month 15.
    if month > 12 and day <= 12:
        month, day = day, month
    return month, day


def _number(digits: str | None) -> int | None:
    return None if digits is None else int(digits)


def _shift(day: dt.date, days: int) -> dt.date | None:
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return None


def _in_year(today: dt.date, year: int | None, month: int, day: int) -> dt.date | None:
    return _nearest(today, month, day) if year is None else _make(year, month, day)


def _english_date(today: dt.date, month: int, day: int, year: str | None) -> dt.date | None:
    # "June 21, 2000 pcs": a far-off "year" after an English date is more likely a quantity.
    written = _number(year)
    return _in_year(today, written if written is not None and abs(written - today.year) <= 10 else None, month, day)


def _nearest(today: dt.date, month: int, day: int) -> dt.date | None:
    # Without a year, the reading closest to today wins: "28 Dec" said on 3 January is last year's.
    candidate = _make(today.year, month, day)
    if candidate is None:
        # Only 29 February is valid in some years and not others.
        nearby = (_make(year, month, day) for year in (today.year - 1, today.year + 1))
        return min((d for d in nearby if d is not None), key=lambda d: abs((d - today).days), default=None)
    gap = (candidate - today).days
    # A reading more than half a year away means the neighbouring year is nearer.
    if gap > 182:
        other = _make(today.year - 1, month, day)
        return other if other is not None and today.toordinal() - other.toordinal() < gap else candidate
    if gap < -182:
        # On an exact tie the future reading wins, as plans are what chat mostly talks about.
        other = _make(today.year + 1, month, day)
        return other if other is not None and other.toordinal() - today.toordinal() <= -gap else candidate
    return candidate


def _range_end(start: dt.date | None, month: int | None, day: int | None) -> dt.date | None:
    if start is None or day is None:
        return None
    # An end point without a month shares the start's month; one that falls before the start is in the next.
    if month is None:
        end = _make(start.year, start.month, day)
        if end is not None and end < start:
            end = _add_months(start.replace(day=1), 1, day)
    else:
        end = _make(start.year, month, day)
        if end is not None and end < start:
            end = _make(start.year + 1, month, day)
    return end


def _add_months(first_of_month: dt.date, months: int, day: int) -> dt.date | None:
    index = first_of_month.month - 1 + months
    return _make(first_of_month.year + index // 12, index % 12 + 1, day)


def _bare_day(today: dt.date, day: int, prefix: str | None) -> dt.date | None:
    first = today.replace(day=1)
    if prefix and prefix.startswith("下"):
        return _add_months(first, 1, day)
    if prefix:
        return _make(today.year, today.month, day)
    # a bare day is the nearest such day: "17号" on the 10th is ahead, "7号拍的" on the 15th is just gone
    options = [d for d in (_add_months(first, k, day) for k in (-1, 0, 1)) if d is not None]
    return min(options, key=lambda d: (abs((d - today).days), d < today), default=None)


def _ordinal_day(m: re.Match[str], text: str, today: dt.date) -> dt.date | None:
    before = _PREVIOUS_WORD_RE.search(text, max(0, m.start() - 12), m.start())
    if before is None or before.group(1).lower() not in _ORDINAL_CUES:
        return None
    after = _NEXT_WORD_RE.match(text, m.end())
    if after is not None and after.group(1).lower() not in _ORDINAL_FOLLOWERS:
        return None
    return _bare_day(today, int(m["ord_d"]), None)


def _english_weekday(m: re.Match[str], text: str, today: dt.date) -> dt.date | None:
    name = m["wd_name"]
    prefix = m["wd_pre"] or ""
    if text[m.start("wd_name"):m.end("wd_name")] == "FRI":
        return None  # FRI in capitals is a final random inspection, not Friday
    before = _PREVIOUS_WORD_RE.search(text, max(0, m.start() - 12), m.start())
    previous = before.group(1).lower() if before else ""
    if previous in ("every", "each"):
        return None  # a recurring day, not a date
    if name in _AMBIGUOUS_WEEKDAYS and not prefix and previous not in _WEEKDAY_CUES:
        if not _DIGIT_AHEAD_RE.match(text, m.end()):
            return None
    if m["wd_post"]:
        shift: int | None = _EN_WEEK_SHIFT[m["wd_post"]]
    elif prefix.startswith("this") and prefix != "this":
        shift = None  # "this coming Friday" is the next one
    else:
        shift = _EN_WEEK_SHIFT.get(prefix)
    return _weekday(today, _WEEKDAY_NUMBERS[name], shift)


def _weekday(today: dt.date, weekday: int, week_shift: int | None) -> dt.date | None:
    if week_shift is None:
        # A bare weekday points forward; naming today's weekday means a week from now.
        return _shift(today, (weekday - today.weekday() - 1) % 7 + 1)
    # Weeks start on Monday, so "next Wednesday" said on a Sunday is ten days away, not three.
    return _shift(today, 7 * week_shift + weekday - today.weekday())
