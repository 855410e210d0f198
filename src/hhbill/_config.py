"""The settings of hhbill, read once at the edge.

This is the one module of the core that reads the environment. An interface (the CLI's root command, the web
app factory) calls :meth:`Settings.from_env` once and hands the result to the application object
(:class:`hhbill.app.Hhbill`), which passes explicit values down; the domain packages never look at
``os.environ``. The web service's own limits (rate limit, CORS, API-key requirement) are read the same way by
``hhbill.web.Settings.from_env``.

=========================  ===========================================================================
``HHBILL_DB``              database file (default ``$XDG_DATA_HOME/hhbill/hhbill.db``)
``HHBILL_LEDGER_URL``      PostgreSQL claim ledger (``postgresql://...``); default: in the SQLite store
``HHBILL_X12_SETTINGS``    837I writer settings JSON used when a command names none (docs/X12.md)
``HHBILL_HCPCS_URL``       URL template of the quarterly HCPCS zip (``{month}``, ``{year}``) for ``data update``
=========================  ===========================================================================
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DB_ENV",
    "HCPCS_URL_ENV",
    "LEDGER_URL_ENV",
    "X12_SETTINGS_ENV",
    "Settings",
    "default_db_path",
    "resolve_db_path",
]

DB_ENV = "HHBILL_DB"
LEDGER_URL_ENV = "HHBILL_LEDGER_URL"
X12_SETTINGS_ENV = "HHBILL_X12_SETTINGS"
HCPCS_URL_ENV = "HHBILL_HCPCS_URL"
LEDGER_KEY_FILE_ENV = "HHBILL_LEDGER_KEY_FILE"


@dataclass(frozen=True)
class Settings:
    """What the application needs to know about its surroundings. Every field has a usable default."""

    #: the SQLite database (None: the per-user default)
    db_path: Path | None = None
    #: the claim ledger in PostgreSQL (None: a table in the SQLite store)
    ledger_url: str | None = None
    #: 837I writer settings JSON used when a caller names none (None: the example settings)
    x12_settings: Path | None = None
    #: URL template of the quarterly HCPCS zip (None: the CMS address)
    hcpcs_url: str | None = None
    #: the claim ledger's MBI hashing key file (None: ``<database>.ledger-key``)
    ledger_key_file: Path | None = None

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, db_path: str | os.PathLike[str] | None = None
    ) -> Settings:
        """The settings named by ``HHBILL_*`` variables; an explicit ``db_path`` (``--db``) wins over ``HHBILL_DB``."""
        env = os.environ if environ is None else environ
        return cls(
            db_path=resolve_db_path(db_path, env),
            ledger_url=env.get(LEDGER_URL_ENV) or None,
            x12_settings=Path(env[X12_SETTINGS_ENV]) if env.get(X12_SETTINGS_ENV) else None,
            hcpcs_url=env.get(HCPCS_URL_ENV) or None,
            ledger_key_file=Path(env[LEDGER_KEY_FILE_ENV]) if env.get(LEDGER_KEY_FILE_ENV) else None,
        )


def default_db_path(environ: Mapping[str, str] | None = None) -> Path:
    """Per-user default: ``$XDG_DATA_HOME/hhbill/hhbill.db`` (``~/.local/share/hhbill/hhbill.db``)."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "hhbill" / "hhbill.db"


def resolve_db_path(explicit: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """``--db`` wins, then ``$HHBILL_DB``, then the per-user default."""
    if explicit:
        return Path(explicit)
    env = os.environ if environ is None else environ
    if env.get(DB_ENV):
        return Path(env[DB_ENV])
    return default_db_path(env)
