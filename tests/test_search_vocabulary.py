"""The plain-language vocabulary (hhbill/data/search_vocabulary.json): well formed, and every entry's example
query finds its code in the real CMS January 2026 release."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from typing import Any

import pytest

from conftest import shared_path
from hhbill._errors import ConfigError
from hhbill._store import Store
from hhbill.hcpcs import import_release
from hhbill.search import load_vocabulary, parse_vocabulary, release_index, search
from hhbill.search._text import content_words, stemmer

DAY = date(2026, 1, 1)
RAW: dict[str, Any] = json.loads(
    resources.files("hhbill").joinpath("data/search_vocabulary.json").read_text(encoding="utf-8")
)
VOCABULARY = load_vocabulary()
ENTRIES = VOCABULARY.entries


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, int]:
    store = Store(tmp_path_factory.mktemp("vocabulary") / "hhbill.db")
    result = import_release(store, shared_path("data/hcpcs/2026_jan/HCPC2026_JAN_ANWEB_01122026.txt"))
    return store, result.release_id


def test_vocabulary_is_versioned_and_sourced() -> None:
    assert VOCABULARY.version
    assert len(ENTRIES) >= 150
    for raw in RAW["entries"]:
        assert raw["source"] in RAW["sources"], raw["terms"][0]


def test_a_term_belongs_to_one_entry() -> None:
    # two entries may share a term's stems only when they write it differently ("nursing home", "nurse at home"):
    # the query's own spelling then chooses
    seen: dict[tuple[str, ...], tuple[str, tuple[str, ...]]] = {}
    for entry in ENTRIES:
        for term, stems in zip(entry.terms, entry.term_stems, strict=True):
            written = tuple(content_words(term))
            owner, owner_written = seen.setdefault(stems, (entry.terms[0], written))
            assert owner == entry.terms[0] or owner_written != written, f"{term!r} is also a term of {owner!r}"


def test_of_two_terms_with_the_same_stems_the_one_written_as_the_query_wins(loaded: tuple[Store, int]) -> None:
    vocabulary = load_vocabulary()
    stems = ["nurs", "home"]
    assert vocabulary.match(stems, ["nursing", "home"])[0][2].terms[0] == "nursing home"
    assert vocabulary.match(stems, ["nurse", "home"])[0][2].terms[0] == "rn"
    store, _release_id = loaded
    assert search(store, "hospice patient in a nursing home", as_of=DAY, limit=1).results[0].code == "Q5003"
    assert search(store, "nurse at home", as_of=DAY, limit=1).results[0].code == "G0299"


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.terms[0] for e in ENTRIES])
def test_entry_finds_its_code(loaded: tuple[Store, int], entry: Any) -> None:
    store, release_id = loaded
    index = release_index(store, release_id)
    active = index.valid_numbers(DAY.isoformat())
    for code in entry.codes:
        assert code in index.by_code, f"{code} named by {entry.terms[0]!r} is not in the January 2026 release"
        assert index.by_code[code] in active, f"{code} named by {entry.terms[0]!r} is not valid on {DAY}"
    for code_range in entry.code_ranges:
        assert set(index.numbers_in_range(code_range.first, code_range.last)) & active, code_range
    expected: set[str] = set()
    for spec in entry.example_expect:
        first, _, last = spec.partition("-")
        expected |= {index.documents[n].code for n in index.numbers_in_range(first, last or first)}
    found = [r.code for r in search(store, entry.example_query, as_of=DAY, limit=5).results]
    assert set(found) & expected, (entry.example_query, found)


def test_terms_match_in_another_word_order_after_their_own() -> None:
    vocabulary = parse_vocabulary(
        {
            "entries": [
                {"terms": ["patient lift"], "codes": ["E0630"], "example": {"expect": ["E0630"]}},
                {"terms": ["lift patient"], "codes": ["E0635"], "example": {"expect": ["E0635"]}},
                {"terms": ["oxygen mask"], "codes": ["A4620"], "example": {"expect": ["A4620"]}},
                {"terms": ["full face mask"], "codes": ["A7030"], "example": {"expect": ["A7030"]}},
            ]
        }
    )

    def matched(text: str) -> list[tuple[int, int, str]]:
        stems = [stemmer().stem(w) for w in text.split()]
        return [(start, end, entry.codes[0]) for start, end, entry in vocabulary.match(stems)]

    assert matched("mask oxygen") == [(0, 2, "A4620")]
    assert matched("liquid oxygen mask") == [(1, 3, "A4620")]
    assert matched("lift patient") == [(0, 2, "E0635")]  # a term in its own order wins
    assert matched("mask face full") == [(0, 3, "A7030")]
    assert matched("oxygen liquid mask") == []  # side by side only


def test_a_term_in_its_own_order_wins_over_one_in_another_order_that_takes_its_first_word() -> None:
    vocabulary = parse_vocabulary(
        {
            "entries": [
                {"terms": ["therapy modifier"], "codes": ["GP"], "example": {"expect": ["GP"]}},
                {"terms": ["therapy cap"], "codes": ["KX"], "example": {"expect": ["KX"]}},
            ]
        }
    )

    def matched(text: str) -> list[tuple[int, int, str]]:
        stems = [stemmer().stem(w) for w in text.split()]
        return [(start, end, entry.codes[0]) for start, end, entry in vocabulary.match(stems)]

    # filler dropped from "which modifier says the therapy cap was passed" leaves "modifier therapy cap"
    assert matched("modifier therapy cap passed") == [(1, 3, "KX")]
    assert matched("modifier therapy") == [(0, 2, "GP")]  # no term of its own order to yield to


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"entries": "x"}, "must be a list"),
        ({"entries": [{"terms": [], "means": ["a"], "example": {"expect": ["A"]}}]}, "no terms"),
        ({"entries": [{"terms": ["a"], "example": {"expect": ["E0100"]}}]}, "needs 'means' or 'codes'"),
        ({"entries": [{"terms": ["a"], "codes": ["E01"], "example": {"expect": ["E0100"]}}]}, "not a code"),
        ({"entries": [{"terms": ["a"], "codes": ["E0100"]}]}, "example"),
        ({"entries": [{"terms": ["a", ""], "codes": ["E0100"], "example": {"expect": ["E0100"]}}]}, "non-empty"),
        ({"entries": [], "qualifiers": "assistant"}, "'qualifiers' must be a list"),
        ({"entries": [], "qualifiers": [{"words": "assistant"}]}, "needs 'words' and a 'source'"),
        ({"entries": [], "qualifiers": [{"words": " ", "source": "x"}]}, "needs 'words' and a 'source'"),
        ({"entries": [], "query_filler": ["my"]}, "'query_filler' needs"),
        ({"entries": [], "reporting_codes": {"codes": ["G8000-G9999"]}}, "'reporting_codes' needs"),
        ({"entries": [], "units": {"words": ["per hour"]}}, "'units' must be a list"),
        ({"entries": [], "units": [{"words": ["per hour"]}]}, "unit 1: needs 'words' and a 'source'"),
        ({"entries": [], "units": [{"words": [], "source": "x"}]}, "unit 1: needs 'words' and a 'source'"),
        ({"entries": [], "reporting_codes": {"codes": ["G8000"], "source": "x"}}, "'reporting_codes' needs"),
        ({"entries": [], "reporting_codes": {"codes": [], "source": "x"}}, "'reporting_codes' needs"),
        ({"entries": [], "query_filler": {"words": ["my"]}}, "'query_filler' needs"),
        ({"entries": [], "query_filler": {"words": ["my mother"], "source": "x"}}, "'query_filler' needs"),
        ({"entries": [], "query_filler": {"words": ["My"], "source": "x"}}, "'query_filler' needs"),
    ],
)
def test_malformed_vocabulary_is_a_config_error(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_vocabulary(raw)


def test_qualifiers_are_sourced_and_keep_their_stopwords() -> None:
    for raw in RAW["qualifiers"]:
        assert raw["source"] in RAW["sources"], raw["words"]
    per_hour = next(q for q in VOCABULARY.qualifiers if q.text == "per hour")
    assert per_hour.run == ("per", "hour")  # a description must say "per hour", not "twenty-four hours"
    assert per_hour.content == ("hour",)  # a query mentions it by "hour" ("per" is a stopword)


def _first_code(store: Store, query: str, raw: dict[str, Any], *, limit: int) -> str:
    """The first code ``query`` finds with the vocabulary ``raw`` (a variant of the shipped one)."""
    from hhbill.search._search import _run

    response = _run(
        store,
        query,
        as_of=DAY,
        limit=limit,
        kind=None,
        prefix=None,
        include_terminated=False,
        typing=False,
        vocabulary=parse_vocabulary(raw),
    )
    return response.results[0].code


def test_qualifiers_come_from_the_data(loaded: tuple[Store, int]) -> None:
    """Without the "continuous" and "intermittent" qualifiers, S9330 and S9331 are no longer held below S9329."""
    store, _release_id = loaded

    def first(raw: dict[str, Any]) -> str:
        return _first_code(store, "home chemotherapy infusion per diem", raw, limit=5)

    assert first(RAW) == "S9329"
    trimmed = {**RAW, "qualifiers": [q for q in RAW["qualifiers"] if q["words"] not in ("continuous", "intermittent")]}
    assert first(trimmed) in ("S9330", "S9331")


def test_the_vocabulary_lists_enough_filler() -> None:
    assert len(VOCABULARY.filler) >= 100
    assert {"my", "did", "someone", "mother", "what", "code"} <= VOCABULARY.filler


def test_filler_comes_from_the_data(loaded: tuple[Store, int]) -> None:
    """Without the vocabulary's ``query_filler``, "my" in a query matches the quality-measure codes that quote a
    patient ("... about my care"); with it, the word is ignored."""
    store, _release_id = loaded
    from hhbill.search._search import _run

    def labels(raw: dict[str, Any]) -> set[str]:
        response = _run(
            store,
            "wound care for my leg",
            as_of=DAY,
            limit=10,
            kind=None,
            prefix=None,
            include_terminated=False,
            typing=False,
            vocabulary=parse_vocabulary(raw),
        )
        return {label for result in response.results for label in result.matched}

    assert "my" not in labels(RAW)
    assert "my" in labels({key: value for key, value in RAW.items() if key != "query_filler"})


def test_reporting_codes_come_from_the_data(loaded: tuple[Store, int]) -> None:
    """The quality-data codes (``reporting_codes``: "Blood pressure reading not documented, ...") rank below the
    service a query describes; without the item, the reporting code comes first."""
    store, _release_id = loaded

    def first(raw: dict[str, Any]) -> str:
        return _first_code(store, "blood pressure readings sent", raw, limit=3)

    assert first(RAW) == "G0322"
    assert first({key: value for key, value in RAW.items() if key != "reporting_codes"}) == "G8785"
    assert search(store, "G8785", as_of=DAY).results[0].code == "G8785"  # a code asked for by name is not damped


def test_a_unit_is_stated_with_per_not_by_how_often() -> None:
    from hhbill.search._search import _units_stated

    def units(text: str) -> frozenset[int]:
        return _units_stated(text.split(), VOCABULARY)

    assert units("iv antibiotics three times a day") == frozenset()  # how often, not the billing unit
    assert units("ivig monthly") == frozenset()
    assert len(units("home health aide per visit")) == 1
    assert units("aide hourly") == units("aide per hour") != units("aide per visit")
    assert units("respite 15 min") == units("respite care each 15 minutes")


def test_units_come_from_the_data(loaded: tuple[Store, int]) -> None:
    """A query stating "per visit" ranks T1021 ("... per visit") above G0156 ("each 15 minutes"); without the
    vocabulary's ``units`` the 15-minute visit code stays first."""
    store, _release_id = loaded

    def first(raw: dict[str, Any]) -> str:
        return _first_code(store, "home health aide per visit", raw, limit=3)

    assert first(RAW) == "T1021"
    assert first({key: value for key, value in RAW.items() if key != "units"}) == "G0156"
    assert search(store, "home health aide visit", as_of=DAY).results[0].code == "G0156"  # no unit stated


def test_vocabulary_drives_the_search(loaded: tuple[Store, int]) -> None:
    """A vocabulary without the hoyer entry no longer finds E0630 for "hoyer" (the data, not code, decides)."""
    store, _release_id = loaded
    trimmed = {
        **RAW,
        "version": "test-without-hoyer",
        "entries": [e for e in RAW["entries"] if "hoyer" not in e["terms"]],
    }
    from hhbill.search._search import _run

    without = _run(
        store,
        "hoyer",
        as_of=DAY,
        limit=5,
        kind=None,
        prefix=None,
        include_terminated=False,
        typing=False,
        vocabulary=parse_vocabulary(trimmed),
    )
    assert "E0630" not in [r.code for r in without.results]
    assert search(store, "hoyer", as_of=DAY).results[0].code == "E0630"


#: the home-care core (issue 12): every home health visit and telehealth code, the home infusion therapy
#: professional services, and the home infusion per diem S-codes with their catheter and insertion codes
HOME_CARE_CORE = [
    *("G0151", "G0152", "G0153", "G0155", "G0156", "G0157", "G0158", "G0159", "G0160", "G0161", "G0162"),
    *("G0179", "G0180", "G0181", "G0299", "G0300", "G0490", "G0493", "G0494", "G0495", "G0496"),
    *("G0320", "G0321", "G0322", "G0068", "G0069", "G0070", "G0088", "G0089", "G0090"),
    *("S5497", "S5498", "S5501", "S5502", "S5517", "S5518", "S5520", "S5521", "S5522", "S5523", "S9061"),
    *("S9325", "S9326", "S9327", "S9328", "S9329", "S9330", "S9331", "S9335", "S9336", "S9338", "S9339"),
    *("S9340", "S9341", "S9342", "S9343", "S9345", "S9346", "S9347", "S9348", "S9349", "S9351", "S9353"),
    *("S9355", "S9357", "S9359", "S9361", "S9363", "S9364", "S9365", "S9366", "S9367", "S9368", "S9370"),
    *("S9372", "S9373", "S9374", "S9375", "S9376", "S9377", "S9379", "S9490", "S9494", "S9497", "S9500"),
    *("S9501", "S9502", "S9503", "S9504", "S9537", "S9538", "S9542", "S9558", "S9559", "S9560", "S9562"),
    *("S9563", "S9590"),
]


@pytest.mark.parametrize("code", HOME_CARE_CORE)
def test_every_home_care_core_code_has_lay_names(loaded: tuple[Store, int], code: str) -> None:
    """Some vocabulary entry names the code, and searching that entry's first term finds it."""
    store, _release_id = loaded
    naming = [entry for entry in ENTRIES if entry.names_code(code)]
    assert naming, f"no vocabulary entry names {code}"
    found = [r.code for r in search(store, naming[0].terms[0], as_of=DAY, limit=20).results]
    assert code in found, (naming[0].terms[0], found)
