"""Every edit of the catalog fails on a claim that breaks its rule and passes on the clean base claim.

The table below is checked against the catalog: an edit without a failing case here fails the suite.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from claims_scenarios.support import (
    NOA,
    OTHER_AGENCY_NPI,
    PERIOD,
    THERAPY,
    TODAY,
    case_mix_2026,
    fresh,
    import_fee_schedule_2026,
    import_hcpcs,
)
from conftest import shared_path
from hhbill._store import Store
from hhbill.claims import (
    CheckContext,
    Claim,
    ClaimLedger,
    ClaimLine,
    CodeAmount,
    CodeDate,
    build_claim,
    check_claim,
    edit_catalog,
    period_from_dict,
)
from hhbill.claims._pricing import FeeSchedulePricer
from hhbill.hcpcs import HcpcsReference

BASES = {"period": PERIOD, "noa": NOA, "therapy": THERAPY}
D = date.fromisoformat


@pytest.fixture(scope="module")
def hcpcs(tmp_path_factory: pytest.TempPathFactory) -> HcpcsReference:
    store = import_hcpcs(shared_path, tmp_path_factory.mktemp("hcpcs"))
    return HcpcsReference(store)


@pytest.fixture(scope="module")
def fee_schedule(tmp_path_factory: pytest.TempPathFactory) -> FeeSchedulePricer:
    return FeeSchedulePricer(import_fee_schedule_2026(shared_path, tmp_path_factory.mktemp("pfs")))


def built(base: str, change_input: Callable[[dict[str, Any]], None] | None = None) -> Claim:
    data = fresh(BASES[base])
    if change_input is not None:
        change_input(data)
    return build_claim(period_from_dict(data))


def line_index(claim: Claim, code: str) -> int:
    return next(i for i, line in enumerate(claim.lines) if line.hcpcs == code)


def add_line(claim: Claim, revenue: str, code: str, day: str, *, units: int = 1, mods: tuple[str, ...] = ()) -> None:
    claim.lines.append(ClaimLine(revenue, code, mods, D(day), Decimal(units), Decimal("10.00")))


def set_line(claim: Claim, code: str, **changes: Any) -> None:
    i = line_index(claim, code)
    claim.lines[i] = replace(claim.lines[i], **changes)


def drop_lines(claim: Claim, *codes: str) -> None:
    claim.lines[:] = [line for line in claim.lines if line.hcpcs not in codes]


def drop_oc(claim: Claim, code: str) -> None:
    claim.occurrence_codes[:] = [oc for oc in claim.occurrence_codes if oc.code != code]


def drop_vc(claim: Claim, code: str) -> None:
    claim.value_codes[:] = [vc for vc in claim.value_codes if vc.code != code]


def set_dates(claim: Claim, start: str, end: str) -> None:
    claim.from_date, claim.through_date = D(start), D(end)


def _noa_future(c: Claim) -> None:
    c.from_date = c.through_date = c.admission_date = TODAY + timedelta(days=10)
    c.facts["noa_receipt_date"] = TODAY + timedelta(days=11)


def _pre_pdgm(data: dict[str, Any]) -> None:
    data.update(
        {
            "from": "2019-03-04",
            "through": "2019-04-02",
            "admission_date": "2019-03-04",
            "oasis_assessment_date": "2019-03-03",
            "noa_receipt_date": None,
            "remote_monitoring": None,
        }
    )
    for visit, day in zip(data["visits"], ("2019-03-04", "2019-03-06", "2019-03-08", "2019-03-11"), strict=True):
        visit["date"] = day
        visit["modality"] = "in_person"


def _only_aide(data: dict[str, Any]) -> None:
    data["visits"] = [v for v in data["visits"] if v["discipline"] == "AIDE"]


def _kx_over(c: Claim) -> None:
    c.facts["ytd_therapy_spend"] = {"pt_slp": Decimal("2470.00"), "ot": Decimal("0")}


def _pta_on_97110(data: dict[str, Any]) -> None:
    data["therapy_services"][0]["role"] = "PTA"


def _adjust(c: Claim, reason: str) -> None:
    c.type_of_bill = "0327"
    c.condition_codes.append(reason)


# (edit id, base, input change, claim change, context parts)
Case = tuple[str, str, Callable[[dict[str, Any]], None] | None, Callable[[Claim], None] | None]
CASES: list[Case] = [
    ("tob-valid-on-date", "period", None, lambda c: setattr(c, "type_of_bill", "0322")),
    ("claim-dates-order", "period", None, lambda c: set_dates(c, "2026-03-02", "2026-03-01")),
    ("principal-diagnosis", "period", None, lambda c: setattr(c, "diagnoses", ["12345"])),
    ("total-charge", "period", None, lambda c: setattr(c, "total_charge", Decimal("1.00"))),
    ("practitioner-npi", "period", None, lambda c: setattr(c, "attending_npi", "1234567890")),
    ("mbi-format", "period", None, lambda c: setattr(c.patient, "mbi", "1EG4TE5MK7S")),
    ("line-date-present", "period", None, lambda c: set_line(c, "G0151", service_date=None)),
    ("line-date-in-period", "period", None, lambda c: set_line(c, "G0151", service_date=D("2026-04-01"))),
    ("units-whole", "period", None, lambda c: set_line(c, "G0151", units=Decimal("2.5"))),
    ("noa-dates", "noa", None, lambda c: setattr(c, "through_date", D("2026-03-03"))),
    ("noa-status", "noa", None, lambda c: setattr(c, "patient_status", "01")),
    ("noa-transfer-cc47", "noa", None, lambda c: c.facts.update(transfer_from_other_hha=True)),
    ("noa-future-date", "noa", None, _noa_future),
    ("noa-timely", "noa", None, lambda c: c.facts.update(noa_receipt_date=D("2026-03-11"))),
    ("noa-late-whole-period", "period", None, lambda c: c.facts.update(noa_receipt_date=D("2026-04-06"))),
    ("noa-receipt-unknown", "period", None, lambda c: c.facts.pop("noa_receipt_date")),
    ("period-from-date", "period", None, lambda c: set_dates(c, "2026-03-12", "2026-04-10")),
    ("period-length", "period", None, lambda c: set_dates(c, "2026-03-02", "2026-04-05")),
    ("period-through-status", "period", None, lambda c: set_dates(c, "2026-03-02", "2026-03-20")),
    ("death-oc55", "period", None, lambda c: setattr(c, "patient_status", "20")),
    ("pep-status-06", "period", None, lambda c: setattr(c, "patient_status", "06")),
    ("pdgm-not-applicable", "period", _pre_pdgm, None),
    ("hipps-line", "period", None, lambda c: drop_lines(c, "1FC21")),
    ("hipps-format", "period", None, lambda c: set_line(c, "1FC21", hcpcs="1FD21")),
    ("hipps-in-case-mix-table", "period", None, lambda c: set_line(c, "1FC21", hcpcs="4LC31")),
    ("lupa-threshold", "period", None, lambda c: drop_lines(c, "G0156")),
    ("oasis-oc50", "period", None, lambda c: drop_oc(c, "50")),
    (
        "oc61-oc62",
        "period",
        None,
        lambda c: c.occurrence_codes.extend([CodeDate("61", D("2026-02-27")), CodeDate("62", D("2026-02-28"))]),
    ),
    ("vc61-cbsa", "period", None, lambda c: drop_vc(c, "61")),
    ("vc85-fips", "period", None, lambda c: (drop_vc(c, "85"), c.value_codes.append(CodeAmount("85", Decimal(123))))),
    ("skilled-visit", "period", _only_aide, None),
    ("revenue-code-discipline", "period", None, lambda c: set_line(c, "G0151", revenue_code="0551")),
    ("site-of-service-present", "period", None, lambda c: drop_lines(c, "Q5001")),
    ("site-of-service-paired", "period", None, lambda c: set_line(c, "Q5001", service_date=D("2026-03-03"))),
    ("site-of-service-hospice-only", "period", None, lambda c: add_line(c, "0551", "Q5004", "2026-03-02")),
    ("telehealth-units", "period", None, lambda c: set_line(c, "G0320", units=Decimal(2))),
    ("telehealth-remote-monitoring", "period", None, lambda c: set_line(c, "G0322", units=Decimal(40))),
    ("telehealth-reporting", "period", None, lambda c: drop_lines(c, "G0320")),
    ("hcpcs-valid-on-date", "period", None, lambda c: set_line(c, "G0493", hcpcs="G0154")),
    ("hcpcs-not-payable-by-medicare", "period", None, lambda c: add_line(c, "0551", "S9123", "2026-03-02")),
    (
        "hcpcs-do-not-use-with",
        "period",
        None,
        lambda c: (add_line(c, "0551", "S9329", "2026-03-02"), add_line(c, "0551", "S9330", "2026-03-02")),
    ),
    ("modifier-valid-on-date", "therapy", None, lambda c: set_line(c, "97110", modifiers=("GP", "ZZ"))),
    (
        "functional-reporting-obsolete",
        "therapy",
        None,
        lambda c: add_line(c, "0420", "G8978", "2026-03-03", mods=("GP", "CH")),
    ),
    ("hit-code-on-hha-claim", "period", None, lambda c: add_line(c, "0551", "G0068", "2026-03-02")),
    ("hh-visit-code-on-34x", "therapy", None, lambda c: add_line(c, "0420", "G0151", "2026-03-03", mods=("GP",))),
    ("therapy-modifier", "therapy", None, lambda c: set_line(c, "97110", modifiers=())),
    ("therapy-kx-threshold", "therapy", None, _kx_over),
    # 97799 (unlisted) is contractor priced: no PFS amount, so its charge counts toward the threshold
    ("therapy-kx-basis", "therapy", None, lambda c: set_line(c, "97110", hcpcs="97799")),
    ("therapy-plan-date", "therapy", None, lambda c: drop_oc(c, "29")),
    ("duplicate-claim", "period", None, None),  # the ledger holds this very claim as submitted
    ("overlapping-period", "period", None, None),  # the ledger holds another agency's overlapping period
    ("therapy-start-of-treatment", "therapy", None, lambda c: drop_oc(c, "35")),
    ("therapy-assistant-modifier", "therapy", _pta_on_97110, lambda c: set_line(c, "97110", modifiers=("GP",))),
    ("kx-on-0023-timely-noa", "period", None, lambda c: set_line(c, "1FC21", modifiers=("KX",))),
    ("patient-status-hospice", "period", None, lambda c: setattr(c, "patient_status", "41")),
    ("claim-change-reason", "period", None, lambda c: setattr(c, "type_of_bill", "0327")),
    ("claim-change-remarks", "period", None, lambda c: _adjust(c, "D9")),
    ("adjustment-unmatched", "period", None, lambda c: _adjust(c, "D2")),  # the ledger is empty
    ("consolidated-billing", "therapy", None, None),  # the ledger holds an open 032X period over the 034X dates
    ("noa-other-agency-admission", "noa", None, None),  # the ledger holds another agency's open admission
    ("noa-inside-own-admission", "noa", None, None),  # the ledger holds this agency's open admission
]


def context(
    hcpcs: HcpcsReference, ledger: ClaimLedger | None = None, fee_schedule: FeeSchedulePricer | None = None
) -> CheckContext:
    """The full context; ``fee_schedule`` prices 034X lines (KX on allowed amounts; without it a warning)."""
    return CheckContext(codes=hcpcs, ledger=ledger, case_mix=case_mix_2026(), today=TODAY, fee_schedule=fee_schedule)


def ledger_for(edit_id: str, claim: Claim, tmp_path: Path) -> ClaimLedger:
    ledger = ClaimLedger.sqlite(Store(tmp_path / "ledger.db"))
    if edit_id == "duplicate-claim":
        ledger.record(claim, "submitted")
    elif edit_id == "overlapping-period":
        other = built("period")
        other.billing_provider.npi = OTHER_AGENCY_NPI
        set_dates(other, "2026-02-20", "2026-03-21")
        ledger.record(other, "submitted")
    elif edit_id == "consolidated-billing":
        other = built("period")
        other.billing_provider.npi = OTHER_AGENCY_NPI
        ledger.record(other, "submitted")
    elif edit_id in {"noa-other-agency-admission", "noa-inside-own-admission"}:
        earlier = built("noa")
        set_dates(earlier, "2026-02-10", "2026-02-10")
        earlier.admission_date = D("2026-02-10")
        if edit_id == "noa-other-agency-admission":
            earlier.billing_provider.npi = OTHER_AGENCY_NPI
        ledger.record(earlier, "submitted")
    return ledger


def test_every_catalog_edit_has_a_case() -> None:
    assert [case[0] for case in CASES] == [e.id for e in edit_catalog().edits]


@pytest.mark.parametrize("base", sorted(BASES))
def test_base_claims_are_clean(
    base: str, hcpcs: HcpcsReference, fee_schedule: FeeSchedulePricer, tmp_path: Path
) -> None:
    claim = built(base)
    ledger = ClaimLedger.sqlite(Store(tmp_path / "ledger.db"))
    result = check_claim(claim, context(hcpcs, ledger, fee_schedule))
    assert result.findings == [], [f.message for f in result.findings]
    assert result.ok


@pytest.mark.parametrize(("edit_id", "base", "change_input", "change_claim"), CASES, ids=[c[0] for c in CASES])
def test_edit_fails_and_passes(
    edit_id: str,
    base: str,
    change_input: Callable[[dict[str, Any]], None] | None,
    change_claim: Callable[[Claim], None] | None,
    hcpcs: HcpcsReference,
    fee_schedule: FeeSchedulePricer,
    tmp_path: Path,
) -> None:
    spec = edit_catalog().by_id[edit_id]
    clean = built(base)
    passing = check_claim(clean, context(hcpcs, ClaimLedger.sqlite(Store(tmp_path / "empty.db")), fee_schedule))
    assert edit_id not in passing.ids()

    claim = built(base, change_input)
    if change_claim is not None:
        change_claim(claim)
    result = check_claim(claim, context(hcpcs, ledger_for(edit_id, claim, tmp_path), fee_schedule))
    hits = [f for f in result.findings if f.id == edit_id]
    assert hits, f"{edit_id} did not fire; got {sorted(result.ids())}"
    for finding in hits:
        assert finding.severity == spec.severity
        assert finding.message and "{" not in finding.message
        assert finding.fix and "{" not in finding.fix
        assert finding.citation
        if spec.severity == "error":
            assert not result.ok


def test_cc54_is_allowed_on_a_later_period_only(hcpcs: HcpcsReference) -> None:
    def aide_only_later(data: dict[str, Any]) -> None:
        _only_aide(data)
        data["condition_codes"] = ["54"]
        data["first_period"] = False

    later = check_claim(built("period", aide_only_later), context(hcpcs))
    assert "skilled-visit" not in later.ids()

    def aide_only_first(data: dict[str, Any]) -> None:
        _only_aide(data)
        data["condition_codes"] = ["54"]

    first = check_claim(built("period", aide_only_first), context(hcpcs))
    message = next(f.message for f in first.findings if f.id == "skilled-visit")
    assert "first period" in message


def test_code_added_after_the_line_date(hcpcs: HcpcsReference) -> None:
    """Before the oldest loaded release the oldest release's added date decides (G0320 was added 2023-01-01)."""
    claim = built("period")
    set_line(claim, "G0320", service_date=D("2022-12-20"))
    found = [f for f in check_claim(claim, context(hcpcs)).findings if f.id == "hcpcs-valid-on-date"]
    assert len(found) == 1 and "was added 2023-01-01, after the line date 2022-12-20" in found[0].message
    assert found[0].line == line_index(claim, "G0320")


def test_unknown_code_and_cpt_codes(hcpcs: HcpcsReference) -> None:
    claim = built("period")
    add_line(claim, "0551", "G7777", "2026-03-02")  # not a HCPCS code in the Jan 2026 release
    messages = [f.message for f in check_claim(claim, context(hcpcs)).findings if f.id == "hcpcs-valid-on-date"]
    assert messages == ["Line 8: G7777 is not in the HCPCS release in force on 2026-03-02"]
    therapy = check_claim(built("therapy"), context(hcpcs))  # CPT codes are not looked up in the Level II file
    assert "hcpcs-valid-on-date" not in therapy.ids()


def test_do_not_use_with_a_category(hcpcs: HcpcsReference) -> None:
    """S9208's descriptor excludes 'any home infusion per diem code' (a category, not a list)."""
    claim = built("period")
    add_line(claim, "0551", "S9208", "2026-03-02")
    add_line(claim, "0551", "S9329", "2026-03-02")
    pairs = {
        (f.line, f.message.split(" with ")[1].split(" ")[0])
        for f in check_claim(claim, context(hcpcs)).findings
        if f.id == "hcpcs-do-not-use-with"
    }
    assert (7, "S9329") in pairs


def test_modifier_validity_by_date_and_level(hcpcs: HcpcsReference) -> None:
    """Level II modifiers are looked up on the line date; CPT modifiers (59, 1P) are not in the Level II file."""
    claim = built("therapy")
    index = line_index(claim, "97110")
    set_line(claim, "97110", modifiers=("GP", "CQ", "59", "1P"), service_date=D("2018-12-20"))
    found = [f for f in check_claim(claim, context(hcpcs)).findings if f.id == "modifier-valid-on-date"]
    # CQ was added 2019-01-01 (judged by the oldest loaded release for a date before it); GP has been valid since 1999
    assert [(f.line, f.message) for f in found] == [
        (index, "Line 1: modifier CQ on 97110 was added 2019-01-01, after the line date 2018-12-20")
    ]
    terminated = built("therapy")
    set_line(terminated, "97110", modifiers=("GP", "JG"))  # JG ended 2024-12-31
    found = [f for f in check_claim(terminated, context(hcpcs)).findings if f.id == "modifier-valid-on-date"]
    assert len(found) == 1 and "modifier JG on 97110 was terminated 2024-12-31" in found[0].message
    clean = built("therapy")
    set_line(clean, "97110", modifiers=("GP", "CQ", "KX", "59"))
    assert "modifier-valid-on-date" not in check_claim(clean, context(hcpcs)).ids()


def test_modifier_on_the_0023_line_is_checked_too(hcpcs: HcpcsReference) -> None:
    claim = built("period")
    set_line(claim, "1FC21", modifiers=("KX",))
    assert "modifier-valid-on-date" not in check_claim(claim, context(hcpcs)).ids()
    set_line(claim, "1FC21", modifiers=("ZZ",))
    found = [f for f in check_claim(claim, context(hcpcs)).findings if f.id == "modifier-valid-on-date"]
    assert len(found) == 1 and "modifier ZZ on 1FC21 is not a modifier in the HCPCS release" in found[0].message


def test_check_without_context_skips_what_it_cannot_know() -> None:
    claim = built("period")
    add_line(claim, "0551", "S9329", "2026-03-02")
    result = check_claim(claim, CheckContext(today=TODAY))
    assert "hcpcs-not-payable-by-medicare" not in result.ids()
    assert result.edits_run < len([e for e in edit_catalog().edits if "period" in e.kinds])


def test_embedded_subset_does_not_invent_unknown_codes(tmp_path: Path) -> None:
    """With only the embedded home health subset loaded, a code outside it is not called invalid."""
    from hhbill.claims._service import context_for_store

    store = Store(tmp_path / "embedded.db")
    ctx = context_for_store(store, today=TODAY)
    claim = built("period")
    add_line(claim, "0551", "A6212", "2026-03-02")  # a real supply code, not in the home health subset
    set_line(claim, "G0493", hcpcs="G0154")  # terminated in 2016, and in the subset
    found = {f.line: f.message for f in check_claim(claim, ctx).findings if f.id == "hcpcs-valid-on-date"}
    assert list(found) == [line_index(claim, "G0154")]
    assert "terminated 2016-02-29" in found[line_index(claim, "G0154")]
    # the same rule for modifiers: one missing from the subset is not called invalid
    set_line(claim, "G0151", modifiers=("ZZ",))
    assert "modifier-valid-on-date" not in check_claim(claim, ctx).ids()


def _shift_period(data: dict[str, Any], start: str) -> None:
    """Move the base period to another first day, keeping its visit pattern."""
    base = D(PERIOD["from"])
    delta = D(start) - base
    for key in ("from", "through", "admission_date", "oasis_assessment_date", "noa_receipt_date"):
        data[key] = str(D(PERIOD[key]) + delta)
    for visit in data["visits"]:
        visit["date"] = str(D(visit["date"]) + delta)
    data["remote_monitoring"]["start"] = str(D(PERIOD["remote_monitoring"]["start"]) + delta)


@pytest.mark.parametrize(
    ("start", "edit_id", "fires"),
    [
        ("2023-05-01", "telehealth-reporting", False),  # voluntary before periods starting 2023-07-01
        ("2023-07-01", "telehealth-reporting", True),
    ],
)
def test_telehealth_reporting_date(start: str, edit_id: str, fires: bool) -> None:
    claim = built("period", lambda d: _shift_period(d, start))
    drop_lines(claim, "G0320")
    assert (edit_id in check_claim(claim, CheckContext(today=TODAY)).ids()) is fires


def test_functional_reporting_was_fine_in_2018_and_dr_bypasses_oc50() -> None:
    def in_2018(data: dict[str, Any]) -> None:
        data.update({"from": "2018-06-04", "through": "2018-07-01"})
        for service in data["therapy_services"]:
            service["date"] = "2018-06-05"

    claim = built("therapy", in_2018)
    add_line(claim, "0420", "G8978", "2018-06-05", mods=("GP", "CH"))
    assert "functional-reporting-obsolete" not in check_claim(claim, CheckContext(today=TODAY)).ids()

    claim = built("period")
    drop_oc(claim, "50")
    claim.condition_codes.append("DR")
    assert "oasis-oc50" not in check_claim(claim, CheckContext(today=TODAY)).ids()


def test_rap_was_fine_before_2022_and_noa_was_not() -> None:
    claim = built("noa")
    claim.type_of_bill = "0322"
    set_dates(claim, "2021-06-01", "2021-06-01")
    assert "tob-valid-on-date" not in check_claim(claim, CheckContext(today=TODAY)).ids()
    claim.type_of_bill = "032A"
    findings = [f for f in check_claim(claim, CheckContext(today=TODAY)).findings if f.id == "tob-valid-on-date"]
    assert findings and "accepted only from 2022-01-01" in findings[0].message


def test_a_code_source_set_after_the_context_is_still_used(hcpcs: HcpcsReference) -> None:
    ctx = CheckContext(today=TODAY)
    ctx.codes = hcpcs  # not wrapped in the cache by __post_init__
    claim = built("period")
    add_line(claim, "0551", "S9123", "2026-03-02")
    assert "hcpcs-not-payable-by-medicare" in check_claim(claim, ctx).ids()


def test_attending_alone_stands_for_the_certifying_practitioner() -> None:
    """Same practitioner certified and signed the plan of care: only the attending is reported (Palmetto GBA)."""
    claim = built("period")
    claim.certifying_npi = ""
    assert "practitioner-npi" not in check_claim(claim, CheckContext(today=TODAY)).ids()
    claim.certifying_npi = "1234567890"  # reported separately, so it must be a valid NPI
    findings = [f for f in check_claim(claim, CheckContext(today=TODAY)).findings if f.id == "practitioner-npi"]
    assert findings and "certifying practitioner" in findings[0].message
