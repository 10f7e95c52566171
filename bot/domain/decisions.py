"""Who may decide, and whether a decision can stand given the ones before it (pure)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

VERBS = ("approve", "hold", "rework", "expedite", "renegotiate", "release", "sort", "reject", "ship")
BLOCKED_BY_HOLD = frozenset({"release", "ship"})


@dataclass(frozen=True)
class Past:
    """An earlier decision on the same order."""

    verb: str
    state: str  # given | refused | lift
    at: dt.datetime


def decider(role: str | None) -> str | None:
    """How a contact of this role takes part: 'own' (a buyer decides), 'relay' (an agent passes a buyer's decision
    on) or None (factory staff, inspectors, forwarders and packaging vendors never decide)."""
    return {"buyer": "own", "agent": "relay"}.get(role or "")


def hold_stands(history: Iterable[Past]) -> bool:
    """Whether a hold given earlier has not been lifted since."""
    standing = False
    for p in sorted(history, key=lambda p: p.at):
        if p.verb == "hold" and p.state == "given":
            standing = True
        elif p.state == "lift":
            standing = False
    return standing


def judge(verb: str, history: Iterable[Past], final_inspection_proof: bool) -> tuple[str, str | None]:
    """('given', None), or ('refused', why): a standing hold blocks release and ship; release needs final-inspection
    evidence."""
    history = list(history)
    if verb in BLOCKED_BY_HOLD and hold_stands(history):
        return "refused", "hold_standing"
    if verb == "release" and not final_inspection_proof:
        return "refused", "release_needs_final"
    return "given", None
