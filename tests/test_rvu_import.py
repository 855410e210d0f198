"""Fee schedule import on the real CMS files in ../shared/data/mpfs: readers, release identity, versioning,
atomicity and error locations. Bad-input fixtures are built at run time in tmp_path from the real files."""

from __future__ import annotations

import csv
import functools
import os
import subprocess
import sys
import textwrap
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import shared_path
from hhbill._errors import ImportFormatError
from hhbill._store import Store
from hhbill.rvu import ReleaseId, import_fee_schedule, list_releases
from hhbill.rvu._readers import SourceFile, detect_kind, parse_source

RVU25A_ZIP = "data/mpfs/rvu25a/RVU25A.zip"
RVU25D = "data/mpfs/rvu25d"
PPRRVU25D_CSV = "data/mpfs/rvu25d/PPRRVU2025_Oct.csv"
PPRRVU25D_TXT = "data/mpfs/rvu25d/PPRRVU2025_Oct.txt"
PPRRVU25D_XLSX = "data/mpfs/rvu25d/PPRRVU2025_Oct.xlsx"
PPRRVU26C_CSV = "data/mpfs/rvu26c/PPRRVU2026_Jul_nonQPP.csv"
GPCI25_CSV = "data/mpfs/rvu25d/GPCI2025.csv"
ZIP5 = "data/mpfs/zip_locality_oct2025/ZIP5_OCT2025.txt"


def _csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="latin-1", newline="") as handle:
        return list(csv.reader(handle))


def _data_rows(path: Path) -> list[list[str]]:
    """Rows after the 'HCPCS,MOD,...' header, as the test reads them (independently of the library)."""
    rows = _csv_rows(path)
    header = next(i for i, r in enumerate(rows) if r and r[0] == "HCPCS")
    return [r for r in rows[header + 1 :] if r and r[0].strip("\x1a")]


@functools.cache
def _parse(relative: str):
    path = shared_path(relative)
    data = path.read_bytes()
    return parse_source(SourceFile(path.name, str(path), data), detect_kind(path.name, data[:4000]) or "")


# -- readers ---------------------------------------------------------------------------------------------------
def test_csv_txt_and_xlsx_of_one_release_read_the_same():
    csv_file, txt_file, xlsx_file = _parse(PPRRVU25D_CSV), _parse(PPRRVU25D_TXT), _parse(PPRRVU25D_XLSX)
    expected_rows = len(_data_rows(shared_path(PPRRVU25D_CSV)))
    assert len(csv_file.rows) == len(txt_file.rows) == len(xlsx_file.rows) == expected_rows
    assert csv_file.content_sha256 == txt_file.content_sha256 == xlsx_file.content_sha256
    by_key = {(r[0], r[1]): r[:-1] for r in txt_file.rows}
    assert all(by_key[(r[0], r[1])] == r[:-1] for r in xlsx_file.rows)


def test_every_copy_inside_the_january_zip_reads_the_same():
    with zipfile.ZipFile(shared_path(RVU25A_ZIP)) as archive:
        for stem, kind, rows in (("PPRRVU25_JAN", "pprrvu", 18000), ("GPCI2025", "gpci", 100)):
            parsed = [
                parse_source(SourceFile(f"{stem}.{ext}", ext, archive.read(f"{stem}.{ext}"), 2025, "A"), kind)
                for ext in ("csv", "txt", "xlsx")
            ]
            assert len({p.content_sha256 for p in parsed}) == 1
            assert len({len(p.rows) for p in parsed}) == 1 and len(parsed[0].rows) > rows


def test_conversion_factor_and_release_come_from_the_file():
    for relative, year, quarter, variant in ((PPRRVU25D_CSV, 2025, "D", ""), (PPRRVU26C_CSV, 2026, "C", "nonQPP")):
        parsed = _parse(relative)
        factors = {r[24 if year == 2025 else 25] for r in _data_rows(shared_path(relative))}
        assert len(factors) == 1  # the test's own reading: one factor on every row
        assert parsed.conversion_factor == Decimal(factors.pop())
        assert (parsed.year, parsed.quarter, parsed.variant) == (year, quarter, variant)
    assert _parse(PPRRVU25D_CSV).released_on == "2025-09-11"


def test_2026_pric_ind_column_is_read_by_its_header():
    parsed = _parse(PPRRVU26C_CSV)
    rows = _data_rows(shared_path(PPRRVU26C_CSV))
    header = next(r for r in _csv_rows(shared_path(PPRRVU26C_CSV)) if r and r[0] == "HCPCS")
    pric = header.index("IND", 14)  # PCTC IND is at 13; the next "IND" is PRIC IND
    assert {r[23] for r in parsed.rows} == {r[pric] for r in rows}
    # the columns after it are not shifted: the endoscopic base codes read match the file
    assert {r[24] for r in parsed.rows} == {r[pric + 1] for r in rows}


def test_gpci_formats_agree_and_zip5_quarter_is_read():
    base = shared_path(RVU25D)
    parsed = [
        parse_source(SourceFile(n, n, (base / n).read_bytes()), "gpci")
        for n in ("GPCI2025.csv", "GPCI2025.txt", "GPCI2025.xlsx")
    ]
    assert len({p.content_sha256 for p in parsed}) == 1
    expected = [r for r in _csv_rows(base / "GPCI2025.csv") if r and r[0].isdigit()]
    assert len(parsed[0].rows) == len(expected)
    zip5 = _parse(ZIP5)
    assert (zip5.year, zip5.quarter) == (2025, "D")
    with shared_path(ZIP5).open(encoding="latin-1") as handle:
        assert len(zip5.rows) == sum(1 for line in handle if line.strip())


def test_release_names_are_understood():
    assert ReleaseId.parse("2025D") == ReleaseId(2025, "D")
    assert ReleaseId.parse("2025q4") == ReleaseId(2025, "D")
    assert ReleaseId.parse("RVU26A") == ReleaseId(2026, "A")
    assert ReleaseId.parse("2026C-nonQPP") == ReleaseId(2026, "C", "nonQPP")
    with pytest.raises(ImportFormatError) as info:
        ReleaseId.parse("October")
    assert info.value.location["field"] == "release"


# -- import: versions, no-ops, zip and folder ----------------------------------------------------------------------
def test_zip_folder_and_file_imports_are_versioned_and_idempotent(tmp_path):
    store = Store(tmp_path / "hhbill.db")
    first = import_fee_schedule(store, shared_path(RVU25A_ZIP))
    assert {(f.kind, f.status) for f in first.files} == {("pprrvu", "imported"), ("gpci", "imported")}
    assert {f.release for f in first.files} == {"2025 January (RVU25A)"}
    with zipfile.ZipFile(shared_path(RVU25A_ZIP)) as archive:
        members = [i.filename for i in archive.infolist()]
    assert len(first.files) + len(first.skipped) == len(members)

    second = import_fee_schedule(store, shared_path(RVU25D))
    assert {f.release for f in second.files} == {"2025 October (RVU25D)"}
    # the same release again, this time from its fixed-width and workbook copies: nothing changes
    for copy in (PPRRVU25D_TXT, PPRRVU25D_XLSX):
        again = import_fee_schedule(store, shared_path(copy))
        assert [(f.status, f.source) for f in again.files] == [("already loaded", str(shared_path(copy)))]
    kinds = [(r.kind, r.year, r.quarter) for r in list_releases(store)]
    assert sorted(kinds) == [("gpci", 2025, "A"), ("gpci", 2025, "D"), ("pprrvu", 2025, "A"), ("pprrvu", 2025, "D")]
    counts = {
        r["quarter"]: r["n"]
        for r in store.execute(
            "SELECT r.quarter, count(*) AS n FROM rvu_item i JOIN rvu_release r ON r.id = i.release_id GROUP BY 1"
        )
    }
    with zipfile.ZipFile(shared_path(RVU25A_ZIP)) as archive:
        jan_rows = archive.read("PPRRVU25_JAN.csv").decode("latin-1").splitlines()
    jan_data = [r for r in csv.reader(jan_rows[10:]) if r and r[0].strip("\x1a")]
    assert counts == {"A": len(jan_data), "D": len(_data_rows(shared_path(PPRRVU25D_CSV)))}


def test_release_override_and_missing_quarter(tmp_path):
    loose = tmp_path / "GPCI2025.csv"
    loose.write_bytes(shared_path(GPCI25_CSV).read_bytes())
    store = Store(tmp_path / "hhbill.db")
    with pytest.raises(ImportFormatError) as info:
        import_fee_schedule(store, loose)
    assert "--release" in str(info.value) and info.value.location["file"].endswith("GPCI2025.csv")
    summary = import_fee_schedule(store, loose, release="2025B")
    assert [(f.year, f.quarter) for f in summary.files] == [(2025, "B")]


def test_progress_reports_every_row(tmp_path):
    calls: list[tuple[int, int]] = []
    import_fee_schedule(Store(tmp_path / "hhbill.db"), shared_path(ZIP5), progress=lambda d, t: calls.append((d, t)))
    total = calls[-1][1]
    assert calls[0] == (0, total) and calls[-1] == (total, total) and total > 40000


# -- bad input: clear errors with file, line and field; nothing half-imported ----------------------------------
def _broken_copy(tmp_path: Path, line_number: int, column: int, value: str, name: str = "PPRRVU2025_Oct.csv") -> Path:
    rows = _csv_rows(shared_path(PPRRVU25D_CSV))[:60]
    rows[line_number - 1][column] = value
    target = tmp_path / name
    with target.open("w", encoding="latin-1", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(rows)
    return target


@pytest.mark.parametrize(
    ("column", "value", "field", "words"),
    [
        (5, "1.3x", "WORK RVU", "not a number"),
        (0, "99.13", "HCPCS", "HCPCS/CPT code"),
        (3, "", "STATUS CODE", "status"),
        (24, "33.0000", "CONV FACTOR", "conversion factor"),
    ],
)
def test_bad_rows_name_file_line_and_field(tmp_path, column, value, field, words):
    broken = _broken_copy(tmp_path, 40, column, value)
    with pytest.raises(ImportFormatError) as info:
        import_fee_schedule(Store(tmp_path / "hhbill.db"), broken)
    assert info.value.location == {"file": str(broken), "line": 40, "field": field}
    assert words in info.value.message


def test_missing_column_and_unknown_file(tmp_path):
    rows = _csv_rows(shared_path(PPRRVU25D_CSV))[:30]
    for row in rows[5:10]:
        del row[5]  # drop the work RVU column from the stacked header and every row
    for row in rows[10:]:
        del row[5]
    target = tmp_path / "PPRRVU2025_Oct.csv"
    with target.open("w", encoding="latin-1", newline="") as handle:
        csv.writer(handle).writerows(rows)
    with pytest.raises(ImportFormatError) as info:
        import_fee_schedule(Store(tmp_path / "hhbill.db"), target)
    assert "work_rvu" in info.value.message and info.value.location["line"] == 10
    other = tmp_path / "notes.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(ImportFormatError) as info:
        import_fee_schedule(Store(tmp_path / "hhbill.db"), other)
    assert "PPRRVU" in info.value.message


def test_bad_zip5_record_names_its_line(tmp_path):
    lines = shared_path(ZIP5).read_text(encoding="latin-1").splitlines()[:50]
    lines[29] = lines[29][:2] + "3A801" + lines[29][7:]
    target = tmp_path / "ZIP5_OCT2025.txt"
    target.write_text("\r\n".join(lines) + "\r\n", encoding="latin-1")
    with pytest.raises(ImportFormatError) as info:
        import_fee_schedule(Store(tmp_path / "hhbill.db"), target)
    assert info.value.location == {"file": str(target), "line": 30, "field": "Zip Code"}


def test_a_failed_import_leaves_the_previous_database_intact(tmp_path):
    store = Store(tmp_path / "hhbill.db")
    import_fee_schedule(store, shared_path(GPCI25_CSV), release="2025A")
    before = list_releases(store)
    # a release folder whose GPCI file is fine but whose RVU file breaks on line 45
    folder = tmp_path / "rvu25d"
    folder.mkdir()
    (folder / "GPCI2025.csv").write_bytes(shared_path(GPCI25_CSV).read_bytes())
    (folder / "PPRRVU2025_Oct.csv").write_bytes(_broken_copy(tmp_path, 45, 10, "n/a").read_bytes())
    with pytest.raises(ImportFormatError):
        import_fee_schedule(store, folder)
    assert list_releases(store) == before
    assert store.execute("SELECT count(*) FROM rvu_release WHERE quarter='D'").fetchone()[0] == 0


def test_a_killed_import_leaves_the_previous_database_intact(tmp_path):
    db = tmp_path / "hhbill.db"
    store = Store(db)
    import_fee_schedule(store, shared_path(GPCI25_CSV), release="2025D")
    store.close()
    script = textwrap.dedent(
        f"""
        import os, signal
        from hhbill._store import Store
        from hhbill.rvu import import_fee_schedule

        def die(done, total):
            if done > 4000:  # part of the rows are written inside the open transaction
                os.kill(os.getpid(), signal.SIGKILL)

        import_fee_schedule(Store({str(db)!r}), {str(shared_path(PPRRVU25D_CSV))!r}, progress=die)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60, env=dict(os.environ))
    assert result.returncode == -9, result.stderr
    reopened = Store(db)
    assert [(r.kind, r.quarter) for r in list_releases(reopened)] == [("gpci", "D")]
    assert reopened.execute("SELECT count(*) FROM rvu_item").fetchone()[0] == 0
    # and the import then runs to the end
    assert import_fee_schedule(reopened, shared_path(PPRRVU25D_CSV)).files[0].status == "imported"
