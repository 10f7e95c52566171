"""The fields of a delay report, read from what people wrote (pure)."""
from __future__ import annotations

import re

# what a complete delay report says; the bot asks for whatever is missing
FIELDS = ("cause", "milestone", "revised_date", "cost_impact", "quality_impact", "alternatives", "decision_needed",
          "owner")
# fields people answer in words (the others come from the tags, the risk or the order book)
WORDED = ("cause", "cost_impact", "quality_impact", "alternatives")

_LABEL = re.compile(r"(?:^|[；;。])\s*(cause|reason|原因|cost|费用|成本|quality|质量|impact|影响|alternatives?|"
                    r"options?|方案|revised date|new date|新日期|decision|决定)\s*[:：]\s*([^；;\n]+)", re.I | re.M)
_CAUSE = re.compile(r"(?:because(?: of)?|due to|caused by|cause[:：]?|reason[:：]?|因为|由于|原因是?[:：]?)"
                    r"\s*([^。.;；,，\n]+)", re.I)
_MONEY = re.compile(r"(?:USD|US\$|RMB|CNY|EUR|GBP|\$|¥|￥|€|£)\s?\d[\d,.]*|"
                    r"\d[\d,.]*\s?(?:USD|RMB|CNY|元|块|美元|欧元|英镑)", re.I)
_NO_COST = re.compile(r"no (?:extra )?cost|at no cost|none to you|free of charge|factory absorbs|不加钱|免费|不收费|"
                      r"工厂承担", re.I)
_QUALITY = re.compile(r"quality|no impact on quality|质量|品质", re.I)
_OPTIONS = re.compile(r"option [A-C1-3]|alternatives?|plan B|or we could|方案[A-C一二三12]|要么|或者", re.I)

_LABEL_FIELD = {"cause": "cause", "reason": "cause", "原因": "cause", "cost": "cost_impact", "费用": "cost_impact",
                "成本": "cost_impact", "quality": "quality_impact", "质量": "quality_impact",
                "alternative": "alternatives", "alternatives": "alternatives", "option": "alternatives",
                "options": "alternatives", "方案": "alternatives", "revised date": "revised_date",
                "new date": "revised_date", "新日期": "revised_date"}


_CLAUSE_END = re.compile(r"[,;，；。\n]")


def _clause(text: str, start: int, end: int) -> str:
    """The clause around a match: from the previous separator to the next one."""
    left = max((m.end() for m in _CLAUSE_END.finditer(text, 0, start)), default=0)
    right = next((m.start() for m in _CLAUSE_END.finditer(text, end)), len(text))
    return text[left:right].strip(" -–:：")


def read_report(text: str) -> dict[str, str]:
    """The worded fields a message states: cause, cost impact, quality impact, alternatives."""
    found: dict[str, str] = {}
    for m in _LABEL.finditer(text or ""):
        field = _LABEL_FIELD.get(m.group(1).lower())
        if field:
            found.setdefault(field, m.group(2).strip())
    if "cause" not in found and (m := _CAUSE.search(text or "")):
        found["cause"] = m.group(1).strip()
    if "cost_impact" not in found:
        if m := _MONEY.search(text or ""):
            found["cost_impact"] = m.group(0).strip(" ,.")
        elif m := _NO_COST.search(text or ""):
            found["cost_impact"] = m.group(0).strip()
    if "quality_impact" not in found and (m := _QUALITY.search(text or "")):
        found["quality_impact"] = _clause(text, m.start(), m.end())
    if "alternatives" not in found and (m := _OPTIONS.search(text or "")):
        found["alternatives"] = _clause(text, m.start(), m.end())
    return found


def missing(report: dict[str, str]) -> list[str]:
    """The report's fields still empty, in the order a person would be asked."""
    return [f for f in FIELDS if not report.get(f)]
