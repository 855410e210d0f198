"""``hhbill apikey create|list|revoke`` and ``hhbill serve`` (started on the embedded default release)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from hhbill import hcpcs
from hhbill._store import Store
from hhbill.cli import app
from hhbill.web import verify_api_key

runner = CliRunner()


def test_apikey_create_prints_the_key_once_and_stores_only_its_hash(db_path: Path) -> None:
    created = runner.invoke(app, ["--db", str(db_path), "apikey", "create", "--name", "front desk", "--format", "json"])
    assert created.exit_code == 0, created.output
    data = json.loads(created.stdout)
    assert data["name"] == "front desk" and data["key"].startswith(f"hhb_{data['prefix']}_")
    with Store(db_path) as store:
        assert verify_api_key(store, data["key"]).id == data["id"]
        assert data["key"].split("_", 2)[2] not in db_path.read_bytes().decode("latin-1")

    listed = runner.invoke(app, ["--db", str(db_path), "apikey", "list", "--format", "json"])
    keys = json.loads(listed.stdout)["keys"]
    assert [(k["name"], k["active"]) for k in keys] == [("front desk", True)]
    assert "key" not in keys[0] and data["key"] not in listed.stdout

    revoked = runner.invoke(app, ["--db", str(db_path), "apikey", "revoke", data["prefix"]])
    assert revoked.exit_code == 0 and "revoked" in revoked.stdout
    listed = runner.invoke(app, ["--db", str(db_path), "apikey", "list"])
    assert "revoked" in listed.stdout
    missing = runner.invoke(app, ["--db", str(db_path), "apikey", "revoke", "nope"])
    assert missing.exit_code == 2


def test_apikey_create_text_output_tells_to_store_it(db_path: Path) -> None:
    created = runner.invoke(app, ["--db", str(db_path), "apikey", "create"])
    assert created.exit_code == 0
    first_line = created.stdout.splitlines()[0]
    assert first_line.startswith("hhb_") and "not shown again" in created.stdout


def test_serve_loads_the_embedded_default_and_runs_uvicorn(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    started: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.update(app=app, **options))
    result = runner.invoke(
        app,
        [
            "serve",
            "--db",
            str(db_path),
            "--port",
            "8123",
            "--rate-limit",
            "0",
            "--cors-origin",
            "https://billing.example",
            "--workers",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert started["port"] == 8123 and started["host"] == "127.0.0.1" and started["access_log"] is False
    served = started["app"]
    assert served.state.settings.rate_limit == 0
    assert served.state.settings.cors_origins == ("https://billing.example",)
    with Store(db_path) as store:
        releases = hcpcs.HcpcsReference(store).releases()
        assert len(releases) == 1 and "embedded" in releases[0].label
    # a second start finds the release and loads nothing more; off loopback, by default one worker per core
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    started.clear()
    runner.invoke(app, ["serve", "--db", str(db_path), "--host", "0.0.0.0"])
    with Store(db_path) as store:
        assert len(hcpcs.HcpcsReference(store).releases()) == 1
    assert started["workers"] == 4 and started["factory"] is True and started["app"] == "hhbill.web._app:create_app"
    assert "HHBILL_MAX_HEADER_BYTES" not in os.environ  # the workers' environment is not left behind


def test_serve_refuses_a_wildcard_origin(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda app, **options: None)
    result = runner.invoke(app, ["serve", "--db", str(db_path), "--cors-origin", "*"])
    assert result.exit_code == 1 and "wildcard" in result.output
