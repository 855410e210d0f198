""" "Do not use with" restrictions parsed from real CMS January 2026 long descriptions."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from _cms_hcpcs_xlsx import JAN_2026_XLSX, cms_rows, record_from_row
from conftest import shared_path
from hhbill._errors import NotFoundError
from hhbill.hcpcs._exclusions import (
    Exclusion,
    codes_in_category,
    descriptor_without_restrictions,
    exclusions_in,
    in_category,
)

#: descriptions that say "do not use" but name no code to pair with - documentation notes, not scrubber pairs
NON_PAIR_NOTES = {
    # "(do not use this code for flushing of infusion devices with heparin to maintain patency)"
    "S9372": "not for flushing infusion devices with heparin",
}


@pytest.fixture(scope="module")
def cms():
    return cms_rows(shared_path(JAN_2026_XLSX))


def _described(cms, code: str) -> str:
    return cms[code]["LONG DESCRIPTION"]


@pytest.mark.parametrize(
    ("code", "excluded"),
    [
        ("S9325", ("S9326", "S9327", "S9328")),
        ("S9329", ("S9330", "S9331")),  # written lower-case in CMS's file: "s9330 or s9331"
        ("S9364", ("S9365", "S9366", "S9367", "S9368")),
        ("S9373", ("S9374", "S9375", "S9376", "S9377")),
        ("S9494", ("S9497", "S9498", "S9499", "S9500", "S9501", "S9502", "S9503", "S9504")),
    ],
)
def test_explicit_code_exclusions_of_the_per_diem_codes(cms, code, excluded):
    found = exclusions_in(_described(cms, code))
    assert len(found) == 1
    assert found[0].codes == excluded
    assert found[0].category is None
    assert found[0].phrase.lower().startswith("do not use")


@pytest.mark.parametrize("code", ["S9208", "S9209", "S9211", "S9212", "S9213", "S9214"])
def test_pregnancy_management_codes_exclude_any_home_infusion_per_diem(cms, code):
    (found,) = exclusions_in(_described(cms, code))
    assert found == Exclusion(
        phrase="do not use this code with any home infusion per diem code",
        codes=(),
        category="home_infusion_per_diem",
        category_phrase="any home infusion per diem code",
    )


def test_pharmacy_hourly_code_excludes_any_per_diem(cms):
    (found,) = exclusions_in(_described(cms, "S9810"))
    assert found.category == "per_diem"
    assert found.codes == ()


def test_documentation_note_is_not_a_pair(cms):
    assert exclusions_in(_described(cms, "S9372")) == []


def test_every_do_not_use_in_the_release_is_parsed_or_explicitly_allowed(cms):
    unexplained = []
    for code, row in cms.items():
        text = row["LONG DESCRIPTION"]
        if "do not use" not in text.lower():
            continue
        if not exclusions_in(text) and code not in NON_PAIR_NOTES:
            unexplained.append(f"{code}: {text}")
    assert not unexplained, "\n".join(unexplained)
    # and the allow-list is not stale
    for code in NON_PAIR_NOTES:
        assert "do not use" in cms[code]["LONG DESCRIPTION"].lower()
        assert exclusions_in(cms[code]["LONG DESCRIPTION"]) == []


def test_cpt_category_iii_code_in_a_level_ii_descriptor(cms):
    # G0561: "(do not use in conjunction with 0583t)"
    (found,) = exclusions_in(_described(cms, "G0561"))
    assert found.codes == ("0583T",)


@pytest.mark.parametrize(
    "text",
    [
        "per diem (do not use with S9365-S9368)",
        "per diem (do not use with S9365–S9368)",
        "per diem (do not use with s9365 through s9368)",
        "per diem (Do Not Use this code with S9365 thru S9368).",
        "per diem; do not use with S9365 to S9368",
    ],
)
def test_range_spellings_expand_to_explicit_codes(text):
    (found,) = exclusions_in(text)
    assert found.codes == ("S9365", "S9366", "S9367", "S9368")


def test_lists_ranges_and_repeats_keep_written_order_without_duplicates():
    (found,) = exclusions_in("(do not use this code with S9500, S9497-S9499 or s9500)")
    assert found.codes == ("S9500", "S9497", "S9498", "S9499")


def test_absurd_ranges_are_not_expanded():
    (backwards,) = exclusions_in("do not use with S9368-S9365")
    assert backwards.codes == ("S9368", "S9365")
    (mixed,) = exclusions_in("do not use with A0001-B9999")
    assert mixed.codes == ("A0001", "B9999")
    (huge,) = exclusions_in("do not use with 00100-99999")
    assert huge.codes == ("00100", "99999")


def test_restriction_text_stops_at_the_clause_end():
    # the code after the closing parenthesis is not part of the restriction
    (found,) = exclusions_in("per diem (do not use with S9330) see also S9331")
    assert found.codes == ("S9330",)


def test_category_membership_is_read_without_the_restriction_itself(cms):
    records = [record_from_row(row) for row in cms.values()]
    home_infusion = codes_in_category("home_infusion_per_diem", records)
    per_diem = codes_in_category("per_diem", records)
    assert {"S9325", "S9329", "S9364", "S9494", "S9500", "S9379"} <= set(home_infusion)
    # S9208's own text mentions "home infusion per diem" only inside its restriction
    assert "S9208" not in home_infusion
    assert "S9208" in per_diem
    assert "S9810" not in per_diem  # "per hour (do not use this code with any per diem code)"
    assert set(home_infusion) <= set(per_diem)
    assert descriptor_without_restrictions("x (do not use with S9330) y") == "x () y"
    assert descriptor_without_restrictions(_described(cms, "S9810")).endswith("per hour ()")


def test_unknown_category_is_not_found():
    with pytest.raises(NotFoundError):
        in_category("per_fortnight", "per diem")


def test_to_dict_is_json_ready():
    (found,) = exclusions_in("(do not use this code with s9330 or s9331)")
    assert found.to_dict() == {
        "phrase": "do not use this code with s9330 or s9331",
        "codes": ["S9330", "S9331"],
        "category": None,
        "category_phrase": None,
    }


@given(st.text())
def test_arbitrary_text_never_raises(text):
    found = exclusions_in(text)
    assert all(isinstance(item, Exclusion) for item in found)
    # only ASCII code shapes count as codes (no Unicode digits or case-folded look-alikes)
    assert all(re.fullmatch(r"[A-Z]\d{4}|\d{4}[A-Z]|\d{5}", code, re.ASCII) for item in found for code in item.codes)


@given(st.text(alphabet=st.sampled_from(list("do not use with any per diem code S9365-0583T through,;()."))))
def test_restriction_like_noise_never_raises(text):
    for item in exclusions_in(text):
        assert item.codes or item.category
        assert all(re.fullmatch(r"[A-Z]\d{4}|\d{4}[A-Z]|\d{5}", code) for code in item.codes)


code_strategy = st.builds(lambda letter, n: f"{letter}{n:04d}", st.sampled_from("AEGJKLQS"), st.integers(0, 9999))


@given(codes=st.lists(code_strategy, min_size=1, max_size=5, unique=True), lower=st.booleans())
def test_written_code_lists_come_back_exactly(codes, lower):
    listed = ", ".join(codes[:-1]) + (f" or {codes[-1]}" if len(codes) > 1 else codes[-1])
    text = f"Per diem (do not use this code with {listed.lower() if lower else listed})"
    (found,) = exclusions_in(text)
    assert found.codes == tuple(codes)
