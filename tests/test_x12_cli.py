"""``hhbill x12 check`` / ``hhbill x12 write`` and the scrub helpers the claim commands use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from _x12_support import PRACTITIONERS, final_claim, pyx12_errors
from conftest import shared_path
from hhbill._errors import ConfigError
from hhbill.claims import CheckResult, Finding
from hhbill.cli import app
from hhbill.x12 import WriterSettings, claims_to_x12
from hhbill.x12._scrub import (
    load_writer_settings,
    looks_like_x12,
    scrub_file,
    scrub_report_text,
    scrub_summary_table,
)
from test_x12_reader import SYNTHETIC

runner = CliRunner()


def _flag_therapy_lines(claim) -> CheckResult:  # type: ignore[no-untyped-def]
    """A checker with a known answer: an error for every 042X line (so the report is predictable)."""
    findings = [
        Finding("test-therapy", "error", "therapy line", "none", "test", None, index)
        for index, line in enumerate(claim.lines)
        if line.revenue_code.startswith("042")
    ]
    return CheckResult(findings, claim.type_of_bill, 1)


def test_scrub_file_reports_per_claim() -> None:
    report = scrub_file(shared_path(SYNTHETIC), _flag_therapy_lines)
    assert report.error is None and not report.issues
    assert [c.patient_control_number for c in report.claims] == ["PCN0000000", "PCN0000001", "PCN0000002"]
    assert [c.result.counts()["error"] for c in report.claims] == [1, 2, 1]  # 0421 lines per claim in the file
    summary = report.summary()
    assert summary["claims"] == 3 and summary["claims_with_errors"] == 3 and summary["findings"]["error"] == 4
    table = scrub_summary_table(report)
    assert table.splitlines()[2].split()[:4] == ["1", "PCN0000000", "PCN0000000", "0329"]
    text = scrub_report_text(report)
    assert "DOE0" not in text and "1EG4TE5MK00" not in text  # no patient data in reports
    assert "[line 3]" in text


def test_scrub_file_keeps_claims_read_before_a_structure_error(tmp_path: Path) -> None:
    text = shared_path(SYNTHETIC).read_text()
    damaged = tmp_path / "damaged.837"
    damaged.write_text(text.replace("HL*4*1*22*0", "HL*4*9*22*0"))
    report = scrub_file(damaged, _flag_therapy_lines)
    assert len(report.claims) == 2
    assert report.error is not None and report.error.location["segment_id"] == "HL"
    assert not report.ok and report.summary()["structure_error"]["element"] == 2


def test_lenient_scrub_lists_structure_issues() -> None:
    path = shared_path("corpora/x12/837i/lfh_ppo-repriced-claim.837i")
    assert scrub_file(path, _flag_therapy_lines).error is not None
    report = scrub_file(path, _flag_therapy_lines, strict=False)
    assert report.error is None and len(report.claims) == 1
    assert [i.location["segment_id"] for i in report.issues] == ["ST", "CLM"]
    assert report.to_dict()["claims"][0]["structure_issues"][0]["segment_id"] == "CLM"


def test_cli_check_formats_and_exit_status(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HHBILL_DB", str(tmp_path / "hhbill.db"))
    path = tmp_path / "clean.837"
    claim = final_claim(0)
    path.write_text(claims_to_x12([claim], WriterSettings(payer_id="14011", practitioner_names=PRACTITIONERS)))
    result = runner.invoke(app, ["x12", "check", str(path), "--format", "json"])
    data = json.loads(result.stdout)
    assert data["summary"]["claims"] == 1
    assert data["claims"][0]["patient_control_number"] == claim.patient_control_number
    assert result.exit_code == (0 if data["claims"][0]["ok"] else 3)
    table = runner.invoke(app, ["x12", "check", str(path), "--format", "table"])
    assert "PCN0000000" in table.stdout and "1 claim(s)" in table.stdout

    broken = runner.invoke(
        app, ["x12", "check", str(shared_path("corpora/x12/837i/negative/dbx_malformed_CC_837I_EDI.txt"))]
    )
    assert broken.exit_code == 1 and "ISA" in broken.stdout
    strict = runner.invoke(app, ["x12", "check", str(shared_path("corpora/x12/837i/lfh_institutional-claim.837i"))])
    assert strict.exit_code == 1 and "ST03" in strict.stdout
    lenient = runner.invoke(
        app,
        [
            "x12",
            "check",
            "--lenient",
            "--format",
            "json",
            str(shared_path("corpora/x12/837i/lfh_institutional-claim.837i")),
        ],
    )
    assert json.loads(lenient.stdout)["summary"]["structure_issues"] == 1


def test_writer_settings_file_and_x12_sniffing(tmp_path: Path) -> None:
    settings_path = tmp_path / "x12.json"
    settings_path.write_text(
        json.dumps(
            {
                "sender_id": "AGENCY1",
                "payer_id": "14011",
                "practitioner_names": {"1245319599": ["SMITH", "J"]},
                "created": "2026-02-10T12:00:00",
                "usage": "P",
            }
        )
    )
    settings = load_writer_settings(settings_path)
    assert settings.sender_id == "AGENCY1" and settings.practitioner_names["1245319599"] == ("SMITH", "J")
    assert settings.created is not None and settings.created.year == 2026
    settings_path.write_text(json.dumps({"sender": "X"}))
    with pytest.raises(ConfigError, match="unknown key"):
        load_writer_settings(settings_path)
    assert looks_like_x12(shared_path(SYNTHETIC))
    assert looks_like_x12(shared_path("corpora/x12/837i/oop_Spec_3.1.1.txt"))  # BOM + indentation
    assert not looks_like_x12(settings_path)
    assert not looks_like_x12(tmp_path / "missing.837")


@pytest.mark.parametrize(
    "bad",
    [
        {"interchange_control_number": "12"},
        {"usage": True},
        {"created": "yesterday"},
        {"practitioner_names": {"1245319599": "SMITH"}},
    ],
)
def test_writer_settings_file_values_are_checked(tmp_path: Path, bad: dict) -> None:  # type: ignore[type-arg]
    path = tmp_path / "x12.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(ConfigError, match=next(iter(bad))):
        load_writer_settings(path)


@pytest.mark.parametrize(
    "change",
    [{"sender_id": "A" * 16}, {"usage": "X"}, {"interchange_control_number": 0}, {"max_claims_per_transaction": 0}],
)
def test_writer_refuses_envelope_values_it_cannot_write(change: dict) -> None:  # type: ignore[type-arg]
    settings = WriterSettings(payer_id="14011", practitioner_names=PRACTITIONERS, **change)
    with pytest.raises(ConfigError):
        claims_to_x12([final_claim(0)], settings)


def test_cli_write_builds_and_writes_an_837i(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from claims_scenarios.support import ATTENDING_NPI, CERTIFYING_NPI, PERIOD, fresh
    from hhbill.x12 import read_claims
    from test_x12_writer import X12_COMPLETION

    monkeypatch.setenv("HHBILL_DB", str(tmp_path / "hhbill.db"))
    period = fresh(PERIOD)
    period.update(fresh(X12_COMPLETION))
    input_path = tmp_path / "period.json"
    input_path.write_text(json.dumps(period))
    settings_path = tmp_path / "x12.json"
    names = {ATTENDING_NPI: ["SMITH", "JOHN"], CERTIFYING_NPI: ["JONES", "MARY"]}
    settings_path.write_text(json.dumps({"payer_id": "14011", "practitioner_names": names, "sender_id": "AGENCY1"}))
    out = tmp_path / "out.837"
    result = runner.invoke(app, ["x12", "write", str(input_path), "--settings", str(settings_path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    (parsed,) = read_claims(out)
    assert parsed.claim.patient_control_number == period["patient_control_number"]
    assert parsed.envelope.isa[6].strip() == "AGENCY1"
    missing = runner.invoke(app, ["x12", "write", str(input_path)])  # no payer id, no practitioner names
    assert missing.exit_code == 1 and "payer id" in missing.output


def test_the_shipped_example_builds_into_an_837i_pyx12_accepts(tmp_path: Path) -> None:
    """The example a biller meets first (static/example_period.json + example_x12_settings.json) goes all the way."""
    static = Path(__file__).resolve().parent.parent / "src" / "hhbill" / "static"
    result = CliRunner().invoke(
        app,
        [
            "--db",
            str(tmp_path / "db.sqlite"),
            "claim",
            "build",
            str(static / "example_period.json"),
            "--format",
            "x12",
            "--x12-settings",
            str(static / "example_x12_settings.json"),
        ],
    )
    assert result.exit_code == 0, result.output
    out = tmp_path / "example.837"
    out.write_text(result.output)
    assert result.output.startswith("ISA*") and "CLM*PCN-0001*" in result.output
    assert pyx12_errors(out) == []
