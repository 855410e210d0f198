"""Drug brand and synonym names -> generic names, so "Herceptin" finds trastuzumab and "Depo-Provera" finds
medroxyprogesterone.

The names come from the ``drug-named-entity-recognition`` package (MIT; its dictionary is compiled from MeSH,
MedlinePlus, DrugBank and Wikipedia: about 107,000 names for 20,000 drugs). Reading its compressed dictionary
takes seconds, so the first search that needs it copies it into the table ``search_drug_name`` of the store;
later searches (and later processes) look names up there. Without the package, drug names are simply not
translated.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from functools import lru_cache
from pathlib import Path

from .._errors import StoreError
from .._store import Store
from ._text import words

PACKAGE = "drug-named-entity-recognition"
DRUG_SCHEMA = """
CREATE TABLE IF NOT EXISTS search_drug_name (
    variant     TEXT PRIMARY KEY,   -- a drug name as people write it, folded to words ("depo provera")
    generics    TEXT NOT NULL       -- JSON list of generic names ("medroxyprogesterone")
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS search_drug_name_source (
    package_version TEXT NOT NULL
);
"""

_lock = threading.Lock()
_loaded: dict[str, list[str]] | None = None


@lru_cache(maxsize=1)
def _package_version() -> str | None:
    from importlib import metadata  # ~25 ms to import: only when drug names are looked up

    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return None


def _read_package_dictionary() -> dict[str, list[str]]:
    """variant words -> generic names, read from the package (slow: seconds)."""
    global _loaded
    with _lock:
        if _loaded is None:
            import bz2
            import importlib.util
            import pickle

            # the package's data file, found without importing the package (its import loads it too, slowly)
            spec = importlib.util.find_spec("drug_named_entity_recognition")
            if spec is None or spec.origin is None:
                _loaded = {}
                return _loaded
            data = Path(spec.origin).parent / "drug_ner_dictionary.pkl.bz2"
            try:
                raw = pickle.loads(bz2.decompress(data.read_bytes()))
            except Exception:  # a damaged or changed package file: search on without drug names
                raw = {}
            if not isinstance(raw, dict):
                raw = {}
            mapping: dict[str, list[str]] = {}
            for variant, generics in raw.get("drug_variant_to_canonical", {}).items():
                key = " ".join(words(str(variant)))
                if key and isinstance(generics, list):
                    names = [str(g) for g in generics if str(g).casefold() != str(variant).casefold()]
                    if names:
                        mapping.setdefault(key, []).extend(n for n in names if n not in mapping.get(key, ()))
            _loaded = mapping
        return _loaded


def _table_ready(store: Store, version: str) -> bool:
    """Whether ``search_drug_name`` holds this package version's names (copying them in when it can)."""
    global _loaded
    store.ensure_schema("search_drugs", DRUG_SCHEMA)
    try:
        row = store.execute("SELECT package_version FROM search_drug_name_source").fetchone()
    except sqlite3.OperationalError:  # a read-only database made before this table existed
        return False
    if row is not None and row[0] == version:
        return True
    if store.read_only:
        return False
    mapping = _read_package_dictionary()
    if not mapping:
        return False
    try:
        with store.transaction() as conn:
            conn.execute("DELETE FROM search_drug_name")
            conn.execute("DELETE FROM search_drug_name_source")
            conn.executemany(
                "INSERT INTO search_drug_name(variant, generics) VALUES (?, ?)",
                ((variant, json.dumps(generics)) for variant, generics in mapping.items()),
            )
            conn.execute("INSERT INTO search_drug_name_source(package_version) VALUES (?)", (version,))
    except StoreError:  # busy, full or read-only after all: answer from memory this time
        return False
    with _lock:
        _loaded = None  # the table answers from now on; free the ~30 MB dictionary
    return True


_ready: dict[str, bool] = {}


def generic_names(store: Store, phrases: list[str]) -> dict[str, list[str]]:
    """Generic names for each phrase (words joined by one space) that is a known drug brand or synonym."""
    version = _package_version()
    if version is None or not phrases:
        return {}
    key = f"{store.path}:{id(store.conn)}:{version}"
    for _attempt in range(2):
        if key not in _ready:
            _ready[key] = _table_ready(store, version)
        if not _ready[key]:
            mapping = _read_package_dictionary()
            return {p: mapping[p] for p in phrases if p in mapping}
        marks = ",".join("?" for _ in phrases)
        try:
            rows = store.execute(
                f"SELECT variant, generics FROM search_drug_name WHERE variant IN ({marks})", tuple(phrases)
            ).fetchall()
        except sqlite3.OperationalError:  # not this database's table after all (a reused connection id)
            _ready.pop(key, None)
            continue
        return {row[0]: json.loads(row[1]) for row in rows}
    return {}


def prepare_drug_names(store: Store) -> bool:
    """Copy the drug-name dictionary into the store now (seconds, once per database) instead of on the first
    search that needs it. True when the table is ready; False without the package or on a read-only store."""
    version = _package_version()
    if version is None:
        return False
    ready = _table_ready(store, version)
    _ready[f"{store.path}:{id(store.conn)}:{version}"] = ready
    return ready
