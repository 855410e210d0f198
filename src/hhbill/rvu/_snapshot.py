"""The fee schedule as a read-only snapshot: its tables copied into an in-memory database and serialised to bytes,
so a worker on another machine prices exactly as the store does without reaching the store's file (batch scrub).

Only the fee schedule tables travel (releases, RVU rows, GPCIs, ZIP → locality); the procedure log and everything
else in the store stay behind.
"""

from __future__ import annotations

import sqlite3

from .._store import Store
from ._embedded import ensure_embedded_fee_schedule
from ._schema import RVU_SCHEMA, ensure_rvu_schema

__all__ = ["fee_schedule_snapshot", "store_from_fee_schedule_snapshot"]

#: the tables a price needs, parents first (rvu_item and the others refer to rvu_release)
_TABLES = ("rvu_release", "rvu_item", "rvu_gpci", "rvu_zip_locality")


def fee_schedule_snapshot(store: Store) -> bytes:
    """The store's fee schedule tables as a serialised SQLite database (the shipped fee schedule is loaded first
    where nothing is imported, as pricing would)."""
    ensure_embedded_fee_schedule(store)
    ensure_rvu_schema(store)
    copy = sqlite3.connect(":memory:")
    try:
        copy.executescript(RVU_SCHEMA)
        for table in _TABLES:
            columns = [row[1] for row in store.execute(f"PRAGMA table_info({table})")]
            names = ", ".join(columns)
            marks = ", ".join("?" for _ in columns)
            rows = store.fetchall(f"SELECT {names} FROM {table}")
            copy.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", [tuple(r) for r in rows])
        copy.commit()
        return copy.serialize()
    finally:
        copy.close()


def store_from_fee_schedule_snapshot(data: bytes) -> Store:
    """An in-memory Store holding a snapshot made by :func:`fee_schedule_snapshot`, for pricing only."""
    store = Store(":memory:")
    store.conn.deserialize(data)
    return store
