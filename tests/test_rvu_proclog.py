"""Procedure log: wRVUs from the fee schedule of the date of service, totals per period against a target, CSV."""

from __future__ import annotations

import csv
import functools
import io
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import shared_path
from hhbill import NotFoundError, RvuInputError
from hhbill._store import Store
from hhbill.rvu import (
    import_fee_schedule,
    log_add,
    log_entries,
    log_remove,
    log_report,
    log_set_target,
    log_target,
)

RVU_CSV = {2025: "data/mpfs/rvu25d/PPRRVU2025_Oct.csv", 2026: "data/mpfs/rvu26c/PPRRVU2026_Jul_nonQPP.csv"}


@functools.cache
def work_rvu(year: int, code: str, modifier: str = "") -> Decimal:
    with Path(shared_path(RVU_CSV[year])).open(encoding="latin-1", newline="") as handle:
        return Decimal(next(r for r in csv.reader(handle) if r and r[0] == code and r[1] == modifier)[5])


@pytest.fixture(scope="module")
def loaded_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("proclog") / "hhbill.db"
    store = Store(path)
    for relative in RVU_CSV.values():
        import_fee_schedule(store, shared_path(relative))
    store.close()
    return path


@pytest.fixture
def store(loaded_db, tmp_path) -> Store:
    """A fresh copy of the loaded database for each test (the log starts empty)."""
    copy = tmp_path / "hhbill.db"
    source = Store(loaded_db)
    source.execute(f"VACUUM INTO '{copy}'")
    source.close()
    return Store(copy)


def test_work_rvu_comes_from_the_release_of_the_date_of_service(store):
    assert work_rvu(2025, "G0180") != work_rvu(2026, "G0180")  # the file changed it
    early = log_add(store, "g0180", performed_on="2025-11-03")
    late = log_add(store, "G0180", performed_on=date(2026, 8, 3), units=2)
    assert early.work_rvu_per_unit == work_rvu(2025, "G0180") and early.release == "2025 October (RVU25D)"
    assert late.work_rvu == 2 * work_rvu(2026, "G0180") and late.release == "2026 July (RVU26C) nonQPP"
    future = log_add(store, "G0180", performed_on="2031-01-02")
    assert future.work_rvu_per_unit == work_rvu(2026, "G0180")
    assert any("no 2031 fee schedule" in n for n in future.notes)


def test_codes_without_work_rvu_count_zero_with_a_note(store):
    entry = log_add(store, "G0320", performed_on="2025-05-05")
    assert entry.work_rvu == 0 and any("status X" in n for n in entry.notes)


def test_component_modifier_uses_its_own_row(store):
    entry = log_add(store, "71046", performed_on="2025-05-05", modifier="26")
    assert entry.work_rvu == work_rvu(2025, "71046", "26")


def test_bad_input_is_refused_and_nothing_is_stored(store):
    with pytest.raises(RvuInputError) as info:
        log_add(store, "99213", performed_on="2025-05-05", units=0)
    assert info.value.location["field"] == "units"
    with pytest.raises(RvuInputError) as info:
        log_add(store, "99213", performed_on="05/05/2025")
    assert info.value.location["field"] == "date"
    with pytest.raises(NotFoundError):
        log_add(store, "Z9999", performed_on="2025-05-05")
    assert log_entries(store) == []


def test_weekly_report_against_a_weekly_target(store):
    # Monday 2025-06-02 .. Sunday 2025-06-22; nothing logged in the middle week
    log_add(store, "99213", performed_on="2025-06-02", units=3)
    log_add(store, "99350", performed_on="2025-06-08")
    log_add(store, "99213", performed_on="2025-06-16")
    target = log_set_target(store, 5, "week")
    assert log_target(store) == target
    report = log_report(store, date_from="2025-06-01", date_to="2025-06-22", by="week")
    assert [p.label for p in report.periods] == ["2025-W22", "2025-W23", "2025-W24", "2025-W25"]
    first_week = 3 * work_rvu(2025, "99213") + work_rvu(2025, "99350")
    totals = [p.work_rvu for p in report.periods]
    assert totals == [Decimal("0.00"), first_week, Decimal("0.00"), work_rvu(2025, "99213")]
    assert [p.units for p in report.periods] == [0, 4, 0, 1]
    assert report.total_work_rvu == sum(totals)
    assert all(p.target == Decimal("5.00") for p in report.periods)
    assert report.periods[1].difference == first_week - 5
    assert report.periods[1].percent_of_target == int((first_week * 100 / 5).quantize(Decimal(1)))
    assert report.periods[1].start == date(2025, 6, 2) and report.periods[1].end == date(2025, 6, 8)


def test_report_defaults_to_the_target_period_and_says_when_it_cannot_compare(store):
    log_add(store, "99213", performed_on="2025-01-31")
    log_add(store, "99213", performed_on="2025-03-01")
    log_set_target(store, "120", "month")
    monthly = log_report(store)
    assert monthly.by == "month" and [p.label for p in monthly.periods] == ["2025-01", "2025-02", "2025-03"]
    assert monthly.periods[1].work_rvu == 0 and monthly.periods[1].target == Decimal("120.00")
    daily = log_report(store, date_from="2025-03-01", date_to="2025-03-01", by="day")
    assert [p.target for p in daily.periods] == [None]
    assert any("per month" in n for n in daily.notes)


def test_csv_export_matches_the_report(store):
    day = date(2025, 9, 1)
    for offset in range(10):
        log_add(store, "97110", performed_on=day + timedelta(days=offset), units=offset % 3 + 1)
    log_set_target(store, 2, "day")
    report = log_report(store, date_from=day, date_to=day + timedelta(days=9), by="day")
    rows = list(csv.DictReader(io.StringIO(report.to_csv())))
    assert len(rows) == 10
    for row, period in zip(rows, report.periods, strict=True):
        data = period.to_dict()
        assert row["period"] == data["period"] and row["work_rvu"] == data["work_rvu"]
        assert row["target"] == "2.00" and row["difference"] == data["difference"]
    assert sum(Decimal(r["work_rvu"]) for r in rows) == sum(
        (offset % 3 + 1) * work_rvu(2025, "97110") for offset in range(10)
    )


def test_report_and_target_validation(store):
    with pytest.raises(RvuInputError):
        log_report(store, by="year")
    with pytest.raises(RvuInputError):
        log_report(store, date_from="2025-02-01", date_to="2025-01-01")
    with pytest.raises(RvuInputError):
        log_set_target(store, 0, "day")
    with pytest.raises(RvuInputError):
        log_set_target(store, 10, "fortnight")
    assert log_report(store).periods == []


def test_entries_persist_and_can_be_removed(store):
    entry = log_add(store, "99213", performed_on="2025-04-01")
    reopened = Store(store.path)
    assert [e.id for e in log_entries(reopened)] == [entry.id]
    log_remove(reopened, entry.id)
    assert log_entries(store) == []
    with pytest.raises(NotFoundError):
        log_remove(store, entry.id)
