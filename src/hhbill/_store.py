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
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ._config import resolve_db_path
from ._errors import InputError, StoreError

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
            raise StoreError(_why_not_open(self.path, exc), path=self.path) from exc
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
                    why = _explain(exc, self.path)
                    raise StoreError(f"cannot prepare the database: {why}", path=self.path) from exc
            self._schemas.add(name)

    # -- writes ---------------------------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """An all-or-nothing write. ``BEGIN IMMEDIATE`` takes the write lock up front so two writers queue."""
        with self._lock:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.DatabaseError as exc:
                raise StoreError(_explain(exc, self.path), path=self.path) from exc
            try:
                yield self.conn
            except sqlite3.DatabaseError as exc:
                self._rollback()
                raise StoreError(_explain(exc, self.path), path=self.path) from exc
            except OverflowError:
                self._rollback()
                raise _too_large_number() from None
            except BaseException:
                self._rollback()
                raise
            try:
                self.conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                self._rollback()
                raise StoreError(_explain(exc, self.path), path=self.path) from exc

    def _rollback(self) -> None:
        # after SQLITE_FULL or an I/O error SQLite may already have rolled the transaction back itself
        if self.conn.in_transaction:
            # if even this fails the connection is unusable, and the journal still protects the file
            with contextlib.suppress(sqlite3.DatabaseError):
                self.conn.execute("ROLLBACK")

    def execute(self, sql: str, params: tuple | dict = ()) -> sqlite3.Cursor:
        """Run one statement. Its rows are read through the same error handling: a damaged page met by
        ``fetchall()`` or a loop over the cursor is a :class:`StoreError` in plain words, not a traceback."""
        with self._lock:
            try:
                cursor = self.conn.cursor(_GuardedCursor)
                cursor.store_path = self.path
                return cursor.execute(sql, params)
            except sqlite3.DatabaseError as exc:
                raise StoreError(_explain(exc, self.path), path=self.path) from exc
            except OverflowError:
                raise _too_large_number() from None

    def fetchall(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        """Every row of a query, read under the store's error handling (the safe read for whole result sets)."""
        return self.execute(sql, params).fetchall()

    def data_version(self) -> tuple[int, int]:
        """A value that changes whenever any connection (this one included) commits: the key for caches."""
        with self._lock:
            try:
                return self.conn.execute("PRAGMA data_version").fetchone()[0], self.conn.total_changes
            except sqlite3.DatabaseError as exc:
                raise StoreError(_explain(exc, self.path), path=self.path) from exc

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
                raise StoreError(_explain(exc, self.path), path=self.path) from exc
            if result != "ok":
                raise StoreError(_damaged(result), path=self.path)
            self._verified = version

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _GuardedCursor(sqlite3.Cursor):
    """A cursor whose reads turn SQLite errors (a damaged page met half-way) into plain-words StoreErrors."""

    store_path = ""

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except sqlite3.DatabaseError as exc:
            raise StoreError(_explain(exc, self.store_path), path=self.store_path) from exc

    def fetchmany(self, size: int | None = None) -> list[Any]:
        try:
            return super().fetchmany(self.arraysize if size is None else size)
        except sqlite3.DatabaseError as exc:
            raise StoreError(_explain(exc, self.store_path), path=self.store_path) from exc

    def fetchall(self) -> list[Any]:
        try:
            return super().fetchall()
        except sqlite3.DatabaseError as exc:
            raise StoreError(_explain(exc, self.store_path), path=self.store_path) from exc

    def __next__(self) -> Any:
        try:
            return super().__next__()
        except sqlite3.DatabaseError as exc:
            raise StoreError(_explain(exc, self.store_path), path=self.store_path) from exc


def _too_large_number() -> InputError:
    # an id or count beyond what SQLite stores (2**63 - 1) cannot name a stored row: the caller's input is wrong
    return InputError(
        "a number in the request is too large (the largest whole number stored is 9,223,372,036,854,775,807)",
        field="(number)",
    )


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


def _why_not_open(path: str, exc: sqlite3.DatabaseError) -> str:
    """What really keeps a database from opening: permissions, leftover journal files, a full disk, or damage.

    Only SQLite's own "malformed"/"not a database" is called damage: a read-only folder or a full disk must not
    send the user to move an intact database aside.
    """
    text = str(exc)
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return (
            f"the database file cannot be opened ({text}); it is damaged or not an hhbill database. "
            "Restore it from a backup, or move it aside to start fresh"
        )
    problems = _filesystem_problems(path, text)
    db = Path(path)
    if problems:
        return (
            f"the database cannot be opened for writing ({text}): {'; '.join(problems)}. "
            f"The file itself was not changed{_intact_note(db)}"
        )
    return f"the database file cannot be opened ({text}){_intact_note(db)}"


def _filesystem_problems(path: str, text: str) -> list[str]:
    """Plain-words reasons, found on disk, why SQLite cannot write ``path`` (empty when none is visible)."""
    if path == ":memory:":
        return ["the disk is full"] if "full" in text else []
    db = Path(path)
    folder = db.parent
    problems: list[str] = []
    if db.exists() and not os.access(db, os.W_OK):
        problems.append(f"the database file {db} is read-only for this user (make it writable: chmod u+w)")
    for suffix in ("-wal", "-shm"):
        journal = Path(f"{path}{suffix}")
        if journal.exists() and not os.access(journal, os.W_OK):
            problems.append(
                f"the journal file {journal.name} beside it is left read-only (by another user's process or a "
                "read-only copy), which keeps the database read-only; make it writable, or delete it when no "
                "hhbill process is running"
            )
    if folder.exists() and not os.access(folder, os.W_OK | os.X_OK):
        problems.append(
            f"the folder {folder} is read-only, and SQLite must create its journal files (-wal, -shm) there; "
            "make the folder writable or copy the database to a writable folder"
        )
    free = None
    with contextlib.suppress(OSError):
        free = shutil.disk_usage(folder).free
    if "full" in text or (free is not None and free < 1024 * 1024):
        problems.append(f"the disk holding {folder} is full; free some space")
    return problems


def _intact_note(db: Path) -> str:
    """ ", and it is intact (integrity check ok)" when a read-only look finds it so; "" when it cannot tell."""
    if not db.exists():
        return ""
    try:
        # immutable: the look needs no -shm file, so it works in a read-only folder too
        probe = sqlite3.connect(f"file:{db.resolve()}?mode=ro&immutable=1", uri=True)
        try:
            result = probe.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            probe.close()
    except sqlite3.DatabaseError:
        return ""
    if result == "ok":
        return ", and it is intact (integrity check ok)"
    return f"; it is also damaged ({result}): restore it from a backup"


def _explain(exc: sqlite3.DatabaseError, path: str = ":memory:") -> str:
    text = str(exc)
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return _damaged(text)
    if "decode to UTF-8" in text:  # hhbill writes only UTF-8 text: garbage in a text column is a damaged page
        return _damaged("a stored text is not valid UTF-8")
    if "readonly" in text or "read-only" in text:
        found = _filesystem_problems(path, text)
        return "the database is read-only; nothing was changed" + (f" ({'; '.join(found)})" if found else "")
    if "full" in text:
        return "the disk is full; nothing was changed"
    if "locked" in text or "busy" in text:
        return "the database is busy with another write; nothing was changed, try again"
    return f"the database refused the operation ({text}); nothing was changed"


def open_store(db: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> Store:
    """Open the database chosen by ``db``, ``$HHBILL_DB`` or the per-user default."""
    return Store(resolve_db_path(db), read_only=read_only)
