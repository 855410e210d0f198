"""The embedded default release, loaded into a store that has no HCPCS release (a fresh, offline install). Its own
module: every command asks first, and the answer is almost always "there is one", which needs no reference."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from .._store import Store
from ._schema import HCPCS_SCHEMA

if TYPE_CHECKING:
    from ._import import ImportResult

__all__ = ["ensure_default"]


def ensure_default(store: Store) -> ImportResult | None:
    """Load the embedded home health release when the store holds no HCPCS release (fresh, offline install)."""
    store.ensure_schema("hcpcs", HCPCS_SCHEMA)
    if store.fetchall("SELECT 1 FROM hcpcs_release LIMIT 1"):
        return None  # the usual case, answered without loading the reference
    # the importer and the readers load only on a fresh install: every other command starts without them
    from ._embedded import embedded_release
    from ._import import import_release_file
    from ._readers import ReleaseFile

    embedded = embedded_release()
    release = ReleaseFile(
        records=list(embedded.records),
        source_name="hhbill embedded default",
        source_format="embedded",
        effective_date=date.fromisoformat(embedded.metadata["effective_date"]),
        notes=dict(embedded.notes),
        warnings=[f"embedded subset: {embedded.metadata['source']}"],
    )
    return import_release_file(store, release, label=f"{embedded.metadata['label']} (embedded default)")
