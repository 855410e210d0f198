"""Hostile and broken input, per input path: property tests (hypothesis) and the fuzzers' regression tests.

The invariant (docs/RELIABILITY.md): every input ends in a result or in hhbill's own documented error
(:class:`hhbill.HhbillError` subclass) carrying a location — never another exception. Where a reader accepts an
input it must also read it *right*: generated valid files round-trip field for field.

The strategies build inputs from the synthetic seeds in ``fuzz/seeds.py`` (the same seeds the atheris fuzzers
start from) and then break them: random cells, bytes, segments and JSON values. Every saved fuzz finding and
every corpus file is replayed here too, so a bug the fuzzer found stays fixed.
"""

from __future__ import annotations

import importlib.util
import io
import json
import string
import zipfile
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from hhbill._errors import ClaimInputError, HhbillError, ImportFormatError, X12Error
from hhbill.hcpcs import read_notes, read_txt, read_xlsx
from hhbill.rvu._readers import SourceFile, parse_source

REPO = Path(__file__).resolve().parent.parent
FUZZ = REPO / "fuzz"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"hhbill_fuzz_{name}", FUZZ / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


seeds = _load("seeds")
targets = _load("targets")

PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# cp1252 text a CMS descriptor could hold (no control characters; the TXT reader splits on line breaks)
DESCRIPTOR = st.text(alphabet=string.ascii_letters + string.digits + " ,.;:()/-'&%+éñ", min_size=1, max_size=80).filter(
    lambda s: s.strip() != ""
)


class _KnownOpen:
    """Exceptions of a known open finding (``targets.KNOWN_OPEN``, each with its strict-xfail test below) pass;
    anything else propagates. Without this, one reported bug would hide every other input in a property."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type | None, exc: BaseException | None, tb: object) -> bool:
        if exc is None or isinstance(exc, (HhbillError, AssertionError)) or not isinstance(exc, Exception):
            return False
        return targets.signature(exc) in targets.KNOWN_OPEN


known_open = _KnownOpen()


def _located(exc: HhbillError, *keys: str) -> None:
    assert exc.message
    assert any(k in exc.location for k in keys), f"{type(exc).__name__} lacks {keys}: {exc.location}"


# -- HCPCS TXT -------------------------------------------------------------------------------------------------------
HCPCS_CODE = st.from_regex(r"[A-Z][0-9]{4}", fullmatch=True)
ISO_DAY = st.dates(min_value=date(1980, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def hcpcs_records(draw: st.DrawFn) -> list[dict[str, Any]]:
    codes = draw(st.lists(HCPCS_CODE, min_size=1, max_size=6, unique=True))
    return [
        {
            "code": code,
            "long": " ".join(draw(DESCRIPTOR).split()),
            "short": " ".join(draw(DESCRIPTOR).split())[:28].strip() or "x",
            "added": draw(ISO_DAY),
            "term": draw(st.none() | ISO_DAY),
            "units": draw(st.none() | st.integers(0, 999)),
        }
        for code in codes
    ]


def _txt(records: list[dict[str, Any]]) -> bytes:
    lines = []
    for i, r in enumerate(records):
        extra = {"added": r["added"].strftime("%Y%m%d"), "action": "N"}
        if r["term"] is not None:
            extra["term"] = r["term"].strftime("%Y%m%d")
        if r["units"] is not None:
            extra["units"] = str(r["units"]).rjust(3)
        lines.append(seeds.hcpcs_line(r["code"], f"{i + 1:04d}0", "3", r["long"], r["short"], **extra))
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


@PROPERTY
@given(hcpcs_records())
def test_hcpcs_txt_reads_back_what_was_written(records: list[dict[str, Any]]) -> None:
    read, _ = read_txt(_txt(records), file="HCPC2026_JAN_gen.txt")
    assert [r.code for r in read] == [r["code"] for r in records]
    for got, want in zip(read, records, strict=True):
        assert got.long_description == want["long"].strip()
        assert got.short_description == " ".join(want["short"].split())
        assert got.added_date == want["added"].isoformat()
        assert got.termination_date == (want["term"].isoformat() if want["term"] else None)
        assert got.anesthesia_base_units == want["units"]


@PROPERTY
@given(hcpcs_records(), st.data())
def test_hcpcs_txt_damaged_bytes_end_in_a_located_error_or_a_result(records: list[dict[str, Any]], data) -> None:
    raw = bytearray(_txt(records))
    for _ in range(data.draw(st.integers(1, 8))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    try:
        with known_open:
            read_txt(bytes(raw), file="HCPC2026_JAN_damaged.txt")
    except ImportFormatError as exc:
        _located(exc, "line")
        assert exc.location["file"] == "HCPC2026_JAN_damaged.txt"


@PROPERTY
@given(st.binary(max_size=2000))
def test_hcpcs_notes_any_bytes(raw: bytes) -> None:
    try:
        notes = read_notes(raw, file="proc_notes.txt")
    except ImportFormatError as exc:
        _located(exc, "file")
    else:
        assert notes and all(len(k) == 4 and k.isdigit() for k in notes)


# -- HCPCS XLSX ------------------------------------------------------------------------------------------------------
CELL = st.one_of(
    st.text(max_size=30), st.floats(allow_nan=True, allow_infinity=True), st.integers(-(10**6), 10**9).map(float)
)


@PROPERTY
@given(st.lists(st.lists(CELL, max_size=14), max_size=6), st.booleans())
def test_hcpcs_xlsx_random_rows_under_a_real_header(rows: list[list[Any]], keep_header: bool) -> None:
    header = [
        "HCPC",
        "SEQNUM",
        "RECID",
        "LONG DESCRIPTION",
        "SHORT DESCRIPTION",
        "PRICE1",
        "COV",
        "ANEST_BU",
        "ADD DT",
        "ACT EFF DT",
        "TERM DT",
        "ACTION CD",
        "PROCNOTE",
        "XREF1",
    ]
    clean = [[c if isinstance(c, float) else "".join(ch for ch in c if ch.isprintable()) for c in r] for r in rows]
    book = seeds.xlsx(([header] if keep_header else []) + clean)
    records = None
    try:
        with known_open:
            records, _ = read_xlsx(book, file="HCPC2026_JAN_gen.xlsx")
    except ImportFormatError as exc:
        _located(exc, "line")
    assert records is None or all(r.kind in ("procedure", "modifier") for r in records)


# -- fee schedule -----------------------------------------------------------------------------------------------------
NUMBERISH = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.from_regex(r"-?[0-9]{0,40}(\.[0-9]{0,6})?([eE][+-]?[0-9]{1,6})?", fullmatch=True),
    st.text(max_size=8),
)


@PROPERTY
@given(st.integers(5, 30), NUMBERISH)
def test_rvu_pprrvu_any_number_in_any_numeric_column(column: int, value: str) -> None:
    assume("," not in value and '"' not in value and "\r" not in value and "\n" not in value)
    rows = seeds.pprrvu_csv().decode().split("\r\n")
    cells = rows[4].split(",")
    cells[column] = value
    rows[4] = ",".join(cells)
    source = SourceFile("PPRRVU2026_JAN.csv", "PPRRVU2026_JAN.csv", "\r\n".join(rows).encode(), 2026, "A")
    parsed = None
    try:
        with known_open:
            parsed = parse_source(source, "pprrvu")
    except ImportFormatError as exc:
        _located(exc, "line", "field")
    assert parsed is None or len(parsed.rows) == 3


@PROPERTY
@given(
    st.lists(
        st.tuples(st.from_regex(r"[A-Z]{2}", fullmatch=True), st.integers(0, 99999)),
        min_size=1,
        max_size=20,
        unique_by=lambda t: t[1],
    ),
    st.integers(1, 4),
)
def test_rvu_zip5_reads_back_what_was_written(entries: list[tuple[str, int]], quarter: int) -> None:
    lines = [f"{state}{zip_code:05d}1011200  ".ljust(75) + f"2025{quarter}" for state, zip_code in entries]
    parsed = parse_source(SourceFile("ZIP5.txt", "ZIP5.txt", "\r\n".join(lines).encode()), "zip5")
    assert [(r[1], r[0]) for r in parsed.rows] == [(s, f"{z:05d}") for s, z in entries]
    assert (parsed.year, parsed.quarter) == (2025, "ABCD"[quarter - 1])


# -- X12 837I ----------------------------------------------------------------------------------------------------------
SEGMENTS = [s for s in seeds.X12_837I.split("~\n") if s]
ELEMENT_TEXT = st.text(alphabet=string.printable + "ÿé", max_size=12)


@st.composite
def damaged_837i(draw: st.DrawFn) -> str:
    segments = list(SEGMENTS)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(1, len(segments) - 1))  # keep the ISA: its breakage has its own tests
        action = draw(st.sampled_from(["drop", "repeat", "swap", "element"]))
        if action == "drop":
            del segments[i]
        elif action == "repeat":
            segments.insert(i, segments[i])
        elif action == "swap" and i + 1 < len(segments):
            segments[i], segments[i + 1] = segments[i + 1], segments[i]
        elif action == "element":
            parts = segments[i].split("*")
            j = draw(st.integers(1, max(1, len(parts))))
            parts[min(j, len(parts) - 1) if len(parts) > 1 else 0] = draw(ELEMENT_TEXT)
            segments[i] = "*".join(parts)
        if not segments[1:]:
            break
    return "~\n".join(segments) + "~\n"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged_837i(), st.booleans())
def test_x12_damaged_837i_ends_in_claims_or_a_located_x12_error(text: str, strict: bool) -> None:
    from hhbill.claims import claim_to_dict
    from hhbill.x12 import X12Reader

    try:
        with known_open:
            for parsed in X12Reader(io.BytesIO(text.encode("utf-8")), strict=strict, file_name="gen.837"):
                claim_to_dict(parsed.claim)
    except X12Error as exc:
        _located(exc, "segment_number")


def test_x12_written_claims_read_back() -> None:
    from hhbill.x12 import read_claims

    claims = list(read_claims(io.StringIO(seeds.X12_837I)))
    assert len(claims) == 1
    claim = claims[0].claim
    assert claim.patient.mbi == "1EG4TE5MK01" and claim.type_of_bill == "0329"
    assert [line.hcpcs for line in claim.lines] == ["1FC21", "G0299", "G0151"]


# -- claim JSON / CSV --------------------------------------------------------------------------------------------------
JSON_VALUE = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(["2026-02-30", "1e999", "-1", "０１", "²", "NaN", "9" * 30]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


def _replace(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy = json.loads(json.dumps(document))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copy


@pytest.fixture(scope="module")
def check_context(tmp_path_factory: pytest.TempPathFactory):
    from hhbill._store import Store
    from hhbill.claims._service import context_for_store

    store = Store(tmp_path_factory.mktemp("claims") / "hhbill.db")
    return context_for_store(store, today=date(2026, 4, 15))


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from([seeds.PERIOD, seeds.CLAIM_LINES]), st.data())
def test_claim_json_any_value_anywhere(check_context, document: dict[str, Any], data) -> None:
    from hhbill.claims import check_input, claim_to_dict

    path = data.draw(st.sampled_from(_paths(document)))
    broken = _replace(document, path, data.draw(JSON_VALUE))
    try:
        with known_open:
            claim, result = check_input(broken, check_context)
            claim_to_dict(claim)
            assert all(f.severity for f in result.findings)
    except ClaimInputError as exc:
        _located(exc, "field", "line")


@PROPERTY
@given(
    st.lists(
        st.lists(st.text(alphabet=string.printable.replace("\x0b", ""), max_size=12), min_size=4, max_size=8),
        max_size=6,
    )
)
def test_claim_visit_csv_any_rows(rows: list[list[str]]) -> None:
    from hhbill.claims import build_claim, parse_claim_input

    text = "date,discipline,role,minutes,service,charge\r\n" + "\r\n".join(
        ",".join('"' + c.replace('"', '""') + '"' for c in r) for r in rows
    )
    header = {k: v for k, v in seeds.PERIOD.items() if k != "visits"}
    try:
        with known_open:
            build_claim(parse_claim_input(header, visits_csv=text))
    except ClaimInputError as exc:
        _located(exc, "field", "line")


# -- search ------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def search_store():
    """The embedded default release with its search tables built (shared with the fuzz target, built once)."""
    from hhbill._store import Store

    return Store(targets.prepared_search_db())


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=300) | st.sampled_from(seeds.SEARCH_QUERIES), st.integers(1, 60))
def test_search_any_text_is_safe_and_bounded(search_store, query: str, limit: int) -> None:
    from hhbill.search import search, suggest

    first = search(search_store, query, as_of="2026-02-01", limit=limit)
    assert len(first.results) <= limit
    assert [r.code for r in search(search_store, query, as_of="2026-02-01", limit=limit).results] == [
        r.code for r in first.results
    ]
    assert len(suggest(search_store, query, as_of="2026-02-01").results) <= 8
    # the store is untouched by whatever the query held
    assert search_store.execute("PRAGMA quick_check").fetchone()[0] == "ok"


# -- replay: the corpus and every saved finding -----------------------------------------------------------------------
def _replay_cases() -> list[Any]:
    cases = []
    for folder in sorted((FUZZ / "corpus").iterdir()) + sorted((FUZZ / "findings").glob("*")):
        if not folder.is_dir():
            continue
        for file in sorted(folder.iterdir()):
            if file.suffix == ".log" or file.name.startswith("."):
                continue
            cases.append(pytest.param(folder.name, file, id=f"{folder.parent.name}/{folder.name}/{file.name}"))
    return cases


@pytest.mark.parametrize(("target", "file"), _replay_cases())
def test_replay_corpus_and_findings(target: str, file: Path) -> None:
    """Seeds must pass; a saved finding must pass once fixed, and until then be a known open one (xfail)."""
    try:
        targets.TARGETS[target](file.read_bytes())
    except Exception as exc:
        key = targets.signature(exc)
        if "findings" in file.parts and key in targets.KNOWN_OPEN:
            pytest.xfail(f"known open finding {key}: {targets.KNOWN_OPEN[key]}")
        raise


# -- regression tests for findings (fuzzer and review); strict xfail: the fix belongs to another module ---------------
def _open(reason: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=reason)


def test_hcpcs_txt_unicode_digit_in_units() -> None:
    line = seeds.hcpcs_line("A0021", "00010", "3", "Made-up ambulance", "Amb", units="²")
    with pytest.raises(ImportFormatError) as err:
        read_txt((line + "\r\n").encode("cp1252"), file="HCPC2026_JAN.txt")
    assert err.value.location == {"file": "HCPC2026_JAN.txt", "line": 1, "field": "anesthesia_base_units"}


@pytest.mark.parametrize("finding", sorted(p.name for p in (FUZZ / "findings" / "hcpcs_zip").glob("crash-*")))
def test_hcpcs_zip_damaged(tmp_path: Path, finding: str) -> None:
    from hhbill.hcpcs import read_release

    path = tmp_path / "january-2026-alpha-numeric-hcpcs-file.zip"
    path.write_bytes((FUZZ / "findings" / "hcpcs_zip" / finding).read_bytes())
    with pytest.raises(ImportFormatError) as err:
        read_release(path)
    assert err.value.location["file"] == path.name


@pytest.mark.parametrize("finding", sorted(p.name for p in (FUZZ / "findings" / "rvu_release_zip").glob("crash-*")))
def test_rvu_release_zip_damaged(tmp_path: Path, finding: str) -> None:
    from hhbill._store import Store
    from hhbill.rvu import import_fee_schedule

    path = tmp_path / "RVU26A.zip"
    path.write_bytes((FUZZ / "findings" / "rvu_release_zip" / finding).read_bytes())
    with Store(tmp_path / "hhbill.db") as store, pytest.raises(ImportFormatError) as err:
        import_fee_schedule(store, path)
    assert err.value.location["file"] == str(path)


def _zip_declaring_huge_member(name: str, content: bytes) -> bytes:
    """A small zip whose member says it unpacks to ~4 GB (local header and central directory agree): what a zip
    bomb looks like before it is read. (A real one — 600 MB of zeros in a 600 KB zip — took the HCPCS reader to
    1.2 GB of memory when measured by hand; too slow to build in every test run.)"""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, content)
    data = bytearray(out.getvalue())
    huge = (0xFFFFFFF0).to_bytes(4, "little")
    local = data.find(b"PK\x03\x04")
    data[local + 22 : local + 26] = huge
    central = data.find(b"PK\x01\x02")
    data[central + 24 : central + 28] = huge
    return bytes(data)


@pytest.mark.parametrize("kind", ["hcpcs", "rvu"])
def test_zip_member_declaring_gigabytes_is_refused_before_reading(tmp_path: Path, kind: str) -> None:
    from hhbill._store import Store
    from hhbill.hcpcs import read_release
    from hhbill.rvu import import_fee_schedule

    if kind == "hcpcs":
        path = tmp_path / "january-2026-alpha-numeric-hcpcs-file.zip"
        path.write_bytes(_zip_declaring_huge_member("HCPC2026_JAN_ANWEB.txt", seeds.hcpcs_txt()))
        with pytest.raises(ImportFormatError, match=r"(?i)large|size|GB|MB"):
            read_release(path)
    else:
        path = tmp_path / "RVU26A.zip"
        path.write_bytes(_zip_declaring_huge_member("PPRRVU26_JAN.csv", seeds.pprrvu_csv()))
        with Store(tmp_path / "hhbill.db") as store, pytest.raises(ImportFormatError, match=r"(?i)large|size|GB|MB"):
            import_fee_schedule(store, path)


def test_rvu_number_too_large() -> None:
    data = seeds.pprrvu_csv().replace(b",0.45,", b",1e30,", 1)
    with pytest.raises(ImportFormatError) as err:
        parse_source(SourceFile("PPRRVU2026_JAN.csv", "PPRRVU2026_JAN.csv", data), "pprrvu")
    assert err.value.location["field"] == "WORK RVU"


def test_rvu_csv_carriage_return_in_field() -> None:
    data = seeds.gpci_csv().replace(b"ALABAMA", b"ALA\rBAMA")
    with pytest.raises(ImportFormatError) as err:
        parse_source(SourceFile("GPCI2026.csv", "GPCI2026.csv", data), "gpci")
    assert "line" in err.value.location


# found by the claim_json/claim_csv fuzzers; fixed in claims/_input.py — kept as regression tests
def test_claim_input_not_utf8(tmp_path: Path) -> None:
    from hhbill.claims import load_claim_input

    path = tmp_path / "claim.json"
    path.write_bytes(json.dumps(seeds.PERIOD).replace("Ada", "Ad\u00e9").encode("cp1252"))
    with pytest.raises(ClaimInputError) as err:
        load_claim_input(path)
    assert err.value.location
    visits = tmp_path / "visits.csv"
    visits.write_bytes(seeds.VISITS_CSV.replace("home", "h\u00f4me").encode("cp1252"))
    path.write_text(json.dumps({k: v for k, v in seeds.PERIOD.items() if k != "visits"}))
    with pytest.raises(ClaimInputError) as err:
        load_claim_input(path, visits_csv=visits)
    assert err.value.location


def test_claim_json_too_deep(tmp_path: Path) -> None:
    from hhbill.claims import load_claim_input

    path = tmp_path / "claim.json"
    path.write_bytes(b"[" * 100_000)
    with pytest.raises(ClaimInputError) as err:
        load_claim_input(path)
    assert err.value.location


def test_claim_json_huge_integer(tmp_path: Path) -> None:
    from hhbill.claims import load_claim_input

    path = tmp_path / "claim.json"
    path.write_bytes(json.dumps(seeds.PERIOD).replace('"minutes": 60', '"minutes": 1' + "0" * 5000).encode())
    with pytest.raises(ClaimInputError) as err:
        load_claim_input(path)
    assert err.value.location


def test_claim_amount_too_large(check_context) -> None:
    from hhbill.claims import check_input

    visits = [{**seeds.PERIOD["visits"][0], "charge": "1e999"}]
    with pytest.raises(ClaimInputError) as err:
        check_input({**seeds.PERIOD, "visits": visits}, check_context)
    assert err.value.location["field"] == "visits[0].charge"


def test_claim_unicode_digit_minutes(check_context) -> None:
    from hhbill.claims import check_input

    visits = [{**seeds.PERIOD["visits"][0], "minutes": "²"}]
    with pytest.raises(ClaimInputError) as err:
        check_input({**seeds.PERIOD, "visits": visits}, check_context)
    assert err.value.location["field"] == "visits[0].minutes"
