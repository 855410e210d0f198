"""Turning text into search terms: normalising, splitting into words, stemming, and reading code-like tokens.

Stemming is SQLite FTS5's Porter stemmer (the one the persisted ``search_`` index uses), run in a private
in-memory database, so "infusion", "infusions" and "infuse" meet on the same stem in memory and in SQLite alike.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

#: user text longer than this is cut (a query is a few words; a pasted page is not a query)
MAX_QUERY_CHARS = 256
#: at most this many words of a query are used (a family's long question ends with what it asks: "... so I can get a
#: break")
MAX_QUERY_WORDS = 32

#: words that carry no meaning in a code description ("see", "also": cross-references such as "Dressing (see
#: also Bandage)" in the CMS HCPCS Index and "(see code A4265)" in descriptions point elsewhere, they describe nothing)
STOPWORDS = frozenset(
    [
        "a",
        "also",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "it",
        "of",
        "on",
        "or",
        "per",
        "see",
        "the",
        "to",
        "with",
        "w",
    ]
)

_NON_WORD = re.compile(r"[^0-9a-z]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

#: a letter and four digits: a procedure code (CMS uses A-V; any letter is read as a code, to say it is absent)
PROCEDURE_CODE = re.compile(r"^[a-z][0-9]{4}$")
#: a letter and one to three digits: the start of a code ("g03")
CODE_PREFIX = re.compile(r"^[a-v][0-9]{1,3}$")
#: two characters: a modifier (letters and/or digits)
MODIFIER_CODE = re.compile(r"^[0-9a-z]{2}$")
_RANGE = re.compile(r"\b([a-v][0-9]{4})\s*(?:-|–|—|\bto\b|\bthrough\b|\bthru\b)\s*([a-v][0-9]{4})\b")


def fold(text: str) -> str:
    """Lower-case ASCII-ish form of ``text``: accents removed, case folded, control characters dropped."""
    text = _CONTROL.sub(" ", text)
    if text.isascii():  # nearly every description: nothing to decompose, and casefold is lower for ASCII
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


def words(text: str) -> list[str]:
    """The words of ``text`` (folded, split on anything that is not a letter or digit)."""
    return [w for w in _NON_WORD.split(fold(text)) if w]


def without_contraction_t(tokens: list[str]) -> list[str]:
    """The words without the "t" an apostrophe leaves after "n" ("didn't", "won't"; "T-tube" keeps its "t"); "can't"
    is "cannot", or it would read as "can"."""
    found: list[str] = []
    for n, token in enumerate(tokens):
        if token == "t" and n and tokens[n - 1].endswith("n"):
            if tokens[n - 1] == "can":
                found[-1] = "cannot"
            continue
        found.append(token)
    return found


def content_words(text: str) -> list[str]:
    """``words`` without stopwords (or all words when every word is a stopword) and without the "t" of a
    contraction, as a query's words are read ("heels don't get sores")."""
    all_words = without_contraction_t(words(text))
    kept = [w for w in all_words if w not in STOPWORDS]
    return kept or all_words


@dataclass(frozen=True, slots=True)
class CodeRange:
    first: str
    last: str

    def contains(self, code: str) -> bool:
        return len(code) == len(self.first) and self.first <= code <= self.last


def clean_query(raw: object) -> tuple[str, list[str]]:
    """The query as text we can search with, and notes about what was changed (cut, emptied)."""
    notes: list[str] = []
    text = raw if isinstance(raw, str) else ("" if raw is None else str(raw))
    text = _CONTROL.sub(" ", text)
    # surrogates and other unencodable code points would break SQLite and JSON output
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = " ".join(text.split())
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS].rstrip()
        notes.append(f"query cut to its first {MAX_QUERY_CHARS} characters")
    return text, notes


def find_ranges(folded: str) -> tuple[list[CodeRange], str]:
    """Code ranges written in the query ("S9325-S9379") and the query with them removed."""
    ranges: list[CodeRange] = []

    def take(match: re.Match[str]) -> str:
        first, last = match.group(1).upper(), match.group(2).upper()
        if first > last:
            first, last = last, first
        ranges.append(CodeRange(first, last))
        return " "

    rest = _RANGE.sub(take, folded)
    return ranges, rest


class PorterStemmer:
    """SQLite FTS5's Porter stemmer, in a private in-memory database, with a memo of every word seen."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._memo: dict[str, str] = {}
        self._conn = sqlite3.connect(":memory:", check_same_thread=False)
        self._conn.execute("CREATE VIRTUAL TABLE words USING fts5(word, tokenize='porter ascii')")
        self._conn.execute("CREATE VIRTUAL TABLE stems USING fts5vocab(words, 'instance')")

    def stem(self, word: str) -> str:
        found = self._memo.get(word)
        if found is None:
            found = self.stem_all([word])[word]
        return found

    def known(self, batch: Iterable[str]) -> dict[str, str]:
        """The stems already worked out of those of ``batch`` that have one (none computed now)."""
        memo = self._memo
        return {word: memo[word] for word in batch if word in memo}

    def remember(self, stems: Iterable[tuple[str, str]]) -> None:
        """Take (word, stem) pairs this stemmer worked out before (kept with a stored search index), so a new
        process does not send those words through SQLite again."""
        with self._lock:
            self._memo.update(stems)

    def stem_all(self, batch: Iterable[str]) -> dict[str, str]:
        """Stems of many words at once (one round trip through SQLite for the new ones)."""
        wanted = list(dict.fromkeys(batch))
        new = [w for w in wanted if w not in self._memo]
        if new:
            with self._lock:
                self._conn.execute("DELETE FROM words")
                self._conn.executemany("INSERT INTO words(rowid, word) VALUES (?, ?)", list(enumerate(new, start=1)))
                found: dict[int, str] = {}
                for term, doc in self._conn.execute("SELECT term, doc FROM stems WHERE offset = 0"):
                    found[doc] = term
                self._conn.execute("DELETE FROM words")
                for number, word in enumerate(new, start=1):
                    # a word the tokenizer does not keep whole (should not happen for [0-9a-z]+) stems to itself
                    self._memo[word] = found.get(number, word)
        return {w: self._memo[w] for w in wanted}


_stemmer: PorterStemmer | None = None
_stemmer_lock = threading.Lock()


def stemmer() -> PorterStemmer:
    global _stemmer
    if _stemmer is None:
        with _stemmer_lock:
            if _stemmer is None:
                _stemmer = PorterStemmer()
    return _stemmer
