"""The fee schedule commands, driven in-process through Typer's runner on the hhbill command line."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from conftest import shared_path
from hhbill.cli import app as hhbill_app

runner = CliRunner()


def make_app() -> typer.Typer:
    return hhbill_app


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "hhbill.db"
    app = make_app()
    for relative in ("data/mpfs/rvu25d", "data/mpfs/zip_locality_oct2025/ZIP5_OCT2025.txt"):
        result = runner.invoke(app, ["--db", str(path), "rvu-import", str(shared_path(relative))])
        assert result.exit_code == 0, result.output
        assert "imported:" in result.stdout
    return path


def copy_of(db: Path, tmp_path: Path) -> Path:
    """A private copy of the module's database (WAL contents included) for tests that write."""
    copy = tmp_path / "copy.db"
    with sqlite3.connect(db) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    return copy


def run(db: Path, *args: str) -> Result:
    return runner.invoke(make_app(), ["--db", str(db), *args])


def test_rvu_text_shows_arithmetic_for_a_zip(db):
    with Path(shared_path("data/mpfs/zip_locality_oct2025/ZIP5_OCT2025.txt")).open(encoding="latin-1") as handle:
        record = next(line for line in handle if line[2:7] == "35801")
    result = run(db, "rvu", "99213", "--zip", "35801", "--year", "2025")
    assert result.exit_code == 0, result.output
    assert f"Locality: {record[7:12]}:{record[12:14]}" in result.stdout
    assert "x CF 32.3465" in result.stdout and "= $" in result.stdout


def test_rvu_json_for_a_home_health_code_with_statistics(db):
    result = run(db, "rvu", "G0320", "--year", "2025", "--stats", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["priced"] is False and data["payment"] is None and data["status"]["code"] == "X"
    share = data["statistics"]["work_rvu_zero_share"]
    assert share["letter"] == "G" and 0 < share["matching"] <= share["codes_in_group"]


def test_errors_are_one_line_with_exit_codes(db, tmp_path):
    missing = run(db, "rvu", "Z9999", "--year", "2025")
    assert missing.exit_code == 2 and "Z9999" in missing.stderr
    ambiguous = run(db, "rvu", "99213", "--year", "2025", "--locality", "01")
    assert ambiguous.exit_code == 2 and "Candidates" in ambiguous.stderr
    bad = tmp_path / "PPRRVU2025_Oct.csv"
    lines = shared_path("data/mpfs/rvu25d/PPRRVU2025_Oct.csv").read_text(encoding="latin-1").splitlines()[:20]
    fields = lines[14].split(",")
    fields[3] = "a1"  # the status code column
    lines[14] = ",".join(fields)
    bad.write_text("\n".join(lines), encoding="latin-1")
    failed = run(copy_of(db, tmp_path), "rvu-import", str(bad))
    assert failed.exit_code == 1 and "line 15" in failed.stderr and "STATUS CODE" in failed.stderr
    assert "Traceback" not in failed.output


def test_releases_listing_and_data_import_alias(db):
    result = run(db, "rvu-releases", "--format", "json")
    kinds = sorted(r["kind"] for r in json.loads(result.stdout)["releases"])
    assert kinds == ["gpci", "pprrvu", "zip5"]
    again = run(db, "data", "import-rvu", str(shared_path("data/mpfs/rvu25d/GPCI2025.txt")), "--release", "2025D")
    assert again.exit_code == 0 and "already loaded" in again.stdout


def test_log_add_target_report_csv(db, tmp_path):
    copy = copy_of(db, tmp_path)
    for day, units in (("2025-03-03", "2"), ("2025-03-05", "1"), ("2025-03-12", "1")):
        result = run(copy, "log", "add", "99213", "--date", day, "--units", units)
        assert result.exit_code == 0, result.output
        assert "wRVU" in result.stdout
    assert run(copy, "log", "target", "--wrvu", "5", "--per", "week").exit_code == 0
    report = run(copy, "log", "report", "--from", "2025-03-03", "--to", "2025-03-16", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(report.stdout)))
    assert [r["period"] for r in rows] == ["2025-W10", "2025-W11"]
    assert [r["units"] for r in rows] == ["3", "1"] and all(r["target"] == "5.00" for r in rows)
    text = run(copy, "log", "report", "--by", "week")
    assert "2025-W10" in text.stdout and "target" in text.stdout
    listing = run(copy, "log", "list", "--format", "json")
    first = json.loads(listing.stdout)["entries"][0]["id"]
    assert run(copy, "log", "remove", str(first)).exit_code == 0
    assert run(copy, "log", "remove", str(first)).exit_code == 2
    assert run(copy, "log", "add", "99213", "--units", "0").exit_code == 1
