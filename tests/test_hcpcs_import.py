"""The HCPCS readers and the versioned, atomic importer, on the real CMS files in ../shared/data/hcpcs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest

from conftest import shared_path
from hhbill import hcpcs
from hhbill._errors import ImportFormatError, NotFoundError, StoreError
from hhbill._store import Store

JAN26_TXT = "data/hcpcs/2026_jan/HCPC2026_JAN_ANWEB_01122026.txt"
JAN26_XLSX = "data/hcpcs/2026_jan/HCPC2026_JAN_ANWEB_01122026.xlsx"
JAN26_ZIP = "data/hcpcs/2026_jan/january-2026-alpha-numeric-hcpcs-file.zip"
#: found by this diff and checked by hand in both XLSX files — real changes CMS's report does not list:
#: J1572 lost its ASC group "YY" (and ASC date 2008-01-01); J3290's multiple pricing indicator went A -> 9.
PAYMENT_CHANGES_CMS_DID_NOT_REPORT = {"J1572", "J3290"}
OCT25_XLSX = "data/hcpcs/2025_oct_xlsx_only/HCPC2025_OCT_ANWEB.xlsx"
Y2020_ZIP = "data/hcpcs/2020_annual/2020-Alpha-Numeric-HCPCS-File.zip"
Y2020_TXT = "data/hcpcs/2020_annual/HCPC2020_ANWEB_w_disclaimer.txt"
Y2020_XLS = "data/hcpcs/2020_annual/HCPC2020_ANWEB_w_disclaimer.xls"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> Store:
    """2020 annual (zip), Oct 2025 (XLSX) and Jan 2026 (zip) in one database."""
    store = Store(tmp_path_factory.mktemp("hcpcs") / "hhbill.db")
    for relative in (Y2020_ZIP, OCT25_XLSX, JAN26_ZIP):
        hcpcs.import_release(store, shared_path(relative))
    return store


# -- readers ------------------------------------------------------------------------------------------------------
def test_jan_2026_txt_counts_and_warnings():
    release = hcpcs.read_release(shared_path(JAN26_TXT))
    kinds = [r.kind for r in release.records]
    assert kinds.count("procedure") == 8623
    assert kinds.count("modifier") == 383
    assert release.effective_date == date(2026, 1, 1)
    # the over-long G9871 line and the blank last line are tolerated and reported
    assert any("line 9170" in w and "546 characters" in w for w in release.warnings)
    assert any("blank line" in w and "16615" in w for w in release.warnings)
    g9871 = next(r for r in release.records if r.code == "G9871")
    assert g9871.source_line == 9170 and g9871.long_description


def test_continuation_lines_join_into_the_long_description():
    records = {r.code: r for r in hcpcs.read_release(shared_path(JAN26_TXT)).records}
    assert records["G0321"].long_description == (
        "Home health services furnished using synchronous telemedicine rendered via telephone or other "
        "real-time interactive audio-only telecommunications system"
    )
    assert records["S9329"].long_description.endswith("per diem (do not use this code with s9330 or s9331)")
    # modifiers are first-class records (RIC 7/8), with their own continuation lines
    assert records["GP"].kind == "modifier"
    assert "physical therapy plan of care" in records["GP"].long_description.lower()


def test_txt_and_xlsx_editions_agree_except_where_cms_files_differ():
    txt = {(r.kind, r.code): r.content() for r in hcpcs.read_release(shared_path(JAN26_TXT)).records}
    xlsx = {(r.kind, r.code): r.content() for r in hcpcs.read_release(shared_path(JAN26_XLSX)).records}
    assert txt.keys() == xlsx.keys()
    differing: dict[str, set[str]] = {}
    for key in txt:
        for name, value in txt[key].items():
            if name != "sequence" and value != xlsx[key][name]:
                differing.setdefault(name, set()).add(key[1])
    # CMS's two editions of the same release really differ in these places (checked by hand): the XLSX leaves
    # ACT EFF DT blank for 117 long-standing codes, and lists a second pricing indicator for C9248.
    assert set(differing) == {"action_effective_date", "pricing_indicators"}
    assert len(differing["action_effective_date"]) == 117
    assert differing["pricing_indicators"] == {"C9248"}


def test_2020_annual_disclaimer_header_and_xls_edition():
    txt = hcpcs.read_release(shared_path(Y2020_TXT))
    assert txt.effective_date == date(2020, 1, 1)
    assert any("header line" in w for w in txt.warnings)
    xls = hcpcs.read_release(shared_path(Y2020_XLS))
    # the XLS edition keeps one row per TXT line (continuation rows too) and agrees field for field
    assert [r.content() | {"sequence": ""} for r in txt.records] == [
        r.content() | {"sequence": ""} for r in xls.records
    ]
    assert len(txt.records) == 6710 + 369


def test_processing_notes_are_read_and_linked():
    release = hcpcs.read_release(shared_path(JAN26_ZIP))
    assert "0082" in release.notes and "G0151" in release.notes["0082"].upper()
    assert "NOT VALID NOR PAYABLE BY MEDICARE" in release.notes["0088"]


# -- malformed input --------------------------------------------------------------------------------------------
def _first_lines(n: int) -> bytes:
    with shared_path(JAN26_TXT).open("rb") as handle:
        return b"".join(handle.readline() for _ in range(n))


def test_truncated_file_names_file_and_line(tmp_path):
    data = _first_lines(40)
    path = tmp_path / "HCPC2026_JAN_cut.txt"
    path.write_bytes(data[: len(data) - 200])  # cut inside the last record
    with pytest.raises(ImportFormatError) as err:
        hcpcs.read_release(path)
    assert err.value.location["file"] == path.name
    assert err.value.location["line"] == 40


def test_wrong_widths_rejected_with_field(tmp_path):
    lines = _first_lines(10).split(b"\r\n")
    lines[4] = b"X" + lines[4]  # shift one record right by a character
    path = tmp_path / "HCPC2026_JAN_shifted.txt"
    path.write_bytes(b"\r\n".join(lines))
    with pytest.raises(ImportFormatError) as err:
        hcpcs.read_release(path)
    assert err.value.location["line"] == 5
    assert "HCPC2026_JAN_shifted.txt" in str(err.value)


def test_random_bytes_rejected(tmp_path):
    path = tmp_path / "HCPC2026_JAN_noise.txt"
    path.write_bytes(os.urandom(5000))
    with pytest.raises(ImportFormatError) as err:
        hcpcs.read_release(path)
    assert err.value.location.get("file") == path.name
    broken_zip = tmp_path / "january-2026-alpha-numeric-hcpcs-file.zip"
    broken_zip.write_bytes(b"PK\x03\x04" + os.urandom(3000))
    with pytest.raises(ImportFormatError):
        hcpcs.read_release(broken_zip)
    bad_xlsx = tmp_path / "HCPC2026_JAN_ANWEB.xlsx"
    bad_xlsx.write_bytes(os.urandom(3000))
    with pytest.raises(ImportFormatError):
        hcpcs.read_release(bad_xlsx)


def test_unknown_effective_date_needs_override(tmp_path):
    path = tmp_path / "codes.txt"
    path.write_bytes(_first_lines(30))
    store = Store(tmp_path / "db.sqlite")
    with pytest.raises(ImportFormatError, match="--effective"):
        hcpcs.import_release(store, path)
    result = hcpcs.import_release(store, path, effective=date(2026, 1, 1))
    assert result.created and result.effective_date == "2026-01-01"


# -- versioned store ----------------------------------------------------------------------------------------------
def test_reimport_is_a_noop_and_other_edition_becomes_a_revision(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    first = hcpcs.import_release(store, shared_path(JAN26_ZIP))
    again = hcpcs.import_release(store, shared_path(JAN26_TXT))  # the same TXT, outside the zip
    assert first.created and not again.created and again.release_id == first.release_id
    xlsx = hcpcs.import_release(store, shared_path(JAN26_XLSX))
    # the XLSX edition really differs (see above), so it is kept as a revision; nothing is overwritten
    assert xlsx.created and xlsx.revision_of == first.release_id and "revision 2" in xlsx.label
    reference = hcpcs.HcpcsReference(store)
    assert [r.id for r in reference.releases()] == [first.release_id, xlsx.release_id]
    assert reference.release_on(date(2026, 2, 1)).id == xlsx.release_id
    count = store.execute("SELECT count(*) FROM hcpcs_code").fetchone()[0]
    assert count == 2 * (8623 + 383)


def test_as_of_lookup_across_2020_to_2026(loaded):
    reference = hcpcs.HcpcsReference(loaded)
    assert [r.effective_date for r in reference.releases()] == ["2020-01-01", "2025-10-01", "2026-01-01"]
    g0151 = reference.lookup("g0151", date(2020, 6, 1))
    assert g0151.release.effective_date == "2020-01-01" and g0151.status == "active"
    assert g0151.note_text and "plan of care" in g0151.note_text.lower()
    assert reference.lookup("G0320", date(2026, 3, 1)).release.effective_date == "2026-01-01"
    assert reference.lookup("G0320", date(2025, 11, 1)).release.effective_date == "2025-10-01"
    with pytest.raises(NotFoundError) as err:
        reference.lookup("G0320", date(2021, 5, 1))  # added 2023; the 2020 release is in force in 2021
    assert "2023-01-01" in str(err.value)
    with pytest.raises(NotFoundError, match="no HCPCS release in force"):
        reference.lookup("G0320", date(2019, 5, 1))
    old = reference.lookup("G0154", date(2020, 6, 1))
    assert old.status == "terminated" and old.record.termination_date == "2016-02-29"
    with pytest.raises(NotFoundError, match="not a HCPCS"):
        reference.lookup("'; DROP TABLE hcpcs_code; --")


def test_history_shows_field_changes(loaded):
    reference = hcpcs.HcpcsReference(loaded)
    events = reference.history("A2001")
    changed = [e for e in events if e["change"] == "changed"]
    assert changed
    fields = {c["field"] for e in changed for c in e["fields"]}
    assert {"long_description", "pricing_indicators"} <= fields
    last = next(c for c in changed[-1]["fields"] if c["field"] == "pricing_indicators")
    assert last == {"field": "pricing_indicators", "old": ["13"], "new": ["11"]}


def test_reused_code_shows_each_meaning(tmp_path):
    """A code whose descriptor CMS replaced with an unrelated one shows both meanings with their dates."""
    store = Store(tmp_path / "db.sqlite")
    base = _first_lines(1).decode("cp1252").rstrip("\r\n")
    old_line = base[:11] + "Wheelchair cushion, adjustable".ljust(80) + base[91:]
    new_line = base[:11] + "Remote glucose monitor supply".ljust(80) + base[91:]
    for name, line, effective in (("old.txt", old_line, date(2024, 1, 1)), ("new.txt", new_line, date(2025, 1, 1))):
        path = tmp_path / name
        path.write_text(line + "\r\n", encoding="cp1252")
        hcpcs.import_release(store, path, effective=effective)
    meanings = hcpcs.HcpcsReference(store).meanings(base[:5].strip())
    assert [m["first_release"]["effective_date"] for m in meanings] == ["2024-01-01", "2025-01-01"]
    assert meanings[1]["reused"] is True


# -- diff vs CMS's own transaction report ---------------------------------------------------------------------------
def test_diff_oct_2025_to_jan_2026_matches_cms_transaction_report(tmp_path):
    """Like-for-like (both XLSX editions); every difference from CMS's report is explained below."""
    from python_calamine import CalamineWorkbook

    store = Store(tmp_path / "db.sqlite")
    hcpcs.import_release(store, shared_path(OCT25_XLSX))
    hcpcs.import_release(store, shared_path(JAN26_XLSX))
    result = hcpcs.diff_releases(hcpcs.HcpcsReference(store), "2025-10", "2026-01")
    book = CalamineWorkbook.from_path(
        str(shared_path("data/hcpcs/2026_jan/HCPC2026_JAN_ANWEB_Transaction Report_12292025.xlsx"))
    )
    by_action = book.get_sheet_by_name("Changes by Action Code").to_python()[1:]
    report: dict[str, set[str]] = {}
    for row in by_action:
        report.setdefault(str(row[1]).strip(), set()).add(str(row[0]).strip())

    added = {a["code"] for a in result["added"]}
    terminated = {t["code"] for t in result["terminated"]}
    changed = {c["code"]: {f["field"] for f in c["changes"]} for c in result["changed"]}

    # 1. additions agree exactly
    assert added == report["ADD"]
    assert result["removed"] == []
    # 2. CMS lists 6 more discontinued codes: CDT dental D-codes, which the alpha-numeric files never carry
    extra_discontinued = report["Discontinued"] - terminated
    assert terminated <= report["Discontinued"]
    assert extra_discontinued == {"D1352", "D1705", "D1706", "D1707", "D1712", "D9248"}
    # 3. long description changes: CMS's 294, plus L6034 whose descriptor was corrected while the report says
    #    "No Change" (its action code went A -> N, which the report files under no change)
    ours_long = {code for code, fields in changed.items() if "long_description" in fields}
    assert report["Long Description Change"] <= ours_long
    assert ours_long - report["Long Description Change"] == {"L6034"}
    # 4. short description changes: CMS's one (J0759), plus codes the report files under another single
    #    category (the report gives each code one category only)
    ours_short = {code for code, fields in changed.items() if "short_description" in fields}
    assert report["Short Description Change"] <= ours_short
    assert not (ours_short - report["Short Description Change"]) & report["No Change"]
    # 5. payment changes: every code CMS reports has a pricing/ASC/MOG field change in our diff; ours has more
    #    because codes with a descriptor change are reported only as "Long Description Change"
    payment_fields = {
        "pricing_indicators",
        "multiple_pricing_indicator",
        "asc_group",
        "asc_effective_date",
        "mog_group",
        "mog_policy_indicator",
        "mog_effective_date",
        "anesthesia_base_units",
    }
    ours_payment = {code for code, fields in changed.items() if fields & payment_fields}
    assert report["Payment Change"] <= ours_payment
    # ... and two codes whose payment fields changed although CMS's report says "No Change"
    assert (ours_payment - report["Payment Change"]) & report["No Change"] == PAYMENT_CHANGES_CMS_DID_NOT_REPORT
    # 6. codes CMS calls "No Change" that differ in our diff: only bookkeeping (action code / action date),
    #    except the few above (L6034 descriptor, payment-field changes CMS did not report)
    unexplained = {
        code: fields
        for code, fields in changed.items()
        if code in report["No Change"] and not fields <= {"action", "action_effective_date"}
    }
    assert set(unexplained) <= {"L6034"} | (ours_payment & report["No Change"])


# -- atomicity under SIGKILL --------------------------------------------------------------------------------------
_KILLED_IMPORT = textwrap.dedent(
    """
    import sys, time
    from hhbill import hcpcs
    from hhbill._store import Store

    def stall(conn, release_id):
        # the rows are written but not committed: announce it, then wait to be killed
        print("INSIDE", flush=True)
        time.sleep(60)

    hcpcs.post_import_hooks.append(stall)
    hcpcs.import_release(Store(sys.argv[1]), sys.argv[2])
    """
)


def test_import_killed_half_way_leaves_previous_releases(tmp_path):
    db = tmp_path / "db.sqlite"
    store = Store(db)
    hcpcs.import_release(store, shared_path(OCT25_XLSX))
    before = store.execute("SELECT id, content_sha256 FROM hcpcs_release").fetchall()
    before_rows = store.execute("SELECT count(*) FROM hcpcs_code").fetchone()[0]
    store.close()
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLED_IMPORT, str(db), str(shared_path(JAN26_ZIP))],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "INSIDE"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    store = Store(db)
    assert store.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert [tuple(r) for r in store.execute("SELECT id, content_sha256 FROM hcpcs_release").fetchall()] == [
        tuple(r) for r in before
    ]
    assert store.execute("SELECT count(*) FROM hcpcs_code").fetchone()[0] == before_rows
    # and the next import of the same file goes through
    assert hcpcs.import_release(store, shared_path(JAN26_ZIP)).created


def test_import_into_readonly_database_changes_nothing(tmp_path):
    db = tmp_path / "db.sqlite"
    Store(db).close()
    hcpcs.HcpcsReference(Store(db))  # creates the tables
    readonly = Store(db, read_only=True)
    with pytest.raises(StoreError, match="read-only"):
        hcpcs.import_release(readonly, shared_path(JAN26_ZIP))
    assert Store(db).execute("SELECT count(*) FROM hcpcs_release").fetchone()[0] == 0


def test_store_reports_a_damaged_database_in_plain_words(tmp_path):
    db = tmp_path / "broken.db"
    db.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="damaged"):
        Store(db)


def test_cli_paths_are_reported_not_tracebacks(tmp_path: Path):
    from typer.testing import CliRunner

    from hhbill.cli import app

    runner = CliRunner()
    db = str(tmp_path / "db.sqlite")
    missing = runner.invoke(app, ["--db", db, "data", "import", str(tmp_path / "nope.txt")])
    assert missing.exit_code == 1
    assert "nope.txt" in missing.output and "Traceback" not in missing.output
