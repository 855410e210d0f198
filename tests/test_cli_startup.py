"""What a command loads at start-up, and that option values converted without typer's pydantic adapters still
convert and fail as before."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hhbill.cli import app

SRC = Path(__file__).resolve().parent.parent / "src"


def _modules_loaded(tmp_path: Path, *args: str) -> set[str]:
    """The modules a fresh process has loaded after running ``hhbill ARGS``."""
    script = (
        "import sys, json\n"
        "from hhbill.cli import app\n"
        f"try:\n    app({list(args)!r})\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write('\\nMODULES ' + json.dumps(sorted(sys.modules)))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC), "HHBILL_DB": str(tmp_path / "hhbill.db")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    return set(json.loads(done.stderr.rsplit("MODULES ", 1)[1]))


@pytest.mark.parametrize("args", [("code", "G0151", "--format", "json"), ("search", "aide visit", "--limit", "3")])
def test_a_command_loads_neither_pydantic_nor_what_it_does_not_use(tmp_path: Path, args: tuple[str, ...]) -> None:
    loaded = _modules_loaded(tmp_path, *args)
    assert "hhbill.app" in loaded  # the command ran
    assert not {name for name in loaded if name.split(".")[0] == "pydantic"}
    assert "typer._adapters" not in loaded
    # neither command needs the ledger, the 837I reader or the web wing
    assert not loaded & {"hhbill.claims._ledger", "hhbill.claims._timeline", "hhbill.x12", "hhbill.web", "jinja2"}


def test_help_loads_no_domain_package(tmp_path: Path) -> None:
    loaded = _modules_loaded(tmp_path, "--help")
    assert not loaded & {"hhbill.app", "hhbill.hcpcs", "hhbill.search", "hhbill.claims", "pydantic"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["code", "G0151", "--format", "xml"], "'--format': 'xml' is not one of 'text', 'json', 'html'"),
        (["search", "aide", "--limit", "many"], "Input should be a valid integer"),
        (["search", "aide", "--limit", "0"], "Input should be greater than or equal to 1"),
        (["search", "aide", "--limit", "501"], "Input should be less than or equal to 500"),
        (["search", "aide", "--kind", "drug"], "'drug' is not one of 'procedure', 'modifier'"),
    ],
)
def test_bad_option_values_are_usage_errors_naming_the_option(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["--db", str(tmp_path / "hhbill.db"), *args])
    assert result.exit_code == 2
    assert message in result.output


def test_good_option_values_convert(tmp_path: Path) -> None:
    db = tmp_path / "hhbill.db"
    result = CliRunner().invoke(app, ["--db", str(db), "search", "aide visit", "--limit", "2", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert len(data["results"]) == 2
    assert db.exists()  # --db converted to a path and used
