"""Quantities a query states ("TPN 1000 ml daily", "400 lb patient", "18 inch cushion") against the ranges CMS's
long descriptions state ("more than one liter but no more than two liters per day", "weight capacity greater than
350 pounds, but less than or equal to 600 pounds", "width less than 22 inches", "twenty-four hours or more").

Pure functions: :func:`quantity_spans` reads the quantities of a text (a number, a unit, and the words that bound
it), :func:`fits` says whether a code's ranges hold what the query states. Units of one kind are converted (1000 ml
is one liter, as "1000 cc" is); a pad's sides are its area ("4x4 gauze" is CMS's "pad size 16 sq. in. or less").
A size per billing unit ("(500 ml = 1 unit)") states no range.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

#: unit spellings -> (dimension, factor to the dimension's base unit)
_UNITS: dict[str, tuple[str, float]] = {
    **dict.fromkeys(("ml", "mls", "cc", "ccs", "milliliter", "milliliters", "millilitre", "millilitres"), ("ml", 1.0)),
    **dict.fromkeys(("l", "lt", "ltr", "ltrs", "liter", "liters", "litre", "litres"), ("ml", 1000.0)),
    **dict.fromkeys(("lb", "lbs", "pound", "pounds"), ("lb", 1.0)),
    # not "in": "3 in 1 commode" states no length
    **dict.fromkeys(("inch", "inches"), ("inch", 1.0)),
    **dict.fromkeys(("hour", "hours", "hr", "hrs"), ("hour", 1.0)),
    # calendar spans are lengths of time too ("every 4 weeks" is not CMS's "once every 4 hours"); CMS writes them
    # in words ("per diem", "per month"), so they meet no other spelling (see :func:`other_spellings`)
    **dict.fromkeys(("day", "days"), ("hour", 24.0)),
    **dict.fromkeys(("week", "weeks", "wk", "wks"), ("hour", 168.0)),
    **dict.fromkeys(("month", "months"), ("hour", 730.0)),
    # areas, as :func:`normalise_quantities` writes them: "pad size 16 sq. in. or less", a "4x4" gauze pad
    "sqin": ("sqin", 1.0),
    "sqcm": ("sqin", 1 / 6.4516),
}
_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_SPELLED = re.compile(
    r"\b(?:(" + "|".join(_TENS) + r")(?:[\s-](" + "|".join(_ONES[1:10]) + r"))?|(" + "|".join(_ONES) + r"))\b"
)
_NUMBER = r"\d+(?:\.\d+)?"
_UNIT = r"(?:" + "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True)) + r")"
#: a number and its unit (the unit may be left to the next number: "between 2 and 3 liters", "2-3 liters")
_MENTION = re.compile(
    rf"(?<![\w.])({_NUMBER})\s*({_UNIT})?(?![\w.])(\s+or\s+(?:more|greater|over|larger|less|fewer|smaller))?(\s*=)?"
)
_LOWER_EXCLUSIVE = re.compile(r"(?:more than|greater than|larger than|bigger than|over|exceeding|above)\s*$")
_LOWER_INCLUSIVE = re.compile(r"(?:greater than or equal to|more than or equal to|at least|minimum of)\s*$")
_UPPER_EXCLUSIVE = re.compile(r"(?:less than|fewer than|smaller than|under|below)\s*$")
_UPPER_INCLUSIVE = re.compile(
    r"(?:less than or equal to|no more than|not more than|not to exceed|not exceeding|up to(?: and including)?|at most"
    r"|maximum of)\s*$"
)
#: what may stand between the two bounds of one range ("... liter but no more than", "... pounds, but less than")
_JOIN = re.compile(r"^[\s,]*(?:but|and)?[\s,]*(?:[a-z]+\s+){0,2}?$")
#: "2-3 liters", "2 to 3 liters", "between 2 and 3 liters", "5.5% through 7%"
_RANGE_LINK = re.compile(r"^\s*(?:-|to|and|through|thru)\s*$")


#: how CMS's descriptions write each dimension's units ("1000 cc", "(500 ml = 1 unit)", "one liter per day")
UNIT_SPELLINGS: dict[str, tuple[str, ...]] = {
    "ml": ("ml", "cc", "liter"),
    "lb": ("pound", "lb"),
    "inch": ("inch",),
    "hour": ("hour",),
    "sqin": ("sq",),
}
#: how an area's unit is put back into a query's words: CMS writes "sq. in." ("sq" is the word that meets it)
UNIT_WORDS = {"sqin": "sq in", "sqcm": "sq cm"}
_SQUARE_UNIT = re.compile(r"\b(?:sq\.?|square)\s*(?:in\b\.?|inch(?:es)?\b|(cm\b\.?|centimet(?:er|re)s?\b))")
#: "4x4", "4 x 4 inches", "2 by 2": a pad's sides, read as its area in square inches
_SIDES = re.compile(rf"(?<![\w.])({_NUMBER})\s*(?:x|by)\s*({_NUMBER})(?:\s*(?:inch(?:es)?\b|in\b\.?|\"))?")


def other_spellings(unit: str) -> tuple[str, ...]:
    """How CMS's descriptions write a unit's kind ("ml" -> ml, cc, liter); none for a calendar span ("weeks")."""
    dimension, factor = _UNITS.get(unit, ("", 0.0))
    if dimension == "hour" and factor != 1.0:
        return ()
    return UNIT_SPELLINGS.get(dimension, ())


def unit_dimension(word: str) -> str | None:
    """The dimension of a unit word ("cc" -> "ml", "lbs" -> "lb"), None for another word."""
    found = _UNITS.get(word)
    return found[0] if found else None


@dataclass(frozen=True, slots=True)
class Interval:
    """A quantity of one dimension ("ml", "lb", "inch", "hour"), in its base unit: a point when low == high."""

    dimension: str
    low: float = -math.inf
    high: float = math.inf
    low_inclusive: bool = False
    high_inclusive: bool = False

    def holds(self, value: float) -> bool:
        above = value > self.low or (self.low_inclusive and value == self.low)
        below = value < self.high or (self.high_inclusive and value == self.high)
        return above and below

    @property
    def is_point(self) -> bool:
        return self.low == self.high

    def overlaps(self, other: Interval) -> bool:
        """Whether the two share more than a single point; a point, whether the other holds it (a range holds a point
        strictly inside it: "1-2 L" is not CMS's "one liter")."""
        if self.is_point:
            return other.holds(self.low) if not other.is_point else self.low == other.low
        if other.is_point:
            return self.low < other.low < self.high
        return max(self.low, other.low) < min(self.high, other.high)


#: the pad size a size word stands for when the query states none: dressings are sold as small (2x2 to 4x4 inches),
#: medium (about 6x6) and large (8x8 and up), the bands CMS's surgical dressing codes are split by ("pad size 16 sq.
#: in. or less", "more than 16 sq. in. but less than or equal to 48 sq. in.", "more than 48 sq. in.")
SIZE_WORDS: dict[str, Interval] = {
    **dict.fromkeys(("small", "smaller", "smallest", "little", "tiny"), Interval("sqin", -math.inf, 16, False, True)),
    **dict.fromkeys(("medium", "mid", "midsize"), Interval("sqin", 16, 48, False, True)),
    **dict.fromkeys(("large", "larger", "largest", "big", "bigger"), Interval("sqin", 48, math.inf)),
}


def size_asked(words: list[str]) -> Interval | None:
    """The pad size a query's size word asks for ("small tegaderm": 16 sq. in. or less), None without one."""
    return next((SIZE_WORDS[word] for word in words if word in SIZE_WORDS), None)


@dataclass(frozen=True, slots=True)
class QuantitySpan:
    """A quantity read from a text and where it stands in it (start, end), bounds and unit included."""

    interval: Interval
    start: int
    end: int
    #: the unit as written ("ml", "lbs", "liters")
    unit: str


#: "a liter a day", "half a liter": a volume said without a number
_A_LITER = re.compile(r"\b(half\s+)?an?\s+(?:liter|litre)\b")


def normalise_quantities(text: str) -> str:
    """A text's quantities written one way: spelled numbers as digits ("twenty-four hours" -> "24 hours", "one
    liter" -> "1 liter"), and areas as one quantity: "16 sq. in." -> "16 sqin", "4 x 4 inches" -> "16 sqin" (a
    pad's sides multiplied)."""

    def digits(match: re.Match[str]) -> str:
        tens, ones, alone = match.groups()
        if alone:
            return str(_ONES.index(alone))
        return str(_TENS[tens] + (_ONES.index(ones) if ones else 0))

    def area(match: re.Match[str]) -> str:
        return f"{float(match.group(1)) * float(match.group(2)):g} sqin"

    text = _SQUARE_UNIT.sub(lambda m: "sqcm" if m.group(1) else "sqin", text)
    text = _A_LITER.sub(lambda m: "0.5 liter" if m.group(1) else "1 liter", text)
    return _SIDES.sub(area, _SPELLED.sub(digits, text))


@dataclass
class _Mention:
    value: float
    unit: str | None
    start: int
    end: int
    #: "lower"/"upper" bound, inclusive or not; None for a plain quantity
    side: str | None = None
    inclusive: bool = False
    per_unit: bool = False


def _mentions(text: str) -> list[_Mention]:
    found: list[_Mention] = []
    for match in _MENTION.finditer(text):
        number, unit, or_more, equals = match.groups()
        mention = _Mention(float(number), unit, match.start(), match.end(), per_unit=bool(equals))
        before = text[max(0, match.start() - 40) : match.start()]
        for pattern, side, inclusive in (
            (_LOWER_INCLUSIVE, "lower", True),
            (_UPPER_INCLUSIVE, "upper", True),
            (_LOWER_EXCLUSIVE, "lower", False),
            (_UPPER_EXCLUSIVE, "upper", False),
        ):
            bound = pattern.search(before)
            if bound:
                mention.side, mention.inclusive = side, inclusive
                mention.start = match.start() - len(before) + bound.start()
                break
        if or_more:
            mention.side = "lower" if or_more.split()[-1] in ("more", "greater", "over", "larger") else "upper"
            mention.inclusive = True
        found.append(mention)
    return found


def _interval(dimension: str, factor: float, first: _Mention, second: _Mention | None = None) -> Interval:
    low, high, low_inclusive, high_inclusive = -math.inf, math.inf, False, False
    for mention in (first, second):
        if mention is None:
            continue
        value = mention.value * factor
        if mention.side == "lower":
            low, low_inclusive = value, mention.inclusive
        elif mention.side == "upper":
            high, high_inclusive = value, mention.inclusive
        else:
            low = high = value
            low_inclusive = high_inclusive = True
    return Interval(dimension, low, high, low_inclusive, high_inclusive)


def quantity_spans(text: str) -> list[QuantitySpan]:
    """The quantities a lower-case text states, with their bounds: "more than 1 liter but no more than 2 liters"
    is one interval (1000, 2000] ml; "2-3 liters" and "between 2 and 3 liters" are [2000, 3000]; "1 cc or less"
    is (-inf, 1]. Spelled numbers must already be digits (:func:`normalise_quantities`)."""
    mentions = _mentions(text)
    spans: list[QuantitySpan] = []
    position = 0
    while position < len(mentions):
        mention = mentions[position]
        following = mentions[position + 1] if position + 1 < len(mentions) else None
        between = text[mention.end : following.start] if following else ""
        unit = mention.unit or (following.unit if following and _RANGE_LINK.match(between) else None)
        if mention.per_unit or unit is None:
            position += 1
            continue
        dimension, factor = _UNITS[unit]
        if following and following.unit and _UNITS[following.unit][0] == dimension and not following.per_unit:
            other_factor = _UNITS[following.unit][1]
            start = text.rfind("between", max(0, mention.start - 9), mention.start)
            if mention.side is None and following.side is None and _RANGE_LINK.match(between):
                low = _Mention(mention.value * factor / other_factor, None, 0, 0, "lower", True)
                high = _Mention(following.value, None, 0, 0, "upper", True)
                interval = _interval(dimension, other_factor, low, high)
                spans.append(
                    QuantitySpan(interval, start if start >= 0 else mention.start, following.end, following.unit)
                )
                position += 2
                continue
            if mention.side == "lower" and following.side == "upper" and _JOIN.match(between):
                low = _Mention(mention.value * factor / other_factor, None, 0, 0, "lower", mention.inclusive)
                interval = _interval(dimension, other_factor, low, following)
                spans.append(QuantitySpan(interval, mention.start, following.end, following.unit))
                position += 2
                continue
        spans.append(QuantitySpan(_interval(dimension, factor, mention), mention.start, mention.end, unit))
        position += 1
    return spans


def description_intervals(description: str) -> tuple[Interval, ...]:
    """The ranges and sizes a code's long description states (lower-cased, numbers spelled as digits)."""
    return tuple(span.interval for span in quantity_spans(normalise_quantities(description.lower())))


def fits(asked: list[Interval], stated: tuple[Interval, ...]) -> bool | None:
    """Whether a code's stated ranges hold the quantities a query asks for: None when the code states none of
    their kinds, False when one asked quantity falls outside every range of its kind the code states."""
    verdict: bool | None = None
    for wanted in asked:
        same_kind = [interval for interval in stated if interval.dimension == wanted.dimension]
        if not same_kind:
            continue
        if not any(wanted.overlaps(interval) for interval in same_kind):
            return False
        verdict = True
    return verdict
