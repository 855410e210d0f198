"""The search index of one HCPCS release: persisted FTS5 table plus a BM25F index, stored and kept in memory.

``index_release`` writes the release's descriptions into the FTS5 table ``search_fts`` (Porter stemming; plain
BM25 keyword search and the benchmark baseline read it) and records it in ``search_indexed_release``. The ranked
search itself runs on :class:`ReleaseIndex`: per-stem impact lists (BM25F over the long description, the short
description and the vocabulary aliases of each code), the word list for prefix and typo matching, and the codes
in order.

The importer builds that index in its transaction and stores it in ``search_release_index`` (one compact blob
per release, ``_persisted``), so a new process loads it in milliseconds instead of rebuilding it (seconds). A
release imported before the table existed, or a stored index built with another vocabulary or ranking constants,
is rebuilt on first use and stored then; a read-only database keeps the rebuilt index in memory only. Releases
are never changed once imported, so an index stays valid for the life of the process (a small LRU keeps them).
"""

from __future__ import annotations

import bisect
import math
import sqlite3
import threading
from array import array
from collections import Counter, OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import repeat
from typing import Any, NamedTuple

from .._errors import StoreError
from .._store import Store
from ..hcpcs._schema import HCPCS_SCHEMA
from ._persisted import BLOB_FORMAT, IndexBlobError, LazyPostings, decode_index_blob, encode_index_blob
from ._text import content_words, stemmer, words
from ._vocabulary import Vocabulary, load_vocabulary, shipped_vocabulary_fingerprint

SEARCH_SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(
    code UNINDEXED,
    kind UNINDEXED,
    release_id UNINDEXED,
    short_description,
    long_description,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS search_indexed_release (
    release_id      INTEGER PRIMARY KEY REFERENCES hcpcs_release(id),
    document_count  INTEGER NOT NULL,
    indexed_at      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS search_release_index (
    release_id      INTEGER PRIMARY KEY REFERENCES hcpcs_release(id),
    build_key       TEXT NOT NULL,   -- blob format, ranking constants and vocabulary digest it was built with
    release_sha256  TEXT NOT NULL,   -- hcpcs_release.content_sha256 of the release it was built from
    body            BLOB NOT NULL,   -- the index (see hhbill.search._persisted)
    built_at        TEXT NOT NULL
);
"""

#: BM25F field weights and length normalisation (long description, short description, vocabulary aliases)
FIELD_WEIGHTS = (1.0, 0.5, 0.9)
FIELD_B = (0.75, 0.5, 0.3)
K1 = 1.2


class Document(NamedTuple):
    """One code of the release (a named tuple: a release has thousands, made on every load)."""

    code: str
    kind: str
    short_description: str
    long_description: str
    added_date: str | None
    termination_date: str | None

    def valid_on(self, iso_day: str) -> bool:
        if self.added_date and iso_day < self.added_date:
            return False
        return not (self.termination_date and iso_day > self.termination_date)


@dataclass
class ReleaseIndex:
    release_id: int
    documents: list[Document]
    #: stem -> {document number: BM25F impact} (a dict when built, decoded stem by stem when loaded)
    impacts: Mapping[str, dict[int, float]]
    #: stem -> inverse document frequency
    idf: dict[str, float]
    #: unstemmed word -> number of documents using it (descriptions and aliases)
    word_frequency: dict[str, int]
    #: the same words, sorted, for prefix look-up
    sorted_words: list[str]
    by_code: dict[str, int]
    codes_in_order: list[str] = field(default_factory=list)
    #: the stems of every document (all fields); derived from ``impacts`` on first use
    _document_stems: list[frozenset[str]] = field(default_factory=list, repr=False)
    _memo: dict[str, frozenset[int]] = field(default_factory=dict, repr=False)
    #: document number -> stems of its long description in order (filled as the phrase bonus needs them)
    description_stems: dict[int, list[str]] = field(default_factory=dict, repr=False)
    #: things the search derives from the index once (word dictionaries), keyed by what they depend on
    extras: dict[str, object] = field(default_factory=dict, repr=False)

    @property
    def document_stems(self) -> list[frozenset[str]]:
        """The stems of each document (all fields), in document order."""
        if not self._document_stems and self.documents:
            stems: list[set[str]] = [set() for _ in self.documents]
            for stem in self.impacts:
                for number in self.impacts[stem]:
                    stems[number].add(stem)
            self._document_stems = [frozenset(found) for found in stems]
        return self._document_stems

    @property
    def modifier_numbers(self) -> frozenset[int]:
        found = self._memo.get("modifiers")
        if found is None:
            found = frozenset(n for n, d in enumerate(self.documents) if d.kind == "modifier")
            self._memo["modifiers"] = found
        return found

    def valid_numbers(self, iso_day: str) -> frozenset[int]:
        """Documents valid on a day (added on or before it, not terminated before it); memoised per day."""
        key = f"valid:{iso_day}"
        found = self._memo.get(key)
        if found is None:
            found = frozenset(n for n, d in enumerate(self.documents) if d.valid_on(iso_day))
            if len(self._memo) > 64:
                self._memo.clear()
            self._memo[key] = found
        return found

    def numbers_with_prefix(self, prefix: str) -> list[int]:
        start = bisect.bisect_left(self.codes_in_order, prefix)
        found: list[int] = []
        for position in range(start, len(self.codes_in_order)):
            code = self.codes_in_order[position]
            if not code.startswith(prefix):
                break
            found.append(self.by_code[code])
        return found

    def numbers_in_range(self, first: str, last: str) -> list[int]:
        start = bisect.bisect_left(self.codes_in_order, first)
        end = bisect.bisect_right(self.codes_in_order, last)
        return [self.by_code[c] for c in self.codes_in_order[start:end] if len(c) == len(first)]

    @property
    def max_idf(self) -> float:
        """The idf of a word used by a single code (the rarest possible)."""
        count = len(self.documents) or 1
        return math.log(1 + (count - 0.5) / 1.5)

    def is_modifier(self, code: str) -> bool:
        number = self.by_code.get(code)
        return number is not None and self.documents[number].kind == "modifier"

    def words_starting_with(self, prefix: str, limit: int = 40) -> list[str]:
        """Index words that begin with ``prefix`` (most used first)."""
        start = bisect.bisect_left(self.sorted_words, prefix)
        found: list[str] = []
        for position in range(start, len(self.sorted_words)):
            word = self.sorted_words[position]
            if not word.startswith(prefix):
                break
            found.append(word)
        found.sort(key=lambda w: -self.word_frequency[w])
        return found[:limit]


def _aliases_by_code(vocabulary: Vocabulary, codes: list[str]) -> dict[str, list[str]]:
    aliases: dict[str, list[str]] = {}
    for entry in vocabulary.entries:
        if not entry.codes and not entry.code_ranges:
            continue
        named = [c for c in entry.codes]
        for code_range in entry.code_ranges:
            first = bisect.bisect_left(codes, code_range.first)
            last = bisect.bisect_right(codes, code_range.last)
            named.extend(codes[first:last])
        for code in named:
            aliases.setdefault(code, []).extend(entry.terms)
    return aliases


def build_release_index(
    release_id: int, rows: list[tuple[str, str, str, str, str | None, str | None]], vocabulary: Vocabulary
) -> ReleaseIndex:
    """Build the in-memory index from ``(code, kind, short, long, added, terminated)`` rows."""
    documents = [Document(*row) for row in sorted(rows, key=lambda r: (r[1] != "procedure", r[0]))]
    codes_sorted = sorted(d.code for d in documents)
    aliases = _aliases_by_code(vocabulary, codes_sorted)
    field_words: list[tuple[list[str], list[str], list[str]]] = []
    vocabulary_words: Counter[str] = Counter()
    for document in documents:
        long_words = words(document.long_description)
        short_words = words(document.short_description)
        alias_words = [w for term in aliases.get(document.code, ()) for w in words(term)]
        field_words.append((long_words, short_words, alias_words))
        vocabulary_words.update(set(long_words) | set(short_words) | set(alias_words))
    stem_of = stemmer().stem_all(vocabulary_words)
    count = len(documents) or 1
    field_lengths = [[len(fields[f]) for fields in field_words] for f in range(3)]
    averages = [max(sum(lengths) / count, 1.0) for lengths in field_lengths]
    term_frequencies: list[dict[str, float]] = []
    document_frequency: Counter[str] = Counter()
    for number, fields in enumerate(field_words):
        weighted: dict[str, float] = {}
        for f, field_word_list in enumerate(fields):
            if not field_word_list:
                continue
            norm = 1 - FIELD_B[f] + FIELD_B[f] * field_lengths[f][number] / averages[f]
            for word, tf in Counter(field_word_list).items():
                stem = stem_of[word]
                weighted[stem] = weighted.get(stem, 0.0) + FIELD_WEIGHTS[f] * tf / norm
        term_frequencies.append(weighted)
        document_frequency.update(weighted.keys())
    idf = {stem: math.log(1 + (count - df + 0.5) / (df + 0.5)) for stem, df in document_frequency.items()}
    impacts: dict[str, dict[int, float]] = {}
    for number, weighted in enumerate(term_frequencies):
        for stem, frequency in weighted.items():
            impacts.setdefault(stem, {})[number] = idf[stem] * frequency * (K1 + 1) / (frequency + K1)
    return ReleaseIndex(
        release_id=release_id,
        documents=documents,
        impacts=impacts,
        idf=idf,
        word_frequency=dict(vocabulary_words),
        sorted_words=sorted(vocabulary_words),
        by_code={d.code: n for n, d in enumerate(documents)},
        codes_in_order=codes_sorted,
    )


# -- the stored index ---------------------------------------------------------------------------------------------
def build_key(vocabulary_fingerprint: str) -> str:
    """What a stored index depends on besides the release: blob format, ranking constants, vocabulary content."""
    return f"{BLOB_FORMAT}|{FIELD_WEIGHTS}|{FIELD_B}|{K1}|{vocabulary_fingerprint}"


def _words_of(vocabulary: Vocabulary) -> set[str]:
    """Every word of the vocabulary search stems: of its terms, meanings, qualifiers and units."""
    found = {
        word for entry in vocabulary.entries for text in (*entry.terms, *entry.means) for word in content_words(text)
    }
    qualifying = {word for qualifier in vocabulary.qualifiers for word in [*words(qualifier.text), *qualifier.asked_by]}
    return found | qualifying | vocabulary.unit_words


def index_blob(index: ReleaseIndex, vocabulary: Vocabulary) -> bytes:
    """The index as one compact blob (``_persisted``)."""
    stems = list(index.impacts)
    ends = array("I")
    posting_documents = array("I")
    posting_impacts = array("d")
    for stem in stems:
        postings = index.impacts[stem]
        posting_documents.extend(postings.keys())
        posting_impacts.extend(postings.values())
        ends.append(len(posting_documents))
    sections: dict[str, list[str] | array[Any]] = {
        "stems": stems,
        "idf": array("d", (index.idf[stem] for stem in stems)),
        "posting_ends": ends,
        "posting_documents": posting_documents,
        "posting_impacts": posting_impacts,
        "words": index.sorted_words,
        "word_counts": array("I", (index.word_frequency[word] for word in index.sorted_words)),
        "codes": [document.code for document in index.documents],
        "kinds": [document.kind for document in index.documents],
        "short_descriptions": [document.short_description for document in index.documents],
        "long_descriptions": [document.long_description for document in index.documents],
        "added_dates": [document.added_date or "" for document in index.documents],
        "termination_dates": [document.termination_date or "" for document in index.documents],
    }
    known = stemmer().known(sorted(set(index.sorted_words) | _words_of(vocabulary)))
    sections["stemmed_words"], sections["stems_of_words"] = list(known), list(known.values())
    return encode_index_blob(sections)


def index_from_blob(release_id: int, blob: bytes) -> ReleaseIndex:
    """A :class:`ReleaseIndex` from a stored blob (IndexBlobError when the blob is damaged or incomplete)."""
    sections = decode_index_blob(blob)
    try:
        stems, sorted_words = _texts(sections["stems"]), _texts(sections["words"])
        columns = [
            _texts(sections[name])
            for name in (
                "codes",
                "kinds",
                "short_descriptions",
                "long_descriptions",
                "added_dates",
                "termination_dates",
            )
        ]
        idf, ends, documents_of, impacts_of, counts = (
            _array(sections[name])
            for name in ("idf", "posting_ends", "posting_documents", "posting_impacts", "word_counts")
        )
        stemmed_words, stems_of_words = _texts(sections["stemmed_words"]), _texts(sections["stems_of_words"])
    except KeyError as exc:
        raise IndexBlobError(f"section {exc} is missing") from None
    if len(stemmed_words) != len(stems_of_words):
        raise IndexBlobError("the stored stems do not match their words")
    codes = columns[0]
    if len({len(column) for column in columns}) != 1:
        raise IndexBlobError("the stored documents' sections disagree in length")
    if not (len(idf) == len(ends) == len(stems)) or len(counts) != len(sorted_words):
        raise IndexBlobError("the stored index sections disagree in length")
    if max(documents_of, default=-1) >= len(codes) or (ends and ends[-1] != len(documents_of)):
        raise IndexBlobError("the stored postings do not fit the documents")
    dates = [[day or None for day in column] for column in columns[4:]]  # stored as "" for none
    # tuple.__new__ straight from the columns: a Python call per document would cost more than the rest of the load
    documents: list[Document] = list(map(tuple.__new__, repeat(Document), zip(*columns[:4], *dates, strict=True)))
    stemmer().remember(zip(stemmed_words, stems_of_words, strict=True))
    return ReleaseIndex(
        release_id=release_id,
        documents=documents,
        impacts=LazyPostings(stems, ends, documents_of, impacts_of),
        idf=dict(zip(stems, idf, strict=True)),
        word_frequency=dict(zip(sorted_words, counts, strict=True)),
        sorted_words=sorted_words,
        by_code={code: number for number, code in enumerate(codes)},
        codes_in_order=sorted(codes),
    )


def _texts(values: list[str] | array[Any]) -> list[str]:
    if not isinstance(values, list):
        raise IndexBlobError("a text section holds numbers")
    return values


def _array(values: list[str] | array[Any]) -> array[Any]:
    if not isinstance(values, array):
        raise IndexBlobError("a number section holds text")
    return values


_Row = tuple[str, str, str, str, str | None, str | None]
_ROWS_SQL = (
    "SELECT code, kind, short_description, long_description, added_date, termination_date "
    "FROM hcpcs_code WHERE release_id = ?"
)


def _release_rows(store: Store, release_id: int) -> list[_Row]:
    store.ensure_schema("hcpcs", HCPCS_SCHEMA)
    cursor = store.execute(_ROWS_SQL, (release_id,))
    cursor.row_factory = None  # plain tuples: several times faster than sqlite3.Row for thousands of rows
    return cursor.fetchall()


def _release_fingerprint(store: Store, release_id: int) -> str:
    row = store.execute("SELECT content_sha256 FROM hcpcs_release WHERE id = ?", (release_id,)).fetchone()
    return str(row[0]) if row else ""


#: releases kept in memory at once (about 60 MB each)
_CACHE_SIZE = 4
_cache: OrderedDict[tuple[str, int, str, str], ReleaseIndex] = OrderedDict()
_cache_lock = threading.Lock()


def _store_key(store: Store) -> str:
    return f"memory:{id(store.conn)}" if store.path == ":memory:" else store.path


def release_index(store: Store, release_id: int, *, vocabulary: Vocabulary | None = None) -> ReleaseIndex:
    """The index of a release: from memory, else loaded from the database, else built (and then stored when the
    database is writable). Kept in a small LRU of releases. Loading a stored index needs only the vocabulary's
    fingerprint; the vocabulary itself is parsed (and stemmed) only to build one."""
    vocabulary_fingerprint = vocabulary.fingerprint if vocabulary is not None else shipped_vocabulary_fingerprint()
    fingerprint = _release_fingerprint(store, release_id)
    key = (_store_key(store), release_id, fingerprint, vocabulary_fingerprint)
    with _cache_lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    built = _load_stored(store, release_id, fingerprint, vocabulary_fingerprint)
    if built is None:
        vocabulary = vocabulary or load_vocabulary()
        built = build_release_index(release_id, _release_rows(store, release_id), vocabulary)
        _store_index(store, built, fingerprint, vocabulary)
    with _cache_lock:
        _cache[key] = built
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return built


def _load_stored(store: Store, release_id: int, fingerprint: str, vocabulary_fingerprint: str) -> ReleaseIndex | None:
    """The stored index of a release, when one was built from this release with this vocabulary."""
    store.ensure_schema("search", SEARCH_SCHEMA)
    try:
        row = store.execute(
            "SELECT body FROM search_release_index WHERE release_id = ? AND build_key = ? AND release_sha256 = ?",
            (release_id, build_key(vocabulary_fingerprint), fingerprint),
        ).fetchone()
    except StoreError:  # a read-only database made before the table existed
        return None
    if row is None:
        return None
    try:
        return index_from_blob(release_id, bytes(row[0]))
    except (IndexBlobError, ValueError, TypeError):
        return None  # damaged or foreign: rebuild (and store a good one)


def _store_index(store: Store, index: ReleaseIndex, fingerprint: str, vocabulary: Vocabulary) -> None:
    """Store a rebuilt index in its own write transaction; on a read-only or busy database keep it in memory."""
    if store.read_only:
        return
    try:
        with store.transaction() as conn:
            _write_index_row(conn, index, fingerprint, vocabulary)
    except StoreError:
        return  # read-only file, full disk or a writer holding the lock: this process searches from memory


def _write_index_row(conn: sqlite3.Connection, index: ReleaseIndex, fingerprint: str, vocabulary: Vocabulary) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO search_release_index(release_id, build_key, release_sha256, body, built_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (
            index.release_id,
            build_key(vocabulary.fingerprint),
            fingerprint,
            index_blob(index, vocabulary),
            datetime.now(UTC).isoformat(timespec="seconds"),
        ),
    )


def store_release_index(conn: sqlite3.Connection, release_id: int, vocabulary: Vocabulary | None = None) -> None:
    """Build a release's index and store it, on an open connection inside the caller's transaction (the HCPCS
    importer's post-import hook: the release and its index appear together)."""
    vocabulary = vocabulary or load_vocabulary()
    _create_tables(conn)
    cursor = conn.execute(_ROWS_SQL, (release_id,))
    cursor.row_factory = None
    rows = cursor.fetchall()
    sha = conn.execute("SELECT content_sha256 FROM hcpcs_release WHERE id = ?", (release_id,)).fetchone()
    _write_index_row(conn, build_release_index(release_id, rows, vocabulary), str(sha[0]) if sha else "", vocabulary)


def _create_tables(conn: sqlite3.Connection) -> None:
    for statement in SEARCH_SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)


def write_fts_rows(conn: sqlite3.Connection, release_id: int) -> int:
    """Write one release's rows into ``search_fts`` on an open connection, inside the caller's transaction.

    This is the HCPCS importer's post-import hook: it runs in the import transaction, so the release and its
    search rows appear together or not at all.
    """
    _create_tables(conn)
    rows = conn.execute(
        "SELECT code, kind, short_description, long_description FROM hcpcs_code WHERE release_id = ?",
        (release_id,),
    ).fetchall()
    conn.execute("DELETE FROM search_fts WHERE release_id = ?", (release_id,))
    conn.executemany(
        "INSERT INTO search_fts(code, kind, release_id, short_description, long_description) VALUES (?, ?, ?, ?, ?)",
        [(code, kind, release_id, short, long) for code, kind, short, long in rows],
    )
    conn.execute(
        "INSERT OR REPLACE INTO search_indexed_release(release_id, document_count, indexed_at) VALUES (?, ?, ?)",
        (release_id, len(rows), datetime.now(UTC).isoformat(timespec="seconds")),
    )
    return len(rows)


def index_release(store: Store, release_id: int) -> int:
    """(Re)build the search index of one imported release; returns the number of codes indexed.

    Writes the release's FTS5 rows and its stored BM25F index in one transaction and warms the in-memory index.
    Safe to call again (the release's rows are replaced). On a read-only store only the in-memory index is built.
    """
    store.ensure_schema("hcpcs", HCPCS_SCHEMA)
    store.ensure_schema("search", SEARCH_SCHEMA)
    if store.read_only:
        count = len(release_index(store, release_id).documents)
    else:
        with store.transaction() as conn:
            count = write_fts_rows(conn, release_id)
            store_release_index(conn, release_id)
        release_index(store, release_id)
    return count


def fts_is_indexed(store: Store, release_id: int) -> bool:
    store.ensure_schema("search", SEARCH_SCHEMA)
    row = store.execute("SELECT 1 FROM search_indexed_release WHERE release_id = ?", (release_id,)).fetchone()
    return row is not None
