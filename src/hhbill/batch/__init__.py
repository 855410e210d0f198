"""Scrub at scale: every 837I and claim JSON under some folders, checked claim by claim as ``claim check`` does,
into Parquet — in this process or on a Dask cluster.

Typical use::

    snapshot = snapshot_from_store(store)                 # HCPCS releases + case-mix tables, in memory
    summary = scrub_to_parquet(["claims/"], "out/", snapshot, engine="dask", workers=8,
                               ledger=open_ledger(store))  # cross-claim edits, in order, after the map step
    summary.exit_status                                   # 0, 3 (a claim has errors) or 1 (a file unreadable)

Outputs: ``claims.parquet`` (one row per claim), ``findings.parquet`` (one per finding), ``files.parquet`` (one
per file). No names, birth dates or MBIs. See docs/SCALE.md for running it on a cluster.
"""

from ._output import CLAIMS_SCHEMA, FILES_SCHEMA, FINDINGS_SCHEMA
from ._run import ENGINES, BatchProgress, BatchSummary, cross_claim_findings, scrub_to_parquet
from ._snapshot import HcpcsSnapshot, ReferenceSnapshot, snapshot_from_store
from ._units import DEFAULT_SPLIT_BYTES, FileEntry, WorkUnit, discover, plan_units
from ._work import ClaimOutcome, FileOutcome, UnitResult, scrub_unit

__all__ = [
    "CLAIMS_SCHEMA",
    "DEFAULT_SPLIT_BYTES",
    "ENGINES",
    "FILES_SCHEMA",
    "FINDINGS_SCHEMA",
    "BatchProgress",
    "BatchSummary",
    "ClaimOutcome",
    "FileEntry",
    "FileOutcome",
    "HcpcsSnapshot",
    "ReferenceSnapshot",
    "UnitResult",
    "WorkUnit",
    "cross_claim_findings",
    "discover",
    "plan_units",
    "scrub_to_parquet",
    "scrub_unit",
    "snapshot_from_store",
]
