""" "Do not use this code with ..." restrictions written into HCPCS long descriptions, as data.

CMS puts same-day exclusions in the descriptor text rather than in a field, e.g. S9329 "(do not use this code
with s9330 or s9331)" or S9364 "(do not use with home infusion codes s9365-s9368 using daily volume scales)".
:func:`exclusions_in` turns each such clause into an :class:`Exclusion`: explicit codes (ranges expanded) and/or
a category ("any home infusion per diem code") that the scrubber resolves against a release with
:func:`codes_in_category`. Clauses without a "with" (S9372 "do not use this code for flushing ...") are
documentation notes, not pairs, and yield nothing. The parser never raises: descriptors are free text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from hhbill._errors import NotFoundError
from hhbill.hcpcs._values import exclusion_categories

__all__ = [
    "Exclusion",
    "codes_in_category",
    "descriptor_without_restrictions",
    "exclusions_in",
    "in_category",
]

#: one "do not use ..." clause, up to the closing parenthesis, semicolon, sentence end or end of text
_CLAUSE = re.compile(
    r"\bdo\s+not\s+use\b(?P<clause>[^;)]*?)(?=\)|;|\.\s|\.$|$)",
    re.IGNORECASE,
)
_WITH = re.compile(r"\bwith\b", re.IGNORECASE)
#: HCPCS Level II (letter + 4 digits), CPT Category III (4 digits + letter) or CPT Category I (5 digits)
_CODE = r"(?:[A-Z]\d{4}|\d{4}[A-Z]|\d{5})"
_RANGE = re.compile(
    rf"\b(?P<first>{_CODE})\s*(?:-|–|—|\bthrough\b|\bthru\b|\bto\b)\s*(?P<last>{_CODE})\b",
    re.IGNORECASE | re.ASCII,
)
_SINGLE = re.compile(rf"\b{_CODE}\b", re.IGNORECASE | re.ASCII)
_CATEGORY = re.compile(r"\bany\s+(?P<words>(?:[a-z][a-z-]*\s+){1,6}?)codes?\b", re.IGNORECASE)
_CODE_SHAPE = re.compile(r"^(?P<prefix>[A-Z]?)(?P<number>\d{4,5})(?P<suffix>[A-Z]?)$", re.ASCII)

#: a written range wider than this is kept as its two end codes rather than expanded (guards absurd input)
MAX_EXPANDED_RANGE = 1000


@dataclass(frozen=True, slots=True)
class Exclusion:
    """One "do not use with" restriction of a code's descriptor.

    ``codes`` are the explicitly named codes (upper-case, ranges expanded, in written order);
    ``category`` names a family such as ``home_infusion_per_diem`` ("any home infusion per diem code"),
    to be resolved against a release with :func:`codes_in_category`.
    """

    phrase: str
    codes: tuple[str, ...] = ()
    category: str | None = None
    category_phrase: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "phrase": self.phrase,
            "codes": list(self.codes),
            "category": self.category,
            "category_phrase": self.category_phrase,
        }


def _expand_range(first: str, last: str) -> list[str]:
    a, b = _CODE_SHAPE.match(first), _CODE_SHAPE.match(last)
    if a is None or b is None:
        return [first, last]
    same_shape = a["prefix"] == b["prefix"] and a["suffix"] == b["suffix"] and len(a["number"]) == len(b["number"])
    start, end = int(a["number"]), int(b["number"])
    if not same_shape or end < start or end - start > MAX_EXPANDED_RANGE:
        return [first, last]
    width = len(a["number"])
    return [f"{a['prefix']}{n:0{width}d}{a['suffix']}" for n in range(start, end + 1)]


def _codes_named(target: str) -> list[str]:
    named: list[tuple[int, list[str]]] = []  # (position in the text, codes) so written order is kept
    covered: list[tuple[int, int]] = []
    for found in _RANGE.finditer(target):
        named.append((found.start(), _expand_range(found["first"].upper(), found["last"].upper())))
        covered.append(found.span())
    for found in _SINGLE.finditer(target):
        if not any(start <= found.start() < end for start, end in covered):
            named.append((found.start(), [found.group(0).upper()]))
    codes = [code for _position, group in sorted(named, key=lambda item: item[0]) for code in group]
    # drop repeats ("s9497-s9504" plus a stray "s9500")
    return list(dict.fromkeys(codes))


def exclusions_in(description: str) -> list[Exclusion]:
    """Every "do not use ... with ..." restriction in a long description (empty list when there is none)."""
    if not isinstance(description, str) or not description:
        return []
    found: list[Exclusion] = []
    for clause_match in _CLAUSE.finditer(description):
        clause = clause_match["clause"]
        with_match = _WITH.search(clause)
        if with_match is None:
            continue  # "do not use this code for ...": a documentation note, not a code pair
        target = clause[with_match.end() :]
        codes = _codes_named(target)
        category_match = _CATEGORY.search(target)
        category = category_phrase = None
        if category_match is not None:
            words = category_match["words"].split()
            category = "_".join(word.lower() for word in words)
            category_phrase = " ".join(category_match.group(0).lower().split())
        if codes or category:
            phrase = " ".join(clause_match.group(0).split())
            found.append(Exclusion(phrase, tuple(codes), category, category_phrase))
    return found


def descriptor_without_restrictions(description: str) -> str:
    """The descriptor with its "do not use ..." clauses removed.

    Category membership must not be read from the restriction itself: S9208 says "(do not use this code with any
    home infusion per diem code)", which does not make S9208 a home infusion per diem code.
    """
    return _CLAUSE.sub("", description)


class _Described(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def long_description(self) -> str: ...


def in_category(category: str, description: str) -> bool:
    """Whether a code with this long description belongs to an exclusion category (see the value tables)."""
    categories = exclusion_categories()
    if category not in categories:
        raise NotFoundError(f"no exclusion category named {category!r}", category=category)
    text = descriptor_without_restrictions(description).lower()
    return all(phrase in text for phrase in categories[category]["descriptor_contains"])


def codes_in_category(category: str, records: Iterable[_Described]) -> list[str]:
    """Codes of ``records`` (e.g. one release) that belong to ``category``, sorted."""
    return sorted({record.code for record in records if in_category(category, record.long_description)})
