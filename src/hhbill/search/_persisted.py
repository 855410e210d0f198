"""The in-memory search index of a release, stored as one compact blob so a new process need not rebuild it.

Layout of the blob (no pickle: the database may be shared, and loading must not run code)::

    b"HHSX" | u32 header length | header (JSON) | section bytes, one after another

The header names each section, its element type and its element count. Text sections are strings joined by
newlines (UTF-8), or a JSON list when a string holds a newline; number sections are little-endian ``array`` bytes
(``d`` float64, ``I`` uint32), so every BM25F impact and idf is the exact float the build computed and a loaded
index ranks exactly as a built one.

Sections: ``stems`` (every stem), ``idf`` (per stem), ``posting_ends`` (per stem, the end of its postings),
``posting_documents`` and ``posting_impacts`` (all postings, stem by stem, in document order), ``words`` (sorted)
and ``word_counts``, and the documents in index order: ``codes``, ``kinds``, ``short_descriptions``,
``long_descriptions``, ``added_dates`` and ``termination_dates`` (empty for none). Keeping the descriptions here
spares a new process a scan of ``hcpcs_code``, whose rows also hold each code's whole record. ``stemmed_words``
and ``stems_of_words`` are the stemmer's answers for every word of the index and of the vocabulary, which a new
process takes instead of asking SQLite's Porter stemmer again, one round trip per word.

Postings are decoded per stem on first use (:class:`LazyPostings`), so loading costs a few milliseconds however
many stems the release has.
"""

from __future__ import annotations

import json
import struct
import sys
from array import array
from collections.abc import Iterator, Mapping
from typing import Any

MAGIC = b"HHSX"
#: bump when the layout or the meaning of a section changes; a stored index of another format is rebuilt
BLOB_FORMAT = 3
_LENGTH = struct.Struct("<I")
_TEXT = "text"
_JSON = "json"


class IndexBlobError(ValueError):
    """A stored index blob that cannot be read (damaged, truncated, or of another format)."""


def _number_bytes(values: array[Any]) -> bytes:
    if sys.byteorder != "little":
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


def _numbers(typecode: str, data: bytes) -> array[Any]:
    values = array(typecode)
    values.frombytes(data)
    if sys.byteorder != "little":
        values.byteswap()
    return values


def encode_index_blob(sections: Mapping[str, list[str] | array[Any]]) -> bytes:
    """One blob from named sections: lists of strings (no newlines) or ``array`` values."""
    header: list[list[object]] = []
    parts: list[bytes] = []
    for name, values in sections.items():
        if isinstance(values, array):
            data = _number_bytes(values)
            header.append([name, values.typecode, len(values), len(data)])
        elif any("\n" in value for value in values):
            data = json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            header.append([name, _JSON, len(values), len(data)])
        else:
            data = "\n".join(values).encode("utf-8")
            header.append([name, _TEXT, len(values), len(data)])
        parts.append(data)
    head = json.dumps({"format": BLOB_FORMAT, "sections": header}, separators=(",", ":")).encode("utf-8")
    return MAGIC + _LENGTH.pack(len(head)) + head + b"".join(parts)


def decode_index_blob(blob: bytes) -> dict[str, list[str] | array[Any]]:
    """The sections of a blob made by :func:`encode_index_blob` (IndexBlobError when it is not one)."""
    view = memoryview(blob)
    if bytes(view[:4]) != MAGIC or len(view) < 8:
        raise IndexBlobError("not a search index blob")
    (head_length,) = _LENGTH.unpack(view[4:8])
    try:
        head = json.loads(bytes(view[8 : 8 + head_length]))
    except ValueError as exc:
        raise IndexBlobError(f"unreadable header ({exc})") from exc
    if not isinstance(head, dict) or head.get("format") != BLOB_FORMAT or not isinstance(head.get("sections"), list):
        raise IndexBlobError("search index blob of another format")
    sections: dict[str, list[str] | array[Any]] = {}
    position = 8 + head_length
    for item in head["sections"]:
        name, kind, count, size = item
        data = bytes(view[position : position + size])
        if len(data) != size:
            raise IndexBlobError(f"section {name} is truncated")
        position += size
        if kind == _TEXT:
            values: list[str] | array[Any] = data.decode("utf-8").split("\n") if count else []
        elif kind == _JSON:
            values = _json_strings(data)
        elif kind in ("d", "I"):
            values = _numbers(kind, data)
        else:
            raise IndexBlobError(f"section {name} has an unknown type {kind!r}")
        if len(values) != count:
            raise IndexBlobError(f"section {name} holds {len(values)} values, not {count}")
        sections[name] = values
    return sections


def _json_strings(data: bytes) -> list[str]:
    try:
        values = json.loads(data)
    except ValueError as exc:
        raise IndexBlobError(f"unreadable text section ({exc})") from exc
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise IndexBlobError("a text section holds something other than text")
    return values


class LazyPostings(Mapping[str, dict[int, float]]):
    """stem -> {document number: impact}, decoded from the blob's arrays for each stem on first use."""

    def __init__(self, stems: list[str], ends: array[Any], documents: array[Any], impacts: array[Any]) -> None:
        self._position = {stem: number for number, stem in enumerate(stems)}
        self._ends = ends
        self._documents = documents
        self._impacts = impacts
        self._decoded: dict[str, dict[int, float]] = {}

    def __getitem__(self, stem: str) -> dict[int, float]:
        found = self._decoded.get(stem)
        if found is None:
            number = self._position[stem]  # KeyError for an unknown stem, as a dict
            start = self._ends[number - 1] if number else 0
            end = self._ends[number]
            found = dict(zip(self._documents[start:end], self._impacts[start:end], strict=True))
            self._decoded[stem] = found
        return found

    def __contains__(self, stem: object) -> bool:
        return stem in self._position

    def __iter__(self) -> Iterator[str]:
        return iter(self._position)

    def __len__(self) -> int:
        return len(self._position)
