"""A qualifier a query mentions by the start of its word ("miles" mentions mileage), over the real January 2026
HCPCS release."""

from __future__ import annotations

from datetime import date

import pytest

from hhbill._store import Store
from hhbill.search import search
from hhbill.search._search import MENTION_PREFIX, _letter_asked, _mentions

DAY = date(2026, 1, 1)


def test_a_word_mentions_the_qualifier_it_starts() -> None:
    assert _mentions({"mile"}, ("mileag",))  # "miles" -> mileage
    assert _mentions({"assist"}, ("assist",))
    assert not _mentions({"mi"}, ("mileag",))  # too short to say which word
    assert not _mentions({"wheel"}, ("mileag",))
    assert MENTION_PREFIX >= 4


@pytest.fixture
def store(jan_2026_store: Store) -> Store:
    return jan_2026_store


def test_miles_asks_for_the_mileage_code(store: Store) -> None:
    # S0215 "Non-emergency transportation; mileage, per mile" is not a special case of what "miles" asks for
    found = [r.code for r in search(store, "non emergency transport miles", as_of=DAY, limit=3).results]
    assert found[0] == "S0215"


@pytest.mark.parametrize(
    ("query", "specific", "unlisted"),
    [
        # S9542 "Home injectable therapy, not otherwise classified" is for therapies no other code describes
        ("anticoagulant injections at home pharmacy services", "S9372", "S9542"),
        ("home injection therapy for growth hormone", "S9558", "S9542"),
    ],
)
def test_a_not_otherwise_classified_code_ranks_below_a_specific_one(
    store: Store, query: str, specific: str, unlisted: str
) -> None:
    found = [r.code for r in search(store, query, as_of=DAY, limit=10).results]
    assert found.index(specific) < (found.index(unlisted) if unlisted in found else len(found))


def test_a_daily_charge_is_a_per_diem(store: Store) -> None:
    # "daily charge" states the unit (per diem), it is not "once every 24 hours" (S9500's antibiotic schedule)
    found = [r.code for r in search(store, "tube feeding pump at home, daily charge", as_of=DAY, limit=3).results]
    assert found[0] == "S9342"
    assert "S9500" not in found


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # the home therapy per diem names the home ("Home infusion therapy, anti-hemophilic agent ..."), the
        # clotting factor (J7199) and the pump (B9002) do not
        ("factor viii hemophilia infusion at home", "S9345"),
        ("tube feeding with a pump at home for my dad", "S9342"),
    ],
)
def test_a_query_naming_the_home_ranks_the_home_codes_first(store: Store, query: str, expected: str) -> None:
    assert search(store, query, as_of=DAY, limit=3).results[0].code == expected


@pytest.mark.parametrize("query", ["speech language pathology for swallowing", "physical therapy occupational therapy"])
def test_a_mips_specialty_set_ranks_below_the_services(store: Store, query: str) -> None:
    # G4000-G4038 name sets of quality measures ("Speech language pathology mips specialty set"), not a service
    assert not search(store, query, as_of=DAY, limit=3).results[0].code.startswith("G40")


def test_a_query_names_the_letter_of_the_code_it_wants() -> None:
    assert _letter_asked("home health at an assisted living, which Q code") == "Q"
    assert _letter_asked("is there a J-code for vancomycin") == "J"
    assert _letter_asked("G codes for therapy") == "G"
    assert _letter_asked("what is a code for a walker") is None  # "a code" names no section
    assert _letter_asked("the X code") is None  # no HCPCS Level II section X
    assert _letter_asked("Q code or J code") is None  # two letters: no one section asked for
    assert _letter_asked("hospice code") is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # the site-of-service Q code ranks above the mental health per diem H2013 "Psychiatric health facility"
        ("psychiatric facility Q code", "Q5008"),
        ("vancomycin J code", "J3373"),
    ],
)
def test_a_query_naming_a_code_letter_ranks_that_section_first(store: Store, query: str, expected: str) -> None:
    assert search(store, query, as_of=DAY, limit=3).results[0].code == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # T codes are the codes CMS set apart for state Medicaid agencies: T1020 (personal care services) before
        # the S5199 item, T1021 (home health aide visit) before Medicare's G0156
        ("medicaid personal care services", "T1020"),
        ("medicaid home health aide", "T1021"),
    ],
)
def test_a_query_naming_medicaid_ranks_the_medicaid_codes_first(store: Store, query: str, expected: str) -> None:
    assert search(store, query, as_of=DAY, limit=3).results[0].code == expected


@pytest.mark.parametrize(
    ("query", "plain", "special"),
    [
        ("HIT benefit SCIG nursing visit", "G0069", "G0089"),  # "visit" alone does not ask for the initial visit
        ("first home infusion visit for iv antibiotics", "G0088", "G0068"),  # "first" does
    ],
)
def test_the_initial_visit_is_asked_for_only_by_its_own_words(
    store: Store, query: str, plain: str, special: str
) -> None:
    found = [r.code for r in search(store, query, as_of=DAY, limit=10).results]
    assert found.index(plain) < found.index(special)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # A4409 adds "extended wear" to A4414's "with flange ... without built-in convexity, 4 x 4 inches or smaller"
        ("ostomy barrier with flange, no convexity, 4x4 or smaller", "A4414"),
        ("extended wear ostomy barrier with flange 4x4", "A4409"),
        # G0179 is G0180's "certification" with "re-" before it: a recertification is asked for by its own words
        ("hh cert, pt not present", "G0180"),
        ("hh recert, patient not present", "G0179"),
    ],
)
def test_a_narrower_case_is_asked_for_only_by_its_own_words(store: Store, query: str, expected: str) -> None:
    assert search(store, query, as_of=DAY, limit=1).results[0].code == expected


def test_asked_by_must_list_single_words() -> None:
    from hhbill._errors import ConfigError
    from hhbill.search._vocabulary import _qualifiers

    (qualifier,) = _qualifiers([{"words": "initial visit", "asked_by": ["initial", "first"], "source": "s"}])
    assert qualifier.content == ("initi", "first") and qualifier.run == ("initi", "visit")
    with pytest.raises(ConfigError, match="asked_by"):
        _qualifiers([{"words": "initial visit", "asked_by": ["first visit"], "source": "s"}])
