"""Facts computed once over a whole release, so a code page reads them instead of scanning the release.

A :class:`ReleaseFacts` is built per (HCPCS release, fee schedule release) pair and kept until the database
changes (:meth:`hhbill._store.Store.data_version`): group sizes and shares by letter section, code range and
BETOS family, reverse cross-references and "do not use with" restrictions, and each code's global PFS row.
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

from .. import rvu
from .._errors import HhbillError
from .._store import Store
from ..hcpcs import HcpcsRecord, HcpcsReference, Release, codes_in_category, exclusions_in, release_records

__all__ = ["GroupKey", "ReleaseFacts", "release_facts"]

#: (kind of group, key), e.g. ("letter", "G"), ("range", "G03"), ("betos", "Y2")
GroupKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class PfsRow:
    status: str
    work_rvu: float


@dataclass
class ReleaseFacts:
    release: Release
    pfs_release: str | None
    records: dict[str, HcpcsRecord]
    #: codes of each group, sorted
    members: dict[GroupKey, list[str]] = field(default_factory=dict)
    #: per group: how many members carry each coverage code / first pricing indicator
    coverage_counts: dict[GroupKey, Counter[str]] = field(default_factory=dict)
    pricing_counts: dict[GroupKey, Counter[str]] = field(default_factory=dict)
    #: per group: (members with a PFS row, of which work RVU 0.00)
    work_zero: dict[GroupKey, tuple[int, int]] = field(default_factory=dict)
    pfs: dict[str, PfsRow] = field(default_factory=dict)
    #: every code with a row (global or component) in that relative value file
    pfs_codes: frozenset[str] = frozenset()
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
    facts = _build(reference, release, pfs_release)
    with _LOCK:
        cache.facts = {k: v for k, v in cache.facts.items() if v[0] == state}  # drop facts of older states
        cache.pfs = {k: v for k, v in cache.pfs.items() if k[1] == state}
        cache.facts[key] = (state, facts)
    return facts
