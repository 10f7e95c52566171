"""GS1 check digits and SSCC spelling: pure helpers shared by shipment documents and label scans."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]+")


def gs1_check_digit(data: str) -> int:
    """The GS1 mod-10 check digit for a string of data digits (weights 3,1,3,... from the right)."""
    if not data or not _DIGITS.fullmatch(data):
        raise ValueError(f"not a string of ASCII digits: {data!r}")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(data)))
    return (10 - total % 10) % 10


def sscc_check_digit(first17: str) -> int:
    """The check digit that completes the 17 data digits of an SSCC (extension, company prefix, serial)."""
    if len(first17) != 17:
        raise ValueError(f"an SSCC has 17 data digits, got {len(first17)}")
    return gs1_check_digit(first17)


def sscc_check_digit_ok(sscc: str) -> bool:
    """True when the text is 18 ASCII digits whose last one is the GS1 check digit of the first 17."""
    return len(sscc) == 18 and bool(_DIGITS.fullmatch(sscc)) and gs1_check_digit(sscc[:17]) == int(sscc[17])


def normalize_sscc(text: str) -> str | None:
    """The 18 digits of an SSCC as printed or scanned (spaces and a leading (00) or 00 dropped), else None."""
    digits = text.strip()
    if digits.startswith("(00)"):
        digits = digits[4:]
    digits = digits.replace(" ", "")
    if len(digits) == 20 and digits.startswith("00"):  # the AI as a scanner sends it, without brackets
        digits = digits[2:]
    return digits if len(digits) == 18 and _DIGITS.fullmatch(digits) else None
