"""Value tables: our authored JSON must say what the CMS 2026 record layout says, and decoding never guesses."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import shared_path
from hhbill._errors import NotFoundError
from hhbill.hcpcs._values import (
    UNKNOWN_MEANING,
    decode,
    decode_all,
    exclusion_categories,
    meaning,
    table_names,
    value_table,
)

LAYOUT = "data/hcpcs/2026_jan/HCPC2026_recordlayout.txt"

#: record layout field number -> our table name
FIELD_TABLES = {
    6: "record_identification",
    9: "pricing_indicator",
    10: "multiple_pricing_indicator",
    14: "lab_certification",
    16: "coverage",
    19: "mog_payment_group",
    20: "mog_payment_policy_indicator",
    30: "action",
}
_ENTRY = re.compile(r"^(?P<indent>\s*)(?P<code>[0-9A-Z]{1,3})\s*=\s*(?P<text>\S.*)$")


def _entries(lines: list[str]) -> dict[str, str]:
    """'CODE = text' entries of a layout code list; deeper-indented lines continue the previous entry."""
    entries: dict[str, str] = {}
    current, indent = None, 0
    for line in lines:
        found = _ENTRY.match(line)
        if found:
            current, indent = found["code"], len(found["indent"])
            entries[current] = found["text"]
        elif current and line.strip() and len(line) - len(line.lstrip()) > indent:
            entries[current] += " " + line.strip()
        else:
            current = None
    return entries


def _normal(text: str) -> str:
    """Compare wording, not typography: CMS prints 'e.G.', 'part b', 'rvu's' and line-wraps freely."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


@pytest.fixture(scope="module")
def layout_tables() -> dict[str, dict[str, str]]:
    lines = shared_path(LAYOUT).read_text(encoding="latin-1").expandtabs(8).splitlines()
    starts = {int(m[1]): i for i, line in enumerate(lines) if (m := re.match(r"^\s{2}(\d+)\.\s+\S", line))}
    appendix = next(i for i, line in enumerate(lines) if "TABLE OF CODES APPENDIX" in line)
    tables = {}
    for number, table in FIELD_TABLES.items():
        end = starts.get(number + 1, appendix)
        section = lines[starts[number] : end]
        codes_at = next(i for i, line in enumerate(section) if line.strip().startswith("CODES"))
        tables[table] = _entries(section[codes_at + 1 :])
    betos_at = next(i for i, line in enumerate(lines) if line.strip().startswith("BETOS_TB"))
    tos_at = next(i for i, line in enumerate(lines) if line.strip().startswith("CMS_TYPE_SRVC_TB"))
    tables["betos"] = _entries(lines[betos_at + 1 : tos_at])
    tables["type_of_service"] = _entries(lines[tos_at + 1 :])
    return tables


@pytest.mark.parametrize("table", [*FIELD_TABLES.values(), "betos", "type_of_service"])
def test_table_says_what_the_cms_layout_says(layout_tables, table):
    cms = layout_tables[table]
    ours = value_table(table)["values"]
    assert len(cms) >= 4, f"layout parse found too few {table} values: {cms}"
    assert set(ours) == set(cms)
    for code, text in cms.items():
        assert _normal(ours[code]["meaning"]) == _normal(text), code


def test_mog_group_table_is_complete_enough_to_matter(layout_tables):
    # the layout's MOG list has ~95 groups; a partial transcription would silently decode groups as unknown
    assert len(value_table("mog_payment_group")["values"]) == len(layout_tables["mog_payment_group"]) > 90


def test_every_table_names_its_source_and_every_value_has_a_meaning():
    for name in table_names():
        table = value_table(name)
        assert table["source"] and table["title"]
        assert all(entry["meaning"].strip() for entry in table["values"].values())


def test_known_meanings_match_the_reference_pages():
    assert meaning("pricing_indicator", "13").startswith("Price established by carriers (e.g., not otherwise")
    assert meaning("multiple_pricing_indicator", "A") == "Not applicable as HCPCS priced under one methodology"
    assert meaning("coverage", "C") == "Carrier judgment"
    assert meaning("coverage", "I") == "Not payable by Medicare"
    assert meaning("betos", "Z2") == "Undefined codes"
    assert meaning("type_of_service", "1") == "Medical care"
    assert meaning("type_of_service", "9") == "Other medical items or services"
    assert meaning("action", "N") == "No maintenance for this code"


def test_pricing_indicator_carries_its_fee_schedule_group_and_dates():
    assert decode("pricing_indicator", "13")["group"].startswith("Physician Fee Schedule")
    assert decode("pricing_indicator", "40")["effective"] == "2024-01-01"
    assert decode("type_of_service", "B")["obsolete"] == "1998-01-01"


def test_betos_lymphedema_code_is_accepted_with_letter_o_or_digit_zero():
    assert meaning("betos", "O1L") == meaning("betos", "01L") == meaning("betos", "o1l")
    assert meaning("betos", "O1L").startswith("Lymphedema")
    assert decode("betos", "01L")["code"] == "01L"  # shown as the record carries it


def test_unknown_values_decode_to_no_meaning_and_blank_fields_to_nothing():
    assert meaning("coverage", "Q") is None
    assert decode("coverage", "Q") == {"code": "Q", "meaning": None}
    assert meaning("type_of_service", "O") is None  # CMS defines no O or X type of service
    assert meaning("coverage", "") is None
    assert decode("coverage", "   ") is None
    assert decode("coverage", None) is None
    assert UNKNOWN_MEANING == "unknown value (not in our tables)"


def test_repeating_fields_drop_blank_occurrences():
    decoded = decode_all("type_of_service", ("1", "", "L", " "))
    assert [item["code"] for item in decoded] == ["1", "L"]
    assert decoded[1]["meaning"].startswith("ESRD supplies")


def test_unknown_table_is_a_not_found_error():
    with pytest.raises(NotFoundError):
        meaning("no_such_table", "1")


def test_exclusion_categories_define_descriptor_phrases():
    categories = exclusion_categories()
    assert categories["per_diem"]["descriptor_contains"] == ["per diem"]
    assert set(categories["home_infusion_per_diem"]["descriptor_contains"]) == {"home infusion", "per diem"}


@given(
    table=st.sampled_from(
        [
            "pricing_indicator",
            "coverage",
            "betos",
            "type_of_service",
            "action",
            "lab_certification",
            "mog_payment_group",
        ]
    ),
    code=st.text(max_size=6),
)
def test_decoding_arbitrary_text_never_raises(table, code):
    found = meaning(table, code)
    assert found is None or isinstance(found, str)
    decoded = decode(table, code)
    assert decoded is None or decoded["code"] == code.strip()
