"""Messages a biller reads: files are told apart by content, JSON problems say where in plain words, and no
message names a Python class or parameter."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from hhbill._errors import ClaimInputError, ConfigError, X12Error
from hhbill._input_files import claim_file_kind
from hhbill.claims import build_claim, load_claim_input
from hhbill.x12 import WriterSettings, claims_to_x12, load_writer_settings, read_claims

STATIC = Path(__file__).resolve().parent.parent / "src" / "hhbill" / "static"
PYTHON_WORDS = re.compile(r"WriterSettings|encoding=|latin-1|facts\[|\bstr\b|\bint\b|Expecting|\(file\)|\(input\)")


def _plain(message: str) -> None:
    assert not PYTHON_WORDS.search(message), message


# --- file kind by content ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("claim.txt", b'{"type_of_bill": "0329"}', "json"),
        ("claim.json", b"\xef\xbb\xbf  \n{}", "json"),
        ("batch.json", b"ISA*00*          *00*", "x12"),
        ("batch", b"\r\n  ISA*00*", "x12"),
        ("utf16.837", "\ufeffISA*00*".encode("utf-16-le"), "x12"),
    ],
)
def test_the_kind_of_a_file_is_its_content_not_its_name(tmp_path: Path, name: str, content: bytes, kind: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert claim_file_kind(path) == kind


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "is empty"),
        (b"  \n\t ", "is empty (it holds only white space)"),
        (b"hello", "is not an 837I or claim JSON file"),
        (b"[1, 2]", "is not an 837I or claim JSON file"),
        (b"GS*HC*X", "is not an 837I or claim JSON file"),
    ],
)
def test_empty_and_other_files_are_named_for_what_they_are(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "claim.json"
    path.write_bytes(content)
    with pytest.raises(ClaimInputError) as raised:
        claim_file_kind(path)
    assert str(path) in raised.value.message and expected in raised.value.message
    _plain(str(raised.value))


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ClaimInputError, match=r"cannot read .*missing\.json"):
        claim_file_kind(tmp_path / "missing.json")
    with pytest.raises(ClaimInputError, match="is a folder"):
        claim_file_kind(tmp_path)


# --- JSON problems ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"type_of_bill": "0329"\n "from": "2026-03-02"}', "line 2, column 2: a comma is missing between two values"),
        ('{"type_of_bill": "0329",}', "a field name in double quotes is expected here"),
        ('{"type_of_bill": }', "line 1, column 18: a value is expected here"),
        ('{"type_of_bill": "0329"} x', "there is more after the end of the JSON object"),
        ('{"remarks": "a\tb"}', "a text value holds a tab or line break"),
    ],
)
def test_broken_json_says_where_in_plain_words(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "period.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ClaimInputError) as raised:
        load_claim_input(path)
    message = str(raised.value)
    assert message.startswith(f"file {path}") and expected in message, message
    assert raised.value.location["file"] == str(path)
    _plain(message)


@pytest.mark.parametrize("cut", ["half", "after a comma", "inside a text value"])
def test_a_cut_off_file_is_called_incomplete_not_pointed_past_its_end(tmp_path: Path, cut: str) -> None:
    full = (STATIC / "example_period.json").read_text()
    end = {
        "half": len(full) // 2,
        "after a comma": full.index('"through"'),
        "inside a text value": full.index("Riverbend") + 4,
    }[cut]
    path = tmp_path / "period.json"
    path.write_text(full[:end], encoding="utf-8")
    with pytest.raises(ClaimInputError) as raised:
        load_claim_input(path)
    message = str(raised.value)
    last_line = full[:end].rstrip().count("\n") + 1
    assert "stops before it is complete" in message and f"end of line {last_line}" in message, message
    _plain(message)


def test_empty_json_file_and_non_object_input(tmp_path: Path) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text("  \n")
    with pytest.raises(ClaimInputError) as raised:
        load_claim_input(empty)
    assert str(raised.value) == f"file {empty}: the file is empty"
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]")
    with pytest.raises(ClaimInputError) as raised:
        load_claim_input(listed)
    assert "expected a JSON object {...} holding the claim's fields, got a list" in str(raised.value)
    _plain(str(raised.value))


def test_unreadable_and_non_utf8_claim_files_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(ClaimInputError) as raised:
        load_claim_input(tmp_path / "missing.json")
    assert raised.value.location == {"file": str(tmp_path / "missing.json")}
    assert str(raised.value).startswith(f"file {tmp_path / 'missing.json'}: cannot read it")
    latin = tmp_path / "latin.json"
    latin.write_bytes('{"remarks": "caf\u00e9"}'.encode("cp1252"))
    with pytest.raises(ClaimInputError) as raised:
        load_claim_input(latin)
    assert "not UTF-8 text" in str(raised.value) and str(latin) in str(raised.value)


# --- 837I writer and reader: settings named as the user writes them ------------------------------------


def _claim():  # type: ignore[no-untyped-def]
    return build_claim(load_claim_input(STATIC / "example_period.json"))  # type: ignore[arg-type]


def test_missing_payer_id_names_the_settings_file_option() -> None:
    with pytest.raises(ClaimInputError) as raised:
        claims_to_x12(
            [_claim()], WriterSettings(practitioner_names={"1456789019": ("A", "B"), "1678901236": ("C", "D")})
        )
    message = str(raised.value)
    assert "payer_id" in message and "--settings" in message and "--x12-settings" in message
    _plain(message)


def test_missing_submitter_name_names_the_setting_and_the_input_field() -> None:
    claim = _claim()
    claim.billing_provider.name = ""
    settings = load_writer_settings(STATIC / "example_x12_settings.json")
    settings.submitter_name = ""
    with pytest.raises(ClaimInputError) as raised:
        claims_to_x12([claim], settings)
    message = str(raised.value)
    assert "submitter_name" in message and "provider.name" in message
    _plain(message)


def test_unnamed_practitioner_names_the_practitioner_names_setting() -> None:
    settings = load_writer_settings(STATIC / "example_x12_settings.json")
    settings.practitioner_names = {}
    with pytest.raises(ClaimInputError) as raised:
        claims_to_x12([_claim()], settings)
    message = raised.value.message
    assert "practitioner_names" in message and "1456789019" in message
    _plain(message)


def test_non_utf8_837i_says_how_to_save_it() -> None:
    text = claims_to_x12([_claim()], load_writer_settings(STATIC / "example_x12_settings.json"))
    import io

    data = text.encode().replace(b"Testpatient", b"Test\xff\xfepatient")
    with pytest.raises(X12Error) as raised:
        list(read_claims(io.BytesIO(data)))
    assert "save it as UTF-8 or ASCII" in raised.value.message
    _plain(raised.value.message)


@pytest.mark.parametrize(("value", "kind"), [(5, "must be text, not a whole number"), ("x", "must be a whole number")])
def test_writer_settings_types_are_named_as_json_kinds(tmp_path: Path, value: object, kind: str) -> None:
    path = tmp_path / "settings.json"
    key = "payer_id" if kind.startswith("must be text") else "interchange_control_number"
    path.write_text(json.dumps({key: value}))
    with pytest.raises(ConfigError) as raised:
        load_writer_settings(path)
    assert kind in raised.value.message
    _plain(raised.value.message)
