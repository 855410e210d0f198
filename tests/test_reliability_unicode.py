"""A short fuzz run with Unicode edge cases, part of ``make test``: the X12 tokenizer, the 837I reader and the
claim input reader (hypothesis; the coverage-guided atheris run is ``make fuzz``, tests/test_reliability_fuzz.py).

Invariant: any input ends in a result or in hhbill's own located error (X12Error, ClaimInputError), and whatever
is read can be written out as UTF-8 JSON, as the API answers it. Text is drawn from the places Unicode goes wrong:
lone surrogates, NUL and control characters, BOMs, line and paragraph separators, combining marks, right-to-left
marks, digits of other scripts, full-width forms, characters outside the BMP, and the X12 delimiters themselves.
"""

from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hhbill import claims
from hhbill._errors import ClaimInputError, X12Error
from hhbill.x12 import SegmentStream, X12Reader

REPO = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("hhbill_fuzz_seeds_unicode", REPO / "fuzz" / "seeds.py")
assert _spec is not None and _spec.loader is not None
seeds = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(seeds)

EDGE_CHARACTERS = [
    "\ud800",
    "\udfff",
    "\x00",
    "\x1f",
    "\x7f",
    "\x85",
    "\ufeff",
    "\ufffe",
    "\uffff",
    "\u2028",
    "\u2029",
    "\u200b",
    "\u200e",
    "\u202e",
    "\u0301",
    "\u0663",
    "\uff11",
    "\U0001f600",
    "\U0010ffff",
    "ß",
    "İ",
    "Ǆ",
    "ﬃ",
    "~",
    "*",
    ":",
    "^",
    "\r",
    "\n",
    "\t",
    " ",
]
edge_text = st.lists(
    st.one_of(st.sampled_from(EDGE_CHARACTERS), st.characters(codec=None)), min_size=0, max_size=12
).map("".join)
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)


def _utf8_json(value: Any) -> None:
    """What the API does with a result: JSON, then UTF-8 bytes (a lone surrogate would fail here)."""
    json.dumps(value, ensure_ascii=False, default=str).encode("utf-8")


# -- the X12 tokenizer and the 837I reader --------------------------------------------------------------------------
def _837i_with(text: str, where: int) -> str:
    segments = seeds.X12_837I.split("~")
    body = [i for i, s in enumerate(segments) if s.strip().startswith(("NM1", "CLM", "HI", "SV2", "REF"))]
    index = body[where % len(body)]
    elements = segments[index].split("*")
    elements[min(len(elements) - 1, 2 + where % 3)] = text
    segments[index] = "*".join(elements)
    return "~".join(segments)


@FAST
@given(text=edge_text, where=st.integers(0, 50), encoding=st.sampled_from(["utf-8", "utf-16", "latin-1", "cp1252"]))
def test_tokenizer_any_unicode_ends_in_segments_or_a_located_error(text: str, where: int, encoding: str) -> None:
    document = _837i_with(text, where)
    raw = document.encode(encoding, errors="surrogatepass" if encoding.startswith("utf") else "replace")
    try:
        with SegmentStream(io.BytesIO(raw), file_name="fuzz.837") as stream:
            for segment in stream:
                _utf8_json([segment.id, *[str(e) for e in segment.elements]])
    except X12Error as exc:
        assert exc.location.get("file") == "fuzz.837"


@FAST
@given(text=edge_text, where=st.integers(0, 50), strict=st.booleans())
def test_837i_reader_any_unicode_ends_in_claims_or_a_located_error(text: str, where: int, strict: bool) -> None:
    raw = _837i_with(text, where).encode("utf-8", errors="surrogatepass")
    try:
        for parsed in X12Reader(io.BytesIO(raw), strict=strict, file_name="fuzz.837"):
            _utf8_json(claims.claim_to_dict(parsed.claim))
    except X12Error as exc:
        assert exc.location.get("file") == "fuzz.837"


# -- the claim input reader ------------------------------------------------------------------------------------------
TEXT_FIELDS = [
    ("patient", "last_name"),
    ("patient", "first_name"),
    ("patient", "mbi"),
    (None, "claim_id"),
    (None, "remarks"),
    (None, "patient_control_number"),
    (None, "hipps"),
    (None, "cbsa"),
    ("provider", "name"),
    ("provider", "npi"),
    (None, "diagnoses"),
    ("visits", "discipline"),
    ("visits", "service"),
    (None, "an unknown key"),
]


@FAST
@given(text=edge_text, field=st.sampled_from(TEXT_FIELDS), as_key=st.booleans())
def test_claim_input_any_unicode_ends_in_a_claim_or_a_located_error(
    text: str, field: tuple[str | None, str], as_key: bool
) -> None:
    period = json.loads(json.dumps(seeds.PERIOD))
    parent, name = field
    if as_key:
        period[text or "x"] = "1"
    elif parent is None and name == "diagnoses":
        period["diagnoses"] = [text]
    elif parent is None:
        period[name] = text
    elif parent == "visits":
        period["visits"][0][name] = text
    else:
        period[parent][name] = text
    try:
        claim, result = claims.check_input(period)
    except ClaimInputError as exc:
        assert exc.location.get("field"), exc
        _utf8_json(exc.to_dict())  # the error itself can be shown
        return
    _utf8_json(claims.claim_to_dict(claim))
    _utf8_json(result.to_dict())


def test_a_lone_surrogate_is_among_what_the_fuzzer_draws() -> None:
    """The property above refuses a lone surrogate with the field named (it used to reach the JSON encoder)."""
    period = {**seeds.PERIOD, "remarks": "\ud800"}
    with pytest.raises(ClaimInputError) as caught:
        claims.check_input(period)
    assert caught.value.location["field"] == "remarks"
