"""What runs inside an import's transaction after the release's rows are written (the search package adds the
stored search index here). A module of its own, so registering a hook does not load the importer and its
readers."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["post_import_hooks"]

#: called as ``hook(conn, release_id)`` in the import transaction: a failing hook rolls the whole import back
post_import_hooks: list[Callable[..., None]] = []
