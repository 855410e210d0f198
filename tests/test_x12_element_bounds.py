"""Numeric elements are bounded by their 005010X223A2 lengths: a 5,000-digit CLM02 is refused, naming the place."""

from __future__ import annotations

import io
import re

import pytest

from _x12_support import PRACTITIONERS, final_claim
from hhbill import X12Error
from hhbill.x12 import WriterSettings, claims_to_x12, read_claims

SETTINGS = WriterSettings(payer_id="14011", practitioner_names=PRACTITIONERS)


def _text() -> str:
    return claims_to_x12([final_claim(1)], SETTINGS)


def _replace_element(text: str, segment_start: str, position: int, value: str) -> str:
    """``text`` with element ``position`` of the first segment starting ``segment_start`` set to ``value``."""
    start = text.index(segment_start)
    end = text.index("~", start)
    elements = text[start:end].split("*")
    elements[position] = value
    return text[:start] + "*".join(elements) + text[end:]


@pytest.mark.parametrize(
    ("segment_start", "position", "value", "name", "limit"),
    [
        ("CLM*", 2, "9" * 5000, "CLM02", 18),
        ("CLM*", 2, "1" * 19 + ".00", "CLM02", 18),
        ("SV2*", 3, "-" + "4" * 30, "SV203", 18),
        ("SV2*", 5, "1" * 16, "SV205", 15),
    ],
)
def test_overlong_numbers_are_refused_with_segment_and_element(
    segment_start: str, position: int, value: str, name: str, limit: int
) -> None:
    text = _replace_element(_text(), segment_start, position, value)
    with pytest.raises(X12Error) as raised:
        list(read_claims(io.StringIO(text)))
    error = raised.value
    assert error.location["segment_id"] == name[:-2] and error.location["element"] == position
    assert name in str(error) and f"at most {limit}" in str(error)
    assert len(str(error)) < 300  # the value itself is not echoed


def test_numbers_at_the_limit_are_read() -> None:
    text = _replace_element(_text(), "CLM*", 2, "1" * 16 + ".25")
    [parsed] = list(read_claims(io.StringIO(text)))
    assert str(parsed.claim.total_charge) == "1" * 16 + ".25"


def test_an_overlong_value_code_amount_names_its_component() -> None:
    text = _text()
    match = re.search(r"BE:61:::([0-9.]+)", text)
    assert match is not None
    text = text.replace(match.group(0), "BE:61:::" + "7" * 40)
    with pytest.raises(X12Error) as raised:
        list(read_claims(io.StringIO(text)))
    assert "C022-05" in str(raised.value) and raised.value.location["segment_id"] == "HI"
