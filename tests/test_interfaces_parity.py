"""One application core, thin interfaces: the CLI and the API give the same JSON for the same question.

The CLI runs in-process through Typer's runner, the API through httpx.ASGITransport, both over one database
holding the real January 2026 HCPCS release and the July 2026 fee schedule (so code pages carry their RVU
section).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from claims_scenarios.support import PERIOD, fresh, import_hcpcs
from conftest import REPO, shared_path
from hhbill import rvu
from hhbill.cli import app as cli_app
from hhbill.web import Settings, create_app

pytestmark = pytest.mark.anyio
runner = CliRunner()
AS_OF = "2026-03-15"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("parity")
    store = import_hcpcs(shared_path, folder)
    rvu.import_fee_schedule(store, shared_path("data/mpfs/rvu26c"))
    store.close()
    return folder / "hcpcs.db"


@pytest.fixture
async def client(db: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(db, settings=Settings(rate_limit=0, require_api_key=False))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hhbill.test") as client:
        yield client


def cli_json(db: Path, *args: str, ok_exit: tuple[int, ...] = (0,)) -> Any:
    result = runner.invoke(cli_app, ["--db", str(db), *args])
    assert result.exit_code in ok_exit, result.output
    return json.loads(result.stdout)


async def test_code_page_with_its_rvu_section_is_the_same_from_cli_and_api(db: Path, client: httpx.AsyncClient) -> None:
    for code in ("G0320", "G0011", "G0151", "GP"):
        from_cli = cli_json(db, "code", code, "--as-of", AS_OF, "--format", "json")
        response = await client.get(f"/api/v1/codes/{code}", params={"as_of": AS_OF})
        assert response.status_code == 200
        assert from_cli == response.json()
    # the fee schedule section is there for a code the fee schedule prices (it used to be web-only)
    priced = cli_json(db, "code", "G0011", "--as-of", AS_OF, "--format", "json")
    assert priced["rvu"]["fee_schedule"]["code"] == "G0011"


async def test_search_is_the_same_from_cli_and_api(db: Path, client: httpx.AsyncClient) -> None:
    for query, extra_cli, extra_api in (
        ("home health aide visit", [], {}),
        ("G03", ["--limit", "5"], {"limit": 5}),
        (
            "physical therapy",
            ["--kind", "procedure", "--include-terminated"],
            {"kind": "procedure", "include_terminated": "true"},
        ),
    ):
        from_cli = cli_json(db, "search", query, "--as-of", AS_OF, "--format", "json", *extra_cli)
        response = await client.get("/api/v1/search", params={"q": query, "as_of": AS_OF, **extra_api})
        assert response.status_code == 200
        assert from_cli == response.json()
        assert from_cli["results"], query


async def test_claim_check_is_the_same_from_cli_and_api(db: Path, client: httpx.AsyncClient, tmp_path: Path) -> None:
    clean = fresh(PERIOD)
    broken = fresh(PERIOD)
    broken["visits"][0]["minutes"] = 5000  # a finding (or an input error) must come out the same way too
    for name, period in (("clean", clean), ("broken", broken)):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(period), encoding="utf-8")
        result = runner.invoke(
            cli_app, ["--db", str(db), "claim", "check", str(path), "--format", "json", "--no-ledger", "--today", AS_OF]
        )
        response = await client.post("/api/v1/claims/check", params={"ledger": "false", "today": AS_OF}, json=period)
        if response.status_code == 200:
            assert result.exit_code in (0, 3), result.output
            assert json.loads(result.stdout) == response.json()
            assert (result.exit_code == 0) == response.json()["ok"]
        else:  # bad input: both refuse it, naming the same field
            assert result.exit_code == 1 and response.status_code == 422
            assert response.json()["error"]["field"] in result.output


def test_help_loads_no_interface_or_domain_package_it_does_not_use() -> None:
    """``hhbill --help`` lists every command without importing the web framework or any use case's package."""
    probe = (
        "import sys\n"
        "from hhbill.cli import main\n"
        "sys.argv = ['hhbill', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('fastapi', 'starlette', 'uvicorn', 'hhbill.app', 'hhbill.hcpcs', 'hhbill.search', 'hhbill.rvu',\n"
        "         'hhbill.claims', 'hhbill.x12', 'hhbill.web', 'rapidfuzz', 'jinja2')\n"
        "print(sorted({m.split('.')[0] if not m.startswith('hhbill') else '.'.join(m.split('.')[:2])\n"
        "              for m in sys.modules if m.startswith(heavy)}))\n"
    )
    env = {"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin", "COLUMNS": "100"}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True)
    assert "search" in done.stdout and "claim" in done.stdout  # the help did list the commands
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_code_command_loads_neither_the_web_nor_x12(tmp_path: Path) -> None:
    """The explained code page reads the search vocabulary and the claims rules, but never needs the web service,
    the X12 reader or a template engine for its JSON."""
    probe = (
        "import sys\n"
        "from hhbill.cli import main\n"
        "sys.argv = ['hhbill', 'code', 'G0320', '--format', 'json']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith(('fastapi', 'starlette', 'uvicorn', 'jinja2',"
        " 'hhbill.x12', 'hhbill.web'))))\n"
    )
    env = {"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin", "HHBILL_DB": str(tmp_path / "fresh.db")}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True)
    assert '"code": "G0320"' in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"
