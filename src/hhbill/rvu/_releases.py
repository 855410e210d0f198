"""Which loaded release answers a question: the latest quarter of the year asked (default: this year, else the
latest loaded year), preferring the non-QP relative value file over the QP one when both are loaded."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date
from typing import Any

from .._errors import NotFoundError
from .._store import Store
from ._embedded import ensure_embedded_fee_schedule, is_embedded_source
from ._release_id import ReleaseId
from ._schema import tables_ready

__all__ = ["LoadedRelease", "choose_release", "list_releases"]

KIND_NAMES = {"pprrvu": "relative value (PPRRVU)", "gpci": "GPCI", "zip5": "ZIP5 ZIP-to-locality"}


@dataclass(frozen=True, slots=True)
class LoadedRelease:
    id: int
    kind: str
    year: int
    quarter: str
    variant: str
    source_name: str
    conversion_factor: float | None
    released_on: str | None
    row_count: int
    imported_at: str

    @property
    def label(self) -> str:
        text = ReleaseId(self.year, self.quarter, self.variant).describe(self.kind)
        return f"{text}, embedded default" if self.embedded else text

    @property
    def embedded(self) -> bool:
        """Loaded from the fee schedule shipped with hhbill, not imported by the user."""
        return is_embedded_source(self.source_name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "label": self.label,
            "year": self.year,
            "quarter": self.quarter,
            "variant": self.variant,
            "source": self.source_name,
            "embedded": self.embedded,
            "conversion_factor": self.conversion_factor,
            "released_on": self.released_on,
            "rows": self.row_count,
            "imported_at": self.imported_at,
        }


_COLUMNS = "id, kind, year, quarter, variant, source_name, conversion_factor, released_on, row_count, imported_at"
# latest quarter first; the QP variant only when nothing else is loaded; the newest import of equal releases
_ORDER = "ORDER BY year DESC, quarter DESC, (variant = 'QPP') ASC, id DESC"


def _release(row: sqlite3.Row) -> LoadedRelease:
    return LoadedRelease(*tuple(row))


def _active(releases: list[LoadedRelease]) -> list[LoadedRelease]:
    """Imported releases take over from the embedded default: per kind, drop embedded ones once one is imported."""
    imported_kinds = {r.kind for r in releases if not r.embedded}
    return [r for r in releases if not (r.embedded and r.kind in imported_kinds)]


def list_releases(store: Store, kind: str | None = None) -> list[LoadedRelease]:
    """Every fee schedule release answers come from (optionally of one kind), newest first: the imported ones,
    and the embedded default of a kind nothing was imported for."""
    if not tables_ready(store, "rvu_release"):
        return []
    if kind:
        rows = store.execute(f"SELECT {_COLUMNS} FROM rvu_release WHERE kind=? {_ORDER}", (kind,)).fetchall()
    else:
        rows = store.execute(f"SELECT {_COLUMNS} FROM rvu_release {_ORDER}").fetchall()
    return _active([_release(r) for r in rows])


def choose_release(
    store: Store, kind: str, year: int | None = None, *, not_after: tuple[int, str] | None = None
) -> LoadedRelease:
    """The release of ``kind`` to use for ``year`` (None: this year if loaded, else the latest loaded year).

    ``not_after`` (year, quarter) prefers a release no later than that quarter (used to pair GPCIs with an RVU
    release), falling back to the latest of the year.
    """
    if tables_ready(store, "rvu_release") and not store.read_only:
        ensure_embedded_fee_schedule(store)  # a fresh install prices with the fee schedule shipped with hhbill
    candidates = list_releases(store, kind)
    years = sorted({r.year for r in candidates})
    if not years:
        raise NotFoundError(
            f"no {KIND_NAMES[kind]} file is loaded; import one with `hhbill rvu-import PATH`", kind=kind
        )
    if year is None:
        this_year = date.today().year
        year = this_year if this_year in years else years[-1]
    if year not in years:
        raise NotFoundError(
            f"no {KIND_NAMES[kind]} file for {year} is loaded (loaded years: {', '.join(map(str, years))})",
            kind=kind,
            year=year,
        )
    releases = [r for r in candidates if r.year == year]
    if not_after is not None:
        earlier = [r for r in releases if (r.year, r.quarter) <= not_after]
        if earlier:
            return earlier[0]
    return releases[0]
