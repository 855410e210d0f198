"""``hhbill batch scrub``: exit statuses like ``claim check``, a JSON summary, the three Parquet files."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from _x12_support import PRACTITIONERS, final_claim
from hhbill.cli import app
from hhbill.x12 import WriterSettings, claims_to_x12

runner = CliRunner()
SETTINGS = WriterSettings(payer_id="14011", practitioner_names=PRACTITIONERS)


def test_batch_scrub_writes_parquet_and_exits_like_claim_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HHBILL_DB", str(tmp_path / "hhbill.db"))
    folder = tmp_path / "in"
    folder.mkdir()
    bad = final_claim(2)
    bad.patient.mbi = "123"
    (folder / "claims.837").write_text(claims_to_x12([final_claim(1), bad], SETTINGS))
    args = ["batch", "scrub", str(folder), "--out", str(tmp_path / "out"), "--format", "json", "--today", "2026-06-01"]
    result = runner.invoke(app, args)
    assert result.exit_code == 3, result.output
    summary = json.loads(result.stdout)
    assert summary["claims"] == 2 and summary["claims_with_errors"] == 1 and summary["exit_status"] == 3
    claims = pq.read_table(tmp_path / "out" / "claims.parquet").to_pylist()
    assert [(c["ordinal"], c["error_count"] > 0) for c in claims] == [(1, False), (2, True)]
    assert pq.read_table(tmp_path / "out" / "files.parquet").to_pylist()[0]["status"] == "claims_with_errors"

    (folder / "notes.837").write_text("not an interchange")
    unreadable = runner.invoke(app, ["batch", "scrub", str(folder), "--out", str(tmp_path / "out"), "--no-ledger"])
    assert unreadable.exit_code == 1
    assert "1 unreadable" in unreadable.stdout


def test_batch_scrub_refuses_an_unknown_engine(tmp_path: Path) -> None:
    result = runner.invoke(app, ["batch", "scrub", str(tmp_path), "--out", str(tmp_path / "o"), "--engine", "spark"])
    assert result.exit_code == 2


def test_batch_scrub_of_nothing_and_into_an_unwritable_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HHBILL_DB", str(tmp_path / "hhbill.db"))
    (tmp_path / "empty").mkdir()
    nothing = runner.invoke(app, ["batch", "scrub", str(tmp_path / "empty"), "--out", str(tmp_path / "o"),
                                  "--engine", "dask", "--format", "json"])  # fmt: skip
    assert nothing.exit_code == 0 and json.loads(nothing.stdout)["files"] == 0
    assert pq.read_table(tmp_path / "o" / "claims.parquet").num_rows == 0
    (tmp_path / "file").write_text("x")
    blocked = runner.invoke(app, ["batch", "scrub", str(tmp_path / "empty"), "--out", str(tmp_path / "file" / "o")])
    assert blocked.exit_code == 1 and "cannot write the output folder" in blocked.output
    assert "Traceback" not in blocked.output
