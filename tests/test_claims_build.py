"""The builder: units tables, 8-minute rule, 032X lines and 034X lines, each line explained."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from claims_scenarios.support import PERIOD, THERAPY, fresh
from hhbill._errors import ClaimInputError
from hhbill.claims import (
    BuildSettings,
    assign_timed_units,
    build_claim,
    period_from_dict,
    timed_units,
    visit_units,
)

D = date.fromisoformat


@pytest.mark.parametrize(
    ("minutes", "units"),
    [
        (8, 1),
        (15, 1),
        (22, 1),
        (23, 2),
        (37, 2),
        (38, 3),
        (52, 3),
        (53, 4),
        (67, 4),
        (68, 5),
        (82, 5),
        (83, 6),
        (97, 6),
        (98, 7),
        (112, 7),
        (113, 8),
        (127, 8),
        (128, 9),
        (142, 9),
        (143, 10),
        (480, 32),
    ],
)
def test_visit_units_follow_the_published_chart(minutes: int, units: int) -> None:
    assert visit_units(minutes) == units
    assert timed_units(minutes) == units


def test_under_8_minutes_is_an_explicit_policy() -> None:
    assert visit_units(5, "one_unit") == 1
    with pytest.raises(ClaimInputError, match="under the 8 minutes"):
        visit_units(5, "reject")
    assert timed_units(7) == 0  # the 8-minute rule bills nothing under 8 minutes
    with pytest.raises(ClaimInputError, match="under-8-minute policy"):
        BuildSettings(under_8_minute_policy="round_down")


def test_reject_policy_names_the_visit() -> None:
    data = fresh(PERIOD)
    data["visits"][3]["minutes"] = 6
    with pytest.raises(ClaimInputError) as err:
        build_claim(period_from_dict(data), BuildSettings(under_8_minute_policy="reject"))
    assert err.value.location["field"] == "visits[3].minutes"


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        ([("97110", 33), ("97140", 7)], [2, 1]),  # CMS Ch.5 example: 40 min = 3 units, 2 + 1
        ([("97110", 7), ("97140", 7)], [1, 0]),  # 14 min = 1 unit, to the first of equal codes
        ([("97110", 24), ("97140", 23)], [2, 1]),  # 47 min = 3 units; 9 vs 8 remaining minutes
        ([("97110", 5)], [0]),
        ([("97110", 20), ("97530", 20), ("97140", 20)], [2, 1, 1]),  # 60 min = 4 units
    ],
)
def test_eight_minute_rule_assigns_units_by_minutes(minutes: list[tuple[str, int]], expected: list[int]) -> None:
    assert assign_timed_units(minutes) == expected
    assert sum(expected) == timed_units(sum(m for _, m in minutes))


def test_032x_lines() -> None:
    claim = build_claim(period_from_dict(fresh(PERIOD)))
    rows = [(line.revenue_code, line.hcpcs, str(line.service_date), int(line.units)) for line in claim.lines]
    assert rows == [
        ("0023", "1FC21", "2026-03-02", 1),
        ("0421", "G0151", "2026-03-04", 3),
        ("0551", "G0493", "2026-03-02", 4),
        ("0551", "Q5001", "2026-03-02", 1),
        ("0551", "G0322", "2026-03-05", 12),
        ("0551", "G0320", "2026-03-06", 1),
        ("0571", "G0156", "2026-03-09", 3),
    ]
    assert all(line.because for line in claim.lines)
    g0493 = next(line for line in claim.lines if line.hcpcs == "G0493")
    assert "60 min -> 4 unit(s) (53-67 min = 4)" in g0493.because
    assert g0493.visit_index == 0
    assert [(oc.code, oc.date) for oc in claim.occurrence_codes] == [("50", D("2026-03-01"))]
    assert [(vc.code, vc.amount) for vc in claim.value_codes] == [
        ("61", Decimal("35614.00")),
        ("85", Decimal("36061.00")),
    ]
    assert claim.computed_total() == Decimal("454.01")
    assert claim.facts["telehealth_services"] == {"video": 1}


def test_role_and_service_choose_the_g_code() -> None:
    data = fresh(PERIOD)
    data["visits"] = [
        {"date": "2026-03-02", "discipline": "SN", "role": "LPN", "service": "training_education", "minutes": 30},
        {"date": "2026-03-03", "discipline": "SN", "role": "RN", "service": "management_evaluation", "minutes": 30},
        {"date": "2026-03-04", "discipline": "PT", "role": "PTA", "service": "direct", "minutes": 30},
        {"date": "2026-03-05", "discipline": "OT", "role": "OT", "service": "maintenance", "minutes": 30},
        {"date": "2026-03-06", "discipline": "SLP", "role": "SLP", "service": "direct", "minutes": 30},
        {"date": "2026-03-07", "discipline": "MSS", "role": "MSW", "service": "direct", "minutes": 30},
        {
            "date": "2026-03-08",
            "discipline": "SN",
            "role": "LPN",
            "service": "direct",
            "minutes": 30,
            "modality": "audio_only",
        },
    ]
    data["remote_monitoring"] = None
    claim = build_claim(period_from_dict(data))
    codes = {(line.revenue_code, line.hcpcs) for line in claim.lines}
    assert {
        ("0551", "G0496"),
        ("0551", "G0162"),
        ("0421", "G0157"),
        ("0431", "G0160"),
        ("0441", "G0153"),
        ("0561", "G0155"),
        ("0551", "G0321"),
    } <= codes


def test_site_of_service_changes_add_a_q_line_per_location() -> None:
    data = fresh(PERIOD)
    data["visits"][1]["site_of_service"] = "assisted_living"
    data["visits"][3]["site_of_service"] = "assisted_living"
    claim = build_claim(period_from_dict(data))
    q = [(line.hcpcs, line.revenue_code, str(line.service_date)) for line in claim.lines if line.hcpcs.startswith("Q")]
    assert sorted(q) == [("Q5001", "0551", "2026-03-02"), ("Q5002", "0421", "2026-03-04")]


def test_noa_is_header_only_and_transfer_adds_cc47() -> None:
    data = {
        "type_of_bill": "032A",
        "from": "2026-03-02",
        "through": "2026-03-02",
        "admission_date": "2026-03-02",
        "patient_status": "30",
        "transfer_from_other_hha": True,
    }
    claim = build_claim(period_from_dict(data))
    assert claim.lines == []
    assert claim.condition_codes == ["47"]


def test_034x_lines_modifiers_units_and_plan_dates() -> None:
    claim = build_claim(period_from_dict(fresh(THERAPY)))
    rows = [(line.revenue_code, line.hcpcs, line.modifiers, int(line.units)) for line in claim.lines]
    assert rows == [
        ("0420", "97110", ("GP",), 2),
        ("0420", "97140", ("GP",), 1),
        ("0430", "97530", ("GO",), 3),
        ("0440", "92507", ("GN",), 1),
    ]
    assert "8-minute rule" in claim.lines[0].because
    assert "untimed" in claim.lines[3].because
    assert {(oc.code, str(oc.date)) for oc in claim.occurrence_codes} == {
        ("29", "2026-03-02"),
        ("17", "2026-03-05"),
        ("30", "2026-03-06"),
        # first day of treatment per discipline, from the first service of each (Pub. 100-04 Ch.5 §20)
        ("35", "2026-03-03"),
        ("44", "2026-03-05"),
        ("45", "2026-03-06"),
    }


def test_kx_is_added_from_the_line_that_passes_the_threshold() -> None:
    data = fresh(THERAPY)
    data["ytd_therapy_spend"] = {"pt_slp": "2400.00", "ot": "2475.00"}
    claim = build_claim(period_from_dict(data))
    by_code = {line.hcpcs: line for line in claim.lines}
    # PT+SLP: 2400 + 90 = 2490 > 2480 -> KX from the first PT line on; OT: 2475 + 110 = 2585 > 2480
    assert by_code["97110"].modifiers == ("GP", "KX")
    assert by_code["97140"].modifiers == ("GP", "KX")
    assert by_code["92507"].modifiers == ("GN", "KX")
    assert by_code["97530"].modifiers == ("GO", "KX")
    assert "$2490.00" in by_code["97110"].because and "$2480.00" in by_code["97110"].because


def test_kx_not_added_under_the_threshold() -> None:
    data = fresh(THERAPY)
    data["ytd_therapy_spend"] = {"pt_slp": "2300.00"}
    claim = build_claim(period_from_dict(data))
    # 2300 + 90 + 30 = 2420; the SLP line makes it 2515 > 2480
    assert [("KX" in line.modifiers) for line in claim.lines] == [False, False, False, True]


def test_remote_monitoring_longer_than_the_period_is_refused() -> None:
    data = fresh(PERIOD)
    data["remote_monitoring"]["days"] = 31
    with pytest.raises(ClaimInputError) as err:
        build_claim(period_from_dict(data))
    assert err.value.location["field"] == "remote_monitoring.days"
