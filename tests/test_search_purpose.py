"""What a query asks for, and what it is for or comes with: in "X for Y" and "X with Y" the query asks for X, so
codes matching only Y rank below those matching X. Over the real January 2026 HCPCS release."""

from __future__ import annotations

import pytest

import hhbill.search._search as search_module
from hhbill._store import Store
from test_search_negation import assert_step_decides, ranked


@pytest.fixture
def store(jan_2026_store: Store) -> Store:
    return jan_2026_store


@pytest.mark.parametrize(
    ("query", "asked_for", "purpose"),
    [
        # the pump, not the antibiotic therapy it runs
        ("CADD pump for home IV antibiotics", "E0781", "S9494"),
        # the drop-arm commode, not the transfer board the transfers suggest
        ("drop-arm commode for lateral slide transfers", "E0165", "E0705"),
        # "with": the machine, not the mask that comes with it
        ("machine with a mask I sleep with for apnea", "E0601", "A7027"),
        ("socks to wear with my below knee prosthesis", "L8420", "L5100"),
    ],
)
def test_the_thing_before_for_ranks_above_what_it_is_for(
    store: Store, monkeypatch: pytest.MonkeyPatch, query: str, asked_for: str, purpose: str
) -> None:
    assert_step_decides(store, monkeypatch, "PURPOSE_DAMPING", query, asked_for, purpose)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # nothing but the words of asking before "for": the whole query is what is asked for
        ("what code for home health aide visit", "G0156"),
        # a charge names how the purpose is billed, not another thing
        ("monthly charge for my medical alert pendant", "S5161"),
        # a query asking for a modifier is about the situation the rest describes
        ("test strips for a diabetic not on insulin, modifier", "KS"),
    ],
)
def test_a_head_that_names_no_other_thing_changes_nothing(
    store: Store, monkeypatch: pytest.MonkeyPatch, query: str, expected: str
) -> None:
    found = ranked(store, query, limit=5)
    assert found[0] == expected
    monkeypatch.setattr(search_module, "PURPOSE_DAMPING", 1.0)
    assert ranked(store, query, limit=5) == found
