"""Ranked code search over the HCPCS release in force on a date.

How a query is read, in order:

1. Cleaned: control characters dropped, cut to 256 characters and 32 words; any text is safe. Index-style
   cross-references ("Dressing (see also Bandage)") are dropped with a note: they name another heading.
2. Codes: exact codes (``G0151``, ``g0151``), code starts (``G03``), ranges (``S9325-S9379``) and modifiers
   (``KX``) are looked up directly and listed first. A vocabulary word shaped like a code start ("o2", "b12") is a
   word. Comparison signs read as CMS writes bounds (">3L" is "more than 3 liter"), "w/o" as "without", a unit
   stated by the query ("per visit", "hourly": the vocabulary's ``units``) ranks codes billed in another unit
   lower, and a mistyped "modifier" ("modifer") still asks for modifiers. A modifier's code that is also a word
   ("rt", "ms") is the modifier when written next to "modifier" or "letters" ("rt modifier knee brace").
   Everyday filler ("my", "did", "someone", "mother", "what code for": the vocabulary's ``query_filler``) is
   dropped, unless written in capitals ("WHO") or part of a vocabulary term ("around the clock").
3. Words: every other word becomes a *clause*. Unknown words are completed as prefixes ("infus" -> infusion)
   and corrected for typos ("wheelchiar" -> wheelchair, "nebuliser" -> nebulizer; a correction keeps the first
   letter, a short word is corrected only for two letters swapped). Other forms CMS writes
   join in, weighing less than the user's own word: the noun of a medical adjective ("orthotic" -> orthosis,
   "tracheostomy" -> tracheostoma) and a rare compound split where CMS writes two words ("footdrop"). A word
   also reaches the compounds CMS writes as one word starting with it ("arm" -> armrest, "foot" -> footplate),
   weakly, and only for codes that another word of the query matches ("wheelchair arm" reaches wheelchair
   armrests; "foot" alone does not reach footplates).
4. Vocabulary: word runs that are a plain-language term ("hoyer lift", "pt assistant", "tpn") become one clause
   whose alternatives are the user's words, the description words the term stands for, and the codes it names
   (``hhbill/data/search_vocabulary.json``); a term also matches in another word order ("lift, hoyer").
   Unknown or rare words that are drug brand names ("Herceptin", "Depo-Provera") become a clause for their
   generic names (``_drugs``).
5. Ranking: BM25F over long description, short description and vocabulary aliases (stemmed, so "infusions"
   meets "infusion"), plus a coverage bonus for codes that satisfy every clause, so a code matching all the
   user's ideas outranks one repeating a single rare word. The first page is then reordered by a small bonus
   for descriptions that start with, or hold in order, the user's words ("Syringe with needle, sterile ...").
   Modifiers rank below procedures unless the query says "modifier" (then the other way round) or holds a
   vocabulary term standing for modifiers alone, a situation a modifier reports ("backup oxygen": TW; then neither
   kind is damped). Codes a
   vocabulary term names rank a hair above the best description match, in the order the entry lists them.
6. Qualifiers: a code whose description adds a qualifier the query does not mention ("assistant", "each
   additional", "per hour", "continuous": the vocabulary's ``qualifiers``; one of its words is enough to mention
   it, a bracketed list of examples does not add one) ranks below the plain code, so "home health physical
   therapist visit" lists the therapist's G0151 before the assistant's G0157.
7. Scopes: a code that matches a query word only where its description rules it out or bounds it ("for use other
   than knee", "more than one liter", "without wheels", "non disposable") ranks below the others, unless the query
   asks for that scope itself ("bed without mattress", "more than three liters", or a vocabulary term meaning it:
   "double lumen" -> "more than one lumen"; an inclusive bound, "no more than two liters", states its number); a
   code with another bound of the kind the query states ("more than one liter" for "more than 3 liters") or with
   what the query rules out ("walker no wheels") ranks lower too. "May not be used to identify services provided
   by home health aide" rules out what follows as well.
   A description's "(drugs and nursing visits coded separately)" rules out what it names (drugs, visits). What the
   query rules out is read as it is meant: a vocabulary term after "no"/"not" rules out the codes it names ("no
   phone": G0321) or what it means ("not around the clock": continuous); a term holding a negation says what the
   code is ("no height adjustment": fixed height), one meaning a negation rules out what it negates ("own
   mattress": without mattress); "not first", "after initial", "subsequent" rule out the initial visit; and a
   negation asks for a code's own exclusion only of what it negates. A scope ends at "with" ("without drainage bag
   with indwelling catheter").
8. Reporting codes: the quality-data codes (the vocabulary's ``reporting_codes``: G8000-G9999, M1000-M1999, the
   MIPS specialty sets G4000-G4038) rank below the services and items that match as well.
9. Quantities: a number with a unit ("1000 ml", "2.5 liters", "400 lb", "18 inch", "less than 24 hours") or a pad's
   sides ("6x6": 36 square inches, against "more than 16 sq. in. but less than or equal to 48 sq. in.") is read
   against the ranges codes state (``_quantities``: "more than one liter but no more than two liters", "greater
   than 350 pounds, but less than or equal to 600 pounds", "width less than 22 inches"), units converted; the code
   whose range holds it ranks up, one whose ranges miss it down. The unit stays a word that meets its other
   spellings ("ml" -> cc, liter). Days, weeks and months are lengths of time ("every 4 weeks" is not "once every
   4 hours"); a size word with no stated size asks for the band dressings are sold in ("small": 16 sq. in. or less).
10. Setting: a query naming the home ("at home") ranks the codes whose description names it (the home therapy
   per diem, the home health visit) above the drug or the equipment alone.
11. Payer: a query naming no payer is a Medicare home health question, so the S and T codes private payers and
   Medicaid use for a home health discipline's visit (the vocabulary's ``medicare_equivalents``: "Occupational
   therapy, in the home, per diem") rank below the discipline's Medicare G-code, unless the query names another
   payer ("Medicaid", "private insurance", a "waiver" program but not a "waiver form") or the twin's own unit
   ("HHA per visit", "4 hrs a day"). The private payers' other S codes outside home care and home infusion (the
   vocabulary's ``non_medicare_codes``: "Insulin syringes (100 syringes, any size)") rank below the Medicare code
   that matches as well. A query naming Medicaid or a waiver program ranks the Medicaid T codes first.
12. Service: a query holding a service a person performs (a vocabulary entry marked ``service``: "teaching",
   "nurse check") ranks the items it is about (the vocabulary's ``item_codes``: supplies, drugs, equipment) below
   the services ("teach insulin injections": the teaching visit G0495, not insulin).
13. Purpose: in "X for Y" and "X with Y" the query asks for X ("CADD pump for home IV antibiotics": the pump;
   "machine with a mask I sleep with": the machine), so codes matching no word before the first "for" or "with" rank
   below those that do; nothing changes when only the words of asking ("what code for"), a charge or a supply
   ("monthly charge for ...") come before it, or the query asks for a modifier.

The line a drug runs through ("IV antibiotics thru his PICC") is read as its route and dropped, so the catheter's
own codes do not outrank the therapy; a vocabulary term written with a number word ("three times a day") also
matches its digits ("3 times a day").

Numbers meet in either spelling ("one piece" / "(1 piece)", "1cc" / "1 cc", "factor 8" / "factor viii"), and a
typo correction keeps the word's first letter ("lfit" -> lift, not fit); a misspelling whose stem a rare word
happens to share ("assesment") is corrected too.
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import pairwise
from typing import Any, Literal

from .._dates import parse_day
from .._errors import NotFoundError, SearchQueryError
from .._store import Store
from ..hcpcs import HcpcsReference, Release, ensure_default
from ._drugs import generic_names
from ._index import ReleaseIndex, release_index
from ._quantities import (
    UNIT_WORDS,
    Interval,
    description_intervals,
    fits,
    normalise_quantities,
    other_spellings,
    quantity_spans,
    size_asked,
    unit_dimension,
)
from ._text import (
    CODE_PREFIX,
    MAX_QUERY_WORDS,
    MODIFIER_CODE,
    PROCEDURE_CODE,
    STOPWORDS,
    CodeRange,
    clean_query,
    content_words,
    find_ranges,
    fold,
    stemmer,
    without_contraction_t,
    words,
)
from ._vocabulary import Vocabulary, VocabularyEntry, load_vocabulary

Kind = Literal["procedure", "modifier"]

#: at most this many results per query
MAX_LIMIT = 500
#: weight of a clause alternative reached through prefix completion or typo correction
COMPLETION_WEIGHT = 0.8
CORRECTION_WEIGHT = 0.85
#: weight of another form of a word the release uses: the noun of an adjective ("orthotic" -> orthosis), the word
#: split in two ("mouthpiece" -> mouth piece)
OTHER_FORM_WEIGHT = 0.7
#: weight of a compound CMS writes as one word, reached from its first part ("arm" -> armrest); it counts only
#: for codes another clause of the query matches (and then satisfies the clause for the coverage bonus)
COMPOUND_WEIGHT = 0.7
#: credit for a document holding only part of a multi-word alternative
PARTIAL_CREDIT = 0.35
#: bonus (in BM25 points) for satisfying every clause, scaled by the share of clause importance satisfied
COVERAGE_BONUS = 6.0
#: score multiplier for modifiers when the query did not ask for modifiers (for procedures when it did)
MODIFIER_DAMPING = 0.7
#: ... and for procedures when the query says "modifier": the user named what they want
PROCEDURE_DAMPING = 0.5
#: bonus for a description starting with the user's words (all of them; a share for some) and for holding
#: them side by side in order; it reorders the best PHRASE_PAGE codes only (whatever the limit, so a longer
#: list starts with the same codes as a shorter one)
START_BONUS = 1.5
PHRASE_BONUS = 1.0
PHRASE_PAGE = 10
#: a code whose description adds a qualifier the query does not mention ("assistant", "each additional", "per
#: hour", "continuous": the vocabulary's ``qualifiers``) is a special case of what was asked: among the best
#: QUALIFIER_PAGE codes its score is multiplied by QUALIFIER_DAMPING for each such qualifier
QUALIFIER_DAMPING = 0.85
QUALIFIER_PAGE = 30
#: a code that matches a word of the query only where its description rules that word out ("Continuous passive
#: motion exercise device for use other than knee" for "knee cpm"; "more than one liter" for "one liter"; "without
#: wheels" for "wheeled walker"), or that has a thing the query rules out ("no wheels"), is multiplied by
#: SCOPED_DAMPING for each such word, among the best QUALIFIER_PAGE codes
SCOPED_DAMPING = 0.6
#: a code that only reports quality data (the vocabulary's ``reporting_codes``: "Blood pressure reading not
#: documented", "Patient did not respond to ...") is multiplied by REPORTING_DAMPING among the best
#: QUALIFIER_PAGE codes: people who describe a service or an item in words mean the service or the item
REPORTING_DAMPING = 0.6
#: a code billed in another unit than the one the query states ("each 15 minutes" for "per visit") is multiplied
#: by UNIT_DAMPING among the best QUALIFIER_PAGE codes
UNIT_DAMPING = 0.8
#: a code whose ranges miss the quantity the query states ("1.5 L" against "one liter per day") is multiplied by
#: QUANTITY_DAMPING, one whose range holds it gains QUANTITY_BONUS (BM25 points), among the best QUALIFIER_PAGE
QUANTITY_DAMPING = 0.6
QUANTITY_BONUS = 6.0
#: score step between the codes a vocabulary entry names, in the order it lists them
NAMED_ORDER_STEP = 0.001
#: a word used by at most this many codes may still be a drug brand name worth translating
RARE_WORD_CODES = 3
#: share of the other alternatives' scores a document adds when it matches several ways ("tpn" and
#: "parenteral nutrition")
SECONDARY_CREDIT = 0.3
#: a query that names the letter of the codes it wants ("which Q code", "is there a J-code for it") ranks the codes
#: starting with another letter lower: the score of each, among the best QUALIFIER_PAGE, is multiplied by
#: LETTER_DAMPING (HCPCS Level II codes are grouped by their first letter: J drugs, Q temporary codes, ...)
LETTER_DAMPING = 0.6
#: "Q code", "J-code", "G codes": the letter of a HCPCS Level II section (an "a code" is usually "a code", so A
#: counts only written as a capital)
_LETTER_CODE = re.compile(r"(?<![\w-])([A-Za-z])[- ]?codes?\b")
_HCPCS_LETTERS = frozenset("ABCEGHJKLMPQRSTUV")
#: a query that names Medicaid ("medicaid personal care", "medicaid nurse visit") asks for the codes CMS set apart
#: for state Medicaid agencies, the T codes (CMS HCPCS Level II coding procedures: "T codes are designated for use
#: by Medicaid state agencies"); the others, among the best QUALIFIER_PAGE, are multiplied by MEDICAID_DAMPING
MEDICAID_DAMPING = 0.65
_MEDICAID_STEMS = frozenset({"medicaid"})
_MODIFIER_WORDS = frozenset({"modifier", "modifiers", "mod", "letters"})
_NUMBERS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
#: "one" <-> "1", ..., "ten" <-> "10"
_NUMBER_WORDS = {**{w: str(n) for n, w in enumerate(_NUMBERS, 1)}, **{str(n): w for n, w in enumerate(_NUMBERS, 1)}}
_CODE_SCORE = 1000.0
_BRACKETED = re.compile(r"\([^)]*\)?")
#: a cross-reference in index style: "(see also Bandage)", "; see also Dialysis)", ", see Orthopedic shoes"
_CROSS_REFERENCE = re.compile(r"(?<=[(;,])\s*see(?:\s+also)?\s+[^();,]*")


@dataclass(frozen=True, slots=True)
class SearchResult:
    code: str
    kind: str
    short_description: str
    long_description: str
    score: float
    #: what matched, in words: "code G0151", "hoyer lift → patient lift", "wheelchiar → wheelchair", ...
    matched: tuple[str, ...]
    #: active | terminated | not_yet_effective, on the date searched
    status: str
    termination_date: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "kind": self.kind,
            "short_description": self.short_description,
            "long_description": self.long_description,
            "score": round(self.score, 3),
            "matched": list(self.matched),
            "status": self.status,
            "termination_date": self.termination_date,
        }


@dataclass(frozen=True)
class SearchResponse:
    query: str
    as_of: str
    release: dict[str, Any]
    results: list[SearchResult]
    #: codes that matched before ``limit`` was applied
    total: int
    #: typo corrections used, e.g. {"wheelchiar": "wheelchair"}
    corrections: dict[str, str] = field(default_factory=dict)
    #: what was changed or ignored in the query, in plain words
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "as_of": self.as_of,
            "release": self.release,
            "total": self.total,
            "corrections": self.corrections,
            "notes": self.notes,
            "results": [r.to_dict() for r in self.results],
        }


@dataclass
class _Alternative:
    stems: tuple[str, ...]
    weight: float
    label: str
    #: counts only for codes another clause matches (a compound reached from its first part)
    needs_context: bool = False


@dataclass
class _Clause:
    text: str
    alternatives: list[_Alternative]
    entry: VocabularyEntry | None = None


@dataclass
class _Plan:
    exact: list[tuple[str, str]] = field(default_factory=list)  # (code, how it matched)
    prefixes: list[str] = field(default_factory=list)
    ranges: list[CodeRange] = field(default_factory=list)
    clauses: list[_Clause] = field(default_factory=list)
    wants_modifier: bool = False
    #: the stems of the user's words in order, for the phrase bonus
    phrase: list[str] = field(default_factory=list)
    corrections: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: words the user wrote in capitals ("WHO", "SO"): an abbreviation, never everyday filler
    capitalised: frozenset[str] = frozenset()
    #: the units the query states ("per visit", "hourly"), as indexes into the vocabulary's ``units``
    units: frozenset[int] = frozenset()
    #: the quantities the query states ("1000 ml", "400 lb", "less than 24 hours"), matched against the ranges
    #: codes state instead of as words
    quantities: list[Interval] = field(default_factory=list)
    #: the pad size a size word asks for ("small"), when the query states no size
    size: Interval | None = None
    #: the unit words of those quantities, kept as words that meet the unit's other spellings ("ml" -> cc, liter)
    quantity_units: frozenset[str] = frozenset()
    #: the words before "for" or "with" in "mask for my cpap": the thing asked for, the rest its purpose or company
    head_words: frozenset[str] = frozenset()


# -- arguments ------------------------------------------------------------------------------------------------------
def _as_day(as_of: date | str | None) -> date:
    if as_of is None:
        return date.today()
    if isinstance(as_of, datetime):
        return as_of.date()
    if isinstance(as_of, str) and not as_of.strip():
        raise SearchQueryError("expected a date YYYY-MM-DD, got ''", field="as_of")
    return parse_day(as_of, "as_of", error=SearchQueryError) or date.today()


def _check_kind(kind: str | None) -> str | None:
    if kind is None or kind == "":
        return None
    value = str(kind).strip().lower()
    if value not in ("procedure", "modifier"):
        raise SearchQueryError(f"kind must be 'procedure' or 'modifier', got {str(kind)[:40]!r}", field="kind")
    return value


def _check_prefix(prefix: str | None) -> str | None:
    if prefix is None or prefix == "":
        return None
    value = str(prefix).strip().upper()
    if not value or not value.isascii() or not value.isalnum() or len(value) > 5:
        raise SearchQueryError(
            f"prefix must be the start of a code (a letter, optionally digits), got {str(prefix)[:40]!r}",
            field="prefix",
        )
    return value


def _check_limit(limit: int) -> int:
    try:
        number = int(limit)
    except (TypeError, ValueError):
        raise SearchQueryError(f"limit must be a whole number, got {str(limit)[:40]!r}", field="limit") from None
    if number < 1:
        raise SearchQueryError("limit must be at least 1", field="limit")
    return min(number, MAX_LIMIT)


def release_for(store: Store, day: date) -> Release:
    """The HCPCS release in force on ``day`` (NotFoundError when none is); loads the embedded default release
    into an empty, writable store first."""
    reference = HcpcsReference(store)
    if not reference.releases() and not store.read_only:
        ensure_default(store)  # a fresh install searches the embedded home health release
    release = reference.release_on(day)
    if release is None:
        loaded = reference.releases()
        hint = (
            f"; the earliest loaded release takes effect {loaded[0].effective_date}"
            if loaded
            else "; no HCPCS release is loaded (hhbill data import PATH)"
        )
        raise NotFoundError(f"no HCPCS release in force on {day.isoformat()}{hint}", as_of=day.isoformat())
    return release


# -- reading the query ----------------------------------------------------------------------------------------------
@dataclass
class _Dictionary:
    """The words a query may use for one release and vocabulary, for typo correction and drug names."""

    release_words: Mapping[str, int]
    vocabulary_words: frozenset[str]
    _by_length: dict[int, list[str]] | None = None
    near: dict[tuple[int, int], list[str]] = field(default_factory=dict)

    def knows(self, word: str) -> bool:
        return word in self.release_words or word in self.vocabulary_words

    def words_near(self, length: int, distance: int) -> list[str]:
        """Known words whose length is within ``distance`` of ``length`` (memoised)."""
        found = self.near.get((length, distance))
        if found is None:
            by_length = self._by_length
            if by_length is None:  # built on the first typo, not on every process's first query
                by_length = {}
                for word in frozenset(self.release_words) | self.vocabulary_words:
                    if len(word) >= 3 and word.isalpha():
                        by_length.setdefault(len(word), []).append(word)
                self._by_length = by_length
            found = [w for n in range(length - distance, length + distance + 1) for w in by_length.get(n, ())]
            self.near[(length, distance)] = found
        return found


def _memo(index: ReleaseIndex, key: str, *, bound: int | None = None) -> dict[Any, Any]:
    """A memo kept on the release index under ``key`` (what is worked out per code or per word pair once per
    process); emptied when it grows past ``bound``."""
    memo = index.extras.get(key)
    if not isinstance(memo, dict) or (bound is not None and len(memo) > bound):
        memo = {}
        index.extras[key] = memo
    return memo


def _dictionary(index: ReleaseIndex, vocabulary: Vocabulary) -> _Dictionary:
    key = f"dictionary:{vocabulary.fingerprint}"
    found = index.extras.get(key)
    if not isinstance(found, _Dictionary):
        vocabulary_words = frozenset(w for e in vocabulary.entries for t in e.terms for w in words(t))
        found = _Dictionary(index.word_frequency, vocabulary_words)
        index.extras[key] = found
    return found


#: the shortest word corrected for any one slip; a shorter word only for two letters swapped ("lfit" -> lift) or,
#: from DROPPED_LETTER_LETTERS letters, for a letter left out ("walkr" -> walker; not "plain" -> plan)
ONE_SLIP_LETTERS = 6
DROPPED_LETTER_LETTERS = 5
#: the shortest word corrected for two slips ("epoprostinol"); shorter words are too near other real words
TWO_SLIPS_LETTERS = 9


def _swapped(word: str, other: str) -> bool:
    """Whether ``other`` is ``word`` with two neighbouring letters swapped."""
    if len(word) != len(other):
        return False
    differ = [n for n, (a, b) in enumerate(zip(word, other, strict=True)) if a != b]
    return len(differ) == 2 and differ[1] == differ[0] + 1 and word[differ[0]] == other[differ[1]]


def _corrections(word: str, index: ReleaseIndex, dictionary: _Dictionary) -> list[str]:
    """Known words within a small edit distance of ``word``, best first: two letters swapped in a short word (or a
    letter left out), one slip from ONE_SLIP_LETTERS letters, two from TWO_SLIPS_LETTERS. A correction keeps the
    word's first letter:
    people seldom mistype it ("lfit" is lift, not fit), and an everyday word the release does not use is a word
    apart from its neighbours ("mother" is not "other", "getting" not "setting", "wife" not "wide")."""
    if len(word) < 4 or not word.isalpha():
        return []
    from rapidfuzz import process  # loaded when a word is not known: most queries have no typo
    from rapidfuzz.distance import OSA

    limit = 2 if len(word) >= TWO_SLIPS_LETTERS else 1
    near = process.extract(
        word, dictionary.words_near(len(word), limit), scorer=OSA.distance, score_cutoff=limit, limit=32
    )
    found = [
        (w, distance)
        for w, distance, _i in near
        if w[0] == word[0]
        and (
            len(word) >= ONE_SLIP_LETTERS
            or _swapped(word, w)
            or (len(word) >= DROPPED_LETTER_LETTERS and len(w) == len(word) + 1)
        )
    ]
    if not found:
        return []
    best = min(distance for _w, distance in found)
    closest = [w for w, distance in found if distance == best]
    closest.sort(key=lambda w: (-index.word_frequency.get(w, 0), w))
    return closest[:2]


def _drug_clauses(
    tokens: list[str],
    plan: _Plan,
    index: ReleaseIndex,
    dictionary: _Dictionary,
    drug_names: Callable[[list[str]], dict[str, list[str]]],
) -> list[str]:
    """Turn drug brand names among ``tokens`` into clauses for their generic names; return the other tokens."""
    stem = stemmer()
    # unknown words, and words only a handful of codes use ("herceptin" appears once, in J9356's description)
    unknown = [
        t not in dictionary.vocabulary_words and len(index.impacts.get(stem.stem(t), ())) <= RARE_WORD_CODES
        for t in tokens
    ]
    if not any(unknown):
        return tokens
    phrases = [
        " ".join(tokens[start : start + size])
        for start in range(len(tokens))
        for size in (3, 2, 1)
        if start + size <= len(tokens) and any(unknown[start : start + size])
    ]
    found = drug_names(phrases)
    if not found:
        return tokens
    kept: list[str] = []
    position = 0
    while position < len(tokens):
        for size in (3, 2, 1):
            phrase = " ".join(tokens[position : position + size])
            if position + size <= len(tokens) and phrase in found:
                phrase_stems = tuple(stem.stem(w) for w in phrase.split())
                alternatives = [_Alternative(phrase_stems, 1.0, phrase)]
                for generic in found[phrase][:3]:
                    # "paclitaxel (with polyoxyethylated castor oil)": the name is what comes before brackets
                    name = _BRACKETED.sub(" ", generic).strip()
                    name_words = content_words(name)
                    if name_words:
                        stems = tuple(stem.stem(w) for w in name_words)
                        alternatives.append(_Alternative(stems, 1.0, f"{phrase} → {name}"))
                plan.clauses.append(_Clause(phrase, alternatives))
                position += size
                break
        else:
            kept.append(tokens[position])
            position += 1
    return kept


def _plan(
    text: str,
    index: ReleaseIndex,
    vocabulary: Vocabulary,
    *,
    typing: bool,
    drug_names: Callable[[list[str]], dict[str, list[str]]] | None = None,
) -> _Plan:
    """Read a query into codes, code starts, ranges and clauses of words (see the module's docstring)."""
    plan = _Plan()
    text = _drop_access_route(text, plan)
    tokens = _query_tokens(text, plan)
    plan.units = _units_stated(tokens, vocabulary)
    dictionary = _dictionary(index, vocabulary)
    remaining = _content_tokens(_take_codes(tokens, plan, index, dictionary), plan, vocabulary, typing=typing)
    if not remaining:
        return plan
    if drug_names is not None:
        remaining = _drug_clauses(remaining, plan, index, dictionary, drug_names)
    resolved: list[tuple[str, list[_Alternative]]] = []
    for position, token in enumerate(remaining):
        alternatives = _resolve_word(
            token, index, dictionary, plan, completing_last=typing and position == len(remaining) - 1
        )
        if alternatives:
            resolved.append((token, alternatives))
        else:
            plan.notes.append(f"no code description uses the word {token[:40]!r}")
    _add_word_clauses(resolved, plan, index, vocabulary)
    return plan


#: "through his PICC", "via the port": the line a drug runs through, said to name the route; the catheter's own codes
#: (PICC insertion supplies, implanted ports) are not what such a query asks for
_THROUGH_ACCESS = re.compile(
    r"\b(?:through|thru|via)\s+(?:(?:his|her|my|their|your|the|a|an)\s+)?"
    r"(?:picc|port|central|peripheral|midline|iv)(?:\s+(?:line|catheter|cath))?\b",
    re.IGNORECASE,
)


def _drop_access_route(text: str, plan: _Plan) -> str:
    """Drop the access route a query names ("IV antibiotics three times a day through his PICC") when other words
    remain: it says how the drug is given, not which code is sought."""
    dropped = _THROUGH_ACCESS.sub(" ", text)
    if dropped == text or not dropped.strip():
        return text
    plan.notes.append("the line a drug runs through ('through the PICC') is read as its route, not as a product")
    return dropped


_CAPITALISED = re.compile(r"\b[A-Z][A-Z0-9]+\b")
_NUMBER_AND_UNIT = re.compile(r"([0-9]+)([a-z]{1,3})")
#: "2nd" -> second: CMS spells ordinals out ("second or third month rental")
_ORDINALS = {
    "1st": "first",
    "2nd": "second",
    "3rd": "third",
    "4th": "fourth",
    "5th": "fifth",
    "6th": "sixth",
    "7th": "seventh",
    "8th": "eighth",
    "9th": "ninth",
    "10th": "tenth",
}


#: comparison signs as CMS writes the bounds they state ("TPN >3L per day": "more than three liters")
_COMPARISONS = (
    (">=", " at least "),
    ("=>", " at least "),
    ("<=", " no more than "),
    ("=<", " no more than "),
    (">", " more than "),
    ("<", " less than "),
)
#: "w/o" and "w/ " as CMS's short descriptors and billers write "without" and "with" (not "w/c", a wheelchair)
_WITHOUT = re.compile(r"\bw/o\b")
_WITH = re.compile(r"\bw/(?=\s|$)")
#: a unit abbreviated after a number, as CMS spells it ("3l" -> 3 liter, "4 hrs" -> 4 hours)
_UNIT_WORDS = {"l": "liter", "lt": "liter", "ltr": "liter", "hr": "hour", "hrs": "hours"}


def _number_and_unit(token: str) -> tuple[str, ...]:
    found = _NUMBER_AND_UNIT.fullmatch(token)
    return found.groups() if found else (token,)


def _query_tokens(text: str, plan: _Plan) -> list[str]:
    """The words of a query, with cross-references and code ranges taken out (ranges go to the plan)."""
    folded = fold(text)
    references = [m.group(0).strip() for m in _CROSS_REFERENCE.finditer(folded)]
    if references:
        # "Dressing (see also Bandage)": the words after "see" name another heading, not this one
        folded = _CROSS_REFERENCE.sub(" ", folded)
        plan.notes.append(f"cross-reference ignored: {'; '.join(r[:60] for r in references)}")
    plan.ranges, rest = find_ranges(folded)
    plan.capitalised = frozenset(w.lower() for w in _CAPITALISED.findall(text))
    for sign, spelled in _COMPARISONS:
        rest = rest.replace(sign, spelled)
    rest = _WITHOUT.sub(" without ", _WITH.sub(" with ", rest))
    rest = _take_quantities(rest, plan)
    # "1cc", "10ml": CMS writes the number and the unit apart ("1 cc or less")
    tokens = [part for token in words(rest) for part in _number_and_unit(_ORDINALS.get(token, token))]
    tokens = without_contraction_t(tokens)  # "didn't", "can't": the "t" after "n" says nothing
    tokens = [
        _UNIT_WORDS.get(token, token) if position and tokens[position - 1].isdigit() else token
        for position, token in enumerate(tokens)
    ]
    if len(tokens) > MAX_QUERY_WORDS:
        plan.notes.append(f"only the first {MAX_QUERY_WORDS} words were used")
        tokens = tokens[:MAX_QUERY_WORDS]
    tokens = [_modifier_spelling(token, plan) for token in tokens]
    plan.wants_modifier = any(t in _MODIFIER_WORDS for t in tokens)
    plan.head_words = _head_words(tokens)
    if not any(q.dimension == "sqin" for q in plan.quantities):
        plan.size = size_asked(tokens)
    return tokens


def _take_quantities(rest: str, plan: _Plan) -> str:
    """Quantities stated with a unit ("1000 ml", "2.5 liters", "400 lb", "less than 24 hours") go to the plan and
    out of the words: they are matched against the ranges codes state, not as words ("1000 ml" is CMS's "one liter
    per day", "400 lb" falls in "greater than 350 pounds, but less than or equal to 600 pounds"). Kept as words when
    the query is nothing else."""
    spelled = normalise_quantities(rest)
    spans = quantity_spans(spelled)
    if not spans:
        return rest
    kept = spelled
    for span in reversed(spans):
        kept = f"{kept[: span.start]} {kept[span.end :]}"
    if not [w for w in words(kept) if w not in STOPWORDS]:
        return rest
    plan.quantities = [span.interval for span in spans]
    plan.quantity_units = frozenset(span.unit for span in spans)
    for span in reversed(spans):  # the unit stays a word: "TPN 1000 ml" still asks for a volume
        spelled = f"{spelled[: span.start]} {UNIT_WORDS.get(span.unit, span.unit)} {spelled[span.end :]}"
    return spelled


def _modifier_spelling(token: str, plan: _Plan) -> str:
    """The word that asks for modifiers, mistyped ("modifer", "modifeir", "modifers"), is that word: it is read
    before any other word, as it decides how two-character codes are read."""
    if token in _MODIFIER_WORDS or not token.startswith("mod") or not 7 <= len(token) <= 10:
        return token
    from rapidfuzz.distance import OSA

    for word in ("modifier", "modifiers"):
        if OSA.distance(token, word, score_cutoff=1) <= 1:
            plan.corrections.setdefault(token, word)
            return word
    return token


def _modifier_as_code(tokens: list[str], position: int, plan: _Plan, dictionary: _Dictionary, *, is_word: bool) -> bool:
    """Whether a token that is a modifier's code stands for the modifier. "KX", "GP modifier": a modifier. "pt
    assistant": words (PT is also a modifier, but here an abbreviation); a lone "pt" is both, the modifier first;
    "pt modifier" is the modifier, but in "outpatient pt plan of care modifier" the word asks for a modifier about
    physical therapy. Written next to the word asking for a modifier ("rt modifier knee brace", "the letters RR"), a
    modifier that is also a word is the modifier, unless the vocabulary knows it as an abbreviation ("assistant
    modifier pt")."""
    if len(tokens) == 1 or not is_word:
        return True
    if not plan.wants_modifier:
        return False
    beside = {tokens[n] for n in (position - 1, position + 1) if 0 <= n < len(tokens)}
    return len(tokens) <= 2 or (bool(beside & _MODIFIER_WORDS) and tokens[position] not in dictionary.vocabulary_words)


def _take_codes(tokens: list[str], plan: _Plan, index: ReleaseIndex, dictionary: _Dictionary) -> list[str]:
    """Put codes, modifiers and code starts into the plan; return the other tokens."""
    remaining: list[str] = []
    for position, token in enumerate(tokens):
        upper = token.upper()
        if PROCEDURE_CODE.match(token):
            if upper in index.by_code:
                plan.exact.append((upper, f"code {upper}"))
            else:
                plan.notes.append(f"{upper} is not in this release")
        elif MODIFIER_CODE.match(token) and index.is_modifier(upper):
            is_word = dictionary.knows(token)
            as_code = _modifier_as_code(tokens, position, plan, dictionary, is_word=is_word)
            if as_code:
                plan.exact.append((upper, f"modifier {upper}"))
            if is_word and not (as_code and plan.wants_modifier):
                remaining.append(token)
        elif CODE_PREFIX.match(token) and any(c.isdigit() for c in token):
            # "o2", "b12", "q8": a word of the vocabulary, not the start of a code (unless it is the whole query)
            if token in dictionary.vocabulary_words:
                remaining.append(token)
            if token not in dictionary.vocabulary_words or len(tokens) == 1:
                plan.prefixes.append(upper)
        else:
            remaining.append(token)
    return remaining


def _content_tokens(
    remaining: list[str], plan: _Plan, vocabulary: Vocabulary | None = None, *, typing: bool = False
) -> list[str]:
    """Stopwords and everyday filler ("my", "did", "someone", "mother": the vocabulary's ``query_filler``) dropped,
    unless the query is nothing else (then kept, or dropped when it named codes). A word written in capitals is an
    abbreviation ("WHO", "SO"), not filler; nor is a word of a vocabulary term of several words ("around" in
    "around the clock"), nor the word being typed ("oxygen can" may become cannula)."""
    filler = vocabulary.filler - plan.capitalised if vocabulary else frozenset()
    if typing and remaining:
        filler = filler - {remaining[-1]}
    ignored = STOPWORDS | filler
    if remaining and all(t in ignored for t in remaining):
        if plan.exact or plan.prefixes or plan.ranges:
            return []
        return [t for t in remaining if t not in STOPWORDS] or remaining
    content = [t for t in remaining if t not in STOPWORDS]
    in_terms = (
        _in_terms_of_several_words(content, vocabulary, filler) if vocabulary and filler & set(content) else set()
    )
    return [t for position, t in enumerate(content) if t not in filler or position in in_terms]


def _in_terms_of_several_words(content: list[str], vocabulary: Vocabulary, filler: frozenset[str]) -> set[int]:
    """The positions of the words that are part of a vocabulary term of several words ("around the clock"), as
    written or once the other filler is left out ("showed my wife how": the term "showed how")."""
    stems = stemmer().stem_all(content)

    def in_terms(positions: list[int]) -> set[int]:
        return {
            positions[at]
            for start, end, _entry in vocabulary.match([stems[content[n]] for n in positions])
            if end - start > 1
            for at in range(start, end)
        }

    found = in_terms(list(range(len(content))))
    plain = [n for n, t in enumerate(content) if t not in filler]
    for position, token in enumerate(content):
        if token in filler and position not in found:
            found |= in_terms(sorted([*plain, position])) & {position}
    return found


def _resolve_word(
    token: str, index: ReleaseIndex, dictionary: _Dictionary, plan: _Plan, *, completing_last: bool
) -> list[_Alternative]:
    """The ways one word of the query can match: as is, completed as a prefix, in another form CMS writes, or
    corrected for a typo (corrections are noted in the plan)."""
    stem = stemmer()
    stem_of_token = stem.stem(token)
    alternatives: list[_Alternative] = []
    is_known = dictionary.knows(token) or stem_of_token in index.impacts
    if is_known or token in _MODIFIER_WORDS:
        alternatives.append(_Alternative((stem_of_token,), 1.0, token))
    if token in _MODIFIER_WORDS:
        return alternatives
    _add_unit_spellings(token, alternatives, index, plan)
    if _add_number_spelling(token, alternatives, index) and not is_known:
        return alternatives
    # complete the word being typed, an unknown word, and a word no description uses as such whose stem
    # happens to exist ("hydrocoll" -> hydrocolloid, hydrocollator)
    if (completing_last and len(token) >= 2) or (
        token not in index.word_frequency and len(token) >= (4 if is_known else 3)
    ):
        _add_completions(token, alternatives, index, typing=completing_last)
    if token.isalpha():
        variants = _word_forms(token, index, known=is_known)
        if is_known:
            variants.extend(_compounds_starting_with(token, index))
        for variant in variants:
            if all(a.stems != variant.stems for a in alternatives):
                alternatives.append(variant)
    if (not is_known or _stem_by_chance(token, stem_of_token, index, dictionary)) and not completing_last:
        _add_corrections(token, alternatives, index, dictionary, plan)
    return alternatives


def _stem_by_chance(token: str, stem_of_token: str, index: ReleaseIndex, dictionary: _Dictionary) -> bool:
    """A misspelling whose stem happens to be a rare word's ("assesment" meets only "assessed"): no description
    and no vocabulary term writes the word itself, and few codes have its stem. It is corrected like a typo."""
    return (
        token not in index.word_frequency
        and token not in dictionary.vocabulary_words
        and len(index.impacts.get(stem_of_token, ())) <= RARE_WORD_CODES
    )


def _add_corrections(
    token: str, alternatives: list[_Alternative], index: ReleaseIndex, dictionary: _Dictionary, plan: _Plan
) -> None:
    """An unknown word may be a typo even when some rarer word starts with it ("wheelch" is a start, "infsion" a
    typo): its corrections lead (they name the word the vocabulary and the phrase bonus go by), completions follow."""
    stem = stemmer()
    corrections = [
        _Alternative((stem.stem(correction),), CORRECTION_WEIGHT, f"{token} → {correction}")
        for correction in _corrections(token, index, dictionary)
        if all(a.stems != (stem.stem(correction),) for a in alternatives)
    ]
    if corrections:
        plan.corrections.setdefault(token, corrections[0].label.split(" → ", 1)[1])
    alternatives[:0] = corrections


def _add_unit_spellings(token: str, alternatives: list[_Alternative], index: ReleaseIndex, plan: _Plan) -> None:
    """The unit of a stated quantity meets the other spellings of its kind CMS writes ("ml" -> cc, liter)."""
    if token not in plan.quantity_units:
        return
    stem = stemmer()
    for spelling in other_spellings(token):
        spelled = stem.stem(spelling)
        if spelling in index.word_frequency and all(a.stems != (spelled,) for a in alternatives):
            alternatives.append(_Alternative((spelled,), OTHER_FORM_WEIGHT, f"{token} → {spelling}"))


def _add_number_spelling(token: str, alternatives: list[_Alternative], index: ReleaseIndex) -> bool:
    """CMS writes small numbers both ways ("(1 piece)", "one liter"), and in roman numerals where they name a kind
    ("factor viii", "group ii"): add the other spellings (True when one was added)."""
    added = False
    for other_spelling in (_NUMBER_WORDS.get(token), _ROMAN.get(token)):
        if other_spelling and other_spelling in index.word_frequency:
            alternatives.append(_Alternative((stemmer().stem(other_spelling),), 1.0, f"{token} → {other_spelling}"))
            added = True
    return added


#: "8" -> viii: a clotting factor, a group or a stage in roman numerals, as CMS writes them ("Factor viii"); not
#: the one-letter numerals, which are also letters ("x-ray", "vitamin d")
_ROMAN = {
    "2": "ii",
    "3": "iii",
    "4": "iv",
    "6": "vi",
    "7": "vii",
    "8": "viii",
    "9": "ix",
    "11": "xi",
    "12": "xii",
    "13": "xiii",
}


def _add_completions(token: str, alternatives: list[_Alternative], index: ReleaseIndex, *, typing: bool) -> None:
    """Add the words that start with ``token`` as alternatives, the more used ones weighing more."""
    stem = stemmer()
    completions = index.words_starting_with(token, limit=12)
    # while typing, the common completions lead ("whee" -> wheelchair before wheezing): each completion (and the
    # word as typed) weighs by how often descriptions use it, relative to the most used one
    most_used = max((index.word_frequency[w] for w in completions), default=1)
    if typing and alternatives:
        share = index.word_frequency.get(token, 1) / most_used
        alternatives[0].weight = min(1.0, math.sqrt(share))
    for completion in completions:
        completed = stem.stem(completion)
        if completion != token and all(a.stems != (completed,) for a in alternatives):
            weight = COMPLETION_WEIGHT * math.sqrt(index.word_frequency[completion] / most_used)
            alternatives.append(_Alternative((completed,), weight, f"{token}… → {completion}"))


def _add_word_clauses(
    resolved: list[tuple[str, list[_Alternative]]], plan: _Plan, index: ReleaseIndex, vocabulary: Vocabulary
) -> None:
    """Clauses for the resolved words: vocabulary terms over them (a corrected word counts as its correction)
    become one clause each; the other words one clause each (two CMS writes as one word, one clause)."""
    leading_stems = [alternatives[0].stems[0] for _token, alternatives in resolved]
    plan.phrase = [s for (token, _a), s in zip(resolved, leading_stems, strict=True) if token not in _MODIFIER_WORDS]
    position = 0
    written = [token for token, _alternatives in resolved]
    for start, end, entry in [*vocabulary.match(leading_stems, written), (len(resolved), len(resolved), None)]:
        plain = [
            (token, alternatives)
            for token, alternatives in resolved[position:start]
            # "modifier" only asks for modifiers (plan.wants_modifier), unless a vocabulary term used it
            if token not in _MODIFIER_WORDS or len(resolved) == 1
        ]
        plan.clauses.extend(_compound_clauses(plain, index))
        if entry is None:
            break
        span_words = " ".join(token for token, _a in resolved[start:end])
        alternatives = [_Alternative(tuple(leading_stems[start:end]), 1.0, span_words)]
        for meaning, meaning_stems in zip(entry.means, entry.meaning_stems, strict=True):
            alternatives.append(_Alternative(meaning_stems, 1.0, f"{span_words} → {meaning}"))
        # a modifier's description may be the abbreviation alone (TD "Rn", TE "Lpn/lvn"): a query asking for a
        # modifier also reaches the entry's abbreviations ("registered nurse modifier" -> TD)
        for term, term_stems in zip(entry.terms, entry.term_stems, strict=True):
            if plan.wants_modifier and _is_abbreviation(term) and all(a.stems != term_stems for a in alternatives):
                alternatives.append(_Alternative(term_stems, ABBREVIATION_WEIGHT, f"{span_words} → {term}"))
        plan.clauses.append(_Clause(span_words, alternatives, entry))
        position = end


#: weight of an abbreviation of the same vocabulary entry ("registered nurse" also reaches "rn")
ABBREVIATION_WEIGHT = 0.8
_ABBREVIATION = re.compile(r"^[a-z]{2,4}$")


def _is_abbreviation(term: str) -> bool:
    """A term of two to four letters without vowels in the right places: "rn", "lpn", "msw", "hha" (not "aide")."""
    return bool(_ABBREVIATION.match(term)) and not any(v in term[1:-1] for v in "aeiou")


#: medical adjective endings and the noun CMS names the thing with: orthotic -> orthosis, prosthetic ->
#: prosthesis; and the two names of a surgical opening: tracheostomy <-> tracheostoma. (Only adjective -> noun:
#: descriptions name devices with the noun, and the adjective also qualifies other things, "prosthetic sock".)
_SAME_THING_ENDINGS = (
    ("otics", ("oses",)),
    ("otic", ("osis", "oses")),
    ("etics", ("eses",)),
    ("etic", ("esis", "eses")),
    ("ostomies", ("ostomas",)),
    ("ostomy", ("ostoma",)),
    ("ostoma", ("ostomy",)),
)
#: the shortest word accepted as one half of a compound ("foot" + "drop")
COMPOUND_PART = 3


_SIDE_BY_SIDE_MEMO = 20_000


def _written_side_by_side(first: str, second: str, index: ReleaseIndex) -> bool:
    """Whether some description writes ``first`` and ``second`` side by side, in that order (checked only on the
    codes that use both words' stems; memoised on the index)."""
    frequency = index.word_frequency
    if first not in frequency or second not in frequency:
        return False
    memo = _memo(index, "side_by_side", bound=_SIDE_BY_SIDE_MEMO)
    key = (first, second)
    found = memo.get(key)
    if found is None:
        stem = stemmer()
        with_first = index.impacts.get(stem.stem(first), {})
        with_second = index.impacts.get(stem.stem(second), {})
        found = any(
            pair == key
            for number in with_first.keys() & with_second.keys()
            for text in (index.documents[number].long_description, index.documents[number].short_description)
            for pair in pairwise(words(text))
        )
        memo[key] = found
    return bool(found)


def _word_forms(token: str, index: ReleaseIndex, *, known: bool) -> list[_Alternative]:
    """Other ways CMS writes the word ``token``, as clause alternatives:

    - the noun of a medical adjective, and the other name of an opening: "orthotic" -> orthosis,
      "tracheostomy" -> tracheostoma;
    - the word split in two, when CMS writes the halves side by side: "mouthpiece" -> "mouth piece",
      "footdrop" -> "foot drop" (only for a word few codes use: "wheelchair" is CMS's usual spelling).

    Where the release uses the user's word, another form weighs less (OTHER_FORM_WEIGHT) and never more than the
    word itself would (a rarer form must not push out the codes that use the user's own word).
    """
    stem = stemmer()
    frequency = index.word_frequency
    token_idf = index.idf.get(stem.stem(token), 0.0)

    def weight_of(stems: tuple[str, ...]) -> float:
        if not known:
            return 1.0
        form_idf = sum(index.idf.get(s, 0.0) for s in stems) / math.sqrt(len(stems))
        return OTHER_FORM_WEIGHT * min(1.0, token_idf / form_idf) if form_idf > 0 else OTHER_FORM_WEIGHT

    forms: list[tuple[tuple[str, ...], str]] = []
    for ending, replacements in _SAME_THING_ENDINGS:
        if token.endswith(ending) and len(token) > len(ending) + 2:
            for replacement in replacements:
                variant = token[: -len(ending)] + replacement
                if variant in frequency:
                    forms.append(((stem.stem(variant),), variant))
            break
    if frequency.get(token, 0) <= RARE_WORD_CODES:
        for cut in range(COMPOUND_PART, len(token) - COMPOUND_PART + 1):
            first, second = token[:cut], token[cut:]
            if first not in STOPWORDS and second not in STOPWORDS and _written_side_by_side(first, second, index):
                forms.append(((stem.stem(first), stem.stem(second)), f"{first} {second}"))
    return [_Alternative(stems, weight_of(stems), f"{token} → {label}") for stems, label in forms]


def _compounds_starting_with(token: str, index: ReleaseIndex) -> list[_Alternative]:
    """Compounds CMS writes as one word that start with ``token`` and end with another word it uses ("arm" ->
    armrest, "foot" -> footplate, "back" -> backrest; not "tub" -> tubing), as weak alternatives that need
    another clause of the query to match the same code ("foot" alone keeps its foot codes; "wheelchair arm"
    also reaches wheelchair armrests). A code that uses the user's word is scored by it, never by a compound."""
    if len(token) < COMPOUND_PART:
        return []
    stem = stemmer()
    frequency = index.word_frequency
    token_stem = stem.stem(token)
    found: list[_Alternative] = []
    seen: set[str] = {token_stem}
    for word in index.words_starting_with(token, limit=len(index.sorted_words)):
        rest = word[len(token) :]
        if len(rest) < COMPOUND_PART or not word.isalpha() or rest not in frequency or rest in STOPWORDS:
            continue
        word_stem = stem.stem(word)
        if word_stem in seen or word_stem not in index.impacts:
            continue
        seen.add(word_stem)
        found.append(_Alternative((word_stem,), COMPOUND_WEIGHT, f"{token} → {word}", needs_context=True))
    return found


def _compound_clauses(plain: list[tuple[str, list[_Alternative]]], index: ReleaseIndex) -> list[_Clause]:
    """One clause per word, except two words that CMS writes as one ("non disposable" -> nondisposable,
    "pick up" -> pickup): they become one clause holding both spellings."""
    clauses: list[_Clause] = []
    position = 0
    while position < len(plain):
        token, alternatives = plain[position]
        if position + 1 < len(plain):
            following, following_alternatives = plain[position + 1]
            joined = token + following
            # "foot rests" is CMS's "footrests" and, by its stem, "footrest"
            if (
                token.isalpha()
                and following.isalpha()
                and (
                    joined in index.word_frequency
                    or (len(token) >= COMPOUND_PART and stemmer().stem(joined) in index.impacts)
                )
            ):
                words_together = _Alternative(
                    (alternatives[0].stems[0], following_alternatives[0].stems[0]), 1.0, f"{token} {following}"
                )
                as_one = _Alternative((stemmer().stem(joined),), 1.0, f"{token} {following} → {joined}")
                clauses.append(_Clause(f"{token} {following}", [as_one, words_together]))
                position += 2
                continue
        clauses.append(_Clause(token, alternatives))
        position += 1
    return clauses


# -- ranking --------------------------------------------------------------------------------------------------------
@dataclass
class _Scored:
    scores: dict[int, float]
    #: per clause: document -> the label of the alternative that scored it best
    labels: list[dict[int, str]]

    def labels_of(self, document: int) -> list[str]:
        return [found[document] for found in self.labels if document in found]


@dataclass
class _ClauseScores:
    #: best score of each document, the label behind it, who satisfied the clause fully, its importance
    best: dict[int, float]
    label_of: dict[int, str]
    full: set[int]
    importance: float
    #: scores (and labels) from alternatives that count only where another clause matches the document
    weak: dict[int, tuple[float, str]] = field(default_factory=dict)


def _weak_scores(alternatives: list[_Alternative], index: ReleaseIndex) -> dict[int, tuple[float, str]]:
    weak: dict[int, tuple[float, str]] = {}
    for alternative in alternatives:
        for document, impact in index.impacts.get(alternative.stems[0], {}).items():
            value = impact * alternative.weight
            if value > weak.get(document, (0.0, ""))[0]:
                weak[document] = (value, alternative.label)
    return weak


@dataclass
class _Tally:
    """The scores of one clause as its alternatives are added: each document's best, the label behind it, who
    satisfied the clause fully, and (when there are several alternatives) the sum over alternatives."""

    several: bool
    best: dict[int, float] = field(default_factory=dict)
    label_of: dict[int, str] = field(default_factory=dict)
    full: set[int] = field(default_factory=set)
    totals: dict[int, float] = field(default_factory=dict)

    def add(self, document: int, value: float, label: str) -> None:
        self.totals[document] = self.totals.get(document, 0.0) + value
        if value > self.best.get(document, 0.0):
            self.best[document] = value
            self.label_of[document] = label

    def add_word(self, alternative: _Alternative, index: ReleaseIndex) -> None:
        postings = index.impacts.get(alternative.stems[0])
        if not postings:
            return
        weight = alternative.weight
        if not self.best:  # the usual case, one alternative: copy the postings
            self.best = {d: v * weight for d, v in postings.items()} if weight != 1.0 else dict(postings)
            self.label_of = dict.fromkeys(postings, alternative.label)
            if self.several:
                self.totals = dict(self.best)
        else:
            for document, impact in postings.items():
                self.add(document, impact * weight, alternative.label)
        self.full.update(postings)

    def add_phrase(self, alternative: _Alternative, index: ReleaseIndex) -> None:
        """A phrase is complete when every word the release knows is there, partial when at least half of its
        weight (idf) is there. Words no code uses (e.g. "polyoxyethylated") are left out of both."""
        present = [stem for stem in alternative.stems if stem in index.impacts]
        if not present:
            return
        # a word of the phrase that no code uses weighs as much as the rarest word: "patient lift" in a release
        # without "lift" must not be satisfied by "patient" alone
        absent = len(alternative.stems) - len(present)
        needed_weight = sum(index.idf[stem] for stem in present) + absent * index.max_idf
        sums: dict[int, float] = {}
        matched_weight: dict[int, float] = {}
        hits: dict[int, int] = {}
        for stem in present:
            stem_idf = index.idf[stem]
            for document, impact in index.impacts[stem].items():
                if document in sums:
                    sums[document] += impact
                    matched_weight[document] += stem_idf
                    hits[document] += 1
                else:
                    sums[document] = impact
                    matched_weight[document] = stem_idf
                    hits[document] = 1
        # one idea in several words weighs like one word: scale the sum by 1/sqrt(words)
        scale = alternative.weight / math.sqrt(len(alternative.stems))
        for document, total in sums.items():
            if hits[document] == len(present) and not absent:
                self.full.add(document)
                self.add(document, total * scale, alternative.label)
            elif matched_weight[document] * 2 >= needed_weight:
                self.add(document, total * scale * PARTIAL_CREDIT, alternative.label)

    def credit_other_alternatives(self) -> None:
        """A document matching several ways ("tpn" and "parenteral nutrition") adds a share of the others."""
        if self.several:
            for document, total in self.totals.items():
                self.best[document] += SECONDARY_CREDIT * (total - self.best[document])

    def add_named_codes(self, clause: _Clause, index: ReleaseIndex) -> None:
        """Codes a vocabulary term names directly score as well as the clause's best code."""
        if clause.entry is None or not (clause.entry.codes or clause.entry.code_ranges):
            return
        top = max(self.best.values(), default=1.0)
        named = _codes_named(clause.entry, index)
        for order, code in enumerate(named):
            document = index.by_code[code]
            # a hair above the best description match, and in the order the entry lists them (most usual first)
            self.best[document] = top + (len(named) - order) * NAMED_ORDER_STEP
            self.label_of[document] = f"{clause.text} → {code}"
            self.full.add(document)


def _clause_scores(clause: _Clause, index: ReleaseIndex) -> _ClauseScores:
    strong = [a for a in clause.alternatives if not a.needs_context]
    weak = _weak_scores([a for a in clause.alternatives if a.needs_context], index)
    tally = _Tally(several=len(strong) > 1)
    importance = 0.0
    for alternative in strong:
        for stem in alternative.stems:
            importance = max(importance, index.idf.get(stem, 0.0) * alternative.weight)
        if len(alternative.stems) == 1:
            tally.add_word(alternative, index)
        else:
            tally.add_phrase(alternative, index)
    tally.credit_other_alternatives()
    tally.add_named_codes(clause, index)
    best = tally.best
    return _ClauseScores(best, tally.label_of, tally.full, importance, {d: v for d, v in weak.items() if d not in best})


def _score_clauses(plan: _Plan, index: ReleaseIndex) -> _Scored:
    scored = _Scored({}, [])
    if not plan.clauses:
        return scored
    scores = scored.scores
    clauses = [_clause_scores(clause, index) for clause in plan.clauses]
    total_weight = 0.0
    for found in clauses:
        scored.labels.append(found.label_of)
        total_weight += found.importance
        if not scores:
            scores.update(found.best)
        else:
            for document, value in found.best.items():
                scores[document] = scores.get(document, 0.0) + value
    # weak alternatives (compounds reached from their first part) count for documents another clause matches
    supported: list[dict[int, float]] = []
    for position, found in enumerate(clauses):
        context = [other.best for other_position, other in enumerate(clauses) if other_position != position]
        kept: dict[int, float] = {}
        for document, (value, label) in found.weak.items():
            if any(document in best for best in context):
                scores[document] = scores.get(document, 0.0) + value
                found.label_of[document] = label
                kept[document] = value
        supported.append(kept)
    if total_weight > 0:
        shares: dict[int, float] = {}
        for found, kept in zip(clauses, supported, strict=True):
            share = found.importance / total_weight
            for document in found.full:
                shares[document] = shares.get(document, 0.0) + share
            for document in kept:
                shares[document] = shares.get(document, 0.0) + share
        for document, share in shares.items():
            scores[document] += COVERAGE_BONUS * share * share
    return scored


def _codes_named(entry: VocabularyEntry, index: ReleaseIndex) -> list[str]:
    named = [c for c in entry.codes if c in index.by_code]
    for code_range in entry.code_ranges:
        named.extend(index.documents[n].code for n in index.numbers_in_range(code_range.first, code_range.last))
    return named


def _description_stems(index: ReleaseIndex, number: int) -> list[str]:
    """The stems of a code's long description, content words only, in order (memoised on the index)."""
    found = index.description_stems.get(number)
    if found is None:
        stem = stemmer()
        found = [stem.stem(w) for w in content_words(index.documents[number].long_description)]
        index.description_stems[number] = found
    return found


def _phrase_bonus(phrase: list[str], description: list[str]) -> float:
    """CMS descriptions lead with what the code is ("Syringe with needle, sterile, ..."): reward a description
    that starts with the user's words, and one that holds them side by side in the user's order."""
    leading = 0
    for wanted, found in zip(phrase, description, strict=False):
        if wanted != found:
            break
        leading += 1
    bonus = START_BONUS * leading / len(phrase)
    size = len(phrase)
    if size > 1 and leading < size:
        for start in range(1, len(description) - size + 1):
            if description[start : start + size] == phrase:
                bonus += PHRASE_BONUS
                break
    elif size > 1 and leading == size:
        bonus += PHRASE_BONUS
    return bonus


def _best(final: dict[int, float], count: int) -> list[int]:
    """The ``count`` best-scored documents, best first, ties by document number (the score cut-off is found over
    the bare scores first: most queries match thousands of codes and keep a handful)."""
    if len(final) > count:
        cut = heapq.nlargest(count, final.values())[-1]
        candidates = [number for number, score in final.items() if score >= cut]
    else:
        candidates = list(final)
    candidates.sort(key=lambda n: (-final[n], n))
    return candidates[:count]


def _qualifiers_of(index: ReleaseIndex, number: int, vocabulary: Vocabulary) -> frozenset[tuple[str, ...]]:
    """The vocabulary's qualifiers a code's long description holds, each as its stems in order (stopwords too:
    "per hour" is not "twenty-four hours"); worked out once per code and memoised on the index."""
    memo = _memo(index, f"qualifiers:{vocabulary.fingerprint}")
    found = memo.get(number)
    if found is None:
        stem = stemmer()
        # a bracketed list gives examples ("latex with coating (teflon, silicone, ... or hydrophilic, etc.)"), it
        # does not narrow the code
        text = _BRACKETED.sub(" ", index.documents[number].long_description)
        description = f" {' '.join(stem.stem(w) for w in words(text))} "
        found = frozenset(q.run for q in vocabulary.qualifiers if f" {' '.join(q.run)} " in description)
        memo[number] = found
    return found


#: the shortest query stem that mentions a qualifier word it starts ("mile" mentions mileage)
MENTION_PREFIX = 4


def _mentions(mentioned: set[str], content: tuple[str, ...]) -> bool:
    """Whether the query's stems mention a qualifier: one of its words, or the start of one ("miles": mileage)."""
    return any(
        word in mentioned or any(len(stem) >= MENTION_PREFIX and word.startswith(stem) for stem in mentioned)
        for word in content
    )


def _damp_qualified(
    final: dict[int, float], plan: _Plan, index: ReleaseIndex, vocabulary: Vocabulary, exact: Mapping[int, object]
) -> None:
    """Rank the plain code above its special cases: "home health physical therapist visit" puts the therapist's
    G0151 above the assistant's G0157, "home chemotherapy infusion" S9329 above the continuous S9330. A qualifier
    counts as mentioned when any alternative of the query uses its words (so "pta" mentions "assistant")."""
    if not plan.clauses or not vocabulary.qualifiers:
        return
    mentioned = {stem for clause in plan.clauses for alternative in clause.alternatives for stem in alternative.stems}
    # one word of a qualifier is enough ("custom" asks for "custom fabricated"), but not a word that only links or
    # negates ("without mattress" does not ask for "without side rails")
    mentioned -= _LINK_WORDS
    unasked = {qualifier.run for qualifier in vocabulary.qualifiers if not _mentions(mentioned, qualifier.content)}
    if not unasked:
        return
    for number in _best(final, QUALIFIER_PAGE):
        if number in exact:
            continue
        added = len(unasked & _qualifiers_of(index, number, vocabulary))
        if added:
            final[number] *= QUALIFIER_DAMPING**added


#: words that open a scope ruling out or bounding what follows, up to the end of the phrase ("other than water,
#: normal saline, or hydrogel"), as stems; and the query words that ask for such a scope themselves
_SCOPE_OPENERS: dict[tuple[str, ...], frozenset[str]] = {
    ("other", "than"): frozenset({"other", "than", "except", "not", "non"}),
    ("except",): frozenset({"other", "except", "not", "non"}),
    ("exclud",): frozenset({"other", "except", "exclud", "not", "non"}),
    ("without",): frozenset({"without", "no", "non", "not"}),
    ("more", "than"): frozenset({"more", "over", "greater", "than", "least"}),
    ("greater", "than"): frozenset({"more", "over", "greater", "than", "least"}),
    ("less", "than"): frozenset({"less", "under", "than", "most", "fewer"}),
    ("non",): frozenset({"non", "no", "not", "without"}),
    # "(code may not be used to identify services provided by home health aide ...)", "do not use with ..."
    ("not", "be", "us"): frozenset({"not", "except", "non"}),
    ("not", "us"): frozenset({"not", "except", "non"}),
}
#: words that end a scope: "but" ("more than one liter but no more than two"), "with" ("without drainage bag with
#: indwelling catheter")
_SCOPE_ENDS = frozenset({"but", "with"})
#: "non" rules out the one word after it ("filter, non disposable")
_NON = ("non",)
#: query words that rule out the word after them ("no wheels", "without mattress", "non latex")
_QUERY_NEGATIONS = frozenset({"no", "without", "non", "not"})
#: the scope of an inclusive upper bound ("no more than three liters"): the bound is part of the range
_UP_TO = ("up", "to")
#: stems that do not on their own say which qualifier a query asks for
_LINK_WORDS = frozenset({"without", "no", "non", "each", "other", "than"})
#: stems that make a following bound inclusive: "no more than", "not more than"
_BOUND_NEGATIONS = frozenset({"no", "not"})
_PHRASE_BREAK = re.compile(r"[,;()\[\]]")
_LIST_CONTINUES = re.compile(r"^\s*(?:or|and|nor)\b")


#: "coded separately", "billed separately", "reported separately": what comes before is not part of the code
_SEPARATELY = ("separ",)
_SEPARATELY_VERBS = frozenset({"code", "bill", "report"})
_ASKS_SEPARATELY = frozenset({"separ"})


def _take_coded_separately(stems: list[str], scoped: dict[tuple[str, ...], set[str]]) -> list[str]:
    """A phrase "(drugs and nursing visits coded separately)" (or billed, reported) puts what it names (drugs,
    visits) in the scope of things not part of the code; the stems after it go on."""
    for at, (verb, adverb) in enumerate(pairwise(stems)):
        if adverb == "separ" and verb in _SEPARATELY_VERBS:
            scoped.setdefault(_SEPARATELY, set()).update(_head_nouns(stems[:at]))
            return stems[at + 2 :]
    return stems


def _head_nouns(stems: list[str]) -> list[str]:
    """The last word of each item of a list ("drugs and nursing visits" -> drugs, visits): what it names."""
    return [
        stem
        for at, stem in enumerate(stems)
        if stem not in _LIST_WORDS and (at + 1 == len(stems) or stems[at + 1] in _LIST_WORDS)
    ]


_LIST_WORDS = frozenset({"and", "or", "nor"})


def _inclusive_bound(stems: list[str], at: int, opener: tuple[str, ...]) -> bool:
    if opener[-1] != "than":
        return False
    negated = at > 0 and stems[at - 1] in _BOUND_NEGATIONS
    return negated or tuple(stems[at + len(opener) : at + len(opener) + 2]) == ("or", "equal")


@dataclass(frozen=True, slots=True)
class _Scopes:
    """The stems of a description outside any ruling-out scope, and those inside each kind of scope."""

    plain: frozenset[str]
    scoped: tuple[tuple[tuple[str, ...], frozenset[str]], ...]


def _opener_at(stems: list[str], at: int) -> tuple[str, ...] | None:
    """The scope opener starting at a stem, if any; "with or without adhesive" opens none (it rules nothing out)."""
    opener = next((o for o in _SCOPE_OPENERS if tuple(stems[at : at + len(o)]) == o), None)
    if opener == ("without",) and stems[max(0, at - 2) : at] == ["with", "or"]:
        return None
    return opener


def _scopes_of(index: ReleaseIndex, number: int) -> _Scopes:
    """Split a code's long description into what it states and what it rules out or bounds (memoised)."""
    memo = _memo(index, "scopes")
    found = memo.get(number)
    if isinstance(found, _Scopes):
        return found
    stem = stemmer()
    segments = _PHRASE_BREAK.split(fold(index.documents[number].long_description))
    plain: set[str] = set()
    scoped: dict[tuple[str, ...], set[str]] = {}
    open_scope: tuple[str, ...] | None = None
    for position, segment in enumerate(segments):
        stems = [stem.stem(w) for w in words(segment)]
        stems = _take_coded_separately(stems, scoped)
        # a scope runs on through a list: "other than water, normal saline, or hydrogel"
        carries = open_scope is not None and any(
            _LIST_CONTINUES.match(later) for later in segments[position : position + 2]
        )
        current = open_scope if carries else None
        skip = 0
        for at, word_stem in enumerate(stems):
            if skip:
                skip -= 1
                continue
            # "more than one liter but no more than two liters": the bound ends; so does a scope at "with" ("without
            # drainage bag with indwelling catheter")
            if word_stem in _SCOPE_ENDS:
                current = None
                continue
            if word_stem == "non" and at + 1 < len(stems):  # "non disposable", "non-segmental": the next word only
                scoped.setdefault(_NON, set()).add(stems[at + 1])
                skip = 1
                continue
            opener = _opener_at(stems, at)
            if opener is not None:
                # an inclusive bound ("no more than two liters", "less than or equal to 48") takes its number in
                current = _UP_TO if _inclusive_bound(stems, at, opener) else opener
                skip = len(opener) - 1
                continue
            (scoped.setdefault(current, set()) if current else plain).add(word_stem)
        open_scope = current
    found = _Scopes(frozenset(plain), tuple((o, frozenset(s)) for o, s in scoped.items()))
    if len(memo) > _SIDE_BY_SIDE_MEMO:
        memo.clear()
    memo[number] = found
    return found


def _damp_scoped(final: dict[int, float], plan: _Plan, index: ReleaseIndex, exact: Mapping[int, object]) -> None:
    """Rank below the others a code that matches a query word only where its description rules the word out or
    bounds it ("other than knee", "more than one liter", "without wheels"), unless the query asks for that scope
    itself ("more than three liters", "bed without mattress"); and a code that has what the query rules out
    ("walker no wheels")."""
    # "more than 3 liters" states the bound CMS writes "more than three liters"
    phrase = [_NUMBER_WORDS.get(stem, stem) if stem.isdigit() else stem for stem in plan.phrase]
    asked = set(phrase)
    if plan.quantities:  # a stated quantity's unit is weighed against the ranges codes state (_rank_quantities)
        asked -= _quantity_unit_stems(plan)
    if not asked:
        return
    negated = _negated_stems(plan, phrase)
    negated_codes = _negated_codes(plan, phrase, index)
    # the bound a query states ("more than three liters" -> three) must be the same kind of bound in the code
    bounds = [
        (opener, phrase[at + len(opener)])
        for at in range(len(phrase))
        for opener in _SCOPE_OPENERS
        if tuple(phrase[at : at + len(opener)]) == opener and at + len(opener) < len(phrase)
    ]
    # a vocabulary meaning asks for a scope as the user's words do ("double lumen" -> "more than one lumen")
    scopes_asked = asked | {
        stem for clause in plan.clauses if clause.entry for a in clause.alternatives for stem in a.stems
    }
    for number in _best(final, QUALIFIER_PAGE):
        if number in exact:
            continue
        ruled_out = _ruled_out_words(_scopes_of(index, number), asked, negated, bounds, scopes_asked)
        ruled_out += number in negated_codes
        if ruled_out:
            final[number] *= SCOPED_DAMPING**ruled_out


def _negated_stems(plan: _Plan, phrase: list[str]) -> set[str]:
    """The stems a query rules out: the word after "no", "not", "without" ("no wheels"), and what a vocabulary term
    after it means ("not around the clock": continuous); "not first", "after initial", "subsequent" or "follow up" rule
    out the initial visit (CMS names the first visit "initial" and codes the later ones without a qualifier)."""
    negated = {following for stem, following in pairwise(phrase) if stem in _QUERY_NEGATIONS}
    _negations_of_terms(plan, negated)
    later = any(stem in _FIRST_STEMS for stem in negated) or any(
        stem in _LATER_STEMS
        or (stem == "after" and following in _FIRST_STEMS)
        or (stem == "follow" and following in _FOLLOW_UP)
        for stem, following in pairwise([*phrase, ""])
    )
    if later:
        negated |= _FIRST_STEMS
    # "not otherwise classified" names a kind of code, it rules out nothing
    return negated - (_QUERY_NEGATIONS | {"otherwis"})


def _negations_of_terms(plan: _Plan, negated: set[str]) -> None:
    """Vocabulary terms and negations: a term that holds its negation and whose meaning states the negated word ("no
    height adjustment": fixed height) says what the code is, it rules nothing out ("non dialysis": non-esrd use still
    rules dialysis out); one that means a negation ("own mattress": without mattress) rules out what that
    negates; a ruled-out term that names no codes rules out what it means (one naming codes: _negated_codes)."""
    entries = [(clause.alternatives[0].stems, clause.entry) for clause in plan.clauses if clause.entry is not None]
    for first_stems, entry in entries:
        stated = {stem for meaning in entry.meaning_stems for stem in meaning}
        if first_stems[0] in _QUERY_NEGATIONS and len(first_stems) > 1 and first_stems[1] in stated:
            negated.discard(first_stems[1])
        negated.update(m[1] for m in entry.meaning_stems if len(m) == 2 and m[0] in _QUERY_NEGATIONS)
    for first_stems, entry in entries:
        if first_stems[0] in negated and not entry.codes:
            # "not first visit" (initial visit) rules out the initial one, not the visit its term and meaning share
            negated.update(stem for meaning in entry.meaning_stems for stem in meaning if stem not in first_stems[1:])


def _negated_codes(plan: _Plan, phrase: list[str], index: ReleaseIndex) -> set[int]:
    """The codes a vocabulary term names when the query rules the term out ("phone visit, no video": G0320)."""
    negated = {following for stem, following in pairwise(phrase) if stem in _QUERY_NEGATIONS}
    return {
        index.by_code[code]
        for clause in plan.clauses
        if clause.entry is not None and clause.alternatives[0].stems[0] in negated
        for code in _codes_named(clause.entry, index)
    }


#: the stems of a first (initial) visit or service, and of the words that say a later one
_FIRST_STEMS = frozenset({"first", "initi"})
_LATER_STEMS = frozenset({"subsequ", "followup"})
#: "follow up" and "follow-up visit" say a later visit too (the word "up" may be dropped as filler)
_FOLLOW_UP = frozenset({"up", "visit"})


def _asks_for_scope(asking: set[str], stems: frozenset[str], negated: set[str]) -> bool:
    """Whether the query's words asking for a kind of scope ask for this one: a negation asks for it only when it
    rules out something the scope holds ("walker no wheels" asks for "without wheels"; "chemo visit, not the first"
    does not ask for "excluding chemotherapy")."""
    if not asking:
        return False
    return not asking <= _QUERY_NEGATIONS or bool(negated & stems)


def _quantity_unit_stems(plan: _Plan) -> set[str]:
    stem = stemmer()
    spellings = {spelling for unit in plan.quantity_units for spelling in (unit, *other_spellings(unit))}
    return {stem.stem(spelling) for spelling in spellings}


def _ruled_out_words(
    scopes: _Scopes,
    asked: set[str],
    negated: set[str],
    bounds: list[tuple[tuple[str, ...], str]],
    scopes_asked: set[str] | None = None,
) -> int:
    """How many of the query's words a code has only where it rules them out, or has though the query rules them
    out, plus the bounds the query states that the code bounds otherwise. ``scopes_asked``: the stems that may ask
    for a scope (the query's words and what its vocabulary terms mean; default the words)."""
    scopes_asked = asked if scopes_asked is None else scopes_asked
    scoped = dict(scopes.scoped)
    stated = scopes.plain | scoped.get(_UP_TO, frozenset())  # "no more than two liters" states two liters
    ruled_out = 0
    for opener, stems in scopes.scoped:
        if opener == _UP_TO or _asks_for_scope(
            scopes_asked & _SCOPE_OPENERS.get(opener, _ASKS_SEPARATELY), stems, negated
        ):
            continue  # an inclusive bound, or the query asks for this kind of scope itself
        ruled_out += len((asked - negated - stated) & stems)
    ruled_out += len(negated & scopes.plain)
    # "more than one liter" is another bound than the query's "more than three"; so is "no more than three"
    return ruled_out + sum(
        1
        for opener, bound in bounds
        if bound not in scoped.get(opener, ()) and (opener in scoped or any(bound in st for st in scoped.values()))
    )


def _units_stated(tokens: list[str], vocabulary: Vocabulary) -> frozenset[int]:
    """The vocabulary's units whose wording the words hold, in order ("per hour", "15 minutes")."""
    if not vocabulary.units or not tokens:
        return frozenset()
    stems = stemmer().stem_all(tokens)
    text = f" {' '.join(stems[t] for t in tokens)} "
    return frozenset(n for n, runs in enumerate(vocabulary.units) if any(f" {' '.join(run)} " in text for run in runs))


def _units_of(index: ReleaseIndex, number: int, vocabulary: Vocabulary) -> frozenset[int]:
    """The units a code's long description states (memoised on the index)."""
    memo = _memo(index, f"units:{vocabulary.fingerprint}")
    found = memo.get(number)
    if found is None:
        found = _units_stated(words(index.documents[number].long_description), vocabulary)
        memo[number] = found
    return found


def _damp_reporting_and_other_units(
    final: dict[int, float], plan: _Plan, index: ReleaseIndex, vocabulary: Vocabulary, exact: Mapping[int, object]
) -> None:
    """Rank quality-data reporting codes below the services and items that match as well; and, when the query
    states a unit ("home health aide per visit", "hourly"), a code billed in another unit ("each 15 minutes") below
    the codes billed in it or in none. (One pass over the best codes for both.)"""
    if not vocabulary.reporting_ranges and not plan.units:
        return
    for number in _best(final, QUALIFIER_PAGE):
        if number in exact:
            continue
        code = index.documents[number].code
        if any(r.contains(code) for r in vocabulary.reporting_ranges):
            final[number] *= REPORTING_DAMPING
        if plan.units:
            units = _units_of(index, number, vocabulary)
            if units and not units & plan.units:
                final[number] *= UNIT_DAMPING


def _intervals_of(index: ReleaseIndex, number: int) -> tuple[Interval, ...]:
    """The ranges and sizes a code's long description states (memoised on the index)."""
    memo = _memo(index, "quantities")
    found = memo.get(number)
    if found is None:
        found = description_intervals(index.documents[number].long_description)
        memo[number] = found
    return found


def _rank_quantities(final: dict[int, float], plan: _Plan, index: ReleaseIndex, exact: Mapping[int, object]) -> None:
    """Among the best codes, one whose stated range holds the quantity the query states ranks up, one whose
    ranges of that kind all miss it ranks down ("TPN 1.5 L per day": S9366's "more than one liter but no more than
    two liters per day", not S9365's "one liter per day")."""
    if not plan.quantities and plan.size is None:
        return
    for number in _best(final, QUALIFIER_PAGE):
        if number in exact:
            continue
        stated = _intervals_of(index, number)
        verdict = fits(plan.quantities, stated) if plan.quantities else None
        if verdict is None and plan.size is not None:
            # a size word meets the bands a code states, not a size it names ("small (e.g. 23" x 24")")
            verdict = fits([plan.size], tuple(i for i in stated if not i.is_point))
        if verdict is False:
            final[number] *= QUANTITY_DAMPING
        elif verdict:
            final[number] += QUANTITY_BONUS


#: a query that names the home setting ("at home") ranks a code whose description does not name it by this factor
SETTING_DAMPING = 0.85


def _damp_other_settings(
    final: dict[int, float], plan: _Plan, index: ReleaseIndex, exact: Mapping[int, object]
) -> None:
    """A query that names the home setting ("lovenox shots at home", "tube feeding pump at home") ranks the codes
    whose description names it ("Home therapy; ...", "Home infusion therapy, ...", "in the home health or hospice
    setting") above those that do not (the drug, the pump): hhbill's searches are for home care."""
    if "home" not in plan.phrase:
        return
    for number in _best(final, QUALIFIER_PAGE):
        if number not in exact and "home" not in _description_stems(index, number):
            final[number] *= SETTING_DAMPING


def _letter_asked(text: str) -> str | None:
    """The HCPCS section letter a query names ("which Q code" -> "Q"), when it names exactly one."""
    letters = set()
    for match in _LETTER_CODE.finditer(text):
        letter = match.group(1)
        if letter == "a":
            continue
        if letter.upper() in _HCPCS_LETTERS:
            letters.add(letter.upper())
    return letters.pop() if len(letters) == 1 else None


def _damp_other_letters(
    final: dict[int, float], text: str, phrase: list[str], index: ReleaseIndex, exact: Mapping[int, object]
) -> None:
    """A query naming the letter of the code it wants ("home health given at other location, which Q code")
    ranks codes of other sections lower, so the Q code of the site of service comes before the visit codes; one
    naming Medicaid, without a letter, ranks the Medicaid T codes first."""
    letter = _letter_asked(text)
    if letter is None:
        if _MEDICAID_STEMS.intersection(phrase) or (_names_other_payer(phrase) and _WAIVER.intersection(phrase)):
            for number in _best(final, QUALIFIER_PAGE):
                if number not in exact and not index.documents[number].code.startswith("T"):
                    final[number] *= MEDICAID_DAMPING
        return
    for number in _best(final, QUALIFIER_PAGE):
        if number not in exact and not index.documents[number].code.startswith(letter):
            final[number] *= LETTER_DAMPING


#: a private payer's or Medicaid's code for a service Medicare pays under another code (the vocabulary's
#: ``medicare_equivalents``: "Physical therapy; in the home, per diem" for the home health physical therapist's
#: G0151) ranks by this factor, unless the query names another payer or the twin's own unit
NON_MEDICARE_DAMPING = 0.7
#: stems of the words naming a payer other than Medicare ("Medicaid", "waiver" services, "private", "commercial"
#: insurance, "insurer"), written as stems so that a stored index needs no stemmer for them
OTHER_PAYER_STEMS = frozenset({"medicaid", "waiver", "privat", "commerci", "insur", "hmo", "tricar"})
_WAIVER = frozenset({"waiver"})
#: stems of the words that make a "waiver" a notice, not a Medicaid waiver program ("signed the waiver form": the
#: advance beneficiary notice, GA)
NOTICE_STEMS = frozenset({"form", "sign", "liabil", "abn", "notic"})
_HOUR = "hour"


def _names_other_payer(phrase: list[str]) -> bool:
    named = OTHER_PAYER_STEMS.intersection(phrase)
    return bool(named) and not (named == _WAIVER and NOTICE_STEMS.intersection(phrase))


def _damp_other_payers(
    final: dict[int, float], plan: _Plan, index: ReleaseIndex, vocabulary: Vocabulary, exact: Mapping[int, object]
) -> None:
    """A query that names no payer is a Medicare home health question (hhbill's users bill Medicare): the S and T
    codes private payers and Medicaid use for a home health discipline's visit ("Occupational therapy, in the home,
    per diem") rank below the discipline's Medicare G-code ("OT teaching mom to dress at home" -> G0152). A query
    naming another payer ("Medicaid", "private insurance") or the twin's own unit ("HHA per visit": T1021; "RN per
    hour") keeps the twin where its words put it. The private payers' other S codes (the vocabulary's
    ``non_medicare_codes``: "Insulin syringes (100 syringes, any size)") rank below the Medicare code for the same
    supply too (A4206 "Syringe with needle, sterile, 1 cc or less")."""
    twins = vocabulary.medicare_equivalents
    if not (twins or vocabulary.non_medicare_ranges) or _names_other_payer(plan.phrase):
        return
    hours = _HOUR in plan.phrase or any(unit_dimension(unit) == _HOUR for unit in plan.quantity_units)
    for number in _best(final, QUALIFIER_PAGE):
        document = index.documents[number]
        if number in exact:
            continue
        if document.code in twins:
            # the twin's own unit ("HHA per visit", "4 hrs a day") keeps it where its words put it
            units = _units_of(index, number, vocabulary)
            if not (units & plan.units or (hours and _HOUR in _description_stems(index, number))):
                final[number] *= NON_MEDICARE_DAMPING
        elif document.kind == "procedure" and any(r.contains(document.code) for r in vocabulary.non_medicare_ranges):
            final[number] *= NON_MEDICARE_DAMPING


#: a query holding a service a person performs ("teaching", "nurse check") ranks items (supplies, drugs,
#: equipment: the vocabulary's ``item_codes``) the service's term does not name by this factor
SERVICE_DAMPING = 0.7


def _damp_items_for_a_service(
    final: dict[int, float], plan: _Plan, index: ReleaseIndex, vocabulary: Vocabulary, exact: Mapping[int, object]
) -> None:
    """ "Teach insulin injections to the patient" asks for the nurse's teaching visit (G0495), not insulin (J1815);
    "nurse came to check on dad's blood pressure" for the observation and assessment visit, not the blood pressure
    monitor: the item a service is about ranks below the service."""
    services = [c.entry for c in plan.clauses if c.entry is not None and c.entry.is_service]
    if not services or not vocabulary.item_ranges:
        return
    for number in _best(final, QUALIFIER_PAGE):
        code = index.documents[number].code
        if number in exact or any(entry.names_code(code) for entry in services):
            continue
        if any(r.contains(code) for r in vocabulary.item_ranges):
            final[number] *= SERVICE_DAMPING


#: a query "X for Y" or "X with Y" ("mask for my cpap", "machine with a mask I sleep with") asks for X: codes
#: matching only Y rank lower by this factor
PURPOSE_DAMPING = 0.7
_PURPOSE_LINKS = frozenset({"for", "with"})
#: "monthly charge for the pendant", "supplies for my pump": a head that only names a charge or a supply says what
#: the purpose is billed as, not another thing
_BILLING_STEMS = frozenset({"charg", "fee", "cost", "price", "rate", "suppli", "monthli"})


def _head_words(tokens: list[str]) -> frozenset[str]:
    """The words before the first "for" or "with" that has words on both sides."""
    linked = [n for n, token in enumerate(tokens[:-1]) if n and token in _PURPOSE_LINKS]
    return frozenset(tokens[: linked[0]]) if linked else frozenset()


def _damp_purpose_only(final: dict[int, float], plan: _Plan, scored: _Scored, exact: Mapping[int, object]) -> None:
    """In "mask for my cpap" the mask is asked for and the CPAP device only says which mask; in "machine with a mask
    I sleep with" the machine is. Codes that match no word before the link rank below those that do ("what code for
    ...": no word before it, nothing changes)."""
    if not plan.head_words or plan.wants_modifier:
        return
    head = [
        n
        for n, clause in enumerate(plan.clauses)
        if clause.text.split()[0] in plan.head_words and not _BILLING_STEMS.issuperset(clause.alternatives[0].stems)
    ]
    if not head or len(head) == len(plan.clauses):
        return
    page = _best(final, QUALIFIER_PAGE)
    asked = {number for number in page if any(number in scored.labels[n] for n in head)}
    if not asked:
        return
    for number in page:
        if number not in asked and number not in exact:
            final[number] *= PURPOSE_DAMPING


def _status(document_added: str | None, document_terminated: str | None, iso_day: str) -> str:
    if document_added and iso_day < document_added:
        return "not_yet_effective"
    if document_terminated and iso_day > document_terminated:
        return "terminated"
    return "active"


def _exact_scores(plan: _Plan, index: ReleaseIndex) -> dict[int, tuple[float, str]]:
    """Codes, code starts and ranges named in the query: far above any word score, in the order named."""
    exact: dict[int, tuple[float, str]] = {}
    for rank, (code, how) in enumerate(plan.exact):
        exact.setdefault(index.by_code[code], (_CODE_SCORE - rank * 0.001, how))
    for code_prefix in plan.prefixes:
        for number in index.numbers_with_prefix(code_prefix):
            exact.setdefault(number, (_CODE_SCORE * 0.9, f"code starts {code_prefix}"))
    for code_range in plan.ranges:
        for number in index.numbers_in_range(code_range.first, code_range.last):
            exact.setdefault(number, (_CODE_SCORE * 0.9, f"range {code_range.first}-{code_range.last}"))
    return exact


def _names_modifiers_only(plan: _Plan) -> bool:
    """Whether a vocabulary term of the query stands for modifiers alone: a situation a modifier reports ("we're
    renting it": RR, "brand new": NU), not an item or a service."""
    return any(
        clause.entry is not None
        and clause.entry.codes
        and not clause.entry.code_ranges
        and all(len(code) == 2 for code in clause.entry.codes)
        for clause in plan.clauses
    )


def _damp_the_other_kind(
    scores: dict[int, float], index: ReleaseIndex, *, wants_modifier: bool, situation: bool = False
) -> None:
    """Modifiers rank below procedures, unless the query asks for modifiers (then the other way round) or names a
    situation a modifier reports (then neither kind is damped: the modifiers the term names rank first, as every
    code a vocabulary term names does)."""
    if situation and not wants_modifier:
        return
    if wants_modifier:
        for number in scores.keys() - index.modifier_numbers:
            scores[number] *= PROCEDURE_DAMPING
    else:
        for number in index.modifier_numbers.intersection(scores):
            scores[number] *= MODIFIER_DAMPING


def _wanted_scores(
    scores: dict[int, float],
    index: ReleaseIndex,
    iso_day: str,
    *,
    kind: str | None,
    prefix: str | None,
    include_terminated: bool,
) -> dict[int, float]:
    """The scores of the codes the filters keep (codes not valid on the day at half score, when asked for)."""
    valid = index.valid_numbers(iso_day)
    wanted = scores.keys() if include_terminated else scores.keys() & valid
    if kind or prefix:
        wanted = {
            n
            for n in wanted
            if (not kind or index.documents[n].kind == kind)
            and (not prefix or index.documents[n].code.startswith(prefix))
        }
    if include_terminated:
        return {n: scores[n] * (1.0 if n in valid else 0.5) for n in wanted}
    return {n: scores[n] for n in wanted}


def _result(
    index: ReleaseIndex,
    number: int,
    score: float,
    exact: dict[int, tuple[float, str]],
    scored: _Scored,
    iso_day: str,
) -> SearchResult:
    document = index.documents[number]
    matched_code = [exact[number][1]] if number in exact else []
    return SearchResult(
        code=document.code,
        kind=document.kind,
        short_description=document.short_description,
        long_description=document.long_description,
        score=score,
        matched=tuple(dict.fromkeys(matched_code + scored.labels_of(number))),
        status=_status(document.added_date, document.termination_date, iso_day),
        termination_date=document.termination_date,
    )


def _run(
    store: Store,
    query: object,
    *,
    as_of: date | str | None,
    limit: int,
    kind: str | None,
    prefix: str | None,
    include_terminated: bool,
    typing: bool,
    vocabulary: Vocabulary | None = None,
) -> SearchResponse:
    day = _as_day(as_of)
    kind = _check_kind(kind)
    prefix = _check_prefix(prefix)
    limit = _check_limit(limit)
    text, notes = clean_query(query)
    release = release_for(store, day)
    index = release_index(store, release.id, vocabulary=vocabulary)  # a stored index brings the stems it knows
    vocabulary = vocabulary or load_vocabulary()
    iso_day = day.isoformat()
    plan = (
        _plan(
            _LETTER_CODE.sub(" ", text) if _letter_asked(text) else text,
            index,
            vocabulary,
            typing=typing,
            drug_names=lambda p: generic_names(store, p),
        )
        if text
        else _Plan()
    )
    notes.extend(plan.notes)

    exact = _exact_scores(plan, index)
    scored = _score_clauses(plan, index)
    scores = scored.scores
    _damp_the_other_kind(scores, index, wants_modifier=plan.wants_modifier, situation=_names_modifiers_only(plan))
    for number, (score, _how) in exact.items():
        scores[number] = score + scores.get(number, 0.0) / 100.0
    final = _wanted_scores(scores, index, iso_day, kind=kind, prefix=prefix, include_terminated=include_terminated)
    _damp_qualified(final, plan, index, vocabulary, exact)
    _damp_scoped(final, plan, index, exact)
    _damp_reporting_and_other_units(final, plan, index, vocabulary, exact)
    _rank_quantities(final, plan, index, exact)
    _damp_other_settings(final, plan, index, exact)
    _damp_other_letters(final, text, plan.phrase, index, exact)
    _damp_other_payers(final, plan, index, vocabulary, exact)
    _damp_items_for_a_service(final, plan, index, vocabulary, exact)
    _damp_purpose_only(final, plan, scored, exact)
    if plan.phrase:
        for number in _best(final, PHRASE_PAGE):
            final[number] += _phrase_bonus(plan.phrase, _description_stems(index, number))
    top = _best(final, limit)
    results = [_result(index, number, final[number], exact, scored, iso_day) for number in top]
    if not text:
        notes.append("empty query: type a code, a modifier, a range or words")
    return SearchResponse(
        query=text,
        as_of=iso_day,
        release=release.brief(),
        results=results,
        total=len(final),
        corrections=plan.corrections,
        notes=notes,
    )


def search(
    store: Store,
    query: str,
    *,
    as_of: date | str | None = None,
    limit: int = 20,
    kind: Kind | str | None = None,
    prefix: str | None = None,
    include_terminated: bool = False,
) -> SearchResponse:
    """Ranked search of the HCPCS release in force on ``as_of`` (default today) for codes, modifiers and words.

    Any query text is safe. Raises SearchQueryError for a bad ``as_of``/``kind``/``prefix``/``limit`` and
    NotFoundError when no release is in force on the date.
    """
    return _run(
        store,
        query,
        as_of=as_of,
        limit=limit,
        kind=kind,
        prefix=prefix,
        include_terminated=include_terminated,
        typing=False,
    )


def prepare_search(store: Store, *, as_of: date | str | None = None) -> bool:
    """Load what a first search needs (the vocabulary, the stored index of the release in force, its word
    dictionary), so a server started with it answers its first query as fast as the others. Call it at start-up,
    off the event loop. False when no release is in force on the day (searching will say so)."""
    day = _as_day(as_of)
    try:
        release = release_for(store, day)
    except NotFoundError:
        load_vocabulary()
        return False
    index = release_index(store, release.id)
    _dictionary(index, load_vocabulary())
    index.valid_numbers(day.isoformat())
    return True


def suggest(
    store: Store,
    text: str,
    *,
    as_of: date | str | None = None,
    limit: int = 8,
    kind: Kind | str | None = None,
) -> SearchResponse:
    """Search-as-you-type: like :func:`search`, but the last word is taken as the start of a word."""
    return _run(
        store,
        text,
        as_of=as_of,
        limit=limit,
        kind=kind,
        prefix=None,
        include_terminated=False,
        typing=True,
    )
