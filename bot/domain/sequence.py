"""Sequence checks: evidence that arrives at the wrong moment of an order's life (pure)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from parsers.lexicon import lexicon


@dataclass(frozen=True)
class Step:
    """One earlier evidence message of the order, as the checks need it."""

    milestone: str | None
    counted: bool  # real proof: not stale, not recycled, from someone on the order
    exception: str | None = None
    released: bool = False  # a buyer's release, or a final inspection that passed


@dataclass(frozen=True)
class SequenceFinding:
    rule: str  # catalogue key under `sequence.`
    milestone: str


def _seen(steps: Iterable[Step], *milestones: str) -> bool:
    return any(s.counted and s.milestone in milestones for s in steps)


def check_sequence(milestone: str | None, text: str, has_file: bool, earlier: list[Step]) -> SequenceFinding | None:
    """The first sequence rule a new evidence message breaks, given the order's earlier evidence."""
    lex = lexicon()
    if milestone == "pre_packing" and has_file and not _seen(earlier, "material_readiness", "inline_production"):
        return SequenceFinding("packing_before_materials", milestone)
    if (milestone == "pre_packing" and lex.find("risk.packaging", text)
            and _seen(earlier, "final_inspection")):
        return SequenceFinding("labels_after_final", milestone)
    if (milestone == "freight_handover" and lex.find("risk.handover", text)
            and not any(s.released for s in earlier)):
        return SequenceFinding("handover_before_release", milestone)
    return None
