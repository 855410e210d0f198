"""Who pays, and how a drug is given: a query naming no payer is a Medicare home health question, so a private
payer's or Medicaid's twin of a discipline's visit code ranks below the Medicare G-code; a query naming another payer
or the twin's own unit keeps it. The line a drug runs through ("thru his PICC") is its route, not a product. Over the
real January 2026 HCPCS release."""

from __future__ import annotations

import copy
import json
from datetime import date
from importlib import resources
from typing import Any

import pytest

import hhbill.search._search as search_module
from hhbill._errors import ConfigError
from hhbill._store import Store
from hhbill.search import search
from hhbill.search._text import stemmer
from hhbill.search._vocabulary import parse_vocabulary
from test_search_negation import assert_step_decides, ranked

DAY = date(2026, 1, 1)


@pytest.fixture
def store(jan_2026_store: Store) -> Store:
    return jan_2026_store


def raw_vocabulary() -> dict[str, Any]:
    text = resources.files("hhbill.data").joinpath("search_vocabulary.json").read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


@pytest.mark.parametrize(
    ("query", "medicare", "twin"),
    [
        ("nurse visit for wound care at home", "G0299", "S9097"),
        ("physical therapy in the home", "G0151", "S9131"),
        # private payers' S codes outside home care and home infusion (the vocabulary's non_medicare_codes)
        ("RN called patient on the phone", "G0321", "S0320"),
        ("nurse telephone call to patient", "G0321", "S0320"),
    ],
)
def test_with_no_payer_named_the_medicare_code_comes_before_its_twin(
    store: Store, monkeypatch: pytest.MonkeyPatch, query: str, medicare: str, twin: str
) -> None:
    assert_step_decides(store, monkeypatch, "NON_MEDICARE_DAMPING", query, medicare, twin)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("private insurance occupational therapy in the home per diem", "S9129"),
        ("Medicaid RN home care per diem", "T1030"),
        ("HHA per visit", "T1021"),  # the twin's own unit
        ("home health aide 4 hrs a day", "S9122"),  # hours: the hourly twin
        ("waiver LPN nursing 15 minute unit", "T1003"),  # a Medicaid waiver program
        ("insulin syringes box of 100 commercial insurance", "S8490"),
    ],
)
def test_a_query_naming_another_payer_or_the_twins_unit_keeps_the_twin(store: Store, query: str, expected: str) -> None:
    assert ranked(store, query)[0] == expected


def test_a_waiver_form_is_a_notice_not_a_medicaid_program() -> None:
    assert search_module._names_other_payer(["medicaid"])
    assert search_module._names_other_payer(["waiver", "lpn"])
    assert not search_module._names_other_payer(["sign", "the", "waiver", "form"])
    assert search_module._names_other_payer(["medicaid", "waiver", "form"])


def test_the_payer_and_notice_stems_are_the_stemmers() -> None:
    # written as stems so that a stored index needs no stemmer for them: they must be what the stemmer gives
    payers = ("medicaid", "waiver", "private", "commercial", "insurance", "insurer", "hmo", "tricare")
    assert {stemmer().stem(word) for word in payers} == search_module.OTHER_PAYER_STEMS
    notices = ("form", "signed", "liability", "abn", "notice")
    assert {stemmer().stem(word) for word in notices} == search_module.NOTICE_STEMS


def test_medicare_equivalents_are_data_and_checked() -> None:
    vocabulary = parse_vocabulary(raw_vocabulary(), stems=False)
    assert vocabulary.medicare_equivalents["S9131"] == ("G0151",)
    assert vocabulary.medicare_equivalents["T1021"] == ("G0156",)
    broken = copy.deepcopy(raw_vocabulary())
    broken["medicare_equivalents"]["twins"].append({"codes": ["S9131"], "medicare": ["not a code"]})
    with pytest.raises(ConfigError, match="medicare equivalent"):
        parse_vocabulary(broken, stems=False)
    unsourced = copy.deepcopy(raw_vocabulary())
    del unsourced["medicare_equivalents"]["source"]
    with pytest.raises(ConfigError, match="source"):
        parse_vocabulary(unsourced, stems=False)


def test_the_line_a_drug_runs_through_is_its_route(store: Store) -> None:
    response = search(store, "my son gets IV antibiotics 3 times a day thru his picc at home", as_of=DAY, limit=5)
    assert response.results[0].code == "S9502"  # "3 times a day": the term "three times a day", q8h
    assert any("route" in note for note in response.notes)
    assert not {"S5520", "S5522"} & {r.code for r in response.results}  # the PICC insertion supplies
    # a query that is only the line keeps it: it asks for the line
    assert "picc" in search(store, "through the picc line", as_of=DAY, limit=5).query.lower()


def test_a_term_written_with_a_number_word_matches_its_digits() -> None:
    vocabulary = parse_vocabulary(raw_vocabulary())
    entry = next(e for e in vocabulary.entries if "three times a day" in e.terms)
    spelled = entry.term_stems[entry.terms.index("three times a day")]
    digits = tuple("3" if stem == "three" else stem for stem in spelled)
    assert digits != spelled
    assert [found for *_span, found in vocabulary.match(list(digits))] == [entry]


@pytest.mark.parametrize(
    ("query", "modifier"),
    [("backup oxygen tank in case the power goes out", "TW")],
)
def test_a_situation_a_modifier_reports_ranks_the_modifier_first(
    store: Store, monkeypatch: pytest.MonkeyPatch, query: str, modifier: str
) -> None:
    # the vocabulary term ("backup oxygen", "used equipment") stands for modifiers alone: the query describes the
    # situation the modifier reports, without saying "modifier"
    assert ranked(store, query)[0] == modifier
    monkeypatch.setattr(search_module, "_names_modifiers_only", lambda plan: False)
    assert ranked(store, query)[0] != modifier


def test_a_service_a_person_performs_ranks_the_item_it_is_about_lower(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "teach" is a service term (the vocabulary marks it "service"): the teaching visit, not insulin (J1815) nor
    # the glucose monitor
    queries = ["teach insulin shots", "nurse showing us how to use the glucose meter"]
    assert [ranked(store, query)[0] in {"G0495", "G0496"} for query in queries] == [True, True]
    monkeypatch.setattr(search_module, "SERVICE_DAMPING", 1.0)
    assert [ranked(store, query)[0] in {"G0495", "G0496"} for query in queries] == [False, False]


def test_item_codes_are_data_and_checked() -> None:
    vocabulary = parse_vocabulary(raw_vocabulary(), stems=False)
    assert any(r.contains("J1815") for r in vocabulary.item_ranges)
    assert not any(r.contains("G0495") for r in vocabulary.item_ranges)
    assert {e.terms[0] for e in vocabulary.entries if e.is_service} >= {"patient teaching"}
    broken = copy.deepcopy(raw_vocabulary())
    broken["item_codes"]["codes"] = ["A4000"]
    with pytest.raises(ConfigError, match="item_codes"):
        parse_vocabulary(broken, stems=False)


def test_non_medicare_codes_are_data_and_checked(store: Store) -> None:
    vocabulary = parse_vocabulary(raw_vocabulary(), stems=False)
    assert any(r.contains("S8490") for r in vocabulary.non_medicare_ranges)
    # the home care and home infusion S codes have no Medicare code to give way to
    assert not any(r.contains(code) for code in ("S5150", "S9338", "S9129") for r in vocabulary.non_medicare_ranges)
    assert ranked(store, "home ivig infusion per diem")[0] == "S9338"
    broken = copy.deepcopy(raw_vocabulary())
    del broken["non_medicare_codes"]["source"]
    with pytest.raises(ConfigError, match="non_medicare_codes"):
        parse_vocabulary(broken, stems=False)
