"""The claim ledger's MBI hashing key, kept out of the database in its own owner-only file.

The ledger stores a keyed hash (HMAC-SHA256) of each MBI, never the MBI. Whoever holds the key and the database
can test guessed MBIs against the hashes, so the key must not travel with the database: a database file is
world-readable by default, gets copied, backed up and attached to bug reports. The key lives beside it in
``<database>.ledger-key``, created with mode 0600, or in the file the caller names (the application object passes
``HHBILL_LEDGER_KEY_FILE`` from its settings: the library reads no environment).

A database written by an older hhbill holds the key in ``claims_ledger_meta``: on first open it is moved into
the file (so existing hashes still match) and deleted from the database. Keep the key file with your backups:
without it, earlier claims no longer match new ones for duplicate and overlap checks.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import threading
import weakref
from pathlib import Path

from ._errors import StoreError
from ._store import Store

__all__ = ["key_file_for", "ledger_key"]

_LEGACY_SELECT = "SELECT value FROM claims_ledger_meta WHERE name = 'beneficiary_hmac_key'"
_memory_keys: weakref.WeakKeyDictionary[Store, bytes] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def key_file_for(store: Store, configured: Path | None = None) -> Path:
    """Where the key of ``store``'s ledger lives: ``configured``, else beside the database."""
    return configured if configured is not None else Path(f"{store.path}.ledger-key")


def ledger_key(store: Store, key_file: Path | None = None) -> bytes:
    """The ledger key of ``store``: read from its file (``key_file``, else ``<database>.ledger-key``), moved there
    from the database, or created (0600)."""
    with _lock:
        if store.path == ":memory:":
            return _memory_keys.setdefault(store, secrets.token_bytes(32))
        path = key_file_for(store, key_file)
        legacy = _legacy_key(store)
        if path.exists():
            key = _read(path)
        elif store.read_only:
            # nothing may be written: use the database's old key if it has one, else a key for this run only
            return legacy or _memory_keys.setdefault(store, secrets.token_bytes(32))
        else:
            key = _create(path, legacy or secrets.token_bytes(32))
        if legacy is not None and not store.read_only:
            with store.transaction() as conn:  # the file holds it now: the database no longer does
                conn.execute("DELETE FROM claims_ledger_meta WHERE name = 'beneficiary_hmac_key'")
        return key


def _legacy_key(store: Store) -> bytes | None:
    try:
        rows = store.execute(_LEGACY_SELECT).fetchall()
    except StoreError:
        return None  # no meta table
    return bytes.fromhex(rows[0][0]) if rows else None


def _read(path: Path) -> bytes:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:  # readable by others: close it before using it
            with contextlib.suppress(OSError):
                path.chmod(0o600)
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise StoreError(
            f"the claim ledger key file cannot be read ({exc}); restore it from the backup made with the database",
            path=str(path),
        ) from None
    if len(key) < 16:
        raise StoreError("the claim ledger key file is too short to be a key; restore it from a backup", path=str(path))
    return key


def _create(path: Path, key: bytes) -> bytes:
    """Write the key to a private temporary file, then link it into place: a reader never sees half a key, and
    when two processes race, the first link wins and both use its key."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key.hex() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return _read(path)
    except OSError as exc:
        raise StoreError(
            f"cannot create the claim ledger key file ({exc.strerror}); the folder must be writable", path=str(path)
        ) from None
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()
    return key
