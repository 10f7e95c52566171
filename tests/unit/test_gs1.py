"""parsers.gs1: the GS1 mod-10 check digit of an SSCC, and SSCCs as labels print them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parsers.gs1 import gs1_check_digit, normalize_sscc, sscc_check_digit, sscc_check_digit_ok

SEVENTEEN = st.text(alphabet="0123456789", min_size=17, max_size=17)


def test_a_check_digit_worked_by_hand() -> None:
    # 1 0614141 123456789, weights 3,1,3,... from the right: 27+8+21+6+15+4+9+2+3+1+12+1+12+1+18+0+3 = 143 -> 7
    assert sscc_check_digit("10614141123456789") == 7
    assert sscc_check_digit_ok("106141411234567897")
    assert not sscc_check_digit_ok("106141411234567890")


def test_gtin_check_digits_use_the_same_rule() -> None:
    assert gs1_check_digit("400638133393") == 1  # GTIN-13 4006381333931
    assert gs1_check_digit("9780306406157"[:12]) == 7  # ISBN-13 as GTIN-13


@pytest.mark.parametrize("bad", ["", "12345678901234567", "1234567890123456789", "10614141123456789x", "１" * 18])
def test_anything_but_18_ascii_digits_is_not_a_valid_sscc(bad: str) -> None:
    assert not sscc_check_digit_ok(bad)


@pytest.mark.parametrize("bad", ["", "1234", "1061414112345678a", "1" * 18])
def test_the_check_digit_needs_exactly_17_digits(bad: str) -> None:
    with pytest.raises(ValueError):
        sscc_check_digit(bad)


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("106141411234567897", "106141411234567897"),
        ("(00)106141411234567897", "106141411234567897"),
        ("(00) 1 0614141 123456789 7", "106141411234567897"),
        ("00106141411234567897", "106141411234567897"),  # as a scanner sends it: the AI without brackets
        ("006141411234567893", "006141411234567893"),  # 18 digits that merely start with 00 keep them
        ("  106141411234567897\n", "106141411234567897"),
        ("10614141123456789", None),
        ("1061414112345678970", None),
        ("SSCC 106141411234567897", None),
        ("", None),
    ],
)
def test_normalize_sscc(printed: str, expected: str | None) -> None:
    assert normalize_sscc(printed) == expected


@given(SEVENTEEN)
def test_appending_the_check_digit_makes_a_valid_sscc(first17: str) -> None:
    assert sscc_check_digit_ok(first17 + str(sscc_check_digit(first17)))


@given(SEVENTEEN, st.integers(0, 17), st.integers(1, 9))
def test_changing_any_one_digit_makes_it_invalid(first17: str, position: int, shift: int) -> None:
    sscc = first17 + str(sscc_check_digit(first17))
    changed = sscc[:position] + str((int(sscc[position]) + shift) % 10) + sscc[position + 1 :]
    assert changed != sscc
    assert not sscc_check_digit_ok(changed)
