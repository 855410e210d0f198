"""The embedded SQLite store.

One file holds every imported reference release (HCPCS, fee schedule), the claim ledger, the procedure log and
API keys. Each feature module owns its tables and declares them with :meth:`Store.ensure_schema`; the store
only knows how to open, migrate and run atomic writes.

Why WAL: readers keep reading the previous state while an import runs, and an import that dies half-way
(SIGKILL, full disk) leaves the previous state intact, because nothing is visible before COMMIT.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ._config import resolve_db_path
from ._errors import StoreError

__all__ = ["Store", "open_store"]


class Store:
    """A connection to an hhbill database file (or ``:memory:``)."""

    def __init__(self, path: str | os.PathLike[str], *, read_only: bool = False) -> None:
        self.path = str(path)
        self.read_only = read_only
        self._schemas: set[str] = set()
        self._lock = threading.RLock()
        if self.path != ":memory:" and not read_only:
            try:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the folder for the database: {exc}", path=self.path) from exc
        try:
            if read_only:
                uri = f"file:{Path(self.path).resolve()}?mode=ro"
                self.conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
            else:
                self.conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            self.conn.row_factory = sqlite3.Row
            if self.path != ":memory:" and not read_only:
                self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            # Touch the file so a damaged database is reported now, in plain words, not on first use.
            self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"the database file cannot be opened ({exc}); it may be damaged or not an hhbill database. "
                "Restore it from a backup or move it aside to start fresh",
                path=self.path,
            ) from exc

    # -- schema -------------------------------------------------------------------------------------------
    def ensure_schema(self, name: str, ddl: str) -> None:
        """Create a feature's tables once per connection (``CREATE ... IF NOT EXISTS`` statements)."""
        if name in self._schemas:
            return
        with self._lock:
            if name in self._schemas:
                return
            if not self.read_only:
                try:
                    self.conn.executescript(ddl)
                except sqlite3.OperationalError as exc:
                    raise StoreError(f"cannot prepare the database ({exc})", path=self.path) from exc
            self._schemas.add(name)

    # -- writes ---------------------------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """An all-or-nothing write. ``BEGIN IMMEDIATE`` takes the write lock up front so two writers queue."""
        with self._lock:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreError(_explain(exc), path=self.path) from exc
            try:
                yield self.conn
            except sqlite3.OperationalError as exc:
                self.conn.execute("ROLLBACK")
                raise StoreError(_explain(exc), path=self.path) from exc
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            try:
                self.conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                self.conn.execute("ROLLBACK")
                raise StoreError(_explain(exc), path=self.path) from exc

    def execute(self, sql: str, params: tuple | dict = ()) -> sqlite3.Cursor:
        with self._lock:
            return self.conn.execute(sql, params)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _explain(exc: sqlite3.OperationalError) -> str:
    text = str(exc)
    if "readonly" in text or "read-only" in text:
        return "the database is read-only; nothing was changed"
    if "full" in text:
        return "the disk is full; nothing was changed"
    if "locked" in text or "busy" in text:
        return "the database is busy with another write; nothing was changed, try again"
    return f"the database refused the write ({text}); nothing was changed"


def open_store(db: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> Store:
    """Open the database chosen by ``db``, ``$HHBILL_DB`` or the per-user default."""
    return Store(resolve_db_path(db), read_only=read_only)
