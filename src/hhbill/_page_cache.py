"""Explained code pages kept beside the database (``<database>.pages``), so a new process shows a page it has
shown before without loading the explainer, the vocabulary and the release's facts.

A page is a pure function of the code, the as-of day, the releases in the database and hhbill's own code and
rule data. The cache key holds all four: the day, and a fingerprint of the HCPCS and fee schedule releases (their
ids and content hashes) and of hhbill's installed files (per folder: their number, total size and the sum of
their modification times). Any import, removal, upgrade or edit changes the fingerprint, so a stale page is never
served; rows of other fingerprints are dropped when a page is stored.

The cache is a separate SQLite file: it is disposable (delete it at any time), writing it never changes the
database's state (which keys the in-memory caches of a running server), and a damaged, read-only or locked cache
file only makes pages slower, never wrong.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import zlib
from datetime import date
from pathlib import Path
from typing import Any

from . import __version__
from ._errors import StoreError
from ._json import dumps
from ._store import Store

__all__ = ["PageCache"]

FORMAT = "hhbill-page-cache/2"
#: pages kept at most (every code of a release on a few days); beyond it the cache starts again
MAX_PAGES = 50_000
#: hhbill's files a page is built from: the explainer, the packages and rule data it reads, and the top-level
#: modules they share
_SOURCE_FOLDERS = (".", "explain", "hcpcs", "rvu", "claims", "search", "data", "data/claims")
#: the releases a page is built from (their ids and content hashes)
_RELEASE_TABLES = (("hcpcs_release", "id, content_sha256"), ("rvu_release", "id, kind, content_sha256"))
# each fingerprint's text is kept once; pages point at it by number
_SCHEMA = """
DROP TABLE IF EXISTS page;
CREATE TABLE IF NOT EXISTS fingerprints (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS pages (
    code TEXT NOT NULL,
    as_of TEXT NOT NULL,
    fingerprint_id INTEGER NOT NULL,
    body BLOB NOT NULL,
    PRIMARY KEY (code, as_of, fingerprint_id)
) WITHOUT ROWID;
"""


def _installed_files_key(package: Path = Path(__file__).parent) -> str:
    """Per folder of hhbill's files: how many, their total size and the sum of their modification times (an
    edit or an upgrade changes the last). Plain numbers, not a digest: hashing would cost more than the page."""
    parts = [f"{FORMAT}:{__version__}"]
    for folder in _SOURCE_FOLDERS:
        count = size = modified = 0
        with contextlib.suppress(OSError):
            for entry in os.scandir(package / folder):
                if entry.is_file():
                    info = entry.stat()
                    count, size, modified = count + 1, size + info.st_size, modified + info.st_mtime_ns
        parts.append(f"{folder}:{count}:{size}:{modified}")
    return ";".join(parts)


class PageCache:
    """The page cache of one database file (none for an in-memory database)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._path = None if store.path == ":memory:" else Path(f"{store.path}.pages")
        self._conn: sqlite3.Connection | None = None
        self._files_key: str | None = None
        self._lock = threading.Lock()  # one connection, shared by a server's threads
        self._pruned_for: str | None = None

    def fingerprint(self) -> str | None:
        """What the database's pages depend on now (hhbill's files and the releases' ids and content hashes,
        as text), or None when its release tables cannot be read."""
        if self._path is None:
            return None
        if self._files_key is None:
            self._files_key = _installed_files_key()
        parts = [self._files_key]
        try:
            for table, columns in _RELEASE_TABLES:
                exists = self._store.fetchall("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,))
                rows = self._store.fetchall(f"SELECT {columns} FROM {table} ORDER BY id") if exists else []
                parts.append(f"{table}:" + ",".join(":".join(str(value) for value in row) for row in rows))
        except (StoreError, sqlite3.Error):
            return None
        return "|".join(parts)

    def get(self, fingerprint: str, code: str, day: date) -> dict[str, Any] | None:
        conn = self._connect()
        if conn is None:
            return None
        try:
            with self._lock:
                row = conn.execute(
                    "SELECT body FROM pages JOIN fingerprints ON fingerprints.id = pages.fingerprint_id "
                    "WHERE code = ? AND as_of = ? AND fingerprints.text = ?",
                    (code, day.isoformat(), fingerprint),
                ).fetchone()
            if row is None:
                return None
            page: dict[str, Any] = json.loads(zlib.decompress(row[0]))
            return page
        except (sqlite3.Error, zlib.error, ValueError):
            return None  # damaged or locked: the page is built again

    def put(self, fingerprint: str, code: str, day: date, page: dict[str, Any]) -> None:
        conn = self._connect()
        if conn is None:
            return
        body = zlib.compress(dumps(page).encode("utf-8"), 6)
        with contextlib.suppress(sqlite3.Error), self._lock:
            with conn:
                conn.execute("INSERT OR IGNORE INTO fingerprints (text) VALUES (?)", (fingerprint,))
                (number,) = conn.execute("SELECT id FROM fingerprints WHERE text = ?", (fingerprint,)).fetchone()
                if self._pruned_for != fingerprint:  # once per process and fingerprint: a scan of the table
                    conn.execute("DELETE FROM pages WHERE fingerprint_id <> ?", (number,))
                    conn.execute("DELETE FROM fingerprints WHERE id <> ?", (number,))
                    (rows,) = conn.execute("SELECT count(*) FROM pages").fetchone()
                    if rows >= MAX_PAGES:  # pages of many days: start again rather than grow without end
                        conn.execute("DELETE FROM pages")
                    self._pruned_for = fingerprint
                conn.execute(
                    "INSERT OR REPLACE INTO pages (code, as_of, fingerprint_id, body) VALUES (?, ?, ?, ?)",
                    (code, day.isoformat(), number, body),
                )

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _connect(self) -> sqlite3.Connection | None:
        if self._conn is None and self._path is not None:
            try:
                # a short wait: another process storing a page must not hold this one up
                conn = sqlite3.connect(self._path, timeout=0.5, check_same_thread=False)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(_SCHEMA)
            except sqlite3.Error:
                self._path = None  # unusable (read-only folder, damaged file): pages are built every time
                return None
            self._conn = conn
        return self._conn
