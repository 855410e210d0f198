"""The HCPCS answers every interface shows: the decoded code page and a release's records."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from .._store import Store
from ._record import HcpcsRecord
from ._reference import HcpcsReference, Release, _cached_record

if TYPE_CHECKING:
    pass

__all__ = ["code_page", "release_records"]


def code_page(store: Store | HcpcsReference, code: str, as_of: date | None = None) -> dict[str, Any]:
    """The decoded page of ``code`` as of a date (default today), with history, other meanings and exclusions.

    Raises NotFoundError (with the dates the code was valid, if any) when it did not exist on that date.
    """
    reference = store if isinstance(store, HcpcsReference) else HcpcsReference(store)
    from ._page import build_code_page

    found = reference.lookup(code, as_of)
    meanings = reference.meanings(found.record.code)
    page = build_code_page(
        found.record,
        release=found.release.brief(),
        note_text=found.note_text,
        history=reference.history(found.record.code),
        other_meanings=meanings if len(meanings) > 1 else [],
        status={"state": found.status, "as_of": found.as_of.isoformat(), "reason": found.status_text},
    )
    page["as_of"] = found.as_of.isoformat()
    return page


def release_records(reference: HcpcsReference, release: Release) -> list[HcpcsRecord]:
    """Every record (procedures and modifiers) of one loaded release, in no particular order."""
    rows = reference.store.execute("SELECT record FROM hcpcs_code WHERE release_id = ?", (release.id,)).fetchall()
    return [_cached_record(row[0]) for row in rows]
