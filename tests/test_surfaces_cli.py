"""``hhbill claim build --format pdf|html``, ``hhbill x12 show`` and ``hhbill claim check`` telling files apart
by content, through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hhbill.cli import app

STATIC = Path(__file__).resolve().parent.parent / "src" / "hhbill" / "static"
EXAMPLE = STATIC / "example_period.json"
SETTINGS = STATIC / "example_x12_settings.json"

runner = CliRunner()


def _run(db: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", str(db), *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "hhbill.db"


@pytest.fixture
def x12_file(tmp_path: Path, db: Path) -> Path:
    code, out, err = _run(db, "claim", "build", str(EXAMPLE), "--format", "x12", "--x12-settings", str(SETTINGS))
    assert code == 0, err
    path = tmp_path / "claims.txt"  # the name says nothing: the content does
    path.write_text(out)
    return path


def test_build_pdf_to_a_file(tmp_path: Path, db: Path) -> None:
    target = tmp_path / "claim.pdf"
    code, _, err = _run(db, "claim", "build", str(EXAMPLE), "--format", "pdf", "--output", str(target))
    assert code == 0, err
    assert target.read_bytes().startswith(b"%PDF-") and b"UB-04 0329" in target.read_bytes()


def test_build_pdf_needs_an_output_file(db: Path) -> None:
    code, out, err = _run(db, "claim", "build", str(EXAMPLE), "--format", "pdf")
    assert code == 1 and out == ""
    assert "option --output: a PDF is written to a file: give --output FILE.pdf" in err


def test_build_html_is_a_standalone_printable_page(db: Path) -> None:
    code, out, err = _run(db, "claim", "build", str(EXAMPLE), "--format", "html")
    assert code == 0, err
    assert out.startswith("<!doctype html>") and "<style>" in out and "@media print" in out
    assert 'data-fl="4">0329</div>' in out


def test_output_is_only_for_paper_formats(tmp_path: Path, db: Path) -> None:
    code, _, err = _run(db, "claim", "build", str(EXAMPLE), "--output", str(tmp_path / "x.json"))
    assert code == 1 and "--output is for --format pdf or html" in err


def test_x12_show_text_json_and_ub04(x12_file: Path, db: Path) -> None:
    code, out, err = _run(db, "x12", "show", str(x12_file))
    assert code == 0, err
    assert "type of bill   0329  Final claim for an HH PPS period" in out and "    1. 0023 1FC21" in out
    code, out, err = _run(db, "x12", "show", str(x12_file), "--format", "json")
    assert code == 0, err
    inputs = json.loads(out)
    assert isinstance(inputs, list) and len(inputs) == 1 and inputs[0]["hipps"] == "1FC21"
    code, out, _ = _run(db, "x12", "show", str(x12_file), "--format", "ub04")
    assert code == 0 and "FL 4   Type of bill: 0329" in out


def test_x12_show_edit_and_write_back(tmp_path: Path, x12_file: Path, db: Path) -> None:
    settings = tmp_path / "settings.json"
    code, out, err = _run(db, "x12", "show", str(x12_file), "--format", "json", "--claim", "1",
                          "--settings-out", str(settings))  # fmt: skip
    assert code == 0, err
    claim_input = json.loads(out)
    claim_input["lines"][1]["charge"] = "199.00"
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(claim_input))
    code, written, err = _run(db, "x12", "write", str(edited), "--settings", str(settings))
    assert code == 0, err
    again = tmp_path / "again.837"
    again.write_text(written)
    code, out, _ = _run(db, "x12", "show", str(again), "--format", "json", "--claim", "1")
    assert json.loads(out)["lines"][1]["charge"] == "199.00"
    assert {k: v for k, v in json.loads(out).items() if k != "lines"} == {
        k: v for k, v in claim_input.items() if k != "lines"
    }


def test_x12_show_names_a_claim_number_past_the_end(x12_file: Path, db: Path) -> None:
    code, _, err = _run(db, "x12", "show", str(x12_file), "--claim", "2")
    assert code == 1 and "option --claim: the file holds 1 claim(s), not 2" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"\n  \n", "is empty"),
        (b"NAME,DATE\nx,y\n", "is not an 837I or claim JSON file"),
        (b'{"type_of_bill": "0329", ', "stops before it is complete"),
    ],
)
def test_claim_check_goes_by_content(tmp_path: Path, db: Path, content: bytes, message: str) -> None:
    path = tmp_path / "claims.837"  # an 837I by its name, not by its content
    path.write_bytes(content)
    code, _, err = _run(db, "claim", "check", str(path))
    assert code == 1 and message in err
    assert "Expecting" not in err and "(file)" not in err


def test_claim_check_reads_an_837i_whatever_its_name(x12_file: Path, db: Path) -> None:
    code, out, err = _run(db, "claim", "check", str(x12_file), "--format", "json")
    assert code == 0, err + out
    assert json.loads(out)["summary"]["claims"] == 1


def test_x12_show_ub04_as_a_pdf(tmp_path: Path, db: Path) -> None:
    code, out, err = _run(db, "claim", "build", str(EXAMPLE), "--format", "x12", "--x12-settings", str(SETTINGS))
    claim_file = tmp_path / "one.837"
    claim_file.write_text(out)
    target = tmp_path / "claims.pdf"
    code, _, err = _run(db, "x12", "show", str(claim_file), "--format", "ub04", "--output", str(target))
    assert code == 0, err
    assert target.read_bytes().startswith(b"%PDF-") and b"UB-04 0329 PCN-0001" in target.read_bytes()
    code, _, err = _run(db, "x12", "show", str(claim_file), "--output", str(target))
    assert code == 1 and "--output is for --format ub04" in err
