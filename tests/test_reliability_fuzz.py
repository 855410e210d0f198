"""The short coverage-guided fuzz run (atheris), as part of the test suite.

``python fuzz/run.py --seconds 2`` runs every target (HCPCS TXT/XLSX/notes/zip, PPRRVU CSV/TXT, GPCI, ZIP5, 837I,
claim JSON, visit CSV, search query) for two seconds from the seed corpus. Any input breaking the invariant — an
exception other than a located HhbillError, a hang, runaway memory — fails this test and is saved, with the
fuzzer's log, under a temporary findings folder named in the failure. Findings already reported and waiting for
their owner's fix (``fuzz/targets.py`` KNOWN_OPEN, each with a strict-xfail test) are counted, not failed.
The long run is ``make fuzz`` (``python fuzz/run.py --seconds 60``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def test_short_fuzz_run_finds_nothing_new(tmp_path: Path) -> None:
    pytest.importorskip("atheris", reason="atheris (coverage-guided fuzzing) is not installed")
    findings = tmp_path / "findings"
    done = subprocess.run(
        [sys.executable, str(REPO / "fuzz" / "run.py"), "--seconds", "2", "--jobs", "1", "--findings", str(findings)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    report = "\n".join(done.stdout.splitlines()[:-1]) + done.stderr[-2000:]
    assert summary["findings"] == 0, f"new fuzz findings (inputs and logs kept in {findings}):\n{report}"
    assert summary["errors"] == 0, report
    assert done.returncode == 0, report
    # every target really ran: a target that cannot start would otherwise pass unnoticed
    assert all(t["runs"] > 0 for t in summary["per_target"]), report
    print(report)
