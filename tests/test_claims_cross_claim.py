"""Edits that read across claims or need a claim's history: adjustments and cancels, consolidated billing, NOAs
against the ledger, and the single-claim edits added with them (the catalog cases in test_claims_edits.py show each
fails and passes; these show the boundaries)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from claims_scenarios.support import NOA, OTHER_AGENCY_NPI, PERIOD, THERAPY, TODAY, fresh
from hhbill._store import Store
from hhbill.claims import CheckContext, Claim, ClaimLedger, build_claim, check_claim, period_from_dict

D = date.fromisoformat


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[ClaimLedger]:
    opened = ClaimLedger.sqlite(Store(tmp_path / "ledger.db"))
    yield opened
    opened.close()


def built(base: dict[str, object], **changes: object) -> Claim:
    data = fresh(base)  # type: ignore[arg-type]
    data.update(changes)
    return build_claim(period_from_dict(data))


def discharged(claim: Claim, through: str, status: str = "01") -> Claim:
    """The claim ended early by a discharge (header only: the edits here read dates and status)."""
    claim.through_date = D(through)
    claim.patient_status = status
    claim.facts["discharge_date"] = D(through)
    return claim


def ids(claim: Claim, ledger: ClaimLedger | None = None) -> set[str]:
    return check_claim(claim, CheckContext(ledger=ledger, today=TODAY)).ids()


@pytest.mark.parametrize(
    ("tob", "codes", "ok"),
    [
        ("0327", ["D2"], True),
        ("0327", ["E0"], True),
        ("0327", ["D5"], False),  # a cancel-only code on an adjustment
        ("0327", ["D1", "D2"], False),  # one claim change reason code per request
        ("0328", ["D6"], True),
        ("0328", ["D2"], False),
        ("0328", [], False),
        ("0347", ["D0"], True),
        ("0348", ["D9"], False),
    ],
)
def test_claim_change_reason_codes(tob: str, codes: list[str], ok: bool) -> None:
    base = THERAPY if tob.startswith("034") else PERIOD
    claim = built(base, condition_codes=codes)
    claim.type_of_bill = tob
    assert ("claim-change-reason" not in ids(claim)) is ok


def test_d9_needs_remarks() -> None:
    claim = built(PERIOD, condition_codes=["D9"])
    claim.type_of_bill = "0327"
    found = [f for f in check_claim(claim, CheckContext(today=TODAY)).findings if f.id == "claim-change-remarks"]
    assert found and found[0].reason_code == "37541"
    claim.remarks = "Corrected visit dates and HIPPS after OASIS correction"
    assert "claim-change-remarks" not in ids(claim)


def test_adjustment_replaces_and_cancel_cancels_the_recorded_claim(ledger: ClaimLedger) -> None:
    original = built(PERIOD)
    first = ledger.record(original, "submitted")
    replacement = built(PERIOD, condition_codes=["D2"])
    replacement.type_of_bill = "0327"
    replacement.lines[1].charge += 20
    assert "adjustment-unmatched" not in ids(replacement, ledger)
    second = ledger.record(replacement, "submitted")
    assert ledger.get(first.id).superseded_by == second.id
    assert ledger.get(first.id).superseded_how == "replaced"
    # the replaced claim is no longer an overlap or a duplicate target; the replacement stands for the period
    assert ledger.find_duplicate(original) is None
    cancel = built(PERIOD, condition_codes=["D6"])
    cancel.type_of_bill = "0328"
    cancel.lines = []
    assert "adjustment-unmatched" not in ids(cancel, ledger)
    third = ledger.record(cancel, "submitted")
    assert (ledger.get(second.id).superseded_by, ledger.get(second.id).superseded_how) == (third.id, "cancelled")
    # a checked (not submitted) adjustment changes nothing until it is marked sent
    resent = built(PERIOD)
    resent.lines[1].charge += 50
    fourth = ledger.record(resent, "paid")
    again = built(PERIOD, condition_codes=["D2"])
    again.type_of_bill = "0327"
    draft = ledger.record(again, "checked")
    assert ledger.get(fourth.id).in_force
    ledger.set_status(draft.id, "submitted")
    assert (ledger.get(fourth.id).superseded_by, ledger.get(fourth.id).superseded_how) == (draft.id, "replaced")


def test_adjustment_of_another_period_is_unmatched(ledger: ClaimLedger) -> None:
    ledger.record(built(PERIOD), "submitted")
    other = built(PERIOD, condition_codes=["D2"])
    other.type_of_bill = "0327"
    other.from_date, other.through_date = D("2026-04-01"), D("2026-04-30")
    assert "adjustment-unmatched" in ids(other, ledger)


def test_consolidated_billing_only_inside_the_period(ledger: ClaimLedger) -> None:
    period = built(PERIOD)
    period.billing_provider.npi = OTHER_AGENCY_NPI
    ledger.record(period, "submitted")
    inside = built(THERAPY)
    found = [
        f
        for f in check_claim(inside, CheckContext(ledger=ledger, today=TODAY)).findings
        if f.id == "consolidated-billing"
    ]
    assert found and "2026-03-02 to 2026-03-31" in found[0].message
    april = {
        "from": "2026-04-01",
        "through": "2026-04-30",
        "therapy_plans": {"PT": "2026-04-01"},
        "therapy_services": [{"date": "2026-04-02", "discipline": "PT", "code": "97110", "minutes": 30}],
    }
    # not discharged (status 30): the admission runs on into its next period, 2026-04-01 to 2026-04-30
    found = [
        f
        for f in check_claim(built(THERAPY, **april), CheckContext(ledger=ledger, today=TODAY)).findings
        if f.id == "consolidated-billing"
    ]
    assert found and "2026-04-01 to 2026-04-30" in found[0].message and "not yet billed" in found[0].message
    # replaced by a claim that discharges the patient on 2026-03-31: April is outside any home health period
    replacement = discharged(built(PERIOD, condition_codes=["E0"]), "2026-03-31")
    replacement.type_of_bill = "0327"
    replacement.billing_provider.npi = OTHER_AGENCY_NPI
    ledger.record(replacement, "submitted")
    assert "consolidated-billing" not in ids(built(THERAPY, **april), ledger)
    assert "consolidated-billing" in ids(inside, ledger)
    # a cancelled period no longer holds the patient under a home health plan of care
    cancel = built(PERIOD, condition_codes=["D6"])
    cancel.type_of_bill, cancel.lines = "0328", []
    cancel.billing_provider.npi = OTHER_AGENCY_NPI
    ledger.record(cancel, "submitted")
    assert "consolidated-billing" not in ids(inside, ledger)


def test_noa_with_cc47_inside_another_agency_admission_is_a_transfer(ledger: ClaimLedger) -> None:
    other = built(NOA, **{"from": "2026-02-10", "through": "2026-02-10", "admission_date": "2026-02-10"})
    other.billing_provider.npi = OTHER_AGENCY_NPI
    ledger.record(other, "submitted")
    plain = built(NOA)
    found = [
        f
        for f in check_claim(plain, CheckContext(ledger=ledger, today=TODAY)).findings
        if f.id == "noa-other-agency-admission"
    ]
    assert found and found[0].reason_code == "U537F" and "2026-02-10" in found[0].message
    transfer = built(NOA, transfer_from_other_hha=True)
    assert "noa-other-agency-admission" not in ids(transfer, ledger)


def test_noa_after_the_other_agency_discharged_is_fine(ledger: ClaimLedger) -> None:
    other = discharged(built(PERIOD), "2026-02-20")
    other.from_date, other.admission_date = D("2026-01-31"), D("2026-01-01")
    other.billing_provider.npi = OTHER_AGENCY_NPI
    ledger.record(other, "submitted")
    assert "noa-other-agency-admission" not in ids(built(NOA), ledger)


def test_readmission_noa_inside_the_same_period_after_discharge(ledger: ClaimLedger) -> None:
    """Discharged 2026-03-10 and readmitted 2026-03-20 within the same 30-day period: no new NOA (U537F)."""
    ledger.record(discharged(built(PERIOD), "2026-03-10"), "submitted")
    readmit = built(NOA, **{"from": "2026-03-20", "through": "2026-03-20", "admission_date": "2026-03-20"})
    found = [
        f
        for f in check_claim(readmit, CheckContext(ledger=ledger, today=TODAY)).findings
        if f.id == "noa-inside-own-admission"
    ]
    assert found and "same 30-day period" in found[0].message
    later = built(NOA, **{"from": "2026-04-05", "through": "2026-04-05", "admission_date": "2026-04-05"})
    assert "noa-inside-own-admission" not in ids(later, ledger)


def test_remote_monitoring_past_through_and_second_line() -> None:
    claim = built(PERIOD)
    g0322 = next(i for i, line in enumerate(claim.lines) if line.hcpcs == "G0322")
    claim.lines[g0322].service_date = D("2026-03-25")  # 12 days from 03-25 run to 04-05, past Through 03-31
    found = [
        f for f in check_claim(claim, CheckContext(today=TODAY)).findings if f.id == "telehealth-remote-monitoring"
    ]
    assert found and "2026-04-05" in found[0].message
    claim = built(PERIOD)
    line = claim.lines[g0322]
    from dataclasses import replace

    claim.lines.append(replace(line, revenue_code="0421", units=line.units))
    found = [
        f for f in check_claim(claim, CheckContext(today=TODAY)).findings if f.id == "telehealth-remote-monitoring"
    ]
    assert found and "2 G0322 lines" in found[0].message


def test_assistant_modifier_on_the_wrong_discipline() -> None:
    claim = built(THERAPY)
    ot = next(i for i, line in enumerate(claim.lines) if line.hcpcs == "97530")
    claim.lines[ot].modifiers = ("GO", "CQ")  # CQ is the PTA modifier
    assert "therapy-assistant-modifier" in ids(claim)


def test_kx_on_0023_is_fine_when_the_noa_was_late() -> None:
    claim = built(PERIOD, noa_receipt_date="2026-03-12")
    claim.lines[0].modifiers = ("KX",)
    assert "kx-on-0023-timely-noa" not in ids(claim)
