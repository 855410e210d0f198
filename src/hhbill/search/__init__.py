"""Code search: ranked keyword, synonym and plain-language search over every HCPCS code and modifier.

One library function, :func:`search`, serves the CLI (``hhbill search``), the API and the pages;
:func:`suggest` is its search-as-you-type form, and :func:`prepare_search` loads what a first search needs (a
server calls it at start-up). :func:`index_release` builds a release's index (the HCPCS
importer calls it through ``post_import_hooks`` and stores the index, so a new process loads it instead of
rebuilding it; a release imported without it is indexed on its first search).
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from .._lazy import lazy_attributes
from ..hcpcs import post_import_hooks

if TYPE_CHECKING:
    from ._drugs import prepare_drug_names
    from ._index import ReleaseIndex, index_release, release_index
    from ._plain import keyword_search
    from ._search import SearchResponse, SearchResult, prepare_search, release_for, search, suggest
    from ._vocabulary import Vocabulary, VocabularyEntry, load_vocabulary, load_vocabulary_names, parse_vocabulary

#: public name -> the submodule that defines it (imported on first use: ``hhbill code`` needs only the
#: vocabulary, not the index, the drug names or rapidfuzz)
_WHERE = {
    "prepare_drug_names": "_drugs",
    "ReleaseIndex": "_index",
    "index_release": "_index",
    "release_index": "_index",
    "keyword_search": "_plain",
    "SearchResponse": "_search",
    "SearchResult": "_search",
    "prepare_search": "_search",
    "release_for": "_search",
    "search": "_search",
    "suggest": "_search",
    "Vocabulary": "_vocabulary",
    "VocabularyEntry": "_vocabulary",
    "load_vocabulary": "_vocabulary",
    "load_vocabulary_names": "_vocabulary",
    "parse_vocabulary": "_vocabulary",
}
__getattr__, __dir__ = lazy_attributes(__name__, _WHERE)


def _index_imported_release(conn: sqlite3.Connection, release_id: int) -> None:
    """Post-import hook: the importer writes the release's FTS5 rows and stored index in its own transaction."""
    from ._index import store_release_index, write_fts_rows

    write_fts_rows(conn, release_id)
    store_release_index(conn, release_id)


if not any(getattr(hook, "__name__", "") == _index_imported_release.__name__ for hook in post_import_hooks):
    post_import_hooks.append(_index_imported_release)

__all__ = [
    "ReleaseIndex",
    "SearchResponse",
    "SearchResult",
    "Vocabulary",
    "VocabularyEntry",
    "index_release",
    "keyword_search",
    "load_vocabulary",
    "load_vocabulary_names",
    "parse_vocabulary",
    "prepare_drug_names",
    "prepare_search",
    "release_for",
    "release_index",
    "search",
    "suggest",
]
