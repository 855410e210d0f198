"""Quantities a query states against the ranges CMS's long descriptions state: the pure reader
(``hhbill.search._quantities``) and search over the real January 2026 HCPCS release."""

from __future__ import annotations

import math
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hhbill._store import Store
from hhbill.search import search
from hhbill.search._quantities import (
    Interval,
    description_intervals,
    fits,
    normalise_quantities,
    other_spellings,
    quantity_spans,
    size_asked,
)

DAY = date(2026, 1, 1)


# -- the reader -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("hydration therapy; one liter per day, administrative", Interval("ml", 1000, 1000, True, True)),
        (
            "more than one liter but no more than two liters per day",
            Interval("ml", 1000, 2000, low_inclusive=False, high_inclusive=True),
        ),
        ("more than three liters per day", Interval("ml", 3000, math.inf)),
        (
            "weight capacity greater than 350 pounds, but less than or equal to 600 pounds, with any type side rails",
            Interval("lb", 350, 600, low_inclusive=False, high_inclusive=True),
        ),
        ("seat cushion, width less than 22 inches, any depth", Interval("inch", -math.inf, 22)),
        ("seat cushion, width 22 inches or greater, any depth", Interval("inch", 22, math.inf, low_inclusive=True)),
        ("width greater than or equal to 20 inches and less than 24 inches", Interval("inch", 20, 24, True, False)),
        ("intermittent (less than twenty-four hours) pain management", Interval("hour", -math.inf, 24)),
        ("continuous (twenty-four hours or more) chemotherapy", Interval("hour", 24, math.inf, low_inclusive=True)),
        ("syringe with needle, sterile, 1 cc or less, each", Interval("ml", -math.inf, 1, high_inclusive=True)),
        (
            "captains chair, patient weight capacity up to and including 300 pounds",
            Interval("lb", -math.inf, 300, high_inclusive=True),
        ),
        # wound dressings state their pad's area, ostomy barriers their sides
        (
            "foam dressing, pad size more than 16 sq. in. but less than or equal to 48 sq. in., without border",
            Interval("sqin", 16, 48, low_inclusive=False, high_inclusive=True),
        ),
        (
            "ostomy skin barrier, with flange, 4 x 4 inches or smaller, each",
            Interval("sqin", -math.inf, 16, False, True),
        ),
        ("ostomy skin barrier, with flange, larger than 4 x 4 inches, each", Interval("sqin", 16, math.inf)),
        ("skin barrier; solid, 6 x 6 or equivalent, each", Interval("sqin", 36, 36, True, True)),
    ],
)
def test_description_ranges(description: str, expected: Interval) -> None:
    assert description_intervals(description) == (expected,)


def test_a_size_per_billing_unit_is_no_range() -> None:
    # "(500 ml = 1 unit)" says how units are counted, not which volumes the code covers
    assert description_intervals("Parenteral nutrition solution; amino acid, 3.5%, (500 ml = 1 unit) - home mix") == ()
    assert description_intervals("Methotrexate; oral, 2.5 mg") == ()  # a dose is no unit this reader knows


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tpn 1000 ml daily", Interval("ml", 1000, 1000, True, True)),
        ("hydration 2.5 liters a day", Interval("ml", 2500, 2500, True, True)),
        ("tpn 1.5 l per day", Interval("ml", 1500, 1500, True, True)),
        ("tpn between 2 and 3 liters a day", Interval("ml", 2000, 3000, True, True)),
        ("hydration 2-3 liters/day", Interval("ml", 2000, 3000, True, True)),
        ("bed for a 400 lbs patient", Interval("lb", 400, 400, True, True)),
        ("chemo less than 24 hours", Interval("hour", -math.inf, 24)),
        ("insulin syringe 1cc", Interval("ml", 1, 1, True, True)),
        # a pad's sides, as people write them, are its area
        ("gauze 4x4", Interval("sqin", 16, 16, True, True)),
        ("foam dressing 6 x 6 inches", Interval("sqin", 36, 36, True, True)),
        ("2 by 2 gauze", Interval("sqin", 4, 4, True, True)),
        # a calendar span is a length of time, in hours like CMS's "once every 4 hours"
        ("ivig every 4 weeks", Interval("hour", 672, 672, True, True)),
        ("pump rental for 2 days", Interval("hour", 48, 48, True, True)),
        # a volume said without a number
        ("a liter of iv fluids every day", Interval("ml", 1000, 1000, True, True)),
        ("half a liter of fluid", Interval("ml", 500, 500, True, True)),
    ],
)
def test_query_quantities(query: str, expected: Interval) -> None:
    assert [span.interval for span in quantity_spans(normalise_quantities(query))] == [expected]


def test_spelled_numbers() -> None:
    assert normalise_quantities("twenty-four hours, one liter, thirty six inches") == "24 hours, 1 liter, 36 inches"


def test_fits() -> None:
    one_liter = Interval("ml", 1000, 1000, True, True)
    one_to_two = Interval("ml", 1000, 2000, False, True)
    assert fits([Interval("ml", 1500, 1500, True, True)], (one_to_two,)) is True
    assert fits([Interval("ml", 1500, 1500, True, True)], (one_liter,)) is False
    assert fits([one_liter], (one_liter,)) is True
    assert fits([one_liter], (one_to_two,)) is False  # "more than one liter" leaves one liter out
    assert fits([one_liter], (Interval("lb", 350, 600),)) is None  # another kind says nothing
    assert fits([one_liter], ()) is None
    # a range asked: "1-2 liters" is CMS's "more than one ... no more than two", not "one liter" at its edge
    asked = Interval("ml", 1000, 2000, True, True)
    assert fits([asked], (one_to_two,)) is True
    assert fits([asked], (one_liter,)) is False


@given(st.integers(min_value=1, max_value=10_000), st.sampled_from(["ml", "cc", "mls"]))
def test_liters_and_milliliters_are_one_kind(value: int, unit: str) -> None:
    in_ml = quantity_spans(f"{value} {unit}")[0].interval
    in_liters = quantity_spans(f"{value / 1000:.3f} liters")[0].interval
    assert in_ml.dimension == in_liters.dimension == "ml"
    assert in_ml.low == pytest.approx(in_liters.low)


# -- search ---------------------------------------------------------------------------------------------------------
@pytest.fixture
def store(jan_2026_store: Store) -> Store:
    return jan_2026_store


def first(store: Store, query: str) -> str:
    return search(store, query, as_of=DAY, limit=5).results[0].code


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # TPN: S9365 one liter, S9366 more than 1 up to 2, S9367 more than 2 up to 3, S9368 more than 3 liters a day
        ("home tpn 1000 ml a day", "S9365"),
        ("home tpn 1500 ml a day", "S9366"),
        ("home tpn 2.5 liters per day", "S9367"),
        ("home tpn 3.5 liters per day", "S9368"),
        # hydration: S9374 one liter ... S9377 more than three liters
        ("hydration at home 1 liter daily", "S9374"),
        ("hydration at home 1.5 liters daily", "S9375"),
        ("hydration at home 2.5 liters daily", "S9376"),
        ("my mom gets a liter of IV fluids at home every day", "S9374"),
        # E0301/E0303: greater than 350 pounds up to 600; E0302/E0304: greater than 600 pounds (without/with mattress)
        ("heavy duty hospital bed for a 450 lb patient", "E0301 E0303"),
        ("heavy duty hospital bed for a 700 pound patient", "E0302 E0304"),
        # E2603: width less than 22 inches; E2604: 22 inches or greater
        ("skin protection wheelchair seat cushion 20 inch wide", "E2603"),
        ("skin protection wheelchair seat cushion 24 inch wide", "E2604"),
        # S9331 intermittent (less than twenty-four hours), S9330 continuous (twenty-four hours or more)
        ("home chemotherapy infusion under 24 hours", "S9331"),
        # "every 4 weeks" is no match for S9504's "once every 4 hours": the immunotherapy per diem S9338 leads
        ("my IVIG infusions at home every 4 weeks, the pharmacy's daily charge", "S9338"),
        ("home antibiotic infusion every 4 hours per diem", "S9504"),
        # K0823: "up to and including 300 pounds"; the seat elevator (K0831) is a qualifier the query does not ask for
        ("group 2 power chair captains seat under 300 lb", "K0823"),
        # A6209 foam pad 16 sq. in. or less, A6210 more than 16 up to 48, A6211 more than 48: 6x6 is 36 sq. in.
        ("foam dsg 6x6 no border", "A6210"),
        ("foam dressing 8 x 8 without border", "A6211"),
        # A4414 flange without convexity 4 x 4 inches or smaller, A4415 larger than 4 x 4 inches
        ("ostomy wafer flange 4x4 flat", "A4414"),
    ],
)
def test_the_code_whose_range_holds_the_quantity_comes_first(store: Store, query: str, expected: str) -> None:
    assert first(store, query) in expected.split()


def test_a_stated_quantity_is_read_not_matched_as_words(store: Store) -> None:
    response = search(store, "home tpn 1.5 liters per day", as_of=DAY, limit=3)
    assert response.results[0].code == "S9366"
    # the unit still meets its other spellings, the numbers are not words ("1", "5" would reach "2.5 mg" drugs)
    assert not any(label in ("1", "5") for result in response.results for label in result.matched)


def test_a_query_that_is_only_a_quantity_keeps_its_words(store: Store) -> None:
    assert search(store, "500 ml", as_of=DAY, limit=3).results  # nothing else to search by: the words are used


def test_a_number_meets_its_roman_numeral(store: Store) -> None:
    # CMS writes clotting factors in roman numerals ("Factor viii (antihemophilic factor, human) per i.u.")
    results = search(store, "clotting factor 8 per iu", as_of=DAY, limit=3).results
    assert "viii" in results[0].long_description.lower()
    assert any("8 → viii" in label for label in results[0].matched)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # A6257 transparent film 16 sq. in. or less, A6258 more than 16 up to 48, A6259 more than 48
        ("tegaderm clear film dressing small size", "A6257"),
        ("calcium alginate wound dressing small", "A6196"),
        ("medium foam dressing without border", "A6210"),
        ("large foam dressing no border", "A6211"),
        # a code that names its size ("disposable underpad, small size") states no band: the word meets it
        ("small disposable underpad", "T4542"),
        ("large disposable underpads", "T4541"),
    ],
)
def test_a_size_word_asks_for_the_band_dressings_are_sold_in(store: Store, query: str, expected: str) -> None:
    assert first(store, query) == expected


def test_a_stated_size_outranks_a_size_word(store: Store) -> None:
    assert size_asked(["small", "foam"]) == Interval("sqin", -math.inf, 16, False, True)
    assert size_asked(["foam", "dressing"]) is None
    # "large 4x4 gauze" states its size: the stated 16 sq. in. decides, not "large"
    assert first(store, "large 4x4 gauze pad sterile") == "A6402"


def test_a_calendar_span_meets_no_other_spelling() -> None:
    # "ml" meets CMS's cc and liter; "weeks" must not meet "hour" (CMS writes days and months as "per diem", "per
    # month")
    assert other_spellings("ml") == ("ml", "cc", "liter")
    assert other_spellings("hours") == ("hour",)
    assert other_spellings("weeks") == other_spellings("days") == ()


def test_three_in_one_is_no_length() -> None:
    # "3 in 1 commode" names a kind of commode, not three inches
    assert quantity_spans("3 in 1 commode") == []
