"""The timeline's rules (early/late by the 60-day gap, next dates, one agency's view, no patient data in clear) and
ledger_import of past claims from JSON and 837I, including two writers importing at once."""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from _x12_support import PRACTITIONERS, final_claim, replacement_claim
from claims_scenarios.support import MBI, NOA, OTHER_AGENCY_NPI, PERIOD, THERAPY, fresh
from hhbill._errors import ClaimInputError, X12Error
from hhbill._store import Store
from hhbill.claims import ClaimLedger, build_claim, ledger_import, open_ledger, period_from_dict, timeline
from hhbill.x12 import WriterSettings, claims_to_x12
from test_claims_ledger import postgres_url  # noqa: F401  (the module-scoped PostgreSQL server fixture)

D = date.fromisoformat


@pytest.fixture
def ledger(tmp_path: Path) -> ClaimLedger:
    return open_ledger(Store(tmp_path / "ledger.db"))


def _period(start: str, **changes: Any) -> dict[str, Any]:
    """The base period moved to ``start`` (a later period of the same admission: not the first)."""
    data = fresh(PERIOD)
    first = D(start)
    delta = first - D(PERIOD["from"])
    data.update(
        {
            "from": start,
            "through": str(first + timedelta(days=29)),
            "oasis_assessment_date": str(D(PERIOD["oasis_assessment_date"]) + delta),
            "remote_monitoring": None,
            "visits": [{**v, "date": str(D(v["date"]) + delta)} for v in PERIOD["visits"]],
        }
    )
    data.update(changes)
    return data


def test_periods_are_early_again_only_after_a_gap_of_more_than_60_days(ledger: ClaimLedger) -> None:
    for start in ("2026-01-01", "2026-01-31", "2026-04-01", "2026-06-30"):
        ledger.record(build_claim(period_from_dict(_period(start, admission_date=start))), "paid")
    found = {str(i.start): i.timing for i in timeline(ledger, MBI, today=D("2026-08-01")).items if i.kind == "period"}
    assert found["2026-01-01"].startswith("early")
    assert found["2026-01-31"].startswith("late")
    # 2026-03-01 .. 2026-03-31 without a period: 31 days, not more than 60 -> late
    assert found["2026-04-01"].startswith("late")
    # 2026-05-01 .. 2026-06-29: 60 days exactly -> still late; one more day would make it early
    assert found["2026-06-30"].startswith("late")
    ledger.record(build_claim(period_from_dict(_period("2026-10-01", admission_date="2026-10-01"))), "paid")
    later = [i for i in timeline(ledger, MBI, today=D("2026-11-01")).items if i.kind == "period"]
    # 2026-07-30 .. 2026-09-30 without a period: 63 days -> early again
    assert later[-1].start == D("2026-10-01") and later[-1].timing.startswith("early (63 days")


def test_next_dates_and_a_missing_noa(ledger: ClaimLedger) -> None:
    ledger.record(build_claim(period_from_dict(fresh(PERIOD))), "submitted")  # admission 2026-03-02, no NOA recorded
    found = timeline(ledger, MBI, today=D("2026-03-20"))
    dates = {d.what: d for d in found.next_dates}
    assert dates["next_period_start"].day == D("2026-04-01")
    assert dates["recertification"].day == D("2026-05-01") and "2026-04-26" in dates["recertification"].why
    assert dates["noa_deadline"].day == D("2026-03-07") and dates["noa_deadline"].overdue
    admission = next(i for i in found.items if i.kind == "admission")
    assert "no NOA recorded" in admission.notes[0]
    ledger.record(build_claim(period_from_dict(fresh(NOA))), "submitted")
    assert "noa_deadline" not in {d.what for d in timeline(ledger, MBI, today=D("2026-03-20")).next_dates}


def test_one_agency_view_and_no_patient_data(ledger: ClaimLedger) -> None:
    ledger.record(build_claim(period_from_dict(fresh(NOA))), "submitted")
    other = build_claim(period_from_dict(fresh(THERAPY)))
    other.billing_provider.npi = OTHER_AGENCY_NPI
    ledger.record(other, "checked")
    everyone = timeline(ledger, MBI, today=D("2026-04-01"))
    assert {i.provider_npi for i in everyone.items} == {PERIOD["provider"]["npi"], OTHER_AGENCY_NPI}
    mine = timeline(ledger, MBI, today=D("2026-04-01"), provider_npi=OTHER_AGENCY_NPI)
    assert {i.provider_npi for i in mine.items} == {OTHER_AGENCY_NPI} and mine.next_dates == []
    text, data = everyone.to_text(), json.dumps(everyone.to_dict())
    for secret in (MBI, "Testpatient", "Ada"):
        assert secret not in text and secret not in data
    assert timeline(ledger, "9ZZ9ZZ9ZZ99", today=D("2026-04-01")).items == []


# --- ledger import --------------------------------------------------------------------------------------------------


def _json_file(tmp_path: Path) -> Path:
    noa = fresh(NOA)
    period = fresh(PERIOD)
    path = tmp_path / "past.json"
    path.write_text(json.dumps({"claims": [noa, {"status": "paid", "claim": period}]}), encoding="utf-8")
    return path


def test_import_json_records_each_claim_with_its_status(ledger: ClaimLedger, tmp_path: Path) -> None:
    result = ledger_import(ledger, _json_file(tmp_path))
    assert result.form == "JSON" and [e.status for e in result.entries] == ["submitted", "paid"]
    assert [e.type_of_bill for e in result.entries] == ["032A", "0329"]
    again = ledger_import(ledger, _json_file(tmp_path))  # importing twice adds nothing
    assert [e.id for e in again.entries] == [e.id for e in result.entries]
    kinds = [i.kind for i in timeline(ledger, MBI, today=D("2026-04-01")).items]
    assert kinds.count("noa") == 1 and kinds.count("period") == 1


def test_a_bad_claim_stops_the_import_before_anything_is_recorded(ledger: ClaimLedger, tmp_path: Path) -> None:
    bad = fresh(PERIOD)
    bad["visits"][1]["date"] = "2026-02-30"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([fresh(NOA), bad]), encoding="utf-8")
    with pytest.raises(ClaimInputError) as err:
        ledger_import(ledger, path)
    assert err.value.location["field"] == "claims[1].visits[1].date"
    assert ledger.entries() == []
    path.write_text(json.dumps([{"status": "lost", "claim": fresh(NOA)}]), encoding="utf-8")
    with pytest.raises(ClaimInputError, match="unknown status"):
        ledger_import(ledger, path)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ClaimInputError, match="not valid JSON"):
        ledger_import(ledger, path)


def _x12_file(tmp_path: Path) -> Path:
    settings = WriterSettings(payer_id="14011", practitioner_names=PRACTITIONERS, created=None)
    path = tmp_path / "history.837"
    original = final_claim(3)
    path.write_text(claims_to_x12([original, final_claim(4), replacement_claim()], settings), encoding="utf-8")
    return path


def test_import_837i_and_the_replacement_supersedes(ledger: ClaimLedger, tmp_path: Path) -> None:
    result = ledger_import(ledger, _x12_file(tmp_path))
    assert result.form == "837I" and len(result.entries) == 3
    original = ledger.get(result.entries[0].id)
    assert original.superseded_by == result.entries[2].id and original.superseded_how == "replaced"
    items = timeline(ledger, final_claim(3).patient.mbi, today=D("2026-03-01")).items
    assert {i.kind for i in items} >= {"period", "adjustment", "admission"}
    damaged = tmp_path / "damaged.837"
    damaged.write_text(_x12_file(tmp_path).read_text().replace("CLM*", "CLX*", 1), encoding="utf-8")
    with pytest.raises((X12Error, ClaimInputError)):
        ledger_import(open_ledger(Store(tmp_path / "other.db")), damaged)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_two_writers_importing_at_once_leave_one_row_per_claim(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    path = _x12_file(tmp_path)
    if backend == "sqlite":
        database = tmp_path / "shared.db"

        def opener() -> ClaimLedger:
            return open_ledger(Store(database))
    else:
        url = request.getfixturevalue("postgres_url")
        cleaner = open_ledger(url=url)
        cleaner._backend.write([("DELETE FROM claims_ledger", ())])
        cleaner.close()

        def opener() -> ClaimLedger:
            return open_ledger(url=url)

    errors: list[BaseException] = []

    def run() -> None:
        try:
            writer = opener()
            for _ in range(3):
                ledger_import(writer, path)
            writer.close()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    reader = opener()
    entries = reader.entries()
    assert len(entries) == 3
    assert sum(1 for e in entries if e.superseded_by is not None) == 1
