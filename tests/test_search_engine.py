"""Code search over the real CMS January 2026 (and 2020) HCPCS releases: codes, ranges, modifiers, ranked words,
plain language, typos, drug names, filters, and hostile input."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import hhbill.search._search as search_module
from conftest import shared_path
from hhbill import NotFoundError, SearchQueryError, StoreError
from hhbill._store import Store
from hhbill.hcpcs import import_release
from hhbill.search import index_release, keyword_search, prepare_drug_names, release_index, search, suggest

JAN_2026 = "data/hcpcs/2026_jan/HCPC2026_JAN_ANWEB_01122026.txt"
ANNUAL_2020 = "data/hcpcs/2020_annual/HCPC2020_ANWEB_w_disclaimer.txt"
DAY = date(2026, 1, 1)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, int, Path]:
    path = tmp_path_factory.mktemp("search") / "hhbill.db"
    store = Store(path)
    result = import_release(store, shared_path(JAN_2026))
    return store, result.release_id, path


@pytest.fixture(scope="module")
def store(loaded: tuple[Store, int, Path]) -> Store:
    return loaded[0]


def codes(store: Store, query: str, **options: object) -> list[str]:
    options.setdefault("as_of", DAY)
    return [r.code for r in search(store, query, **options).results]  # type: ignore[arg-type]


# -- codes, code starts, ranges, modifiers ---------------------------------------------------------------------------
@pytest.mark.parametrize("query", ["G0320", "g0320", "  g0320  "])
def test_exact_code_comes_first(store: Store, query: str) -> None:
    response = search(store, query, as_of=DAY)
    assert response.results[0].code == "G0320"
    assert response.results[0].matched == ("code G0320",)
    assert "telemedicine" in response.results[0].long_description.lower()


@pytest.mark.parametrize(
    ("query", "expected"),
    [("o2 tank", "E0424"), ("b12 injection for anemia", "J3420"), ("home antibiotic q8", "S9502")],
)
def test_a_vocabulary_word_shaped_like_a_code_start_is_a_word(store: Store, query: str, expected: str) -> None:
    # "o2", "b12", "q8" look like the start of a code (O2..., B12..., Q8...) but are words of the vocabulary
    response = search(store, query, as_of=DAY)
    assert response.results[0].code == expected
    assert not any(m.startswith("code starts") for r in response.results for m in r.matched)


def test_code_start_lists_codes_in_order(store: Store) -> None:
    found = codes(store, "G03", limit=50)
    assert found[0] == "G0300"
    assert "G0320" in found and "G0321" in found and "G0322" in found
    assert all(code.startswith("G03") for code in found)
    assert found == sorted(found)


def test_range_lists_every_valid_code_of_the_range(store: Store, loaded: tuple[Store, int, Path]) -> None:
    index = release_index(store, loaded[1])
    in_range = sorted(d.code for d in index.documents if "S9325" <= d.code <= "S9379" and d.valid_on("2026-01-01"))
    assert len(in_range) > 20
    assert codes(store, "S9325-S9379", limit=200) == in_range
    assert codes(store, "s9379 – s9325", limit=200) == in_range  # reversed, en dash, lower case
    assert codes(store, "S9325 to S9379", limit=200) == in_range


@pytest.mark.parametrize("query", ["KX", "kx", "KX modifier", "modifier kx"])
def test_modifier_by_code(store: Store, query: str) -> None:
    response = search(store, query, as_of=DAY)
    assert response.results[0].code == "KX"
    assert response.results[0].kind == "modifier"


def test_modifier_that_is_also_an_abbreviation(store: Store) -> None:
    # alone, "PT" is the PT modifier first, then physical therapy codes; in a phrase it is physical therapy
    alone = codes(store, "PT", limit=10)
    assert alone[0] == "PT"
    assert "G0151" in alone
    assert codes(store, "PT assistant home visit")[0] == "G0157"
    assert codes(store, "GP")[0] == "GP"
    assert codes(store, "pt modifier")[0] == "PT"  # "modifier" and the code alone: the code
    # a longer question for a modifier uses "pt" as the abbreviation: the physical therapy plan of care modifier
    assert codes(store, "outpatient pt plan of care modifier")[0] == "GP"
    # written next to the word asking for a modifier, a modifier that is also a word is the modifier ("rt", "ms")
    assert codes(store, "rt modifier knee brace")[0] == "RT"
    assert codes(store, "ms mod oxygen concentrator")[0] == "MS"
    assert codes(store, "what do the letters RR mean on my bill")[0] == "RR"
    assert codes(store, "therapy by assistant modifier pt")[0] != "PT"  # an abbreviation the vocabulary knows


def test_unknown_code_is_reported(store: Store) -> None:
    response = search(store, "Z9999", as_of=DAY)
    assert response.results == []
    assert any("Z9999" in note for note in response.notes)


# -- ranked keywords and stemming ------------------------------------------------------------------------------------
def test_word_forms_meet_on_one_stem(store: Store) -> None:
    infusion = codes(store, "infusion pump")
    assert infusion == codes(store, "infusions pumps")
    assert infusion == codes(store, "infuse pump")
    for code in infusion[:5]:
        text = search(store, code, as_of=DAY).results[0].long_description.lower()
        assert "infus" in text and "pump" in text


def test_codes_matching_every_word_rank_first(store: Store) -> None:
    top = search(store, "portable oxygen concentrator", as_of=DAY).results[0]
    assert top.code == "E1392"
    top = search(store, "electric patient lift", as_of=DAY).results[0]
    assert top.code == "E0635"


# -- plain language (the examples) ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "expected_first"),
    [
        ("hoyer lift", {"E0630"}),
        ("video visit from the home health nurse", {"G0320"}),
        ("PT assistant home visit", {"G0157"}),
        ("KX modifier", {"KX"}),
        ("audio only home health visit", {"G0321"}),
        ("remote monitoring home health", {"G0322"}),
        ("walker with wheels", {"E0141", "E0143"}),
        ("adult diapers", {"T4521", "T4522", "T4523", "T4524", "A4520"}),
        ("tpn at home", {"S9364", "S9365", "S9366", "S9367", "S9368", "B4222", "B4216"}),
        ("msw visit home health", {"G0155"}),
    ],
)
def test_plain_language_first_result(store: Store, query: str, expected_first: set[str]) -> None:
    assert codes(store, query)[0] in expected_first


@pytest.mark.parametrize(
    ("query", "plain", "special"),
    [
        ("home health physical therapist visit", "G0151", "G0157"),  # the assistant's code
        ("home health aide visit", "G0156", "T1021"),  # "... or certified nurse assistant, per visit"
        ("home chemotherapy infusion per diem", "S9329", "S9330"),  # continuous (twenty-four hours or more)
        ("pt visit at home", "G0151", "G0159"),  # maintenance program
        ("video telehealth modifier", "GT", "FR"),  # "the supervising practitioner was present through ... video"
        ("albuterol inhalation solution", "J7613", "J7609"),  # "compounded product" is the narrower case
    ],
)
def test_a_role_without_a_qualifier_ranks_the_plain_code_first(
    store: Store, query: str, plain: str, special: str
) -> None:
    found = codes(store, query)
    assert found[0] == plain
    assert special in found


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("home health physical therapist assistant visit", "G0157"),
        ("pta visit", "G0157"),  # the vocabulary's "pta" means physical therapist assistant
        ("home chemotherapy continuous infusion per diem", "S9330"),
        ("home health aide per hour", "S9122"),
        ("home health aide hourly", "S9122"),  # the vocabulary's "hourly" means "per hour"
        ("wheelchair van mileage", "S0209"),
    ],
)
def test_a_qualifier_the_query_mentions_is_not_held_against_its_code(store: Store, query: str, expected: str) -> None:
    assert codes(store, query)[0] == expected


@pytest.mark.parametrize(
    ("query", "stated", "ruled_out"),
    [
        ("knee cpm machine", "E0935", "E0936"),  # E0936 is "for use other than knee"
        ("tpn one liter per day", "S9365", "S9366"),  # S9366 is "more than one liter but no more than two"
        ("saline gauze", "A6228", "A6266"),  # A6266 is impregnated with "other than water, normal saline, ..."
        ("folding walker no wheels", "E0148", "E0143"),  # the query rules wheels out: "folding, wheeled" ranks lower
        # T1019 personal care "may not be used to identify services provided by home health aide"
        ("aide help bathing", "G0156", "T1019"),
    ],
)
def test_a_word_the_description_rules_out_does_not_count_for_it(
    store: Store, query: str, stated: str, ruled_out: str
) -> None:
    found = codes(store, query, limit=20)
    assert found.index(stated) < found.index(ruled_out)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("hospital bed without mattress", "E0251"),  # the query asks for the "without" itself
        ("tpn more than three liters per day", "S9368"),
        ("parenteral nutrition more than 3 liters", "S9368"),  # not S9366's "more than one liter"
        ("hydration therapy two liters per day", "S9375"),  # "no more than two liters": an inclusive bound
        ("catheter care multi lumen home infusion", "S5501"),  # "multi lumen" means "more than one lumen"
    ],
)
def test_a_scope_the_query_asks_for_is_not_held_against_its_code(store: Store, query: str, expected: str) -> None:
    assert codes(store, query)[0] == expected


@pytest.mark.parametrize(
    ("query", "plain", "special"),
    [
        ("wheelchair van to the clinic", "A0130", "S0209"),  # S0209 is the van's mileage, per mile
        ("home tpn per diem", "S9364", "S9365"),  # S9365-S9368 are daily volume tiers ("one liter per day")
    ],
)
def test_a_transport_or_a_therapy_ranks_before_its_mileage_or_volume_tier(
    store: Store, query: str, plain: str, special: str
) -> None:
    found = codes(store, query)
    assert found[0] == plain
    assert special in found


def test_numbers_meet_in_either_spelling(store: Store) -> None:
    # CMS writes "(1 piece)" for ostomy pouches and "one liter" for infusions
    assert codes(store, "drainable ostomy pouch one piece", limit=3)[0] in {"A5061", "A4424"}
    assert codes(store, "tpn 1 liter per day")[0] == "S9365"


def test_a_number_and_its_unit_typed_together(store: Store) -> None:
    # CMS writes "Syringe with needle, sterile 3 cc"; people type "3cc"
    assert codes(store, "syringe with needle 3cc")[0] == "A4208"
    assert codes(store, "tpn more than 2 liters per day")[0] == "S9367"  # digits state CMS's "more than two liters"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tpn >3L per day", "S9368"),  # "more than three liters"
        ("parenteral nutrition > 2 liters a day", "S9367"),  # "more than two liters but no more than three"
        ("home health aide 4 hrs a day", "S9122"),  # "hrs" after a number is hours: the per hour code
    ],
)
def test_comparison_signs_and_abbreviated_units_read_as_cms_writes_them(
    store: Store, query: str, expected: str
) -> None:
    assert codes(store, query)[0] == expected


def test_w_slash_o_is_without_and_w_slash_c_a_wheelchair(store: Store) -> None:
    # CMS's short descriptors and billers write "w/o" for without ("Hosp bed fixd ht w/o mattres")
    response = search(store, "hospital bed w/o mattress", as_of=DAY)
    assert "without mattress" in response.results[0].long_description.lower()
    assert "without" in response.results[0].matched
    assert "wheelchair" in search(store, "w/c cushion", as_of=DAY).results[0].long_description.lower()


def test_non_rules_out_the_next_word_only(store: Store) -> None:
    # A7039 is "Filter, non disposable, used with positive airway pressure device"
    assert codes(store, "disposable cpap filter")[0] == "A7038"
    assert codes(store, "non disposable cpap filter")[0] == "A7039"


def test_not_rules_out_the_next_word_but_not_otherwise_is_a_kind_of_code(store: Store) -> None:
    assert codes(store, "humidifier for cpap not heated")[0] == "E0561"  # "Humidifier, non-heated, ..."
    assert codes(store, "home infusion not otherwise classified")[0] == "S9379"


def test_ordinals_read_as_cms_spells_them(store: Store) -> None:
    assert codes(store, "2nd month rental modifier")[0] == "KI"  # "... second or third month rental"


def test_a_bracketed_example_is_not_a_qualifier(store: Store) -> None:
    # A4338 is "foley type, two-way latex with coating (teflon, silicone, silicone elastomer or hydrophilic, etc.)":
    # the examples do not make it a hydrophilic catheter, the straight-tip hydrophilic A4295 is one
    assert codes(store, "foley catheter")[0] == "A4338"
    straight = codes(store, "straight tip intermittent catheter", limit=10)
    assert straight.index("A4351") < straight.index("A4295")


def test_iv_antibiotics_at_home(store: Store) -> None:
    top = codes(store, "iv antibiotics at home", limit=3)
    assert any(c.startswith("S9") and "S9494" <= c <= "S9504" for c in top), top


def test_matched_explains_the_vocabulary(store: Store) -> None:
    top = search(store, "hoyer lift", as_of=DAY).results[0]
    assert any("hoyer lift" in m for m in top.matched)


# -- everyday wording -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("said", "plain"),
    [
        ("what code for a hoyer lift", "hoyer lift"),
        ("my mother needs a shower chair", "shower chair"),
        ("glucose meter for my dads diabetes", "glucose meter diabetes"),
        ("did the nurse do my wound care visit", "nurse wound care visit"),
        ("we don't have a shower chair", "shower chair"),  # the "t" after "don" goes too; "T-tube" keeps its own
    ],
)
def test_everyday_filler_is_ignored(store: Store, said: str, plain: str) -> None:
    """Pronouns, auxiliaries, family words and "what code for" say nothing about the code: the query ranks as its
    content words do, and none of them is matched, completed ("mom" -> mometasone) or corrected."""
    response = search(store, said, as_of=DAY, limit=5)
    assert [r.code for r in response.results] == codes(store, plain, limit=5)
    assert response.corrections == {}
    filler = {"what", "code", "my", "mother", "needs", "dads", "did", "do", "we", "don", "t", "have"}
    assert not {label for r in response.results for label in r.matched} & filler


def test_filler_within_a_term_of_several_words_is_kept(store: Store) -> None:
    # "around" is filler in "walking around outside", a word of the term "around the clock"
    kept = search(store, "chemo pump around the clock at home", as_of=DAY)
    assert any(m.startswith("around clock") for r in kept.results for m in r.matched)
    assert kept.results[0].code == "S9330"  # continuous (twenty-four hours or more)
    dropped = search(store, "portable oxygen for walking around outside", as_of=DAY)
    assert not any(m.startswith("around") for r in dropped.results for m in r.matched)


def test_the_word_being_typed_is_not_filler(store: Store) -> None:
    # "need" is filler in "insulin pens i need", the start of "needle" while typing "pen need"
    typed = suggest(store, "pen need", as_of=DAY)
    assert typed.results[0].code == "A4215"  # "Needle, sterile, any size, each"
    assert any("need… → needle" in m for m in typed.results[0].matched)
    assert not any(
        m.startswith("need") for r in search(store, "insulin pens i need", as_of=DAY).results for m in r.matched
    )


def test_a_query_of_filler_alone_still_searches(store: Store) -> None:
    assert codes(store, "who")  # a lone "who" is read as the abbreviation it also is


def test_filler_written_in_capitals_is_an_abbreviation(store: Store) -> None:
    # "WHO" is a wrist hand orthosis; "who" in running speech is a pronoun
    assert codes(store, "WHO splint", limit=3)[0].startswith("L3")
    assert not any("who" in label for r in search(store, "who splint", as_of=DAY).results for label in r.matched)


# -- typos ------------------------------------------------------------------------------------------------------------
def test_typo_is_corrected_and_reported(store: Store) -> None:
    response = search(store, "wheelchiar", as_of=DAY)
    assert response.corrections == {"wheelchiar": "wheelchair"}
    assert all("wheelchair" in r.long_description.lower() for r in response.results[:10])


def test_a_typo_keeps_its_first_letter(store: Store) -> None:
    # "lfit" is one edit from both "fit" and "lift": people seldom mistype the first letter, so lift (and with it
    # the vocabulary term "hoyer lift") wins
    response = search(store, "hoyer lfit", as_of=DAY)
    assert response.corrections == {"lfit": "lift"}
    assert response.results[0].code == "E0630"


@pytest.mark.parametrize(
    ("query", "word"),
    [
        ("iv fluids for morning sickness", "sickness"),  # not "thickness": a correction keeps the first letter
        ("plain cane", "plain"),  # not "plan": a short word is corrected only for two letters swapped
        ("cooking help", "cooking"),  # not "coating": two slips only from nine letters
    ],
)
def test_an_everyday_word_is_not_corrected_to_a_neighbour(store: Store, query: str, word: str) -> None:
    assert word not in search(store, query, as_of=DAY).corrections


def test_a_short_word_missing_a_letter_is_corrected(store: Store) -> None:
    response = search(store, "walkr with wheels", as_of=DAY)
    assert response.corrections == {"walkr": "walker"}
    assert response.results[0].code in {"E0143", "E0141"}


def test_a_modifier_described_by_an_abbreviation_is_reached_by_its_words(store: Store) -> None:
    # TE is described as "Lpn/lvn": the vocabulary's abbreviation of "licensed practical nurse"
    assert codes(store, "licensed practical nurse modifier")[0] == "TE"
    assert "TD" in codes(store, "registered nurse modifier", limit=5)  # "Rn"
    assert codes(store, "licensed practical nurse visit")[0] != "TE"  # no modifier asked: the visit codes


def test_a_mistyped_modifier_word_still_asks_for_modifiers(store: Store) -> None:
    response = search(store, "therapy threshold modifer", as_of=DAY)
    assert response.corrections == {"modifer": "modifier"}
    assert response.results[0].code == "KX"
    assert response.results[0].kind == "modifier"


@pytest.mark.parametrize(
    ("query", "expected"),
    [("nebuliser", "E0570"), ("hydralic patient lift", "E0630"), ("oxygen concentrater", "E1390")],
)
def test_misspellings_still_find_the_code(store: Store, query: str, expected: str) -> None:
    assert expected in codes(store, query, limit=3)


def test_word_start_is_completed(store: Store) -> None:
    response = search(store, "hydrocoll dressing", as_of=DAY)
    assert response.results[0].long_description.lower().startswith("hydrocolloid dressing")


def test_two_words_cms_writes_as_one(store: Store) -> None:
    top = search(store, "pick up walker", as_of=DAY).results[0]
    assert top.code == "E0135"  # "Walker, folding (pickup), ..."
    assert "pick up → pickup" in top.matched


def test_two_words_cms_writes_as_one_in_another_number(store: Store) -> None:
    # CMS writes "footrest" and "footrests"; "foot rests" meets both through the stem of the joined word
    response = search(store, "wheelchair foot rests", as_of=DAY)
    assert any("foot rests → footrests" in m for m in response.results[0].matched)
    assert "footrest" in response.results[0].long_description.lower()


# -- index-style queries and other word forms -------------------------------------------------------------------------
def test_cross_reference_is_ignored_with_a_note(store: Store) -> None:
    response = search(store, "Walker (see also Cane)", as_of=DAY)
    assert response.notes == ["cross-reference ignored: see also cane"]
    assert [r.code for r in response.results] == codes(store, "walker")
    # "see" and "also" describe nothing: a lone cross-reference word is not a search for "(see code A4265)"
    assert codes(store, "see also bandage", limit=5) == codes(store, "bandage", limit=5)


@pytest.mark.parametrize(("query", "expected"), [("lift, hoyer", "E0630"), ("mask cpap", "A7030")])
def test_vocabulary_term_in_index_word_order(store: Store, query: str, expected: str) -> None:
    assert codes(store, query)[0] == expected


def test_adjective_reaches_the_noun_cms_uses(store: Store) -> None:
    found = search(store, "tracheostomy valve", as_of=DAY).results
    assert "A7501" in [r.code for r in found[:3]]  # "Tracheostoma valve, including diaphragm, each"
    assert any("tracheostomy → tracheostoma" in m for r in found for m in r.matched)
    knee = search(store, "knee orthotic", as_of=DAY).results[:5]
    assert sum("knee orthosis" in r.long_description.lower() for r in knee) >= 3


def test_another_form_never_pushes_out_the_users_word(store: Store) -> None:
    for query in ("tracheostomy", "prosthetic sock"):
        assert all(query in r.long_description.lower() for r in search(store, query, as_of=DAY).results[:5])


def test_rare_compound_is_split_where_cms_writes_two_words(store: Store) -> None:
    top = search(store, "footdrop positioning splint", as_of=DAY).results[0]
    assert top.code == "L4398"  # "Foot drop splint, recumbent positioning device, ..."
    assert "footdrop → foot drop" in top.matched
    # CMS's usual spelling is never split: "wheel chair" alone would reach bath chairs "with wheels"
    assert all("wheelchair" in r.long_description.lower() for r in search(store, "wheelchair", as_of=DAY).results[:10])


# -- drug names -------------------------------------------------------------------------------------------------------
def test_word_reaches_a_compound_when_another_word_supports_it(store: Store) -> None:
    # E0973: "Wheelchair accessory, adjustable height, detachable armrest, complete assembly, each"
    assert "detachable armrest" in search(store, "E0973", as_of=DAY).results[0].long_description
    for query in ("wheelchair arm", "arm, wheelchair"):
        found = search(store, query, as_of=DAY).results[:10]
        armrest = [r for r in found if r.code == "E0973"]
        assert armrest and "arm → armrest" in armrest[0].matched


#: the first ten codes for the one-word query "foot" before compounds were reached ("foot" alone must not reach
#: footplates and footrests: nothing else in the query supports them)
FOOT_TOP_10 = ["L3030", "L3010", "L3020", "L3161", "L5970", "L5974", "E0954", "L5978", "A4616", "L1930"]


def test_a_lone_word_does_not_reach_compounds(store: Store) -> None:
    assert codes(store, "foot", limit=10) == FOOT_TOP_10
    for query in ("foot", "arm", "back"):
        assert not any("→" in m for r in search(store, query, as_of=DAY).results for m in r.matched)


def test_the_users_word_outranks_the_compound(store: Store) -> None:
    found = search(store, "wheelchair arm", as_of=DAY).results
    ranked = [r.code for r in found]
    assert found[0].matched == ("wheelchair", "arm")  # the best code uses the word itself
    assert ranked.index("E1221") < ranked.index("E0973")  # "Wheelchair with fixed arm, ..." above the armrest
    # a code using the word is scored by it, never by a compound it also holds
    assert all(m != "arm → armrest" for r in found if "arm" in r.long_description.lower().split() for m in r.matched)
    # "Wheelchair accessory, foot box, ..." above the footrests reached by the compound alone (E1140); the swing-away
    # footrests K0045/K0052 may come first: a vocabulary term ("wheelchair footrest") names them
    foot = codes(store, "wheelchair foot", limit=10)
    assert foot.index("E0954") < 3 and foot.index("E0954") < foot.index("E1140")


def test_drug_brand_name_finds_the_generic_code(store: Store) -> None:
    pytest.importorskip("drug_named_entity_recognition")
    assert "J9355" in codes(store, "Herceptin", limit=3)  # trastuzumab
    assert "J1050" in codes(store, "Depo-Provera", limit=3)  # medroxyprogesterone acetate
    response = search(store, "herceptin", as_of=DAY)
    assert any("trastuzumab" in m for m in response.results[0].matched)
    assert prepare_drug_names(store)
    count = store.execute("SELECT count(*) FROM search_drug_name").fetchone()[0]
    assert count > 50_000


# -- filters and dates ------------------------------------------------------------------------------------------------
def test_kind_and_prefix_filters(store: Store) -> None:
    modifiers = search(store, "physical therapy", as_of=DAY, kind="modifier").results
    assert modifiers and all(r.kind == "modifier" for r in modifiers)
    assert "GP" in [r.code for r in modifiers[:3]]
    e_codes = codes(store, "walker", prefix="e")
    assert e_codes and all(c.startswith("E") for c in e_codes)
    assert codes(store, "walker", prefix="E01")[0].startswith("E01")


def test_terminated_codes_only_on_request(store: Store, loaded: tuple[Store, int, Path]) -> None:
    index = release_index(store, loaded[1])
    ended = next(
        d for d in index.documents if d.kind == "procedure" and d.termination_date and d.termination_date < "2025-12-31"
    )
    assert ended.code not in codes(store, ended.code)
    response = search(store, ended.code, as_of=DAY, include_terminated=True)
    assert response.results[0].code == ended.code
    assert response.results[0].status == "terminated"
    assert response.results[0].termination_date == ended.termination_date


def test_release_in_force_on_the_date(store: Store) -> None:
    import_release(store, shared_path(ANNUAL_2020))  # the module's store now holds 2020 and 2026
    old = search(store, "home health services telemedicine", as_of="2020-06-01")
    assert old.release["effective_date"] == "2020-01-01"
    assert "G0320" not in [r.code for r in old.results]  # added in 2023
    new = search(store, "home health services telemedicine", as_of="2026-02-01")
    assert new.release["effective_date"] == "2026-01-01"
    assert new.results[0].code == "G0320"
    with pytest.raises(NotFoundError, match="2019-12-31"):
        search(store, "walker", as_of="2019-12-31")


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"as_of": "01/02/2026"}, "as_of"),
        ({"kind": "code"}, "kind"),
        ({"prefix": "%"}, "prefix"),
        ({"prefix": "G 03"}, "prefix"),
        ({"limit": 0}, "limit"),
        ({"limit": "ten"}, "limit"),
    ],
)
def test_bad_options_are_input_errors(store: Store, options: dict[str, object], field: str) -> None:
    with pytest.raises(SearchQueryError) as raised:
        search(store, "walker", **options)  # type: ignore[arg-type]
    assert raised.value.location["field"] == field


@pytest.mark.parametrize("query", ["telehealth", "syringe with needle", "walker", "G03", "wound dressing"])
def test_a_shorter_list_is_the_start_of_a_longer_one(store: Store, query: str) -> None:
    longer = codes(store, query, limit=60)
    for limit in (1, 5, 12):
        assert codes(store, query, limit=limit) == longer[:limit]


def test_limit_is_capped(store: Store) -> None:
    assert len(search(store, "injection", as_of=DAY, limit=100_000).results) == 500


# -- hostile and odd input --------------------------------------------------------------------------------------------
HOSTILE = [
    "",
    " ",
    "\n\t\r",
    '"',
    "'",
    '"walker',
    "*",
    "walker*",
    "NEAR(walker cane)",
    "walker OR cane NOT lift",
    "AND",
    "-",
    "- walker",
    "^walker",
    "code:G0151",
    "short_description: walker",
    "(((",
    ")",
    "'; DROP TABLE hcpcs_code; --",
    "%",
    "_",
    "\\",
    "\x00walker\x00",
    "\ud800",
    "ünïcödé wälker",
    "日本語",
    "🦽 wheelchair",
    "a" * 100_000,
    "walker " * 5_000,
    "G0151" * 1_000,
    "S9325-",
    "-S9325",
    "A0000-Z9999",
    "K",
    "0",
    "00",
]


@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
def test_any_string_is_safe(store: Store, loaded: tuple[Store, int, Path], query: str) -> None:
    for response in (search(store, query, as_of=DAY), suggest(store, query, as_of=DAY)):
        json.dumps(response.to_dict())
        assert len(response.query) <= 256
    assert isinstance(keyword_search(store, query, release_id=loaded[1]), list)


def test_long_input_is_cut_with_a_note(store: Store) -> None:
    response = search(store, "walker " * 100, as_of=DAY)
    assert response.notes and "256" in response.notes[0]
    assert response.results[0].long_description.lower().startswith("walker")


def test_empty_query_explains(store: Store) -> None:
    response = search(store, "   ", as_of=DAY)
    assert response.results == [] and response.total == 0
    assert response.notes


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=80))
def test_random_text_never_raises(store: Store, text: str) -> None:
    search(store, text, as_of=DAY, limit=5)
    suggest(store, text, as_of=DAY)


# -- search as you type -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("typed", "expected"), [("hoy", "E0630"), ("g032", "G0320"), ("nebuli", "E0570")])
def test_suggest_completes_the_last_word(store: Store, typed: str, expected: str) -> None:
    response = suggest(store, typed, as_of=DAY)
    assert expected in [r.code for r in response.results]
    assert len(response.results) <= 8


def test_suggest_keeps_earlier_words(store: Store) -> None:
    found = [r.code for r in suggest(store, "patient lift elec", as_of=DAY).results]
    assert found[0] == "E0635"


# -- the index --------------------------------------------------------------------------------------------------------
def test_import_writes_the_fts_rows(store: Store, loaded: tuple[Store, int, Path]) -> None:
    release_id = loaded[1]
    count = store.execute("SELECT count(*) FROM hcpcs_code WHERE release_id = ?", (release_id,)).fetchone()[0]
    indexed = store.execute(
        "SELECT document_count FROM search_indexed_release WHERE release_id = ?", (release_id,)
    ).fetchone()[0]
    assert indexed == count == 9006
    assert index_release(store, release_id) == count  # again: replaced, not doubled
    rows = store.execute("SELECT count(*) FROM search_fts WHERE release_id = ?", (release_id,)).fetchone()[0]
    assert rows == count


def test_plain_keyword_search(store: Store, loaded: tuple[Store, int, Path]) -> None:
    found = keyword_search(store, "patient lift hydraulic", release_id=loaded[1])
    assert found[0] == "E0630"
    assert keyword_search(store, "hoyer", release_id=loaded[1]) == []  # no vocabulary here


def test_read_only_store_searches(loaded: tuple[Store, int, Path]) -> None:
    reader = Store(loaded[2], read_only=True)
    assert search(reader, "hoyer lift", as_of=DAY).results[0].code == "E0630"
    # a plain sqlite3 error, or the store's own StoreError where Store.execute explains database errors
    with pytest.raises((sqlite3.OperationalError, StoreError), match=r"read-?only"):
        reader.execute("INSERT INTO search_indexed_release VALUES (99, 0, '')")
    reader.close()


def test_empty_store_searches_the_embedded_release(tmp_path: Path) -> None:
    store = Store(tmp_path / "fresh.db")
    response = search(store, "physical therapist assistant")
    assert "embedded" in response.release["label"]
    assert response.results[0].code == "G0157"
    store.close()


# -- command line -----------------------------------------------------------------------------------------------------
def test_cli_json(loaded: tuple[Store, int, Path]) -> None:
    from hhbill.cli import app

    result = CliRunner().invoke(
        app,
        ["--db", str(loaded[2]), "search", "hoyer lift", "--as-of", "2026-01-01", "--limit", "3", "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["query"] == "hoyer lift"
    assert data["results"][0]["code"] == "E0630"
    assert set(data["results"][0]) >= {"code", "kind", "short_description", "long_description", "score", "matched"}
    assert len(data["results"]) == 3


def test_cli_text_and_options(loaded: tuple[Store, int, Path]) -> None:
    from hhbill.cli import app

    runner = CliRunner()
    text = runner.invoke(
        app, ["--db", str(loaded[2]), "search", "wheelchiar", "--as-of", "2026-01-01", "--prefix", "K"]
    )
    assert text.exit_code == 0, text.output
    assert "searched 'wheelchair' for 'wheelchiar'" in text.stdout
    modifiers = runner.invoke(
        app, ["--db", str(loaded[2]), "search", "therapy", "--kind", "modifier", "--format", "json"]
    )
    assert all(r["kind"] == "modifier" for r in json.loads(modifiers.stdout)["results"])
    bad = runner.invoke(app, ["--db", str(loaded[2]), "search", "walker", "--as-of", "yesterday"])
    assert bad.exit_code == 1
    early = runner.invoke(app, ["--db", str(loaded[2]), "search", "walker", "--as-of", "1999-01-01"])
    assert early.exit_code == 2
    terminated = runner.invoke(
        app, ["--db", str(loaded[2]), "search", "G0154", "--as-of", "2026-01-01", "--include-terminated"]
    )
    assert "G0154" in terminated.stdout


def test_a_long_family_question_is_read_to_its_end(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    # what a family asks often comes last, after more than sixteen words of story
    query = (
        "my dad came home from the hospital last week and he is too weak to stand up by himself so we need a hoyer lift"
    )
    response = search(store, query, as_of=DAY, limit=3)
    assert response.results[0].short_description.lower().startswith("patient lift")
    assert not any("words were used" in note for note in response.notes)
    monkeypatch.setattr(search_module, "MAX_QUERY_WORDS", 16)  # cut where it used to be: the lift is never read
    cut = search(store, query, as_of=DAY, limit=3)
    assert not cut.results or not cut.results[0].short_description.lower().startswith("patient lift")
    assert any("words were used" in note for note in cut.notes)
