"""Rules that were wrong: overlap reason codes by era, the NPI reason code, the death citation, 034X minutes per
discipline and the KX threshold counted on allowed amounts (the physician fee schedule priced by hhbill)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from claims_scenarios.support import OTHER_AGENCY_NPI, PERIOD, THERAPY, TODAY, fresh
from conftest import shared_path
from hhbill._store import Store
from hhbill.claims import (
    BuildSettings,
    CheckContext,
    Claim,
    ClaimLedger,
    build_claim,
    check_claim,
    edit_catalog,
    period_from_dict,
)
from hhbill.claims._pricing import FeeSchedulePricer
from hhbill.rvu import import_fee_schedule, price

D = date.fromisoformat
ZIP = "10001"  # Manhattan: a ZIP in the October 2025 ZIP5 file


def period_claim(start: str, end: str, npi: str | None = None) -> Claim:
    claim = build_claim(period_from_dict(fresh(PERIOD)))
    claim.from_date, claim.through_date = D(start), D(end)
    if npi is not None:
        claim.billing_provider.npi = npi
    return claim


def overlap_codes(claim: Claim, ledger: ClaimLedger) -> list[str]:
    result = check_claim(claim, CheckContext(ledger=ledger, today=TODAY))
    return sorted(f.reason_code or "" for f in result.findings if f.id == "overlapping-period")


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[ClaimLedger]:
    opened = ClaimLedger.sqlite(Store(tmp_path / "ledger.db"))
    yield opened
    opened.close()


def test_overlap_reason_code_from_2022_is_u538f_for_every_overlap(ledger: ClaimLedger) -> None:
    recorded = period_claim("2026-03-02", "2026-03-31")
    recorded.lines[1].charge += 10  # same agency and From date, not an exact duplicate
    ledger.record(recorded, "submitted")
    assert overlap_codes(period_claim("2026-03-02", "2026-03-31"), ledger) == ["U538F"]
    other = period_claim("2026-03-20", "2026-04-18", OTHER_AGENCY_NPI)
    ledger.record(other, "submitted")
    assert overlap_codes(period_claim("2026-03-12", "2026-04-10"), ledger) == ["U538F", "U538F"]


def test_overlap_reason_codes_before_2022_follow_ngs_972636(ledger: ClaimLedger) -> None:
    own = period_claim("2021-03-01", "2021-03-30")
    own.lines[1].charge += 10
    ledger.record(own, "submitted")
    ledger.record(period_claim("2021-03-15", "2021-04-13", OTHER_AGENCY_NPI), "submitted")
    # same agency, same From: U538F; the other agency's period: U538I
    assert overlap_codes(period_claim("2021-03-01", "2021-03-30"), ledger) == ["U538F", "U538I"]
    # same agency, another From: U538G
    assert overlap_codes(period_claim("2021-03-10", "2021-04-08"), ledger) == ["U538G", "U538I"]


def test_overlap_finding_cites_both_sources() -> None:
    citation = edit_catalog().by_id["overlapping-period"].citation
    assert "972636" in citation and "9ZAJKE6540" in citation


def test_bad_npi_check_digit_is_not_a_pecos_reason_code() -> None:
    claim = build_claim(period_from_dict(fresh(PERIOD)))
    claim.attending_npi = "1234567890"  # fails the check digit
    found = [f for f in check_claim(claim, CheckContext(today=TODAY)).findings if f.id == "practitioner-npi"]
    assert found and all(f.reason_code != "37236" for f in found)
    assert edit_catalog().by_id["practitioner-npi"].reason_code != "37236"


def test_death_cites_section_10_1_16() -> None:
    citation = edit_catalog().by_id["death-oc55"].citation
    assert "§10.1.16" in citation and "§10.1.15" not in citation


def _therapy(services: list[dict[str, Any]], **changes: Any) -> dict[str, Any]:
    data = fresh(THERAPY)
    data["therapy_services"] = services
    data.update(changes)
    return data


PT_OT_SAME_DAY = [
    {"date": "2026-03-03", "discipline": "PT", "code": "97110", "minutes": 10, "charge": "40.00"},
    {"date": "2026-03-03", "discipline": "OT", "code": "97535", "minutes": 10, "charge": "40.00"},
]


def test_timed_minutes_are_counted_per_discipline_by_default() -> None:
    claim = build_claim(period_from_dict(_therapy(PT_OT_SAME_DAY)))
    lines = [(line.revenue_code, line.hcpcs, int(line.units), line.modifiers[0]) for line in claim.lines]
    assert lines == [("0420", "97110", 1, "GP"), ("0430", "97535", 1, "GO")]
    assert "per discipline" in claim.lines[0].because


def test_pooling_is_a_setting() -> None:
    claim = build_claim(period_from_dict(_therapy(PT_OT_SAME_DAY)), BuildSettings(therapy_minute_count="pooled"))
    assert sum(int(line.units) for line in claim.lines) == 1


# --- KX on allowed amounts ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fee_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(tmp_path_factory.mktemp("pfs") / "hhbill.db")
    import_fee_schedule(store, shared_path("data/mpfs/rvu26c"))
    import_fee_schedule(store, shared_path("data/mpfs/zip_locality_oct2025/ZIP5_OCT2025.txt"))
    return store


def _kx_input(ytd: str) -> dict[str, Any]:
    services = [
        {"date": "2026-03-03", "discipline": "PT", "code": "97110", "minutes": 45, "charge": "300.00"},
        {"date": "2026-03-10", "discipline": "PT", "code": "97110", "minutes": 45, "charge": "300.00"},
        {"date": "2026-03-17", "discipline": "PT", "code": "97110", "minutes": 45, "charge": "300.00"},
    ]
    return _therapy(
        services,
        ytd_therapy_spend={"pt_slp": ytd, "ot": "0"},
        provider={"npi": THERAPY["provider"]["npi"], "address": {"zip": ZIP}},
    )


def test_kx_counts_allowed_amounts_priced_for_the_provider_locality(fee_store: Store) -> None:
    per_line = price(fee_store, "97110", year=2026, zip_code=ZIP).payment
    assert per_line is not None
    allowed = per_line * 3  # three units of 45 minutes each day
    threshold = Decimal("2480.00")
    # the year-to-date spend leaves room for one and a half lines: the second line crosses the threshold
    ytd = threshold - allowed - allowed / 2
    pricer = FeeSchedulePricer(fee_store)
    claim = build_claim(period_from_dict(_kx_input(f"{ytd:.2f}")), fee_schedule=pricer)
    kx = ["KX" in line.modifiers for line in claim.lines]
    assert kx == [False, True, True]  # by charges ($300 a line) the first line would already cross it
    crossing = claim.lines[1].because
    assert f"{per_line} x 3" in crossing and "allowed" in crossing and "2480" in crossing
    result = check_claim(claim, CheckContext(fee_schedule=pricer, today=TODAY))
    assert "therapy-kx-threshold" not in result.ids() and "therapy-kx-basis" not in result.ids()
    # removing KX from the crossing line is caught on allowed amounts, with the arithmetic
    claim.lines[1].modifiers = ("GP",)
    found = [
        f
        for f in check_claim(claim, CheckContext(fee_schedule=pricer, today=TODAY)).findings
        if f.id == "therapy-kx-threshold"
    ]
    assert [f.line for f in found] == [1] and "allowed" in found[0].message


def test_kx_falls_back_to_charges_with_a_warning_without_a_fee_schedule() -> None:
    claim = build_claim(period_from_dict(_kx_input("2000.00")))
    assert ["KX" in line.modifiers for line in claim.lines] == [False, True, True]  # 2000 + 300 + 300 > 2480
    assert "charge" in claim.lines[1].because
    warnings = [f for f in check_claim(claim, CheckContext(today=TODAY)).findings if f.id == "therapy-kx-basis"]
    assert warnings and warnings[0].severity == "warning" and "charges" in warnings[0].message
