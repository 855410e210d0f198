"""Vocabulary terms of several words read through the everyday filler a query puts between them ("showed my wife
how": the term "showed how"), over the real January 2026 HCPCS release."""

from __future__ import annotations

from datetime import date

import pytest

from hhbill._store import Store
from hhbill.search import search
from hhbill.search._search import _content_tokens, _Plan
from hhbill.search._text import without_contraction_t
from hhbill.search._vocabulary import load_vocabulary, parse_vocabulary

DAY = date(2026, 1, 1)


def test_filler_inside_a_term_is_kept_once_other_filler_is_left_out() -> None:
    tokens = ["nurse", "showed", "my", "wife", "how", "give", "shots"]
    kept = _content_tokens(tokens, _Plan(), load_vocabulary())
    assert kept[:3] == ["nurse", "showed", "how"]  # "how" belongs to the term "showed how"; "my", "wife" do not
    assert "wife" not in kept and "my" not in kept


@pytest.fixture
def store(jan_2026_store: Store) -> Store:
    return jan_2026_store


def test_a_term_split_by_filler_still_names_its_codes(store: Store) -> None:
    found = [r.code for r in search(store, "the nurse showed them how to flush the line", as_of=DAY, limit=3).results]
    assert found[0] in ("G0495", "G0496")  # training and/or education of a patient or family member


@pytest.mark.parametrize(
    ("query", "typo", "word", "expected"),
    [
        # "assesment" and "humidifer" share their stem with a rare word ("assessed", "humidif..."), yet no
        # description writes them: they are typos all the same
        ("rn assesment", "assesment", "assessment", "G0493"),
        ("cpap heated humidifer", "humidifer", "humidifier", "E0562"),
    ],
)
def test_a_typo_whose_stem_a_rare_word_shares_is_corrected(
    store: Store, query: str, typo: str, word: str, expected: str
) -> None:
    response = search(store, query, as_of=DAY, limit=3)
    assert response.corrections.get(typo) == word
    assert response.results[0].code == expected


def test_iv_reaches_the_drug_codes_injection(store: Store) -> None:
    # "vanco" names J3373 and means antibiotic: with "iv" the drug's "Injection, vancomycin ..." meets the route too
    # and ranks above the home infusion per diems of antibiotics
    assert search(store, "vanco iv", as_of=DAY, limit=3).results[0].code == "J3373"


def test_a_term_with_a_contraction_is_read_as_a_query_is() -> None:
    # a query drops the "t" of "don't"; a term written with it must too, or it could never match
    vocabulary = parse_vocabulary(
        {
            "version": "t",
            "sources": {"s": "test"},
            "entries": [
                {
                    "terms": ["doesn't take insulin"],
                    "codes": ["KS"],
                    "source": "s",
                    "example": {"query": "doesn't take insulin", "expect": ["KS"]},
                }
            ],
        }
    )
    (entry,) = vocabulary.entries
    assert entry.term_stems == (("doesn", "take", "insulin"),)
    assert vocabulary.match(["doesn", "take", "insulin"])[0][2] is entry
    assert without_contraction_t(["t", "tube", "didn", "t", "go"]) == ["t", "tube", "didn", "go"]
    assert without_contraction_t(["can", "t", "be", "emptied"]) == ["cannot", "be", "emptied"]  # not "can"
