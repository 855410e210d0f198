"""The ledger key file's place is a setting read at the edge (``HHBILL_LEDGER_KEY_FILE`` into ``Settings``) and
handed down by the application object: the library reads no environment."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from hhbill._config import Settings
from hhbill.app import Hhbill
from hhbill.claims import parse_claim_input


def _claim():  # type: ignore[no-untyped-def]
    return parse_claim_input(
        {
            "type_of_bill": "0329",
            "from": "2026-01-05",
            "through": "2026-02-03",
            "patient": {"mbi": "1EG4TE5MK73", "last_name": "Doe", "first_name": "Jane"},
            "provider": {"npi": "1234567893"},
            "lines": [{"revenue_code": "0023", "hcpcs": "1AA11", "units": 1, "date": "2026-01-05"}],
        }
    )


def test_the_configured_key_file_holds_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db, elsewhere = tmp_path / "hhbill.db", tmp_path / "keys" / "ledger.key"
    elsewhere.parent.mkdir()
    monkeypatch.setenv("HHBILL_LEDGER_KEY_FILE", "/nowhere/the/library/must/not/read/it")
    settings = Settings.from_env({"HHBILL_LEDGER_KEY_FILE": str(elsewhere)}, db_path=db)
    assert settings.ledger_key_file == elsewhere
    app = Hhbill(settings=settings)
    ledger = app.open_ledger()
    hashed = ledger.beneficiary_key(_claim())
    ledger.close()
    assert elsewhere.exists() and stat.S_IMODE(elsewhere.stat().st_mode) == 0o600
    assert not Path(f"{db}.ledger-key").exists()
    # the same key next time, so earlier claims still match
    assert Hhbill(settings=settings).open_ledger().beneficiary_key(_claim()) == hashed


def test_without_the_setting_the_key_sits_beside_the_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HHBILL_LEDGER_KEY_FILE", str(tmp_path / "ignored.key"))
    db = tmp_path / "hhbill.db"
    Hhbill(settings=Settings.from_env({}, db_path=db)).open_ledger().close()
    assert Path(f"{db}.ledger-key").exists() and not (tmp_path / "ignored.key").exists()
