"""The plain-language vocabulary: lay terms, abbreviations and brand-style names mapped to description words or codes.

The data lives in ``hhbill/data/search_vocabulary.json`` (versioned, each entry with its source). An entry says::

    {"terms": ["hoyer", "hoyer lift"],          what people type
     "means": ["patient lift"],                 description words it stands for (any one phrase may match)
     "codes": ["E0630", "E0635"],               codes it names directly (codes or ranges), optional
     "source": "...",                           where the mapping comes from
     "example": {"query": "hoyer lift", "expect": ["E0630"]}}   the test that pins the entry

The document also lists ``qualifiers`` (``{"words": "each additional", "source": "..."}``): words that narrow a
code to a special case; search ranks a code whose description adds one the query does not mention below the plain
code (any of its content words mentions it, or only the words of its optional ``asked_by`` list: "visit" does not
ask for the "initial visit"). And ``query_filler`` (``{"words": [...], "source": "..."}``): the words of everyday
speech that say nothing about the code sought ("my", "did", "someone", "mother"): search drops them from a query
that has other words.
``reporting_codes`` (``{"codes": ["G8000-G9999"], "source": "..."}``): ranges of codes that only report quality
data, which rank below the services and items that match as well. ``units`` (``{"words": ["per hour", "hourly"],
"source": "..."}``): the units codes are billed in; a query that states one ranks a code billed in another lower.
``item_codes`` (``{"codes": ["A4000-A9999"], "source": "..."}``): the ranges of items (supplies, drugs,
equipment); an entry marked ``"service": true`` ("teaching", "nurse check") names a service a person performs, and a
query holding one ranks these items below the services.
``medicare_equivalents`` (``{"source": "...", "twins": [{"codes": ["S9131"], "medicare": ["G0151"]}]}``): codes
that private payers and Medicaid use for a service Medicare pays under another code (the per diem and hourly S and
T codes of the home health disciplines); search ranks them below their Medicare code unless the query names another
payer or their unit. ``non_medicare_codes`` (``{"codes": ["S0000-S4999"], "source": "..."}``): ranges of codes
Medicare does not pay, ranked below Medicare's codes when a query names no payer. ``parse_vocabulary`` digests the
whole document (``Vocabulary.fingerprint``): a stored search index is valid for exactly the vocabulary it was built
with.

Matching is on word stems, so "hoyer lifts" matches the term "hoyer lift"; a term of two or three words also
matches its words side by side in another order ("lift, hoyer", "mask oxygen"), the inverted heading style of the
CMS HCPCS Index and of many supply catalogues.
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .._errors import ConfigError
from ._text import CodeRange, content_words, stemmer, words

#: term lengths (in words) that also match in another word order
MATCH_ANY_ORDER = (3, 2)
_CODE = re.compile(r"^(?:[A-V][0-9]{4}|[0-9A-Z]{2})$")
_CODE_RANGE = re.compile(r"^([A-V][0-9]{4})-([A-V][0-9]{4})$")


@dataclass(frozen=True, slots=True)
class VocabularyEntry:
    terms: tuple[str, ...]
    means: tuple[str, ...]
    codes: tuple[str, ...]
    source: str
    example_query: str
    #: codes or ranges ("L0450-L1499") one of which the example query must find in its first five results
    example_expect: tuple[str, ...]
    #: stems of each term, in order
    term_stems: tuple[tuple[str, ...], ...] = ()
    #: stems of each meaning phrase
    meaning_stems: tuple[tuple[str, ...], ...] = ()
    code_ranges: tuple[CodeRange, ...] = ()
    #: the terms name a service a person performs ("teaching", "nurse check"): items rank below the codes it names
    is_service: bool = False

    def names_code(self, code: str) -> bool:
        return code in self.codes or any(r.contains(code) for r in self.code_ranges)


@dataclass(frozen=True, slots=True)
class Qualifier:
    """Words that narrow a code to a special case, as stems: all of them in order (as a description holds them,
    "per hour") and the content words alone (as a query mentions them, "hour")."""

    text: str
    run: tuple[str, ...]
    content: tuple[str, ...]
    #: the words that alone ask for it, as written (when not its own content words)
    asked_by: tuple[str, ...] = ()


@dataclass
class Vocabulary:
    version: str
    entries: list[VocabularyEntry]
    #: digest of the document the entries came from: a persisted search index is valid for this exact content
    fingerprint: str = ""
    #: stems of the words that narrow a code to a special case ("assistant", "each additional", "per hour"): a
    #: code whose description adds one the query does not mention ranks below the plain code
    qualifiers: tuple[Qualifier, ...] = ()
    #: words of everyday speech a query may hold that say nothing about the code ("my", "did", "mother")
    filler: frozenset[str] = frozenset()
    #: code ranges used only to report quality data (no service or item): search ranks them below the others
    reporting_ranges: tuple[CodeRange, ...] = ()
    #: code ranges of items (supplies, drugs, equipment, orthoses): a query naming a service ranks them lower
    item_ranges: tuple[CodeRange, ...] = ()
    #: the units a code is billed in ("per visit", "per diem", "per hour"), each as the stem runs that state it
    #: (stopwords kept: "per hour"), in a query or a description
    units: tuple[tuple[tuple[str, ...], ...], ...] = ()
    #: the words of the units' wording (a stored search index keeps their stems)
    unit_words: frozenset[str] = frozenset()
    #: code ranges Medicare does not pay (private payers' S codes outside home care and home infusion): a query
    #: naming no payer ranks them below the Medicare codes that match as well
    non_medicare_ranges: tuple[CodeRange, ...] = ()
    #: code -> the Medicare codes for the same service (the code being a private payer's or Medicaid's twin)
    medicare_equivalents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: first stem of a term -> (term stems, entry index), longest terms first
    by_first_stem: dict[str, list[tuple[tuple[str, ...], int]]] = field(default_factory=dict)
    #: sorted stems of each term of two or three words -> entry index (the first entry to use them)
    by_sorted_stems: dict[tuple[str, ...], int] = field(default_factory=dict)

    def match(self, stems: list[str], written: list[str] | None = None) -> list[tuple[int, int, VocabularyEntry]]:
        """Longest, leftmost, non-overlapping vocabulary terms in a stem sequence: (start, end, entry). A term
        in its own word order wins over the same words in another order, also over one that starts before it and
        would take its first word ("modifier therapy cap": "therapy cap", not "modifier therapy"). Two terms of
        the same stems ("nursing home", "nurse at home"): the one written as the query writes it (``written``, the
        words the stems came from) wins."""
        found: list[tuple[int, int, VocabularyEntry]] = []
        position = 0
        while position < len(stems):
            in_order = self._in_order(stems, position, written)
            best = in_order
            for size in MATCH_ANY_ORDER:
                end = position + size
                if end > len(stems) or (best is not None and end <= best[0]):
                    continue
                entry_index = self.by_sorted_stems.get(tuple(sorted(stems[position:end])), -1)
                if entry_index >= 0 and not self._in_order_starts_within(stems, position + 1, end):
                    best = (end, entry_index)
            if best is None:
                position += 1
                continue
            found.append((position, best[0], self.entries[best[1]]))
            position = best[0]
        return found

    def _in_order(self, stems: list[str], position: int, written: list[str] | None = None) -> tuple[int, int] | None:
        """The longest term starting at ``position`` in its own word order: (end, entry index)."""
        best: tuple[int, int] | None = None
        for term, entry_index in self.by_first_stem.get(stems[position], ()):
            end = position + len(term)
            if tuple(stems[position:end]) != term:
                continue
            if (
                best is None
                or end > best[0]
                or (
                    end == best[0]
                    and written is not None
                    and entry_index != best[1]
                    and self._written_as(entry_index, written[position:end])
                )
            ):
                best = (end, entry_index)
        return best

    def _written_as(self, entry_index: int, written: list[str]) -> bool:
        """Whether one of the entry's terms is written with these words."""
        return any(content_words(term) == written for term in self.entries[entry_index].terms)

    def _in_order_starts_within(self, stems: list[str], first: int, end: int) -> bool:
        """Whether a term of several words, in its own order, starts in ``first..end-1`` and runs past ``end``."""
        for position in range(first, end):
            found = self._in_order(stems, position)
            if found is not None and found[0] > end:
                return True
        return False


def _strings(raw: dict[str, Any], key: str, number: int) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"search vocabulary entry {number}: {key!r} must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _codes_and_ranges(codes: tuple[str, ...], number: int, name: str) -> tuple[list[str], list[CodeRange]]:
    ranges: list[CodeRange] = []
    single: list[str] = []
    for code in codes:
        bounds = _CODE_RANGE.match(code)
        if bounds:
            ranges.append(CodeRange(bounds.group(1), bounds.group(2)))
        elif _CODE.match(code):
            single.append(code)
        else:
            raise ConfigError(f"search vocabulary entry {number} ({name}): {code!r} is not a code or range")
    return single, ranges


def _example(raw: dict[str, Any], number: int, name: str) -> tuple[str, tuple[str, ...]]:
    """The entry's example: its query (default: its first term) and the codes or ranges it must find."""
    example = raw.get("example") or {}
    expect = example.get("expect", [])
    if not isinstance(example.get("query", ""), str) or not isinstance(expect, list) or not expect:
        raise ConfigError(f"search vocabulary entry {number} ({name}): example needs a query and expect codes")
    for code in expect:
        if not isinstance(code, str) or not (_CODE.match(code.upper()) or _CODE_RANGE.match(code.upper())):
            raise ConfigError(f"search vocabulary entry {number} ({name}): expect {code!r} is not a code or range")
    return str(example.get("query") or name), tuple(str(c).upper() for c in expect)


def _entry(raw: dict[str, Any], number: int, *, stems: bool = True) -> VocabularyEntry:
    terms = _strings(raw, "terms", number)
    means = _strings(raw, "means", number)
    codes = tuple(c.upper() for c in _strings(raw, "codes", number))
    if not terms:
        raise ConfigError(f"search vocabulary entry {number}: no terms")
    if not means and not codes:
        raise ConfigError(f"search vocabulary entry {number} ({terms[0]}): needs 'means' or 'codes'")
    single, ranges = _codes_and_ranges(codes, number, terms[0])
    example_query, example_expect = _example(raw, number, terms[0])
    term_words = [content_words(t) for t in terms]
    meaning_words = [content_words(m) for m in means]
    if not all(term_words) or not all(meaning_words):
        raise ConfigError(f"search vocabulary entry {number} ({terms[0]}): a term or meaning has no words")
    term_stems: tuple[tuple[str, ...], ...] = ()
    meaning_stems: tuple[tuple[str, ...], ...] = ()
    if stems:
        stem = stemmer()
        term_stems = tuple(tuple(stem.stem(w) for w in found) for found in term_words)
        meaning_stems = tuple(tuple(stem.stem(w) for w in found) for found in meaning_words)
    return VocabularyEntry(
        terms=terms,
        means=means,
        codes=tuple(single),
        source=str(raw.get("source", "")),
        example_query=example_query,
        example_expect=example_expect,
        term_stems=term_stems,
        meaning_stems=meaning_stems,
        code_ranges=tuple(ranges),
        is_service=raw.get("service") is True,
    )


def _qualifiers(raw: object) -> tuple[Qualifier, ...]:
    """The ``qualifiers`` list: ``{"words": "each additional", "source": "..."}`` items."""
    if not isinstance(raw, list):
        raise ConfigError("search vocabulary: 'qualifiers' must be a list")
    found: list[Qualifier] = []
    stem = stemmer()
    for number, item in enumerate(raw, start=1):
        text = item.get("words") if isinstance(item, dict) else None
        if not isinstance(text, str) or not words(text) or not str(item.get("source", "")).strip():
            raise ConfigError(f"search vocabulary qualifier {number}: needs 'words' and a 'source'")
        asked_by = item.get("asked_by", [])
        if not isinstance(asked_by, list) or not all(isinstance(w, str) and words(w) == [w] for w in asked_by):
            raise ConfigError(f"search vocabulary qualifier {number}: 'asked_by' must list single words")
        run = tuple(stem.stem(w) for w in words(text))
        mentioned_by = asked_by or content_words(text)
        found.append(Qualifier(text, run, tuple(stem.stem(w) for w in mentioned_by), tuple(asked_by)))
    return tuple(found)


def _filler(raw: object) -> frozenset[str]:
    """The ``query_filler`` item: ``{"words": ["my", "did", ...], "source": "..."}`` (lower-case single words)."""
    if raw is None:
        return frozenset()
    listed = raw.get("words") if isinstance(raw, dict) else None
    sourced = isinstance(raw, dict) and bool(str(raw.get("source", "")).strip())
    if not sourced or not isinstance(listed, list) or not all(isinstance(w, str) and words(w) == [w] for w in listed):
        raise ConfigError("search vocabulary: 'query_filler' needs 'words' (single lower-case words) and a 'source'")
    return frozenset(listed)


def _reporting_ranges(raw: object, key: str = "reporting_codes") -> tuple[CodeRange, ...]:
    """The ``reporting_codes`` (or ``item_codes``) item: ``{"codes": ["G8000-G9999"], "source": "..."}``."""
    if raw is None:
        return ()
    listed = raw.get("codes") if isinstance(raw, dict) else None
    sourced = isinstance(raw, dict) and bool(str(raw.get("source", "")).strip())
    ranges = [_CODE_RANGE.match(c) if isinstance(c, str) else None for c in listed or []]
    if not sourced or not isinstance(listed, list) or not listed or not all(ranges):
        raise ConfigError(f"search vocabulary: '{key}' needs 'codes' (ranges such as G8000-G9999) and a 'source'")
    return tuple(CodeRange(m.group(1), m.group(2)) for m in ranges if m)


def _medicare_equivalents(raw: object) -> dict[str, tuple[str, ...]]:
    """The ``medicare_equivalents`` item: ``{"source": "...", "twins": [{"codes": [...], "medicare": [...]}]}``."""
    if raw is None:
        return {}
    twins = raw.get("twins") if isinstance(raw, dict) else None
    if not isinstance(raw, dict) or not str(raw.get("source", "")).strip() or not isinstance(twins, list):
        raise ConfigError("search vocabulary: 'medicare_equivalents' needs 'twins' (a list) and a 'source'")
    found: dict[str, tuple[str, ...]] = {}
    for number, item in enumerate(twins, start=1):
        codes = item.get("codes") if isinstance(item, dict) else None
        medicare = item.get("medicare") if isinstance(item, dict) else None
        listed = [c for c in (codes or []) + (medicare or []) if isinstance(c, str) and _CODE.match(c)]
        if not codes or not medicare or len(listed) != len(codes) + len(medicare):
            raise ConfigError(
                f"search vocabulary medicare equivalent {number}: needs 'codes' and 'medicare' (HCPCS codes)"
            )
        for code in codes:
            found[code] = found.get(code, ()) + tuple(medicare)
    return found


def _units(raw: object) -> tuple[tuple[tuple[str, ...], ...], ...]:
    """The ``units`` list: ``{"words": ["per hour", "hourly"], "source": "..."}`` items, one per unit."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ConfigError("search vocabulary: 'units' must be a list")
    stem = stemmer()
    found: list[tuple[tuple[str, ...], ...]] = []
    for number, item in enumerate(raw, start=1):
        listed = item.get("words") if isinstance(item, dict) else None
        sourced = isinstance(item, dict) and bool(str(item.get("source", "")).strip())
        if (
            not sourced
            or not isinstance(listed, list)
            or not listed
            or not all(isinstance(w, str) and words(w) for w in listed)
        ):
            raise ConfigError(f"search vocabulary unit {number}: needs 'words' and a 'source'")
        found.append(tuple(tuple(stem.stem(w) for w in words(text)) for text in listed))
    return tuple(found)


def _unit_words(raw: object) -> list[str]:
    return [
        word
        for item in (raw if isinstance(raw, list) else [])
        if isinstance(item, dict) and isinstance(item.get("words"), list)
        for text in item["words"]
        if isinstance(text, str)
        for word in words(text)
    ]


def _stem_ahead(raw_entries: list[Any], qualifiers: object, units: object = None) -> None:
    """Stem every word in one round trip (entries, qualifiers and units then find their stems memoised)."""
    stemmer().stem_all(
        [
            word
            for raw in raw_entries
            if isinstance(raw, dict)
            for key in ("terms", "means")
            if isinstance(raw.get(key), list)
            for text in raw[key]
            if isinstance(text, str)
            for word in content_words(text)
        ]
        + [
            word
            for item in (qualifiers if isinstance(qualifiers, list) else [])
            if isinstance(item, dict) and isinstance(item.get("words"), str)
            for word in words(item["words"])
            + [w for w in item.get("asked_by", []) if isinstance(item.get("asked_by"), list) and isinstance(w, str)]
        ]
        + _unit_words(units)
    )


#: number words as a term writes them (their stems), and their digits: "three times a day" also matches "3 times a
#: day" ("one" is left out: its stem is "on")
_DIGITS = {word: str(n) for n, word in enumerate(("two", "three", "four", "five", "six", "seven", "eight"), 2)}


def _in_digits(term: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(_DIGITS.get(stem, stem) for stem in term)


def parse_vocabulary(data: dict[str, Any], *, stems: bool = True, fingerprint: str | None = None) -> Vocabulary:
    """Build a :class:`Vocabulary` from the JSON document (raises ConfigError on a malformed entry).

    ``stems=False``: the entries' words and codes only, without the stems and qualifiers search ranks by (what a
    code page shows), so the stemmer is not started. ``fingerprint``: the document's digest when the caller
    already has it."""
    raw_entries = data.get("entries")
    if not isinstance(raw_entries, list):
        raise ConfigError("search vocabulary: 'entries' must be a list")
    if stems:
        _stem_ahead(raw_entries, data.get("qualifiers"), data.get("units"))
    entries = [_entry(raw, number, stems=stems) for number, raw in enumerate(raw_entries, start=1)]
    digest = fingerprint or _digest(data)
    vocabulary = Vocabulary(
        version=str(data.get("version", "")),
        entries=entries,
        fingerprint=digest,
        qualifiers=_qualifiers(data.get("qualifiers", [])) if stems else (),
        filler=_filler(data.get("query_filler")),
        reporting_ranges=_reporting_ranges(data.get("reporting_codes")),
        item_ranges=_reporting_ranges(data.get("item_codes"), "item_codes"),
        non_medicare_ranges=_reporting_ranges(data.get("non_medicare_codes"), "non_medicare_codes"),
        medicare_equivalents=_medicare_equivalents(data.get("medicare_equivalents")),
        units=_units(data.get("units")) if stems else (),
        unit_words=frozenset(_unit_words(data.get("units"))) if stems else frozenset(),
    )
    for index, entry in enumerate(entries):
        for spelled in entry.term_stems:
            for term in dict.fromkeys((spelled, _in_digits(spelled))):
                vocabulary.by_first_stem.setdefault(term[0], []).append((term, index))
                if len(term) in MATCH_ANY_ORDER:
                    vocabulary.by_sorted_stems.setdefault(tuple(sorted(term)), index)
    for options in vocabulary.by_first_stem.values():
        options.sort(key=lambda item: -len(item[0]))
    return vocabulary


@lru_cache(maxsize=1)
def load_vocabulary() -> Vocabulary:
    """The vocabulary shipped in ``hhbill/data/search_vocabulary.json``."""
    return parse_vocabulary(_shipped(), fingerprint=shipped_vocabulary_fingerprint())


@lru_cache(maxsize=1)
def load_vocabulary_names() -> Vocabulary:
    """The shipped vocabulary's entries without their stems (``parse_vocabulary(stems=False)``): the lay names,
    what each means and the codes it names, as a code page shows them."""
    return parse_vocabulary(_shipped(), stems=False, fingerprint=shipped_vocabulary_fingerprint())


#: the vocabulary shipped with hhbill
SHIPPED_VOCABULARY = Path(__file__).resolve().parent.parent / "data" / "search_vocabulary.json"


@lru_cache(maxsize=1)
def shipped_vocabulary_fingerprint() -> str:
    """The shipped vocabulary's fingerprint (``load_vocabulary().fingerprint``), what a stored search index is
    keyed by: the file's length and two checksums of its bytes (zlib's CRC-32 and Adler-32), taken without
    parsing it or loading a hash library, as every search process needs it first."""
    raw = _shipped_bytes()
    return f"file:{len(raw)}:{zlib.crc32(raw):08x}:{zlib.adler32(raw):08x}"


def _digest(data: dict[str, Any]) -> str:
    """The fingerprint of a vocabulary given as data (one a caller made, not the shipped file)."""
    import hashlib

    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def _shipped_bytes() -> bytes:
    return SHIPPED_VOCABULARY.read_bytes()


@lru_cache(maxsize=1)
def _shipped() -> dict[str, Any]:
    """The shipped vocabulary document, read once (parsers only read it)."""
    data: dict[str, Any] = json.loads(_shipped_bytes())
    return data
