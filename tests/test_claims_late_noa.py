"""The late-NOA exception request: the builder puts KX on the 0023 line and the explanation in Remarks; the
late-NOA findings say an exception was requested (KX placement is from a secondary source: UNVERIFIED)."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

import pytest

from claims_scenarios.support import ATTENDING_NPI, CERTIFYING_NPI, NOA, PERIOD, case_mix_2026, fresh
from hhbill._errors import ClaimInputError
from hhbill.claims import CheckContext, build_claim, check_claim, period_from_dict
from hhbill.x12 import WriterSettings, claims_to_x12, read_claims

TODAY = date(2026, 6, 30)
EXCEPTION = {"category": "cms_mac_systems", "remarks": "FISS down 2026-03-03 to 2026-03-09, ticket 12345"}


def period(**changes: Any) -> dict[str, Any]:
    data = fresh(PERIOD)
    data.update(changes)
    return data


def check(data: dict[str, Any]) -> dict[str, str]:
    result = check_claim(build_claim(period_from_dict(data)), CheckContext(case_mix=case_mix_2026(), today=TODAY))
    return {f.id: f.message for f in result.findings}


def test_builder_puts_kx_on_the_0023_line_and_the_remarks_on_the_claim() -> None:
    claim = build_claim(period_from_dict(period(late_noa_exception=dict(EXCEPTION))))
    hipps = next(line for line in claim.lines if line.revenue_code == "0023")
    assert hipps.modifiers == ("KX",)
    assert "exception to the late-NOA reduction" in hipps.because
    assert "cms_mac_systems" in hipps.because
    assert "UNVERIFIED" in hipps.because
    assert claim.remarks == EXCEPTION["remarks"]
    assert claim.facts["late_noa_exception"]["category"] == "cms_mac_systems"  # type: ignore[index]
    assert any(d.startswith("Remarks: the late-NOA exception") for d in claim.facts["derivations"])  # type: ignore[attr-defined]
    # only the 0023 line carries KX
    assert all("KX" not in line.modifiers for line in claim.lines if line.revenue_code != "0023")


def test_other_remarks_follow_the_exception_explanation() -> None:
    claim = build_claim(period_from_dict(period(remarks="Corrected OASIS", late_noa_exception=dict(EXCEPTION))))
    assert claim.remarks == f"{EXCEPTION['remarks']}; Corrected OASIS"


def test_without_a_request_nothing_changes() -> None:
    claim = build_claim(period_from_dict(period()))
    hipps = next(line for line in claim.lines if line.revenue_code == "0023")
    assert hipps.modifiers == ()
    assert claim.remarks == ""
    assert "late_noa_exception" not in claim.facts


def test_noa_timely_says_an_exception_was_requested() -> None:
    late = check(period(noa_receipt_date="2026-03-11", late_noa_exception=dict(EXCEPTION)))
    message = late["noa-timely"]
    assert "an exception is requested (cms_mac_systems" in message
    assert "KX on the 0023 line, explained in Remarks" in message
    assert "UNVERIFIED" in message
    plain = check(period(noa_receipt_date="2026-03-11"))
    assert "exception" not in plain["noa-timely"]


def test_whole_period_finding_says_an_exception_was_requested() -> None:
    late = check(period(noa_receipt_date="2026-04-06", late_noa_exception=dict(EXCEPTION)))
    assert "an exception is requested" in late["noa-late-whole-period"]
    assert "UNVERIFIED" in late["noa-late-whole-period"]
    plain = check(period(noa_receipt_date="2026-04-06"))
    assert plain["noa-late-whole-period"].endswith("the period pays nothing")


def test_a_timely_noa_with_a_request_has_no_late_finding() -> None:
    findings = check(period(late_noa_exception=dict(EXCEPTION)))
    assert "noa-timely" not in findings
    assert "noa-late-whole-period" not in findings


def test_kx_on_0023_without_remarks_is_pointed_out() -> None:
    # a claim given line by line (or edited) with KX on the 0023 line but no explanation
    claim = build_claim(period_from_dict(period(noa_receipt_date="2026-03-11")))
    hipps = next(line for line in claim.lines if line.revenue_code == "0023")
    hipps.modifiers = ("KX",)
    result = check_claim(claim, CheckContext(today=TODAY))
    message = next(f.message for f in result.findings if f.id == "noa-timely")
    assert "an exception is requested: KX on the 0023 line, but no Remarks explain it" in message


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"late_noa_exception": {"category": "weather", "remarks": "x"}}, "late_noa_exception.category", "not one of"),
        ({"late_noa_exception": {"category": "disaster"}}, "late_noa_exception.remarks", "is required"),
        ({"late_noa_exception": {"category": "disaster", "remarks": "  "}}, "late_noa_exception.remarks", "Remarks"),
        ({"late_noa_exception": {**EXCEPTION, "kx": True}}, "late_noa_exception.kx", "unknown field"),
        ({"late_noa_exception": "yes"}, "late_noa_exception", "expected an object"),
        ({"late_noa_exception": dict(EXCEPTION), "hipps": ""}, "late_noa_exception", "needs hipps"),
        ({"late_noa_exception": {**EXCEPTION, "remarks": "x" * 81}}, "late_noa_exception.remarks", "at most 80"),
        (
            {"late_noa_exception": {**EXCEPTION, "remarks": "x" * 60}, "remarks": "y" * 19},
            "late_noa_exception.remarks",
            "81 characters",
        ),
    ],
)
def test_bad_requests_are_refused(change: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(ClaimInputError, match=words) as caught:
        period_from_dict(period(**change))
    assert caught.value.location.get("field") == field


def test_the_request_goes_on_the_period_claim_not_the_noa() -> None:
    data = fresh(NOA)
    data["late_noa_exception"] = dict(EXCEPTION)
    with pytest.raises(ClaimInputError, match="on the period claim") as caught:
        period_from_dict(data)
    assert caught.value.location.get("field") == "late_noa_exception"


def test_the_request_survives_an_837i_round_trip() -> None:
    address = {"line1": "100 MAIN ST", "city": "CHICAGO", "state": "IL", "zip": "606011234"}
    data = period(late_noa_exception=dict(EXCEPTION))
    data["provider"].update(tax_id="123456789", address=address, taxonomy="251E00000X")
    data["patient"].update(birth_date="1940-01-01", sex="F", address=address)
    claim = build_claim(period_from_dict(data))
    settings = WriterSettings(
        payer_id="14011",
        practitioner_names={ATTENDING_NPI: ("DOE", "JANE"), CERTIFYING_NPI: ("ROE", "RICHARD")},
        created=datetime(2026, 4, 1, 12, 0),
    )
    (read,) = list(read_claims(io.BytesIO(claims_to_x12([claim], settings).encode())))
    assert read.claim.remarks == EXCEPTION["remarks"]
    hipps = next(line for line in read.claim.lines if line.revenue_code == "0023")
    assert hipps.modifiers == ("KX",)
