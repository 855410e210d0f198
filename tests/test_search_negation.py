"""What a query rules out ("no phone", "not the first visit", "not around the clock") and what a code's description
says is not part of it ("drugs and nursing visits coded separately", "excluding chemotherapy"), over the real
January 2026 HCPCS release."""

from __future__ import annotations

from datetime import date

import pytest

import hhbill.search._search as search_module
from hhbill._store import Store
from hhbill.search import search

DAY = date(2026, 1, 1)


@pytest.fixture
def store(jan_2026_store: Store) -> Store:
    return jan_2026_store


def ranked(store: Store, query: str, limit: int = 5) -> list[str]:
    return [r.code for r in search(store, query, as_of=DAY, limit=limit).results]


def assert_step_decides(
    store: Store, monkeypatch: pytest.MonkeyPatch, knob: str, query: str, first: str, other: str
) -> None:
    """The step a damping constant (``knob``) drives ranks ``first`` first and above ``other``; with the constant at
    1.0 (the step off) ``other`` ranks above ``first``: the test measures the step, not the words."""
    found = ranked(store, query, limit=10)
    assert found[0] == first
    assert other not in found or found.index(other) > found.index(first)
    monkeypatch.setattr(search_module, knob, 1.0)
    undamped = ranked(store, query, limit=10)
    assert other in undamped and undamped.index(other) < undamped.index(first)


def test_a_ruled_out_term_rules_out_the_codes_it_names(store: Store) -> None:
    # "phone" names G0321, whose description says "telephone": ruling the term out ranks G0321 below G0320
    found = ranked(store, "home health telehealth visit, no phone")
    assert found[0] == "G0320"
    assert found.index("G0321") > 0


def test_a_ruled_out_term_rules_out_what_it_means(store: Store) -> None:
    # "round the clock" means continuous: S9326 "continuous (twenty-four hours or more) pain management infusion"
    found = ranked(store, "home pain management infusion, no round the clock")
    assert found[0] != "S9326"
    assert "S9326" not in found[:3]


@pytest.mark.parametrize(
    ("query", "expected", "initial"),
    [
        # G0088-G0090 are the initial visit; G0068-G0070 the visits after it
        ("home infusion chemotherapy nursing visit, not the first one", "G0070", "G0090"),
        ("subsequent home infusion visit for iv antibiotics", "G0068", "G0088"),
        ("home infusion nursing visit for pain pump after the initial visit", "G0068", "G0088"),
        # a follow-up visit is a later one too
        ("home infusion follow-up visit for subcutaneous immune globulin", "G0069", "G0089"),
        ("followup home infusion visit for antibiotics", "G0068", "G0088"),
        # "not first visit" rules out the initial visit, not the visits: the pharmacy per diem S9494 "(drugs and
        # nursing visits coded separately)" stays below the visit
        ("home infusion nursing visit for iv antibiotics not first visit", "G0068", "G0088"),
    ],
)
def test_not_the_first_visit_is_a_later_one(store: Store, query: str, expected: str, initial: str) -> None:
    found = ranked(store, query, limit=10)
    assert found[0] == expected
    assert initial not in found[:1]


def test_what_a_description_codes_separately_is_not_the_code(store: Store) -> None:
    # S9329's per diem says "(drugs and nursing visits coded separately)": a nursing visit is a professional service
    found = ranked(store, "home infusion chemo nurse visit")
    assert found[0] in ("G0070", "G0090")
    assert "S9329" not in found[:1]


def test_coded_separately_rules_out_the_visit_not_the_nurse(store: Store) -> None:
    # "nursing visits coded separately" names visits: a nurse caring for a catheter still finds catheter care
    assert ranked(store, "nurse flushing picc line at home")[0] in ("S5497", "S5498", "S5501")


def test_a_negation_asks_for_an_exclusion_only_of_what_it_negates(store: Store) -> None:
    # "not the first" rules out the first visit; it does not ask for G0068's "(excluding chemotherapy ...)"
    found = ranked(store, "home infusion chemotherapy nursing visit, not the first one", limit=30)
    assert "G0068" not in found or found.index("G0070") < found.index("G0068")
    # and "no wheels" still asks for "without wheels": E0148 "Walker, heavy duty, without wheels, rigid or folding"
    # stays in the first five beside the folding pickup walker E0135 (which a user means, heavy duty unasked)
    found = ranked(store, "folding walker no wheels")
    assert "E0148" in found and "E0135" in found


def test_a_scope_ends_at_with(store: Store) -> None:
    # A4312 "Insertion tray without drainage bag with indwelling catheter": the catheter is in it, the bag is not
    # A4354 "Insertion tray with drainage bag but without catheter"
    assert ranked(store, "insertion tray with drainage bag, no catheter")[0] == "A4354"


def test_a_term_holding_a_negation_says_what_the_code_is(store: Store) -> None:
    # "no height adjustment" is the fixed height bed (LCD L33820): its "no" rules nothing out
    assert ranked(store, "fixed height bed with no height adjustment")[0] in ("E0250", "E0251")


def test_a_term_meaning_a_negation_rules_out_what_it_negates(store: Store) -> None:
    # "own mattress" means without mattress: the beds "with mattress" rank below those "without mattress"
    found = ranked(store, "hi-lo hospital bed, patient has own mattress")
    assert found[0] in ("E0256", "E0293")
    assert found.index("E0255") > found.index("E0256") if "E0255" in found else True


def test_a_term_holding_a_negation_still_rules_out_what_its_meaning_does_not_state(store: Store) -> None:
    # "non dialysis" means "non-esrd use": the codes "for esrd on dialysis" rank below those "for non-esrd use"
    results = search(store, "epoetin injection non dialysis", as_of=DAY, limit=3).results
    assert "non-esrd" in results[0].long_description.lower()


def test_with_or_without_rules_nothing_out(store: Store) -> None:
    # A4349 "Male external catheter, with or without adhesive, disposable": adhesive is allowed, not ruled out
    assert ranked(store, "condom catheter self adhesive")[0] == "A4349"
