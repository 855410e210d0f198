"""The read-only reference a worker checks claims against: the HCPCS releases and the PDGM case-mix tables of a
store, copied into plain Python values that pickle once and ship to every worker, and the fee schedule (034X lines
are priced for the KX threshold) as a serialised in-memory database.

Workers never open the SQLite file (it may not even be reachable from a cluster node); they get this snapshot,
which answers the scrubber's questions (``record_on``, ``release_on``, ``releases``, ``record_in``) exactly as
:class:`hhbill.hcpcs.HcpcsReference` over the same store does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import date
from functools import lru_cache
from typing import Any

from .._store import Store
from ..claims import CaseMixTables, CheckContext, FeeSchedulePricer
from ..hcpcs._record import HcpcsRecord
from ..hcpcs._reference import HcpcsReference, Release, normalise_code
from ..rvu import list_releases

__all__ = ["HcpcsSnapshot", "ReferenceSnapshot", "snapshot_from_store"]

_TUPLE_FIELDS = frozenset(f.name for f in fields(HcpcsRecord) if str(f.type).startswith("tuple"))


@lru_cache(maxsize=65536)
def _record(text: str) -> HcpcsRecord:
    data = json.loads(text)
    for name in _TUPLE_FIELDS:
        data[name] = tuple(data.get(name) or ())
    return HcpcsRecord(**data)


class HcpcsSnapshot:
    """Every loaded HCPCS release of a store, in memory: records kept as their stored JSON text and parsed on
    first use, so the snapshot is small to ship and a worker pays only for the codes its claims carry."""

    def __init__(self, releases: list[Release], records: dict[int, dict[str, str]]) -> None:
        self._releases = releases
        imported = [r for r in releases if r.source_format != "embedded"]
        self._active = imported or releases
        self._records = records

    @classmethod
    def from_store(cls, store: Store) -> HcpcsSnapshot:
        reference = HcpcsReference(store)
        releases = list(reference.releases())
        records: dict[int, dict[str, str]] = {release.id: {} for release in releases}
        for row in store.execute("SELECT release_id, code, record FROM hcpcs_code"):
            if row[0] in records:
                records[row[0]][row[1]] = row[2]
        return cls(releases, records)

    def __getstate__(self) -> dict[str, Any]:
        return {"releases": self._releases, "records": self._records}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["releases"], state["records"])  # type: ignore[misc]

    def releases(self) -> list[Release]:
        """Every release, oldest first (as ``HcpcsReference.releases``)."""
        return self._releases

    def release_on(self, day: date) -> Release | None:
        """The release in force on ``day`` (as ``HcpcsReference.release_on``)."""
        iso = day.isoformat()
        chosen = None
        for release in self._active:
            if release.effective_date <= iso:
                chosen = release
            else:
                break
        return chosen

    def record_in(self, code: str, release_id: int) -> HcpcsRecord | None:
        text = self._records.get(release_id, {}).get(normalise_code(code))
        return _record(text) if text is not None else None

    def record_on(self, code: str, day: date) -> HcpcsRecord | None:
        release = self.release_on(day)
        return self.record_in(code, release.id) if release is not None else None

    def code_count(self) -> int:
        return sum(len(codes) for codes in self._records.values())


@dataclass(frozen=True)
class ReferenceSnapshot:
    """What a worker needs to check claims as ``claim check`` does, minus the ledger (cross-claim edits run
    after the map step, against the ledger, in the process that owns it)."""

    codes: HcpcsSnapshot
    case_mix: CaseMixTables | None
    today: date
    late_noa_day_count: str = "admission_to_day_before_receipt"
    #: the fee schedule tables (``hhbill.rvu.fee_schedule_snapshot``); None: KX counts charges, as without one
    fee_schedule: bytes | None = None

    def context(self) -> CheckContext:
        return CheckContext(
            codes=self.codes,
            case_mix=self.case_mix,
            today=self.today,
            late_noa_day_count=self.late_noa_day_count,
            fee_schedule=_pricer(self.fee_schedule) if self.fee_schedule is not None else None,
        )


@lru_cache(maxsize=2)
def _pricer(data: bytes) -> FeeSchedulePricer:
    """One pricer per snapshot per worker process (its unit prices are cached across the claims it checks)."""
    from ..rvu import store_from_fee_schedule_snapshot

    return FeeSchedulePricer(store_from_fee_schedule_snapshot(data))


def snapshot_from_store(
    store: Store, *, today: date | None = None, late_noa_day_count: str = "admission_to_day_before_receipt"
) -> ReferenceSnapshot:
    """The snapshot of a store (the embedded HCPCS default is loaded first when it holds no release, as
    ``claims.context_for_store`` does)."""
    from .. import hcpcs
    from ..rvu import fee_schedule_snapshot

    hcpcs.ensure_default(store)
    case_mix = CaseMixTables.from_store(store)
    # as claims.fee_schedule_for_store: a read-only store without an imported fee schedule prices nothing
    fee_schedule = None if store.read_only and not list_releases(store, "pprrvu") else fee_schedule_snapshot(store)
    return ReferenceSnapshot(
        codes=HcpcsSnapshot.from_store(store),
        case_mix=case_mix if case_mix.years() else None,
        today=today or date.today(),
        late_noa_day_count=late_noa_day_count,
        fee_schedule=fee_schedule,
    )
