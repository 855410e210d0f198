"""Plain keyword search: SQLite FTS5 BM25 over the long and short descriptions, nothing else.

The ranked search (:func:`hhbill.search.search`) is measured against this in ``bench/search_quality.py``; it is
also a dependable fallback that needs no vocabulary. Every word is quoted before it reaches FTS5, so FTS syntax
in user text (quotes, ``*``, ``NEAR``, ``-``, column filters) is searched as text, never interpreted.
"""

from __future__ import annotations

from .._store import Store
from ._index import SEARCH_SCHEMA, fts_is_indexed, index_release
from ._text import clean_query, content_words


def _match_expression(query: str, operator: str) -> str:
    return f" {operator} ".join(f'"{word}"' for word in content_words(query))


def keyword_search(store: Store, query: str, *, release_id: int, limit: int = 20) -> list[str]:
    """Codes of ``release_id`` whose descriptions hold every word of ``query`` (BM25 order; all words,
    then any word when no code has them all). The release's FTS5 rows are built first if missing."""
    store.ensure_schema("search", SEARCH_SCHEMA)
    if not fts_is_indexed(store, release_id):
        index_release(store, release_id)
    text, _notes = clean_query(query)
    limit = max(1, min(int(limit), 500))
    for operator in ("AND", "OR"):
        expression = _match_expression(text, operator)
        if not expression:
            return []
        rows = store.execute(
            "SELECT code FROM search_fts WHERE search_fts MATCH ? AND release_id = ? "
            "ORDER BY bm25(search_fts, 1.0, 1.0) LIMIT ?",
            (f"{{short_description long_description}} : ({expression})", release_id, limit),
        ).fetchall()
        if rows:
            return [row[0] for row in rows]
    return []
