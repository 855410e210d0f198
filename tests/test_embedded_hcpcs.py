"""The embedded default release is authored data; every field it states must match the real CMS January 2026 file."""

from __future__ import annotations

import re

import pytest

from _cms_hcpcs_xlsx import JAN_2026_XLSX, cms_rows, record_from_row
from conftest import shared_path
from hhbill._errors import ConfigError, NotFoundError
from hhbill.hcpcs._embedded import _record_from, embedded_release
from hhbill.hcpcs._record import FIELDS


def _codes(prefix: str, first: int, last: int) -> list[str]:
    return [f"{prefix}{n:04d}" for n in range(first, last + 1)]


#: what the brief asks the embedded release to carry (when CMS's January 2026 file has the code)
WANTED = [
    *_codes("G", 151, 162),
    "G0299",
    "G0300",
    "G0154",
    "G0163",
    "G0164",
    *_codes("G", 493, 496),
    *_codes("G", 320, 322),
    *_codes("Q", 5001, 5010),
    *_codes("G", 68, 70),
    *_codes("G", 88, 90),
    *_codes("S", 9325, 9379),
    *_codes("S", 9490, 9504),
    *_codes("S", 9208, 9214),
    "S9810",
    "S9123",
    "S9124",
    *_codes("G", 8978, 8999),
    *_codes("G", 9158, 9176),
    "G9186",
    "CH",
    "CI",
    "CJ",
    "CK",
    "CL",
    "CM",
    "CN",
    "GN",
    "GO",
    "GP",
    "KX",
    "CQ",
    "CO",
    "GT",
    "SD",
    "95",
    "GY",
    "GA",
    "GZ",
    "JB",
    "59",
]


@pytest.fixture(scope="module")
def cms():
    return cms_rows(shared_path(JAN_2026_XLSX))


def test_release_metadata_names_the_cms_release():
    release = embedded_release()
    assert release.metadata["effective_date"] == "2026-01-01"
    assert "January 2026" in release.metadata["label"]
    assert "CMS HCPCS Level II, January 2026 quarterly release, effective 2026-01-01" in release.metadata["source"]


def test_every_stated_field_matches_the_cms_file(cms):
    release = embedded_release()
    assert set(release.complete_fields) <= set(FIELDS)
    mismatches = []
    for record in release.records:
        assert record.code in cms, f"{record.code} is not in the CMS January 2026 file"
        expected = record_from_row(cms[record.code])
        for name in release.complete_fields:
            ours, theirs = getattr(record, name), getattr(expected, name)
            if ours != theirs:
                mismatches.append(f"{record.code}.{name}: embedded {ours!r} != CMS {theirs!r}")
    assert not mismatches, "\n".join(mismatches)


def test_carries_every_wanted_code_the_cms_file_has_and_only_those_missing_are_left_out(cms):
    embedded = {record.code for record in embedded_release().records}
    for code in WANTED:
        if code in cms:
            assert code in embedded, f"{code} is in the CMS file but not embedded"
        else:
            assert code not in embedded
    # the omissions the JSON documents really are absent from CMS's Level II file
    for absent in ("59", "95", "S9210", "S9498", "S9499"):
        assert absent not in cms


def test_old_nursing_codes_are_carried_with_their_termination_dates():
    release = embedded_release()
    assert release.record("G0154").termination_date == "2016-02-29"
    assert release.record("G0163").termination_date == "2016-12-31"
    assert release.record("G0164").termination_date == "2016-12-31"
    assert release.record("G0299").termination_date is None


def test_no_hipps_codes_and_kinds_follow_code_shape():
    for record in embedded_release().records:
        assert re.fullmatch(r"[A-Z]\d{4}", record.code) or re.fullmatch(r"[A-Z0-9]{2}", record.code)
        assert record.kind == ("modifier" if len(record.code) == 2 else "procedure")


def _cms_note_texts() -> dict[str, str]:
    text = shared_path("data/hcpcs/2026_jan/proc_notes_JAN2026.txt").read_text(encoding="latin-1")
    notes: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        line = line.replace("*", " ").strip()
        found = re.match(r"^(\d{4})--(.*)$", line)
        if found:
            current = found[1]
            notes[current] = [found[2]]
        elif current and line:
            notes[current].append(line)
    return {number: " ".join(" ".join(parts).split()) for number, parts in notes.items()}


def test_processing_notes_match_cms_text_and_cover_every_referenced_note():
    release = embedded_release()
    cms_notes = _cms_note_texts()
    assert {"0082", "0088", "0133"} <= set(release.notes)
    for number, text in release.notes.items():
        assert " ".join(text.split()).lower() == cms_notes[number].lower(), number
    referenced = {record.processing_note for record in release.records if record.processing_note}
    assert referenced <= set(release.notes)


def test_lookup_of_a_code_not_embedded_raises_not_found():
    with pytest.raises(NotFoundError):
        embedded_release().record("A0021")


def test_malformed_record_objects_are_config_errors():
    with pytest.raises(ConfigError):
        _record_from(
            {"code": "G0151", "kind": "procedure", "long_description": "x", "short_description": "x", "price": ["00"]},
            0,
        )
    with pytest.raises(ConfigError):
        _record_from({"code": "G0151"}, 1)
    with pytest.raises(ConfigError):
        _record_from(["G0151"], 2)
