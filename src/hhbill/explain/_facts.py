"""Facts computed once over a whole release, so a code page reads them instead of scanning the release.

A :class:`ReleaseFacts` is built per (HCPCS release, fee schedule release) pair: group sizes and shares by letter
section, code range and BETOS family, reverse cross-references and "do not use with" restrictions, and each
code's global PFS row. Building one reads every record of the release (about 0.4 s), so the first page that needs
it stores it in the database (table ``explain_release_facts``, one compact zlib-compressed JSON document, no
pickle), in a write transaction, keyed by both releases' content hashes and :data:`FACTS_FORMAT`; a new process
loads it in a few milliseconds and reads the records and fee schedule rows it needs one by one. A read-only or
busy database keeps the facts in memory only. In a process the facts are kept until the database changes
(:meth:`hhbill._store.Store.data_version`).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import UTC, datetime
from weakref import WeakKeyDictionary

from .. import __version__, rvu
from .._errors import HhbillError, StoreError
from .._store import Store
from ..hcpcs import HcpcsRecord, HcpcsReference, Release, codes_in_category, exclusions_in, release_records
from ..hcpcs._reference import _cached_record

__all__ = ["GroupKey", "ReleaseFacts", "release_facts"]

#: (kind of group, key), e.g. ("letter", "G"), ("range", "G03"), ("betos", "Y2")
GroupKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class PfsRow:
    status: str
    work_rvu: float


class ReleaseRecords(Mapping[str, HcpcsRecord]):
    """The records of one release, read from the database one code at a time as a page asks for them."""

    def __init__(self, store: Store, release_id: int) -> None:
        self._store = store
        self._release_id = release_id
        self._read: dict[str, HcpcsRecord | None] = {}

    def __getitem__(self, code: str) -> HcpcsRecord:
        if code not in self._read:
            row = self._store.execute(
                "SELECT record FROM hcpcs_code WHERE release_id = ? AND code = ?", (self._release_id, code)
            ).fetchone()
            self._read[code] = _cached_record(row[0]) if row is not None else None
        found = self._read[code]
        if found is None:
            raise KeyError(code)
        return found

    def _codes(self) -> list[str]:
        rows = self._store.execute("SELECT code FROM hcpcs_code WHERE release_id = ?", (self._release_id,))
        return [row[0] for row in rows.fetchall()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._codes())

    def __len__(self) -> int:
        return len(self._codes())


@dataclass
class ReleaseFacts:
    release: Release
    pfs_release: str | None
    records: Mapping[str, HcpcsRecord]
    #: codes of each group, sorted
    members: dict[GroupKey, list[str]] = field(default_factory=dict)
    #: per group: how many members carry each coverage code / first pricing indicator
    coverage_counts: dict[GroupKey, Counter[str]] = field(default_factory=dict)
    pricing_counts: dict[GroupKey, Counter[str]] = field(default_factory=dict)
    #: per group: (members with a PFS row, of which work RVU 0.00)
    work_zero: dict[GroupKey, tuple[int, int]] = field(default_factory=dict)
    pfs: Mapping[str, PfsRow] = field(default_factory=dict)
    #: every code with a row (global or component) in that relative value file
    pfs_codes: AbstractSet[str] = frozenset()
    #: code -> codes its descriptor says not to use it with (explicit and category members)
    excludes: dict[str, list[str]] = field(default_factory=dict)
    excluded_by: dict[str, list[str]] = field(default_factory=dict)
    cross_referenced_by: dict[str, list[str]] = field(default_factory=dict)

    def groups_of(self, record: HcpcsRecord) -> list[GroupKey]:
        return group_keys(record)


def group_keys(record: HcpcsRecord) -> list[GroupKey]:
    """The groups a code is compared within: its letter section, its range of 100 codes, its BETOS family."""
    if record.kind == "modifier":
        return [("modifiers", "all")]
    keys: list[GroupKey] = [("letter", record.code[0]), ("range", record.code[:3])]
    if record.betos:
        keys.append(("betos", record.betos[:2]))
    return keys


def pfs_release_for(store: Store, year: int | None) -> rvu.LoadedRelease | None:
    """The relative value file release a page uses: the one of ``year`` if loaded, else the latest."""
    if not store.read_only:
        rvu.ensure_embedded_fee_schedule(store)
    releases = rvu.list_releases(store, "pprrvu")
    same_year = [r for r in releases if r.year == year]
    chosen = same_year or releases
    return chosen[0] if chosen else None


def _pfs_rows(store: Store, pfs: rvu.LoadedRelease | None) -> tuple[dict[str, PfsRow], frozenset[str]]:
    """(global rows by code, every code with any row) of the relative value file a page uses."""
    if pfs is None:
        return {}, frozenset()
    rows = store.execute(
        "SELECT code, modifier, status, work_rvu FROM rvu_item WHERE release_id=?", (pfs.id,)
    ).fetchall()
    return {row[0]: PfsRow(row[2], float(row[3])) for row in rows if row[1] == ""}, frozenset(row[0] for row in rows)


def _build(reference: HcpcsReference, release: Release, pfs_release: rvu.LoadedRelease | None) -> ReleaseFacts:
    store = reference.store
    records = {record.code: record for record in release_records(reference, release)}
    pfs, pfs_codes = _pfs_rows(store, pfs_release)
    label = pfs_release.label if pfs_release is not None else None
    facts = ReleaseFacts(release=release, pfs_release=label, records=records, pfs=pfs, pfs_codes=pfs_codes)
    members: dict[GroupKey, list[str]] = defaultdict(list)
    coverage: dict[GroupKey, Counter[str]] = defaultdict(Counter)
    pricing: dict[GroupKey, Counter[str]] = defaultdict(Counter)
    zero: dict[GroupKey, list[int]] = defaultdict(lambda: [0, 0])
    excludes: dict[str, list[str]] = {}
    excluded_by: dict[str, list[str]] = defaultdict(list)
    xref_by: dict[str, list[str]] = defaultdict(list)
    procedures = [r for r in records.values() if r.kind == "procedure"]
    category_codes: dict[str, list[str]] = {}  # several descriptors name the same category
    for record in sorted(records.values(), key=lambda r: r.code):
        for key in group_keys(record):
            members[key].append(record.code)
            coverage[key][record.coverage] += 1
            pricing[key][record.pricing_indicators[0] if record.pricing_indicators else ""] += 1
            row = pfs.get(record.code)
            if row is not None and record.kind == "procedure":
                zero[key][0] += 1
                zero[key][1] += row.work_rvu == 0
        for target in record.cross_references:
            xref_by[target].append(record.code)
        found = exclusions_in(record.long_description)
        if found:
            named: list[str] = []
            for exclusion in found:
                named.extend(exclusion.codes)
                if exclusion.category:
                    if exclusion.category not in category_codes:
                        category_codes[exclusion.category] = []
                        # a category our tables do not define: its codes stay unnamed
                        with contextlib.suppress(HhbillError):
                            category_codes[exclusion.category] = codes_in_category(exclusion.category, procedures)
                    named.extend(category_codes[exclusion.category])
            named = [code for code in dict.fromkeys(named) if code != record.code]
            excludes[record.code] = named
            for code in named:
                excluded_by[code].append(record.code)
    facts.members = dict(members)
    facts.coverage_counts = dict(coverage)
    facts.pricing_counts = dict(pricing)
    facts.work_zero = {key: (value[0], value[1]) for key, value in zero.items()}
    facts.excludes = excludes
    facts.excluded_by = dict(excluded_by)
    facts.cross_referenced_by = dict(xref_by)
    return facts


# -- the stored facts --------------------------------------------------------------------------------------------
#: bump when what the facts hold or how they are computed changes: stored facts of another format are rebuilt
FACTS_FORMAT = 2
FACTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS explain_release_facts (
    release_id      INTEGER NOT NULL,   -- hcpcs_release.id
    pfs_release_id  INTEGER NOT NULL,   -- rvu_release.id of the relative value file, 0 for none
    build_key       TEXT NOT NULL,      -- FACTS_FORMAT and the hhbill version that built them
    release_sha256  TEXT NOT NULL,      -- content hashes of both releases they were built from
    pfs_sha256      TEXT NOT NULL,
    body            BLOB NOT NULL,      -- zlib-compressed JSON (see _facts_to_json)
    built_at        TEXT NOT NULL,
    PRIMARY KEY (release_id, pfs_release_id)
);
"""


def _build_key() -> str:
    return f"{FACTS_FORMAT}:{__version__}"


class _PfsRows(Mapping[str, PfsRow]):
    """code -> global PfsRow of one relative value file, read from ``rvu_item`` as a page asks (its primary key
    starts with release and code): cheaper than storing thousands of rows a page never reads."""

    def __init__(self, store: Store, release_id: int | None) -> None:
        self._store = store
        self._release_id = release_id
        self._read: dict[str, PfsRow | None] = {}

    def __getitem__(self, code: str) -> PfsRow:
        if code not in self._read:
            row = None
            if self._release_id is not None:
                row = self._store.execute(
                    "SELECT status, work_rvu FROM rvu_item WHERE release_id = ? AND code = ? AND modifier = ''",
                    (self._release_id, code),
                ).fetchone()
            self._read[code] = PfsRow(row[0], float(row[1])) if row is not None else None
        found = self._read[code]
        if found is None:
            raise KeyError(code)
        return found

    def _codes(self) -> list[str]:
        if self._release_id is None:
            return []
        rows = self._store.execute(
            "SELECT code FROM rvu_item WHERE release_id = ? AND modifier = ''", (self._release_id,)
        ).fetchall()
        return [row[0] for row in rows]

    def __iter__(self) -> Iterator[str]:
        return iter(self._codes())

    def __len__(self) -> int:
        return len(self._codes())


class _PfsCodes(AbstractSet[str]):
    """Every code with any row (global or component) in one relative value file, asked code by code."""

    def __init__(self, store: Store, release_id: int | None) -> None:
        self._store = store
        self._release_id = release_id

    def __contains__(self, code: object) -> bool:
        if self._release_id is None or not isinstance(code, str):
            return False
        row = self._store.execute(
            "SELECT 1 FROM rvu_item WHERE release_id = ? AND code = ? LIMIT 1", (self._release_id, code)
        ).fetchone()
        return row is not None

    def _codes(self) -> set[str]:
        if self._release_id is None:
            return set()
        rows = self._store.execute("SELECT DISTINCT code FROM rvu_item WHERE release_id = ?", (self._release_id,))
        return {row[0] for row in rows.fetchall()}

    def __iter__(self) -> Iterator[str]:
        return iter(self._codes())

    def __len__(self) -> int:
        return len(self._codes())


def _group_text(key: GroupKey) -> str:
    return f"{key[0]}:{key[1]}"


def _group_key(text: str) -> GroupKey:
    kind, _, value = text.partition(":")
    return (kind, value)


def _facts_to_json(facts: ReleaseFacts) -> bytes:
    document = {
        "members": {_group_text(k): v for k, v in facts.members.items()},
        "coverage_counts": {_group_text(k): dict(v) for k, v in facts.coverage_counts.items()},
        "pricing_counts": {_group_text(k): dict(v) for k, v in facts.pricing_counts.items()},
        "work_zero": {_group_text(k): list(v) for k, v in facts.work_zero.items()},
        "excludes": facts.excludes,
        "excluded_by": facts.excluded_by,
        "cross_referenced_by": facts.cross_referenced_by,
    }
    return zlib.compress(json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8"), 6)


def _facts_from_json(body: bytes, store: Store, release: Release, pfs: rvu.LoadedRelease | None) -> ReleaseFacts:
    document = json.loads(zlib.decompress(body))
    pfs_id = pfs.id if pfs is not None else None
    return ReleaseFacts(
        release=release,
        pfs_release=pfs.label if pfs is not None else None,
        records=ReleaseRecords(store, release.id),
        members={_group_key(k): v for k, v in document["members"].items()},
        coverage_counts={_group_key(k): Counter(v) for k, v in document["coverage_counts"].items()},
        pricing_counts={_group_key(k): Counter(v) for k, v in document["pricing_counts"].items()},
        work_zero={_group_key(k): (int(v[0]), int(v[1])) for k, v in document["work_zero"].items()},
        pfs=_PfsRows(store, pfs_id),
        pfs_codes=_PfsCodes(store, pfs_id),
        excludes=document["excludes"],
        excluded_by=document["excluded_by"],
        cross_referenced_by=document["cross_referenced_by"],
    )


def _hashes(store: Store, release: Release, pfs_release: rvu.LoadedRelease | None) -> tuple[str, str]:
    row = store.execute("SELECT content_sha256 FROM hcpcs_release WHERE id = ?", (release.id,)).fetchone()
    pfs_row = None
    if pfs_release is not None:
        pfs_row = store.execute("SELECT content_sha256 FROM rvu_release WHERE id = ?", (pfs_release.id,)).fetchone()
    return (str(row[0]) if row else ""), (str(pfs_row[0]) if pfs_row else "")


def _stored_body(store: Store, key: tuple[int, int], hashes: tuple[str, str]) -> bytes | None:
    try:
        row = store.execute(
            "SELECT body FROM explain_release_facts WHERE release_id = ? AND pfs_release_id = ? AND build_key = ? "
            "AND release_sha256 = ? AND pfs_sha256 = ?",
            (*key, _build_key(), *hashes),
        ).fetchone()
    except (StoreError, sqlite3.Error):  # a database made before the table existed (read-only: not created)
        return None
    return bytes(row[0]) if row is not None else None


def _load_stored(
    store: Store, release: Release, pfs_release: rvu.LoadedRelease | None, hashes: tuple[str, str]
) -> ReleaseFacts | None:
    key = (release.id, pfs_release.id if pfs_release is not None else 0)
    body = _stored_body(store, key, hashes)
    if body is None:
        return None
    try:
        return _facts_from_json(body, store, release, pfs_release)
    except (ValueError, KeyError, TypeError, IndexError, zlib.error):
        return None  # damaged or foreign: rebuilt (and a good copy stored)


def _load_or_build(reference: HcpcsReference, release: Release, pfs_release: rvu.LoadedRelease | None) -> ReleaseFacts:
    """The stored facts, else built and stored in one write transaction (a second process waiting on the lock
    then finds them stored); built in memory only when the database cannot be written."""
    store = reference.store
    with contextlib.suppress(StoreError):
        store.ensure_schema("explain_facts", FACTS_SCHEMA)
    hashes = _hashes(store, release, pfs_release)
    found = _load_stored(store, release, pfs_release, hashes)
    if found is not None:
        return found
    if store.read_only:
        return _build(reference, release, pfs_release)
    try:
        with store.transaction() as conn:
            found = _load_stored(store, release, pfs_release, hashes)
            if found is not None:
                return found
            facts = _build(reference, release, pfs_release)
            pfs_id = pfs_release.id if pfs_release is not None else 0
            # facts of releases no longer in the database go
            conn.execute(
                "DELETE FROM explain_release_facts WHERE release_id NOT IN (SELECT id FROM hcpcs_release) "
                "OR (pfs_release_id <> 0 AND pfs_release_id NOT IN (SELECT id FROM rvu_release))"
            )
            conn.execute(
                "INSERT OR REPLACE INTO explain_release_facts (release_id, pfs_release_id, build_key, release_sha256, "
                "pfs_sha256, body, built_at) VALUES (?,?,?,?,?,?,?)",
                (
                    release.id,
                    pfs_id,
                    _build_key(),
                    *hashes,
                    _facts_to_json(facts),
                    datetime.now(UTC).isoformat(timespec="seconds"),
                ),
            )
            return facts
    except StoreError:  # read-only file, full disk or a writer holding the lock too long: keep them in memory
        return _build(reference, release, pfs_release)


@dataclass
class _StoreCache:
    #: (HCPCS release id, fee schedule release id) -> (database state, facts)
    facts: dict[tuple[int, int | None], tuple[tuple[int, int], ReleaseFacts]] = field(default_factory=dict)
    #: (year asked, database state) -> the fee schedule release pages of that year use
    pfs: dict[tuple[int | None, tuple[int, int]], rvu.LoadedRelease | None] = field(default_factory=dict)


_CACHE: WeakKeyDictionary[Store, _StoreCache] = WeakKeyDictionary()
_LOCK = threading.Lock()


def _pfs_release_cached(store: Store, cache: _StoreCache, year: int | None) -> rvu.LoadedRelease | None:
    state = store.data_version()
    key = (year, state)
    if key not in cache.pfs:
        try:
            chosen = pfs_release_for(store, year)
        except HhbillError:  # a database without fee schedule tables that cannot be written: no RVU figures
            chosen = None
        # loading the shipped fee schedule changes the state: remember the answer under the state after it
        cache.pfs[(year, store.data_version())] = chosen
        cache.pfs[key] = chosen
    return cache.pfs[key]


def release_facts(reference: HcpcsReference, release: Release, year: int | None) -> ReleaseFacts:
    """The facts of ``release`` with the fee schedule release pages of ``year`` use, built once per database
    state and shared by every year that uses the same fee schedule release."""
    store = reference.store
    with _LOCK:
        cache = _CACHE.setdefault(store, _StoreCache())
    pfs_release = _pfs_release_cached(store, cache, year)
    key = (release.id, pfs_release.id if pfs_release is not None else None)
    state = store.data_version()
    cached = cache.facts.get(key)
    if cached is not None and cached[0] == state:
        return cached[1]
    facts = _load_or_build(reference, release, pfs_release)
    # storing the facts changed the state: keep the fee schedule choice under the state after it too
    after = store.data_version()
    with _LOCK:
        if after != state:
            cache.pfs[(year, after)] = pfs_release
        cache.facts = {k: v for k, v in cache.facts.items() if v[0] in (state, after)}  # drop older states
        cache.pfs = {k: v for k, v in cache.pfs.items() if k[1] in (state, after)}
        cache.facts[key] = (after, facts)
    return facts
