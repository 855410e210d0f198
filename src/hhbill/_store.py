"""The embedded SQLite store.

One file holds every imported reference release (HCPCS, fee schedule), the claim ledger, the procedure log and
API keys. Each feature module owns its tables and declares them with :meth:`Store.ensure_schema`; the store
only knows how to open, migrate and run atomic writes.

Why WAL: readers keep reading the previous state while an import runs, and an import that dies half-way
(SIGKILL, full disk) leaves the previous state intact, because nothing is visible before COMMIT.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
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
        self._verified: tuple[int, int] | None = None
        self._lock = threading.RLock()
        #: plain-words notes for the user about this database (e.g. an import a killed process left unfinished)
        self.notices: list[str] = []
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
        self._check_interrupted_operations()

    # -- interrupted operations ---------------------------------------------------------------------------
    def begin_operation(self, kind: str, source: str) -> int | None:
        """Note, in its own small committed transaction, that a long write (an import) is starting.

        The write itself marks the note done inside its own transaction (:meth:`finish_operation`), so a note
        left "started" by a process that no longer runs means the write was interrupted; the next open says so.
        """
        if self.read_only or self.path == ":memory:":
            return None
        self.ensure_schema("operations", _OPERATIONS_SCHEMA)
        with self.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO hhbill_operation (kind, source, started_at, pid, state) VALUES (?,?,?,?, 'started')",
                (kind, source, datetime.now(UTC).isoformat(timespec="seconds"), os.getpid()),
            )
        return int(cursor.lastrowid or 0)

    def finish_operation(self, conn: sqlite3.Connection, operation: int | None, state: str = "done") -> None:
        if operation is not None:
            conn.execute("UPDATE hhbill_operation SET state = ? WHERE id = ?", (state, operation))

    def fail_operation(self, operation: int | None) -> None:
        """The write failed and said so: nothing to report at the next start."""
        if operation is None:
            return
        try:
            with self.transaction() as conn:
                self.finish_operation(conn, operation, "failed")
        except StoreError:
            pass  # the database refuses writes; the note stays and the next start reports it

    def _check_interrupted_operations(self) -> None:
        if self.read_only or self.path == ":memory:":
            return
        try:
            exists = self.conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'hhbill_operation'"
            ).fetchone()
            if not exists:
                return
            rows = self.conn.execute(
                "SELECT id, kind, source, started_at, pid FROM hhbill_operation WHERE state = 'started'"
            ).fetchall()
            for row in rows:
                if row["pid"] != os.getpid() and _process_alive(row["pid"]):
                    continue  # another process is importing right now
                self.notices.append(
                    f"the {row['kind']} of {row['source']} started {row['started_at']} did not finish (the process "
                    "was stopped); nothing from it was kept, the database holds what it held before"
                )
                with self.conn:
                    self.conn.execute("UPDATE hhbill_operation SET state = 'reported' WHERE id = ?", (row["id"],))
        except sqlite3.DatabaseError:
            return  # a locked or read-only file: the notice waits for a later start

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
            except sqlite3.DatabaseError as exc:
                raise StoreError(_explain(exc), path=self.path) from exc
            try:
                yield self.conn
            except sqlite3.DatabaseError as exc:
                self._rollback()
                raise StoreError(_explain(exc), path=self.path) from exc
            except BaseException:
                self._rollback()
                raise
            try:
                self.conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                self._rollback()
                raise StoreError(_explain(exc), path=self.path) from exc

    def _rollback(self) -> None:
        # after SQLITE_FULL or an I/O error SQLite may already have rolled the transaction back itself
        if self.conn.in_transaction:
            # if even this fails the connection is unusable, and the journal still protects the file
            with contextlib.suppress(sqlite3.DatabaseError):
                self.conn.execute("ROLLBACK")

    def execute(self, sql: str, params: tuple | dict = ()) -> sqlite3.Cursor:
        with self._lock:
            try:
                return self.conn.execute(sql, params)
            except sqlite3.DatabaseError as exc:
                raise StoreError(_explain(exc), path=self.path) from exc

    def data_version(self) -> tuple[int, int]:
        """A value that changes whenever any connection (this one included) commits: the key for caches."""
        with self._lock:
            try:
                return self.conn.execute("PRAGMA data_version").fetchone()[0], self.conn.total_changes
            except sqlite3.DatabaseError as exc:
                raise StoreError(_explain(exc), path=self.path) from exc

    def verify_once(self) -> None:
        """Check the file's structure (``PRAGMA quick_check``) once per database version.

        Called before answering "not found", so a damaged file is reported as damaged instead of giving a silently
        wrong answer; once per version bounds the cost (about half a second for a few releases).
        """
        with self._lock:
            version = self.data_version()
            if self._verified == version:
                return
            try:
                result = self.conn.execute("PRAGMA quick_check").fetchone()[0]
            except sqlite3.DatabaseError as exc:
                raise StoreError(_explain(exc), path=self.path) from exc
            if result != "ok":
                raise StoreError(_damaged(result), path=self.path)
            self._verified = version

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_OPERATIONS_SCHEMA = """
CREATE TABLE IF NOT EXISTS hhbill_operation (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,   -- e.g. "HCPCS import"
    source      TEXT NOT NULL,   -- the file name
    started_at  TEXT NOT NULL,
    pid         INTEGER NOT NULL,
    state       TEXT NOT NULL    -- started | done | failed | reported
);
"""


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _damaged(detail: str) -> str:
    return (
        f"the database file is damaged ({detail}); nothing was changed. Restore it from a backup, or move it aside "
        "and import the releases again"
    )


def _explain(exc: sqlite3.DatabaseError) -> str:
    text = str(exc)
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return _damaged(text)
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
