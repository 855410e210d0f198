"""Locality pricing, release choice, not-priced codes and group statistics, checked against values the test
itself reads from the real CMS CSVs (positions from the RVU25D record layout), never against typed numbers."""

from __future__ import annotations

import csv
import functools
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from conftest import shared_path
from hhbill import NotFoundError, RvuInputError, StoreError
from hhbill._store import Store
from hhbill.rvu import code_rvu_section, import_fee_schedule, price, status_share, work_rvu_share

FILES = {
    2025: ("data/mpfs/rvu25d/PPRRVU2025_Oct.csv", "data/mpfs/rvu25d/GPCI2025.csv"),
    2026: ("data/mpfs/rvu26c/PPRRVU2026_Jul_nonQPP.csv", "data/mpfs/rvu26c/GPCI2026.csv"),
}
ZIP5 = "data/mpfs/zip_locality_oct2025/ZIP5_OCT2025.txt"
#: column positions of the CSV (0-based): 2026 inserts PRIC IND before ENDO BASE, moving the conversion factor
WORK, PE_NONFACILITY, NA_NONFACILITY, PE_FACILITY, NA_FACILITY, MP, STATUS = 5, 6, 7, 8, 9, 10, 3
CONVERSION_FACTOR = {2025: 24, 2026: 25}


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Store:
    store = Store(tmp_path_factory.mktemp("rvu") / "hhbill.db")
    import_fee_schedule(store, shared_path("data/mpfs/rvu25d"))
    import_fee_schedule(store, shared_path("data/mpfs/rvu26c"))
    import_fee_schedule(store, shared_path(ZIP5))
    return store


@functools.cache
def _rows(relative: str) -> list[list[str]]:
    with Path(shared_path(relative)).open(encoding="latin-1", newline="") as handle:
        return list(csv.reader(handle))


def rvu_row(year: int, code: str, modifier: str = "") -> list[str]:
    rows = _rows(FILES[year][0])
    return next(r for r in rows if r and r[0] == code and r[1] == modifier)


def gpci_row(year: int, mac: str, locality: str) -> list[str]:
    return next(r for r in _rows(FILES[year][1]) if r and r[0] == mac and r[2] == locality)


def expected_payment(year: int, code: str, modifier: str, mac: str, locality: str, facility: bool) -> Decimal:
    row = rvu_row(year, code, modifier)
    gpci = gpci_row(year, mac, locality)
    pe = row[PE_FACILITY] if facility else row[PE_NONFACILITY]
    adjusted = (
        Decimal(row[WORK]) * Decimal(gpci[4]) + Decimal(pe) * Decimal(gpci[5]) + Decimal(row[MP]) * Decimal(gpci[6])
    )
    return (adjusted * Decimal(row[CONVERSION_FACTOR[year]])).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.mark.parametrize("year", [2025, 2026])
@pytest.mark.parametrize(
    ("code", "modifier", "facility"),
    [("99213", "", False), ("99213", "", True), ("G0180", "", False), ("97110", "", False), ("71046", "26", True)],
)
@pytest.mark.parametrize(("mac", "locality"), [("10112", "00"), ("02102", "01"), ("13202", "01"), ("01182", "18")])
def test_payment_matches_the_csv_recomputed(store, year, code, modifier, facility, mac, locality):
    result = price(store, code, modifier=modifier, year=year, locality=f"{mac}:{locality}", facility=facility)
    assert result.priced
    assert result.payment == expected_payment(year, code, modifier, mac, locality, facility)
    row = rvu_row(year, code, modifier)
    assert str(result.conversion_factor) == row[CONVERSION_FACTOR[year]]
    assert result.description == row[2]  # the descriptor shown is the imported file's
    gpci = gpci_row(year, mac, locality)
    assert [str(result.locality.work_gpci), str(result.locality.pe_gpci), str(result.locality.mp_gpci)] == [
        f"{Decimal(v):.3f}" for v in gpci[4:7]
    ]
    # the arithmetic shows the GPCIs and the conversion factor used, and ends with the amount
    assert f"x CF {row[CONVERSION_FACTOR[year]]}" in (result.arithmetic or "")
    assert (result.arithmetic or "").endswith(f"${result.payment}")


def test_national_amount_uses_unadjusted_rvus(store):
    result = price(store, "99213", year=2025)
    row = rvu_row(2025, "99213")
    total = Decimal(row[WORK]) + Decimal(row[PE_NONFACILITY]) + Decimal(row[MP])
    assert result.locality.national
    assert result.payment == (total * Decimal(row[24])).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_rvus_change_from_2025_to_2026(store):
    old, new = price(store, "99213", year=2025), price(store, "99213", year=2026)
    before, after = rvu_row(2025, "99213"), rvu_row(2026, "99213")
    assert before[PE_NONFACILITY] != after[PE_NONFACILITY]  # the change exists in the files
    assert (str(old.pe_nonfacility_rvu), str(new.pe_nonfacility_rvu)) == (before[PE_NONFACILITY], after[PE_NONFACILITY])
    assert (str(old.pe_facility_rvu), str(new.pe_facility_rvu)) == (before[PE_FACILITY], after[PE_FACILITY])
    assert (str(old.mp_rvu), str(new.mp_rvu)) == (before[MP], after[MP])
    assert (old.release, new.release) == ("2025 October (RVU25D)", "2026 July (RVU26C) nonQPP")
    assert (str(old.conversion_factor), str(new.conversion_factor)) == (before[24], after[25])


def test_default_year_is_this_year_when_loaded(store):
    expected = date.today().year if date.today().year in FILES else max(FILES)
    assert price(store, "99213").year == expected


@pytest.mark.parametrize("code", ["G0320", "G0299", "G0151", "S9329"])
def test_codes_not_paid_under_the_pfs_say_why(store, code):
    result = price(store, code, year=2026, zip_code="35801")
    status = rvu_row(2026, code)[STATUS]
    assert result.status == status and status in {"X", "I"}
    assert not result.priced and result.payment is None and result.arithmetic is None
    assert result.not_priced_reason and f"status {status}" in result.not_priced_reason
    text = result.to_text()
    assert "Not priced under the physician fee schedule" in text and "$" not in text


def test_home_health_g_code_explains_what_status_x_means(store):
    result = price(store, "G0320", year=2025)
    assert result.status == "X"
    assert "home health PPS" in (result.not_priced_reason or "")
    assert "not 'no work'" in (result.not_priced_reason or "")


def test_na_setting_is_not_priced_and_the_other_setting_is(store):
    row = rvu_row(2025, "99350")
    assert row[NA_FACILITY] == "NA" and row[NA_NONFACILITY] == ""
    facility = price(store, "99350", year=2025, facility=True)
    assert not facility.priced and "NA in the facility setting" in (facility.not_priced_reason or "")
    assert price(store, "99350", year=2025).priced


def test_component_modifiers_and_other_modifiers(store):
    professional = price(store, "71046", modifier="26", year=2025)
    technical = price(store, "71046", modifier="tc", year=2025)
    assert (str(professional.work_rvu), str(technical.work_rvu)) == (
        rvu_row(2025, "71046", "26")[WORK],
        rvu_row(2025, "71046", "TC")[WORK],
    )
    with pytest.raises(NotFoundError) as info:
        price(store, "99213", modifier="26", year=2025)
    assert "(none)" in info.value.message
    with_modifier_25 = price(store, "99213", modifier="25", year=2025)
    assert with_modifier_25.work_rvu == price(store, "99213", year=2025).work_rvu
    assert any("no RVUs of its own" in n for n in with_modifier_25.notes)


def test_unknown_code_and_year(store):
    absent = "Z9999"
    assert not any(r and r[0] == absent for r in _rows(FILES[2025][0]))
    with pytest.raises(NotFoundError) as info:
        price(store, absent.lower(), year=2025)
    assert info.value.location["code"] == absent
    with pytest.raises(NotFoundError) as info:
        price(store, "99213", year=2019)
    assert "2025" in info.value.message and "2026" in info.value.message


def _zip5_record(zip_code: str) -> str:
    with Path(shared_path(ZIP5)).open(encoding="latin-1") as handle:
        return next(line for line in handle if line[2:7] == zip_code)


@pytest.mark.parametrize("zip_code", ["35801", "99501", "10001", "90012", "20001"])
def test_zip_resolves_to_its_locality(store, zip_code):
    record = _zip5_record(zip_code)
    result = price(store, "99213", year=2025, zip_code=zip_code)
    assert (result.locality.mac, result.locality.locality) == (record[7:12], record[12:14])
    assert result.payment == expected_payment(2025, "99213", "", record[7:12], record[12:14], False)
    assert f"ZIP {zip_code}" in result.locality.found_by


def test_zip_plus_four_and_unknown_zip(store):
    record = _zip5_record("35801")
    assert price(store, "99213", year=2025, zip_code="35801-1234").locality.mac == record[7:12]
    with pytest.raises(NotFoundError):
        price(store, "99213", year=2025, zip_code="00000")
    with pytest.raises(RvuInputError):
        price(store, "99213", year=2025, zip_code="ABCDE")
    with pytest.raises(RvuInputError):
        price(store, "99213", year=2025, zip_code="35801", locality="10112:00")


def test_ambiguous_locality_lists_candidates_and_state_resolves(store):
    candidates = [r for r in _rows(FILES[2025][1]) if r and r[0].isdigit() and r[2] == "01"]
    assert len(candidates) > 1
    with pytest.raises(NotFoundError) as info:
        price(store, "99213", year=2025, locality="01")
    for row in candidates:
        assert f"{row[0]}:01 {row[1]}" in info.value.message
    alaska = price(store, "99213", year=2025, locality="01", state="AK")
    assert alaska.locality.mac == next(r[0] for r in candidates if r[1] == "AK")
    with pytest.raises(NotFoundError) as info:
        price(store, "99213", year=2025, locality="99", state="CA")
    assert "CA localities" in info.value.message
    # a state with a single locality needs no number; a locality can be named
    assert price(store, "99213", year=2025, state="AL").locality.key == "10112:00"
    manhattan = next(r for r in _rows(FILES[2025][1]) if r and r[3] == "MANHATTAN")
    assert price(store, "99213", year=2025, locality="manhattan").locality.key == f"{manhattan[0]}:{manhattan[2]}"
    with pytest.raises(NotFoundError) as info:
        price(store, "99213", year=2025, locality="rest of")
    assert "REST OF CALIFORNIA" in info.value.message


def test_read_only_store_without_fee_schedule_tables(tmp_path):
    path = tmp_path / "empty.db"
    Store(path).close()
    read_only = Store(path, read_only=True)
    with pytest.raises(NotFoundError) as info:
        price(read_only, "99213")
    assert "rvu-import" in info.value.message
    with pytest.raises(StoreError):
        import_fee_schedule(read_only, shared_path(ZIP5))


def test_2026_gpci_rows_that_share_mac_and_locality_are_told_apart_by_state(store):
    rows = [r for r in _rows(FILES[2026][1]) if r and r[0].isdigit()]
    shared_keys = {(r[0], r[2]) for r in rows if sum((s[0], s[2]) == (r[0], r[2]) for s in rows) > 1}
    mac, locality = sorted(shared_keys)[0]
    states = sorted(r[1] for r in rows if (r[0], r[2]) == (mac, locality))
    with pytest.raises(NotFoundError):
        price(store, "99213", year=2026, locality=f"{mac}:{locality}")
    for state in states:
        result = price(store, "99213", year=2026, locality=f"{mac}:{locality}", state=state)
        assert result.locality.state == state


def _group_counts(year: int, letter: str) -> tuple[int, int, dict[str, int]]:
    rows = [r for r in _rows(FILES[year][0]) if r and r[0][:1] == letter and r[1] == "" and len(r) > 20]
    rows = [r for r in rows if r[0] != "HCPCS"]
    by_status: dict[str, int] = {}
    for r in rows:
        by_status[r[STATUS]] = by_status.get(r[STATUS], 0) + 1
    return sum(Decimal(r[WORK]) == 0 for r in rows), len(rows), by_status


@pytest.mark.parametrize(("year", "letter"), [(2025, "G"), (2026, "G"), (2025, "9"), (2026, "S")])
def test_work_rvu_share_is_computed_from_the_loaded_release(store, year, letter):
    zero, total, _ = _group_counts(year, letter)
    share = work_rvu_share(store, letter, year)
    assert (share.matching, share.codes_in_group) == (zero, total)
    assert share.percent == int((Decimal(100 * zero) / total).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert f"{zero:,} of {total:,} {letter} codes ({share.percent}%)" in share.sentence


def test_code_page_section_for_g0320(store):
    section = code_rvu_section(store, "G0320", year=2025)
    zero, total, by_status = _group_counts(2025, "G")
    assert section.work_rvu_zero_share.codes_in_group == total
    assert section.same_status_share.matching == by_status["X"]
    assert status_share(store, "g", "x", 2025).matching == by_status["X"]
    assert "not priced under the physician fee schedule" in section.summary
    assert f"{zero:,} of {total:,} G codes" in section.summary
    assert section.to_dict()["fee_schedule"]["priced"] is False
