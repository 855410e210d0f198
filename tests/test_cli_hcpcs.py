"""The HCPCS commands end to end through the real CLI (in-process), on the embedded default and real releases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import shared_path
from hhbill.cli import app

runner = CliRunner()
JAN26_ZIP = "data/hcpcs/2026_jan/january-2026-alpha-numeric-hcpcs-file.zip"


def run(db: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--db", str(db), *args])
    return result.exit_code, result.output


def test_fresh_install_serves_home_health_codes_from_the_embedded_default(tmp_path):
    db = tmp_path / "fresh.db"
    code, out = run(db, "code", "G0320", "--format", "json")
    assert code == 0, out
    page = json.loads(out)
    assert page["code"] == "G0320" and page["kind"] == "procedure"
    assert "embedded" in page["release"]["label"]
    code, out = run(db, "code", "GP", "--format", "json")
    assert code == 0 and json.loads(out)["kind"] == "modifier"
    code, out = run(db, "releases", "--format", "json")
    assert json.loads(out)["releases"][0]["source_format"] == "embedded"


def test_imported_release_replaces_the_embedded_default_for_answers(tmp_path):
    db = tmp_path / "db.sqlite"
    assert run(db, "code", "G0151")[0] == 0  # loads the embedded default
    code, out = run(db, "data", "import", str(shared_path(JAN26_ZIP)))
    assert code == 0, out
    assert "imported" in out and "revision" not in out
    code, out = run(db, "code", "A4295", "--as-of", "2026-02-01", "--format", "json")  # not a home health code
    assert code == 0, out
    assert json.loads(out)["release"]["label"] == "2026 January annual release"


@pytest.mark.parametrize("fmt", ["text", "html"])
def test_code_page_renderings(tmp_path, fmt):
    db = tmp_path / "db.sqlite"
    run(db, "data", "import", str(shared_path(JAN26_ZIP)))
    code, out = run(db, "code", "S9329", "--as-of", "2026-03-01", "--format", fmt)
    assert code == 0, out
    assert "S9330" in out and "S9331" in out  # the do-not-use-with exclusions
    assert "Not payable by Medicare" in out or "not payable by medicare" in out.lower()


def test_code_not_valid_on_date_exits_non_zero_with_dates(tmp_path):
    db = tmp_path / "db.sqlite"
    run(db, "data", "import", str(shared_path("data/hcpcs/2020_annual/2020-Alpha-Numeric-HCPCS-File.zip")))
    run(db, "data", "import", str(shared_path(JAN26_ZIP)))
    code, out = run(db, "code", "G0321", "--as-of", "2022-06-01")
    assert code == 2
    assert "2023-01-01" in out and "Traceback" not in out
    code, out = run(db, "code", "Z9999")
    assert code == 2 and "Z9999" in out
    code, out = run(db, "code", "G0321", "--as-of", "not-a-date")
    assert code == 1 and "--as-of" in out


def test_diff_and_history_commands(tmp_path):
    db = tmp_path / "db.sqlite"
    run(db, "data", "import", str(shared_path("data/hcpcs/2025_oct_xlsx_only/HCPC2025_OCT_ANWEB.xlsx")))
    run(db, "data", "import", str(shared_path("data/hcpcs/2026_jan/HCPC2026_JAN_ANWEB_01122026.xlsx")))
    code, out = run(db, "diff", "2025-10", "2026-01", "--format", "json")
    assert code == 0
    diff = json.loads(out)
    assert diff["summary"]["added"] == 160
    code, out = run(db, "history", "A2001")
    assert code == 0 and "pricing_indicators" in out and "'13'" in out
    code, out = run(db, "diff", "2019-01", "2026-01")
    assert code == 2 and "loaded releases" in out
