"""Medicare Physician Fee Schedule tools: RVU file import, locality pricing, group statistics, procedure log.

Public surface (the CLI, API and pages call these)::

    import_fee_schedule(store, path, *, release=None, progress=None) -> ImportSummary
    list_releases(store, kind=None) -> list[LoadedRelease]
    ensure_embedded_fee_schedule(store) -> list[str]   (load the shipped fee schedule where nothing is imported)
    fee_schedule_snapshot(store) -> bytes; store_from_fee_schedule_snapshot(bytes) -> Store   (for remote workers)
    price(store, code, *, modifier=None, year=None, locality=None, state=None, zip_code=None, facility=False)
        -> PriceResult
    resolve_locality(store, *, year=None, locality=None, state=None, zip_code=None) -> Locality
    work_rvu_share(store, letter, year=None) -> GroupShare
    status_share(store, letter, status, year=None) -> GroupShare
    code_rvu_section(store, code, *, year=None) -> CodeRvuSection
    log_add(store, code, *, performed_on=None, units=1, modifier=None) -> LogEntry
    log_entries(store, *, date_from=None, date_to=None) -> list[LogEntry]
    log_remove(store, entry_id) -> None
    log_set_target(store, work_rvu, per) -> WorkRvuTarget
    log_target(store) -> WorkRvuTarget | None
    log_report(store, *, date_from=None, date_to=None, by=None) -> LogReport

Every result has ``to_dict()``; most have ``to_text()``. Descriptors shown come only from the file the user
imported (CPT descriptors are AMA-copyrighted and nothing derived from them ships with hhbill).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes

if TYPE_CHECKING:
    from ._embedded import embedded_fee_schedule, ensure_embedded_fee_schedule
    from ._importer import ImportedFile, ImportSummary, import_fee_schedule
    from ._pricing import Locality, PriceResult, price, resolve_locality
    from ._proclog import (
        LogEntry,
        LogReport,
        PeriodTotal,
        WorkRvuTarget,
        log_add,
        log_entries,
        log_remove,
        log_report,
        log_set_target,
        log_target,
    )
    from ._release_id import ReleaseId
    from ._releases import LoadedRelease, list_releases
    from ._snapshot import fee_schedule_snapshot, store_from_fee_schedule_snapshot
    from ._stats import CodeRvuSection, GroupShare, code_rvu_section, status_share, work_rvu_share

#: public name -> the submodule that defines it (imported on first use: a code page needs no procedure log)
_WHERE = {
    "embedded_fee_schedule": "_embedded",
    "ensure_embedded_fee_schedule": "_embedded",
    "ImportedFile": "_importer",
    "ImportSummary": "_importer",
    "import_fee_schedule": "_importer",
    "Locality": "_pricing",
    "PriceResult": "_pricing",
    "price": "_pricing",
    "resolve_locality": "_pricing",
    "LogEntry": "_proclog",
    "LogReport": "_proclog",
    "PeriodTotal": "_proclog",
    "WorkRvuTarget": "_proclog",
    "log_add": "_proclog",
    "log_entries": "_proclog",
    "log_remove": "_proclog",
    "log_report": "_proclog",
    "log_set_target": "_proclog",
    "log_target": "_proclog",
    "ReleaseId": "_release_id",
    "LoadedRelease": "_releases",
    "list_releases": "_releases",
    "fee_schedule_snapshot": "_snapshot",
    "store_from_fee_schedule_snapshot": "_snapshot",
    "CodeRvuSection": "_stats",
    "GroupShare": "_stats",
    "code_rvu_section": "_stats",
    "status_share": "_stats",
    "work_rvu_share": "_stats",
}
__getattr__, __dir__ = lazy_attributes(__name__, _WHERE)

__all__ = [
    "CodeRvuSection",
    "GroupShare",
    "ImportSummary",
    "ImportedFile",
    "LoadedRelease",
    "Locality",
    "LogEntry",
    "LogReport",
    "PeriodTotal",
    "PriceResult",
    "ReleaseId",
    "WorkRvuTarget",
    "code_rvu_section",
    "embedded_fee_schedule",
    "ensure_embedded_fee_schedule",
    "fee_schedule_snapshot",
    "import_fee_schedule",
    "list_releases",
    "log_add",
    "log_entries",
    "log_remove",
    "log_report",
    "log_set_target",
    "log_target",
    "price",
    "resolve_locality",
    "status_share",
    "store_from_fee_schedule_snapshot",
    "work_rvu_share",
]
