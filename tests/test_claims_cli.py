"""``hhbill claim build|check|ledger|case-mix`` through the hhbill command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from claims_scenarios.support import PERIOD, THERAPY, fresh, import_hcpcs
from conftest import shared_path
from hhbill.cli import app as hhbill_app
from hhbill.cli.claims import EXIT_CLAIM_HAS_ERRORS

runner = CliRunner()


def make_app() -> typer.Typer:
    return hhbill_app


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("clidb")
    import_hcpcs(shared_path, folder).close()
    return folder / "hcpcs.db"


def write(tmp_path: Path, data: dict[str, object], name: str = "input.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_build_formats(tmp_path: Path) -> None:
    app = make_app()
    path = write(tmp_path, fresh(PERIOD))
    result = runner.invoke(app, ["claim", "build", str(path)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["lines"][0]["hcpcs"] == "1FC21" and data["total_charge"] == "454.01"
    assert all(line["because"] for line in data["lines"])
    ub04 = runner.invoke(app, ["claim", "build", str(path), "--format", "ub04"])
    assert ub04.exit_code == 0
    for locator in ("FL 4", "FL 6", "FL 31-34", "FL 39-41", "FL 42", "FL 46", "FL 47"):
        assert locator in ub04.output
    assert "1EG4TE5MK73" not in ub04.output and "*******MK73" in ub04.output
    text = runner.invoke(app, ["claim", "build", str(path), "--format", "text"])
    assert "because:" in text.output


def test_check_text_json_and_exit_status(tmp_path: Path, db: Path) -> None:
    app = make_app()
    clean = write(tmp_path, fresh(PERIOD))
    result = runner.invoke(app, ["--db", str(db), "claim", "check", str(clean), "--today", "2026-06-01"])
    assert result.exit_code == 0, result.output
    assert "OK - 0 error(s)" in result.output
    bad = fresh(PERIOD)
    bad["oasis_assessment_date"] = None
    bad_path = write(tmp_path, bad, "bad.json")
    result = runner.invoke(app, ["--db", str(db), "claim", "check", str(bad_path), "--format", "json"])
    assert result.exit_code == EXIT_CLAIM_HAS_ERRORS
    data = json.loads(result.output)
    finding = next(f for f in data["findings"] if f["id"] == "oasis-oc50")
    assert finding["reason_code"] == "37253" and finding["severity"] == "error" and finding["line"] is None
    assert data["claim"]["type_of_bill"] == "0329"


def test_bad_input_is_one_line_not_a_traceback(tmp_path: Path, db: Path) -> None:
    data = fresh(PERIOD)
    data["visits"][2]["minutes"] = "twenty"
    result = runner.invoke(make_app(), ["--db", str(db), "claim", "check", str(write(tmp_path, data))])
    assert result.exit_code == 1
    assert "visits[2].minutes" in result.output and "Traceback" not in result.output
    result = runner.invoke(make_app(), ["claim", "build", str(tmp_path / "nope.json")])
    assert result.exit_code == 1 and "cannot read" in result.output


def test_record_then_duplicate_then_ledger_commands(tmp_path: Path, db: Path) -> None:
    app = make_app()
    path = write(tmp_path, fresh(THERAPY))
    args = ["--db", str(db), "claim", "check", str(path), "--today", "2026-06-01"]
    first = runner.invoke(app, [*args, "--record", "submitted"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, args)
    assert again.exit_code == EXIT_CLAIM_HAS_ERRORS and "duplicate-claim" in again.output and "38200" in again.output
    listing = runner.invoke(app, ["--db", str(db), "claim", "ledger", "list", "--format", "json"])
    entries = json.loads(listing.output)
    assert entries[0]["type_of_bill"] == "0341" and entries[0]["status"] == "submitted"
    removed = runner.invoke(app, ["--db", str(db), "claim", "ledger", "remove", str(entries[0]["id"])])
    assert removed.exit_code == 0
    assert runner.invoke(app, args).exit_code == 0
    missing = runner.invoke(app, ["--db", str(db), "claim", "ledger", "remove", "99999"])
    assert missing.exit_code == 2


def test_case_mix_command_enables_lupa(tmp_path: Path, db: Path) -> None:
    app = make_app()
    csv_path = tmp_path / "CY2026 HH PDGM Case-Mix Weights and LUPA Thresholds.csv"
    csv_path.write_text("HIPPS,Case-Mix Weight,LUPA Threshold\n1FC21,1.2345,5\n", encoding="utf-8")
    loaded = runner.invoke(app, ["--db", str(db), "claim", "case-mix", str(csv_path)])
    assert loaded.exit_code == 0 and "CY2026" in loaded.output and "1 HIPPS" in loaded.output
    period = write(tmp_path, fresh(PERIOD), "period.json")
    result = runner.invoke(
        app, ["--db", str(db), "claim", "check", str(period), "--today", "2026-06-01", "--no-ledger"]
    )
    assert "lupa-threshold" in result.output and "threshold of 5" in result.output


def test_edits_command_lists_the_catalog() -> None:
    result = runner.invoke(make_app(), ["claim", "edits", "--format", "json"])
    rows = json.loads(result.output)
    assert {r["id"] for r in rows} >= {"oasis-oc50", "vc85-fips", "duplicate-claim"}
    assert next(r for r in rows if r["id"] == "vc85-fips")["reason_code"] == "37257"
    text = runner.invoke(make_app(), ["claim", "edits"])
    assert "noa-late-whole-period" in text.output and "37364" in text.output


def test_ledger_import_then_timeline_text_and_json(tmp_path: Path) -> None:
    from claims_scenarios.support import MBI, NOA

    db = tmp_path / "timeline.db"
    past = write(tmp_path, {"claims": [fresh(NOA), {"status": "paid", "claim": fresh(PERIOD)}]}, "past.json")
    imported = runner.invoke(make_app(), ["--db", str(db), "claim", "ledger", "import", str(past)])
    assert imported.exit_code == 0, imported.output
    assert "2 claim(s) from past.json (JSON)" in imported.output
    text = runner.invoke(make_app(), ["--db", str(db), "claim", "timeline", MBI, "--today", "2026-03-20"])
    assert text.exit_code == 0, text.output
    assert "period 0329" in text.output and "early" in text.output and "2026-04-01  next period start" in text.output
    assert MBI not in text.output
    data = runner.invoke(
        make_app(), ["--db", str(db), "claim", "timeline", MBI, "--today", "2026-03-20", "--format", "json"]
    )
    found = json.loads(data.output)
    assert [i["kind"] for i in found["items"]] == ["admission", "noa", "period"]
    assert [i["status"] for i in found["items"]][1:] == ["submitted", "paid"]
    bad = runner.invoke(make_app(), ["--db", str(db), "claim", "timeline", "12345"])
    assert bad.exit_code == 1 and "field mbi" in bad.output


def test_check_record_keeps_the_findings_for_the_timeline(tmp_path: Path) -> None:
    from claims_scenarios.support import MBI

    db = tmp_path / "findings.db"
    data = fresh(PERIOD)
    data["attending_npi"] = "1234567890"
    path = write(tmp_path, data)
    checked = runner.invoke(make_app(), ["--db", str(db), "claim", "check", str(path), "--record", "checked"])
    assert checked.exit_code == EXIT_CLAIM_HAS_ERRORS
    found = json.loads(
        runner.invoke(make_app(), ["--db", str(db), "claim", "timeline", MBI, "--format", "json"]).output
    )
    period = next(i for i in found["items"] if i["kind"] == "period")
    assert period["status"] == "checked" and "practitioner-npi" in {f["id"] for f in period["findings"]}


def test_ledger_status_marks_a_claim_paid(tmp_path: Path) -> None:
    db = tmp_path / "status.db"
    path = write(tmp_path, fresh(PERIOD))
    recorded = runner.invoke(make_app(), ["--db", str(db), "claim", "ledger", "record", str(path)])
    entry = json.loads(recorded.output)
    paid = runner.invoke(make_app(), ["--db", str(db), "claim", "ledger", "status", str(entry["id"]), "paid"])
    assert paid.exit_code == 0 and json.loads(paid.output)["status"] == "paid"
    wrong = runner.invoke(make_app(), ["--db", str(db), "claim", "ledger", "status", str(entry["id"]), "lost"])
    assert wrong.exit_code == 2
    missing = runner.invoke(make_app(), ["--db", str(db), "claim", "ledger", "status", "999", "paid"])
    assert missing.exit_code == 2 and "no ledger entry #999" in missing.output


def test_ledger_import_of_an_837i_file(tmp_path: Path) -> None:
    """An 837I of past claims is read by the X12 reader (registered by hhbill.x12, which the command loads)."""
    from _x12_support import PRACTITIONERS, final_claim, replacement_claim
    from hhbill.x12 import WriterSettings, claims_to_x12

    path = tmp_path / "history.837"
    settings = WriterSettings(payer_id="14011", practitioner_names=PRACTITIONERS)
    path.write_text(claims_to_x12([final_claim(3), replacement_claim()], settings), encoding="utf-8")
    db = tmp_path / "x12.db"
    # a fresh process: nothing has imported hhbill.x12 before the command runs
    import os
    import subprocess
    import sys

    command = [sys.executable, "-m", "hhbill.cli", "--db", str(db), "claim", "ledger", "import", str(path)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run([*command, "--format", "json"], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["form"] == "837I" and data["recorded"] == 2
    assert data["entries"][0]["type_of_bill"] == "0329"
