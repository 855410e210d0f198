"""Where hhbill keeps its database."""

from __future__ import annotations

import os
from pathlib import Path

DB_ENV = "HHBILL_DB"


def default_db_path() -> Path:
    """Per-user default: ``$XDG_DATA_HOME/hhbill/hhbill.db`` (``~/.local/share/hhbill/hhbill.db``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "hhbill" / "hhbill.db"


def resolve_db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``--db`` wins, then ``$HHBILL_DB``, then the per-user default."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env)
    return default_db_path()
