"""Bad input gets a ClaimInputError naming the field, never a traceback; the CSV visit list and the line form."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from claims_scenarios.support import PERIOD, THERAPY, fresh
from hhbill._errors import ClaimInputError
from hhbill.claims import (
    Claim,
    PeriodOfCare,
    build_claim,
    claim_to_dict,
    load_claim_input,
    parse_claim_input,
)


def _set(path: str, value: Any) -> Any:
    def change(data: dict[str, Any]) -> None:
        target: Any = data
        parts = path.split(".")
        for part in parts[:-1]:
            target = target[int(part)] if part.isdigit() else target[part]
        last = parts[-1]
        if value is _DELETE:
            del target[last]
        elif last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value

    return change


_DELETE = object()

BAD: list[tuple[str, Any, str, str]] = [
    ("type_of_bill", _DELETE, "type_of_bill", "is required"),
    ("type_of_bill", "0111", "type_of_bill", "not a home health bill type"),
    ("type_of_bill", 329.0, "type_of_bill", "expected text"),
    ("from", "2026-02-30", "from", "not a real date"),
    ("through", "2026-02-01", "through", "before from"),
    ("admission_date", _DELETE, "admission_date", "required on a 032X claim"),
    ("visits.1.minutes", "forty", "visits[1].minutes", "whole number"),
    ("visits.1.minutes", 0, "visits[1].minutes", "at least 1"),
    ("visits.1.discipline", "RT", "visits[1].discipline", "not one of"),
    ("visits.1.role", "LPN", "visits[1].service", "not a PT visit code"),
    ("visits.1.date", "2026-04-15", "visits[1].date", "outside the claim period"),
    ("visits.1.modality", "fax", "visits[1].modality", "not one of"),
    ("visits.1.charge", "12,00", "visits[1].charge", "not an amount"),
    ("visits.1.charge", "-5", "visits[1].charge", "non-negative"),
    ("visits.1.minutes_spent", 30, "visits[1].minutes_spent", "unknown field"),
    ("visits", {"date": "2026-03-02"}, "visits", "expected a list"),
    ("site_of_service", "hospital", "site_of_service", "not one of"),
    ("cbsa", "3561", "cbsa", "not a 5-digit code"),
    ("fips_county", "3606\u00b2", "fips_county", "not a 5-digit code"),
    ("occurrence_codes", [{"code": "50"}], "occurrence_codes[0].date", "is required"),
    ("value_codes", [{"code": "61", "amount": "abc"}], "value_codes[0].amount", "not an amount"),
    ("remote_monitoring.days", 0, "remote_monitoring.days", "at least 1"),
    ("patient.mbi", ["x"], "patient.mbi", "expected text"),
    ("transfer_from_other_hha", "maybe", "transfer_from_other_hha", "true or false"),
    ("hipp", "1FC21", "hipp", "unknown field"),
]


@pytest.mark.parametrize(
    ("path", "value", "field", "words"),
    BAD,
    ids=[f"{b[0]}=" + ("(deleted)" if b[1] is _DELETE else repr(b[1])) for b in BAD],
)
def test_bad_period_input_names_the_field(path: str, value: Any, field: str, words: str) -> None:
    data = fresh(PERIOD)
    _set(path, value)(data)
    with pytest.raises(ClaimInputError) as err:
        build_claim(parse_claim_input(data))  # type: ignore[arg-type]
    assert err.value.location.get("field") == field
    assert words in err.value.message


def test_therapy_input_errors() -> None:
    data = fresh(THERAPY)
    data["therapy_services"][0]["minutes"] = 0
    with pytest.raises(ClaimInputError, match="timed code needs its minutes"):
        parse_claim_input(data)
    data = fresh(THERAPY)
    data["therapy_services"][0]["discipline"] = "SN"
    with pytest.raises(ClaimInputError) as err:
        parse_claim_input(data)
    assert err.value.location["field"] == "therapy_services[0].discipline"
    data = fresh(THERAPY)
    data["visits"] = fresh(PERIOD)["visits"]
    with pytest.raises(ClaimInputError, match="034X claims take therapy_services"):
        parse_claim_input(data)


def test_input_that_is_not_an_object() -> None:
    with pytest.raises(ClaimInputError, match="expected an object"):
        parse_claim_input([1, 2])


def test_json_file_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"type_of_bill": "0329",', encoding="utf-8")
    with pytest.raises(ClaimInputError, match="not valid JSON"):
        load_claim_input(broken)
    with pytest.raises(ClaimInputError, match="cannot read"):
        load_claim_input(tmp_path / "missing.json")


def test_csv_visit_list(tmp_path: Path) -> None:
    data = fresh(PERIOD)
    del data["visits"]
    (tmp_path / "period.json").write_text(json.dumps(data), encoding="utf-8")
    (tmp_path / "visits.csv").write_text(
        "date,discipline,role,service,minutes,modality,charge\n"
        "2026-03-02,SN,RN,observation_assessment,60,,150.00\n"
        "2026-03-04,PT,PT,direct,45,in_person,180.00\n"
        "2026-03-06,SN,RN,direct,20,video,\n",
        encoding="utf-8",
    )
    period = load_claim_input(tmp_path / "period.json", visits_csv=tmp_path / "visits.csv")
    assert isinstance(period, PeriodOfCare)
    assert [(v.discipline, v.minutes, v.modality) for v in period.visits] == [
        ("SN", 60, "in_person"),
        ("PT", 45, "in_person"),
        ("SN", 20, "video"),
    ]
    (tmp_path / "bad.csv").write_text("date,discipline,role,mins\n2026-03-02,SN,RN,60\n", encoding="utf-8")
    with pytest.raises(ClaimInputError, match="lacks column"):
        load_claim_input(tmp_path / "period.json", visits_csv=tmp_path / "bad.csv")
    (tmp_path / "bad2.csv").write_text("date,discipline,role,minutes\n2026-03-02,SN,RN,sixty\n", encoding="utf-8")
    with pytest.raises(ClaimInputError) as err:
        load_claim_input(tmp_path / "period.json", visits_csv=tmp_path / "bad2.csv")
    assert err.value.location["field"] == "visits[0].minutes"


def test_line_form_round_trip() -> None:
    built = build_claim(parse_claim_input(fresh(PERIOD)))  # type: ignore[arg-type]
    as_dict = claim_to_dict(built)
    line_form = {
        k: as_dict[k]
        for k in (
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
        )
    }
    line_form["hipps"] = "1FC21"
    line_form["provider"] = as_dict["provider"]
    line_form["patient"] = {"mbi": as_dict["patient"]["mbi"]}
    line_form["noa_receipt_date"] = "2026-03-04"
    line_form["telehealth_services"] = {"video": 1}
    line_form["remote_monitoring_days"] = 12
    line_form["lines"] = [
        {k: line[k] for k in ("revenue_code", "hcpcs", "modifiers", "date", "units", "charge")}
        for line in as_dict["lines"]
    ]
    claim = parse_claim_input(line_form)
    assert isinstance(claim, Claim)
    assert [(x.revenue_code, x.hcpcs, x.units) for x in claim.lines] == [
        (x.revenue_code, x.hcpcs, x.units) for x in built.lines
    ]


def test_line_form_errors() -> None:
    base = {"type_of_bill": "0329", "from": "2026-03-02", "through": "2026-03-31", "admission_date": "2026-03-02"}
    for line, field in [
        ({"revenue_code": "55X", "hcpcs": "G0299"}, "lines[0].revenue_code"),
        ({"revenue_code": "0551", "hcpcs": "G02999"}, "lines[0].hcpcs"),
        ({"revenue_code": "0551", "hcpcs": "G0299", "modifiers": ["GPX"]}, "lines[0].modifiers[0]"),
        ({"revenue_code": "0551", "hcpcs": "G0299", "units": "two"}, "lines[0].units"),
        ({"revenue_code": "0551", "hcpcs": "G0299", "date": "03/02/2026"}, "lines[0].date"),
    ]:
        with pytest.raises(ClaimInputError) as err:
            parse_claim_input({**base, "lines": [line]})
        assert err.value.location["field"] == field
    with pytest.raises(ClaimInputError, match="not both"):
        parse_claim_input({**base, "lines": [], "visits": []})


def test_hostile_files_are_input_errors(tmp_path: Path) -> None:
    """Non-UTF-8 text, absurd nesting, huge integers: one clear message, never a traceback."""
    cases = {
        "latin1.json": json.dumps(PERIOD).replace("Ada", "Ad\u00e9").encode("cp1252"),
        "deep.json": b"[" * 100_000,
        "huge.json": json.dumps(PERIOD).replace('"minutes": 60', '"minutes": 1' + "0" * 5000).encode(),
    }
    for name, content in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(ClaimInputError) as err:
            load_claim_input(path)
        assert err.value.location, name
    good = tmp_path / "good.json"
    good.write_text(json.dumps(fresh(PERIOD)), encoding="utf-8")
    (tmp_path / "visits.csv").write_bytes("date,discipline,role,minutes\n2026-03-02,SN,RN,6\u00b2\n".encode("cp1252"))
    with pytest.raises(ClaimInputError, match="not UTF-8"):
        load_claim_input(good, visits_csv=tmp_path / "visits.csv")
    (tmp_path / "cr.csv").write_text('date,discipline,role,minutes\n2026-03-02,SN,RN,"6\r0\n', encoding="utf-8")
    with pytest.raises(ClaimInputError):
        load_claim_input(good, visits_csv=tmp_path / "cr.csv")


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("visits.0.charge", "1e999", "visits[0].charge"),
        ("visits.0.charge", "99999999999", "visits[0].charge"),
        ("visits.0.minutes", "\u00b2", "visits[0].minutes"),
        ("visits.0.minutes", "9" * 5000, "visits[0].minutes"),
    ],
)
def test_absurd_values_name_the_field(path: str, value: Any, field: str) -> None:
    data = fresh(PERIOD)
    _set(path, value)(data)
    with pytest.raises(ClaimInputError) as err:
        parse_claim_input(data)
    assert err.value.location["field"] == field


def test_patient_errors_do_not_repeat_patient_data() -> None:
    data = fresh(PERIOD)
    data["patient"]["birth_date"] = "1941-02-30"
    with pytest.raises(ClaimInputError) as err:
        parse_claim_input(data)
    assert err.value.location["field"] == "patient.birth_date"
    assert "1941" not in str(err.value) and "YYYY-MM-DD" in str(err.value)
    data = fresh(PERIOD)
    data["patient"]["last_name"] = ["Testpatient"]
    with pytest.raises(ClaimInputError) as err:
        parse_claim_input(data)
    assert "Testpatient" not in str(err.value)
