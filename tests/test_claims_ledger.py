"""The claim ledger: duplicates (38200) and overlapping periods (U538F/U538G) across claims, on SQLite and on a
real PostgreSQL server started by the test (skipped when PostgreSQL is not installed, failed under CI)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from claims_scenarios.support import MBI, OTHER_AGENCY_NPI, OTHER_MBI, PERIOD, fresh
from hhbill._errors import ConfigError, NotFoundError
from hhbill._store import Store
from hhbill.claims import CheckContext, Claim, ClaimLedger, build_claim, check_claim, open_ledger, period_from_dict

D = date.fromisoformat


def period_claim(**changes: object) -> Claim:
    claim = build_claim(period_from_dict(fresh(PERIOD)))
    for name, value in changes.items():
        setattr(claim, name, value)
    return claim


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not initdb or not pg_ctl:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL (initdb, pg_ctl) is needed for the ledger tests")
        pytest.skip("PostgreSQL is not installed")
    folder = Path(tempfile.mkdtemp(prefix="hhbill-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root: run it as the postgres account
        shutil.chown(folder, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    data = folder / "data"
    port = _free_port()
    run = {"check": True, "capture_output": True, "timeout": 60}
    subprocess.run([*prefix, initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"], **run)  # type: ignore[call-overload]
    subprocess.run(  # type: ignore[call-overload]
        [
            *prefix,
            pg_ctl,
            "-D",
            str(data),
            "-l",
            str(folder / "log"),
            "-w",
            "-o",
            f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        ],
        **run,
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"], capture_output=True, timeout=60
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgres"])
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ClaimLedger]:
    if request.param == "sqlite":
        opened = open_ledger(Store(tmp_path / "ledger.db"))
    else:
        url = request.getfixturevalue("postgres_url")
        opened = open_ledger(url=url)
        opened._backend.write([("DELETE FROM claims_ledger", ())])  # each test starts empty
    try:
        yield opened
    finally:
        opened.close()


def test_duplicate_of_a_submitted_claim(ledger: ClaimLedger) -> None:
    claim = period_claim()
    assert ledger.find_duplicate(claim) is None
    entry = ledger.record(claim, "checked")
    assert ledger.find_duplicate(claim) is None  # a checked draft is not a submitted claim
    assert ledger.record(claim, "checked").id == entry.id  # recording again does not add a row
    submitted = ledger.record(claim, "submitted")
    assert submitted.id == entry.id and submitted.status == "submitted"
    duplicate = ledger.find_duplicate(period_claim())
    assert duplicate is not None and duplicate.id == entry.id
    result = check_claim(period_claim(), CheckContext(ledger=ledger))
    assert "duplicate-claim" in result.ids()
    # any change to the 38200 key makes it a different claim
    changed = period_claim()
    changed.lines[1].charge += 1
    assert ledger.find_duplicate(changed) is None
    other_patient = period_claim()
    other_patient.patient.mbi = OTHER_MBI
    assert ledger.find_duplicate(other_patient) is None


def test_the_ledger_stores_no_mbi(ledger: ClaimLedger) -> None:
    ledger.record(period_claim(), "submitted")
    rows = ledger._backend.fetch("SELECT * FROM claims_ledger")
    assert rows and all(MBI not in str(value) for row in rows for value in row)


def test_overlaps_with_another_agency_and_own_period(ledger: ClaimLedger) -> None:
    other = period_claim()
    other.billing_provider.npi = OTHER_AGENCY_NPI
    other.from_date, other.through_date = D("2026-02-20"), D("2026-03-21")
    ledger.record(other, "submitted")
    mine = period_claim()
    overlaps = ledger.find_overlaps(mine)
    assert [(e.provider_npi, e.from_date) for e in overlaps] == [(OTHER_AGENCY_NPI, D("2026-02-20"))]
    findings = [f for f in check_claim(mine, CheckContext(ledger=ledger)).findings if f.id == "overlapping-period"]
    assert [f.reason_code for f in findings] == ["U538F"]

    # this agency's own submitted period with a different From date: from 2022 U538F too (Palmetto 9ZAJKE6540)
    own = period_claim()
    own.from_date, own.through_date = D("2026-03-12"), D("2026-04-10")
    ledger.record(own, "submitted")
    reasons = sorted(
        f.reason_code or ""
        for f in check_claim(mine, CheckContext(ledger=ledger)).findings
        if f.id == "overlapping-period"
    )
    assert reasons == ["U538F", "U538F"]

    # a later, adjacent period does not overlap; a replacement of the same period is not an overlap
    later = period_claim()
    later.from_date, later.through_date = D("2026-04-11"), D("2026-05-10")
    assert ledger.find_overlaps(later) == []
    ledger.record(mine, "submitted")
    replacement = period_claim(type_of_bill="0327")
    assert all(e.from_date != mine.from_date for e in ledger.find_overlaps(replacement))


def test_a_checked_draft_of_the_same_period_is_not_an_overlap(ledger: ClaimLedger) -> None:
    draft = period_claim()
    ledger.record(draft, "checked")
    corrected = period_claim()
    corrected.lines[1].charge += 5
    assert ledger.find_overlaps(corrected) == []


def test_entries_get_and_remove(ledger: ClaimLedger) -> None:
    entry = ledger.record(period_claim(), "submitted")
    assert [e.id for e in ledger.entries()] == [entry.id]
    assert entry.to_dict()["claim_ref"] == "PCN-0001"
    ledger.remove(entry.id)
    assert ledger.entries() == []
    with pytest.raises(NotFoundError):
        ledger.get(entry.id)
    with pytest.raises(ConfigError):
        ledger.record(period_claim(), "approved")


def test_ledger_url_must_be_postgres() -> None:
    with pytest.raises(ConfigError, match="postgresql://"):
        open_ledger(url="mysql://somewhere/db")


def test_adjustment_supersedes_on_both_backends(ledger: ClaimLedger) -> None:
    original = ledger.record(period_claim(), "submitted")
    replacement = period_claim(type_of_bill="0327", condition_codes=["D2"])
    replacement.lines[1].charge += 7
    second = ledger.record(replacement, "submitted")
    assert (ledger.get(original.id).superseded_by, ledger.get(original.id).superseded_how) == (second.id, "replaced")
    assert ledger.get(second.id).condition_codes == ("D2",)
    paid = ledger.set_status(second.id, "paid")
    assert paid.status == "paid" and paid.in_force
    history = ledger.history(ledger.key_for_mbi(MBI))
    assert [e.id for e in history] == [original.id, second.id]
    assert ledger.history(ledger.key_for_mbi(OTHER_MBI)) == []


def test_findings_are_kept_with_the_entry(ledger: ClaimLedger) -> None:
    claim = period_claim()
    claim.attending_npi = "1234567890"
    result = check_claim(claim, CheckContext())
    entry = ledger.record(claim, "checked", result.findings)
    kept = ledger.get(entry.id).details["findings"]
    assert {f["id"] for f in kept} == result.ids()
    assert all(MBI not in str(f) for f in kept)
    # a diagnosis quoted in a message is not kept in the ledger
    claim.diagnoses = ["9ZZ99"]
    result = check_claim(claim, CheckContext())
    kept = ledger.get(ledger.record(claim, "checked", result.findings).id).details["findings"]
    diagnosis = next(f for f in kept if f["id"] == "principal-diagnosis")
    assert "9ZZ99" not in diagnosis["message"] and "9ZZ99" not in str(kept)
    marks = ledger.get(entry.id).details["marks"]
    assert {m["discipline"] for m in marks} >= {"SN", "PT", "AIDE"}


def test_an_older_ledger_gains_the_new_columns(tmp_path: Path) -> None:
    """A ledger table made before the timeline columns existed is upgraded when opened; its rows are kept."""
    store = Store(tmp_path / "old.db")
    store.conn.executescript(
        """CREATE TABLE claims_ledger_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE claims_ledger (id INTEGER PRIMARY KEY AUTOINCREMENT, claim_key TEXT NOT NULL,
            beneficiary_key TEXT NOT NULL, provider_npi TEXT NOT NULL, type_of_bill TEXT NOT NULL,
            from_date TEXT NOT NULL, through_date TEXT NOT NULL, total_charge TEXT NOT NULL, status TEXT NOT NULL,
            claim_ref TEXT NOT NULL DEFAULT '', recorded_at TEXT NOT NULL);
        CREATE UNIQUE INDEX claims_ledger_key_unique ON claims_ledger (claim_key);
        INSERT INTO claims_ledger (claim_key, beneficiary_key, provider_npi, type_of_bill, from_date, through_date,
            total_charge, status, recorded_at) VALUES ('k', 'b', '1987654328', '0329', '2026-01-01', '2026-01-30',
            '10.00', 'submitted', '2026-02-01T00:00:00+00:00');"""
    )
    ledger = open_ledger(store)
    old = ledger.entries()[0]
    assert old.admission_date is None and old.in_force and old.details == {}
    assert ledger.record(period_claim(), "submitted").admission_date == D("2026-03-02")


def test_an_older_postgres_ledger_gains_the_new_columns(postgres_url: str) -> None:
    opened = open_ledger(url=postgres_url)
    opened._backend.write(
        [("ALTER TABLE claims_ledger DROP COLUMN IF EXISTS details", ()), ("DELETE FROM claims_ledger", ())]
    )
    opened.close()
    reopened = open_ledger(url=postgres_url)
    try:
        entry = reopened.record(period_claim(), "submitted")
        assert reopened.get(entry.id).details["marks"]
    finally:
        reopened.close()
