"""Whole periods built and checked end to end (JSON scenarios in tests/claims_scenarios/, fictitious patients).

Each scenario gives the input and what must come out: the lines, the finding ids, words in the messages, the
FISS reason codes. The HCPCS reference is the real CMS January 2026 release.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from claims_scenarios.support import SCENARIOS, TODAY, import_fee_schedule_2026, import_hcpcs, scenario
from conftest import shared_path
from hhbill._store import Store
from hhbill.claims import (
    CaseMixTables,
    CheckContext,
    ClaimLedger,
    build_claim,
    check_claim,
    claim_from_dict,
    claim_to_dict,
    period_from_dict,
    read_case_mix_file,
)
from hhbill.claims._pricing import FeeSchedulePricer
from hhbill.hcpcs import HcpcsReference

NAMES = sorted(p.stem for p in SCENARIOS.glob("*.json"))


@pytest.fixture(scope="module")
def hcpcs(tmp_path_factory: pytest.TempPathFactory) -> HcpcsReference:
    return HcpcsReference(import_hcpcs(shared_path, tmp_path_factory.mktemp("hcpcs")))


@pytest.fixture(scope="module")
def fee_schedule(tmp_path_factory: pytest.TempPathFactory) -> FeeSchedulePricer:
    return FeeSchedulePricer(import_fee_schedule_2026(shared_path, tmp_path_factory.mktemp("pfs")))


def _pricer(spec: dict[str, Any], request: pytest.FixtureRequest) -> FeeSchedulePricer | None:
    """The CY2026 fee schedule for scenarios that say ``"fee_schedule": true`` (KX on allowed amounts)."""
    return request.getfixturevalue("fee_schedule") if spec.get("fee_schedule") else None


def _context(
    spec: dict[str, Any], hcpcs: HcpcsReference, tmp_path: Path, pricer: FeeSchedulePricer | None = None
) -> CheckContext:
    ledger = ClaimLedger.sqlite(Store(tmp_path / "ledger.db"))
    for i, prior in enumerate(spec.get("ledger", [])):
        other = period_from_dict(
            {
                **spec["input"],
                "from": prior["from"],
                "through": prior["through"],
                "admission_date": prior["from"],
                "patient_status": "30",
                "discharge_date": None,
                "visits": [],
            }
        )
        claim = build_claim(other)
        claim.billing_provider.npi = prior["provider_npi"]
        claim.claim_id = f"prior-{i}"
        ledger.record(claim, "submitted")
    case_mix = None
    if "case_mix_csv" in spec:
        path = tmp_path / "CY2026_case_mix.csv"
        path.write_text(spec["case_mix_csv"], encoding="utf-8")
        case_mix = CaseMixTables([read_case_mix_file(path)])
    return CheckContext(codes=hcpcs, ledger=ledger, case_mix=case_mix, today=TODAY, fee_schedule=pricer)


def test_there_are_the_scenarios_the_issue_asks_for() -> None:
    assert {
        "pdgm_30day_mixed",
        "lupa_period",
        "transfer_receiving_noa",
        "transfer_discharging_period",
        "therapy_kx",
        "late_noa",
    } <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_scenario(name: str, hcpcs: HcpcsReference, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    spec = scenario(name)
    expect = spec["expect"]
    pricer = _pricer(spec, request)
    claim = build_claim(period_from_dict(spec["input"]), fee_schedule=pricer)
    result = check_claim(claim, _context(spec, hcpcs, tmp_path, pricer))
    messages = {f.id: f.message for f in result.findings}
    assert result.ok is expect["ok"], messages
    if expect.get("no_findings"):
        assert result.findings == [], messages
    for edit_id in expect.get("ids", []):
        assert edit_id in messages, messages
    for edit_id, words in expect.get("message_contains", {}).items():
        for word in words:
            assert word in messages[edit_id]
    for edit_id, reason in expect.get("reason_codes", {}).items():
        assert {f.reason_code for f in result.findings if f.id == edit_id} == {reason}
    if "lines" in expect:
        got = [
            [line.revenue_code, line.hcpcs, int(line.units), *([list(line.modifiers)] if line.modifiers else [])]
            for line in claim.lines
        ]
        assert got == expect["lines"]
    if "total_charge" in expect:
        assert claim.computed_total() == Decimal(expect["total_charge"])
    if "condition_codes" in expect:
        assert claim.condition_codes == expect["condition_codes"]
    for code, amount in expect.get("value_codes", {}).items():
        assert [vc.amount for vc in claim.value_codes if vc.code == code] == [Decimal(amount)]
    for index, words in expect.get("because_contains", {}).items():
        for word in words:
            assert word in claim.lines[int(index)].because, claim.lines[int(index)].because
    assert all(line.because for line in claim.lines)


@pytest.mark.parametrize("name", NAMES)
def test_scenario_given_line_by_line_checks_the_same(
    name: str, hcpcs: HcpcsReference, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """The built claim, re-entered as a claim given line by line, gets the same findings."""
    spec = scenario(name)
    pricer = _pricer(spec, request)
    built = build_claim(period_from_dict(spec["input"]), fee_schedule=pricer)
    data = claim_to_dict(built)
    source = spec["input"]
    line_form: dict[str, Any] = {
        key: data[key]
        for key in (
            "type_of_bill",
            "from",
            "through",
            "admission_date",
            "patient_status",
            "diagnoses",
            "occurrence_codes",
            "condition_codes",
            "value_codes",
            "attending_npi",
            "certifying_npi",
            "provider",
        )
    }
    line_form["patient"] = {"mbi": data["patient"]["mbi"]}
    line_form["hipps"] = source.get("hipps", "")
    for key in ("noa_receipt_date", "discharge_date", "transfer_from_other_hha", "site_of_service", "pfs_locality"):
        if key in source:
            line_form[key] = source[key]
    for key in ("telehealth_services", "remote_monitoring_days", "ytd_therapy_spend"):
        if key in data["facts"] and data["facts"][key]:
            line_form[key] = data["facts"][key]
    line_form["lines"] = [
        {k: line[k] for k in ("revenue_code", "hcpcs", "modifiers", "date", "units", "charge")}
        for line in data["lines"]
    ]
    claim = claim_from_dict(line_form)
    expected = check_claim(built, _context(spec, hcpcs, tmp_path / "a", pricer))
    got = check_claim(claim, _context(spec, hcpcs, tmp_path / "b", pricer))
    assert [(f.id, f.line, f.message.split(" (ledger")[0]) for f in got.findings] == [
        (f.id, f.line, f.message.split(" (ledger")[0]) for f in expected.findings
    ]


def test_late_noa_day_count_setting(hcpcs: HcpcsReference, tmp_path: Path) -> None:
    spec = scenario("late_noa")
    claim = build_claim(period_from_dict(spec["input"]))
    context = _context(spec, hcpcs, tmp_path)
    context.late_noa_day_count = "admission_to_receipt_inclusive"
    message = next(f.message for f in check_claim(claim, context).findings if f.id == "noa-timely")
    assert "13 day(s)" in message and "13/30 = 43.33%" in message


def test_line_form_without_kx_is_denied(hcpcs: HcpcsReference, tmp_path: Path) -> None:
    spec = scenario("therapy_kx")
    built = build_claim(period_from_dict(spec["input"]))
    for line in built.lines:
        line.modifiers = tuple(m for m in line.modifiers if m != "KX")
    result = check_claim(built, _context(spec, hcpcs, tmp_path))
    kx = [f for f in result.findings if f.id == "therapy-kx-threshold"]
    assert [f.line for f in kx] == [2, 3]
    assert "$2525.00" in kx[0].message and "$2480.00" in kx[0].message
    assert not result.ok


def test_the_reduction_reaches_a_second_period(hcpcs: HcpcsReference, tmp_path: Path) -> None:
    """An NOA 40 days late reduces all of period 1 (37364) and 10 days of period 2."""
    spec = scenario("late_noa")
    first = period_from_dict({**spec["input"], "noa_receipt_date": "2026-06-13"})
    findings = check_claim(build_claim(first), _context(spec, hcpcs, tmp_path / "1")).findings
    assert [f.reason_code for f in findings if f.id == "noa-late-whole-period"] == ["37364"]
    second = period_from_dict(
        {
            **spec["input"],
            "from": "2026-06-03",
            "through": "2026-07-02",
            "noa_receipt_date": "2026-06-13",
            "hipps": "4CB21",
            "occurrence_codes": [],
            "visits": [{**v, "date": str(date(2026, 6, 4 + 3 * i))} for i, v in enumerate(spec["input"]["visits"])],
        }
    )
    messages = {
        f.id: f.message for f in check_claim(build_claim(second), _context(spec, hcpcs, tmp_path / "2")).findings
    }
    assert "10 day(s)" in messages["noa-timely"] and "10/30 = 33.33%" in messages["noa-timely"]
