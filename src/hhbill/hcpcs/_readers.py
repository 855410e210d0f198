"""Readers for the CMS alpha-numeric HCPCS release in each form CMS ships it.

* the fixed-width TXT (320-byte records; RIC 3/7 first lines carry the fields, RIC 4/8 continuation lines carry more
  long-description text; older annual files start with a disclaimer and trim continuation lines),
* the XLSX (and the older XLS) with one row per code,
* the zip that holds them, plus the processing-notes text file.

Readers only read: they return records and warnings and never touch the database, so a file that fails half-way
cannot leave anything behind. Every problem names the file and the line (or row) and, where known, the field.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from .._errors import ImportFormatError
from .._zip import ZIP_ERRORS, read_member
from ._record import HcpcsRecord, Kind

__all__ = [
    "ReleaseFile",
    "effective_date_from_name",
    "read_notes",
    "read_release",
    "read_txt",
    "read_xlsx",
]

Progress = Callable[[int, int], None]

RECORD_WIDTH = 320
_ACTION_CODE_END = 293  # first lines are never trimmed before the action code
_FIRST_LINE = {"3": "procedure", "7": "modifier"}
_CONTINUATION = {"4": "procedure", "8": "modifier"}
_PROCEDURE_CODE = re.compile(r"[A-Z][0-9]{4}")
_MODIFIER_CODE = re.compile(r"[A-Z0-9]{2}")
_MONTHS = {
    "JAN": 1,
    "JANUARY": 1,
    "APR": 4,
    "APRIL": 4,
    "JUL": 7,
    "JULY": 7,
    "OCT": 10,
    "OCTOBER": 10,
}


@dataclass
class ReleaseFile:
    """What a reader found in a release file: the records, the notes, and how to label the release."""

    records: list[HcpcsRecord]
    source_name: str
    source_format: str  # txt | xlsx | xls | zip
    effective_date: date | None
    notes: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


# -- fixed-width TXT --------------------------------------------------------------------------------------------
# (name, first position, last position) 1-based inclusive, from the CMS record layout
# (HCPC2026_recordlayout.txt in the January 2026 release zip)
_SLICES: dict[str, tuple[int, int]] = {
    "code": (1, 5),
    "sequence": (6, 10),
    "ric": (11, 11),
    "long_description": (12, 91),
    "short_description": (92, 119),
    "pricing": (120, 127),
    "multiple_pricing_indicator": (128, 128),
    "cim": (129, 146),
    "mcm": (147, 170),
    "statute": (171, 180),
    "labcert": (181, 204),
    "xref": (205, 229),
    "coverage": (230, 230),
    "asc_group": (231, 232),
    "asc_effective_date": (233, 240),
    "mog_group": (241, 243),
    "mog_policy_indicator": (244, 244),
    "mog_effective_date": (245, 252),
    "processing_note": (253, 256),
    "betos": (257, 259),
    "tos": (261, 265),
    "anesthesia_base_units": (266, 268),
    "added_date": (269, 276),
    "action_effective_date": (277, 284),
    "termination_date": (285, 292),
    "action": (293, 293),
}


def _cut(line: str, name: str) -> str:
    start, end = _SLICES[name]
    return line[start - 1 : end]


def _chunks(value: str, width: int) -> tuple[str, ...]:
    parts = (value[i : i + width].strip() for i in range(0, len(value), width))
    return tuple(p for p in parts if p)


def _iso(value: str, *, file: str, line: int, name: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    if not (len(value) == 8 and value.isascii() and value.isdigit()):
        raise ImportFormatError(f"expected a date YYYYMMDD, found {value!r}", file=file, line=line, field=name)
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:])).isoformat()
    except ValueError:
        raise ImportFormatError(f"not a calendar date: {value!r}", file=file, line=line, field=name) from None


def _units(value: str, *, file: str, line: int) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()):  # "²".isdigit() is true, int("²") is not
        raise ImportFormatError(
            f"expected a number of anesthesia base units, found {value!r}",
            file=file,
            line=line,
            field="anesthesia_base_units",
        )
    return int(value)


def _code_of(raw: str, kind: Kind, *, file: str, line: int) -> str:
    if kind == "modifier":
        code = raw[3:5] if raw[:3].strip() == "" else raw.strip()
        if not _MODIFIER_CODE.fullmatch(code):
            raise ImportFormatError(
                f"expected a 2-character modifier in positions 4-5, found {raw!r}",
                file=file,
                line=line,
                field="code",
            )
        return code
    if not _PROCEDURE_CODE.fullmatch(raw):
        raise ImportFormatError(
            f"expected a HCPCS code (a letter and 4 digits) in positions 1-5, found {raw!r}",
            file=file,
            line=line,
            field="code",
        )
    return raw


def _first_line_record(line: str, kind: Kind, *, file: str, number: int) -> dict[str, Any]:
    line = line.ljust(RECORD_WIDTH)
    code = _code_of(_cut(line, "code"), kind, file=file, line=number)
    kw: dict[str, Any] = {"file": file, "line": number}
    return {
        "code": code,
        "kind": kind,
        # the TXT's 5-digit sequence is the XLSX's 4-digit SEQNUM plus a line-within-record digit
        "sequence": _cut(line, "sequence").strip()[:4],
        "long_parts": [_cut(line, "long_description").strip()],
        "short_description": _cut(line, "short_description").strip(),
        "pricing_indicators": _chunks(_cut(line, "pricing"), 2),
        "multiple_pricing_indicator": _cut(line, "multiple_pricing_indicator").strip(),
        "cim_references": _chunks(_cut(line, "cim"), 6),
        "mcm_references": _chunks(_cut(line, "mcm"), 8),
        "statute": _cut(line, "statute").strip(),
        "lab_certifications": _chunks(_cut(line, "labcert"), 3),
        "cross_references": _chunks(_cut(line, "xref"), 5),
        "coverage": _cut(line, "coverage").strip(),
        "asc_group": _cut(line, "asc_group").strip(),
        "asc_effective_date": _iso(_cut(line, "asc_effective_date"), name="asc_effective_date", **kw),
        "mog_group": _cut(line, "mog_group").strip(),
        "mog_policy_indicator": _cut(line, "mog_policy_indicator").strip(),
        "mog_effective_date": _iso(_cut(line, "mog_effective_date"), name="mog_effective_date", **kw),
        "processing_note": _cut(line, "processing_note").strip(),
        "betos": _cut(line, "betos").strip(),
        "types_of_service": _chunks(_cut(line, "tos"), 1),
        "anesthesia_base_units": _units(_cut(line, "anesthesia_base_units"), **kw),
        "added_date": _iso(_cut(line, "added_date"), name="added_date", **kw),
        "action_effective_date": _iso(_cut(line, "action_effective_date"), name="action_effective_date", **kw),
        "termination_date": _iso(_cut(line, "termination_date"), name="termination_date", **kw),
        "action": _cut(line, "action").strip(),
        "source_line": number,
    }


def _finish(pending: dict[str, Any]) -> HcpcsRecord:
    parts = pending.pop("long_parts")
    # CMS wraps the text at word boundaries; whitespace runs are normalised to one space in every edition
    pending["long_description"] = " ".join(" ".join(parts).split())
    pending["short_description"] = " ".join(pending["short_description"].split())
    return HcpcsRecord(**pending)


def _looks_like_record(line: str) -> bool:
    return len(line) >= 11 and line[5:10].isdigit() and line[10] in "3478"


def _decode(raw: bytes, file: str, warnings: list[str]) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        warnings.append(f"{file} line {line}: bytes that are not Windows-1252 text were read as Latin-1")
        return raw.decode("latin-1")


def _check_padding(line: str, number: int, file: str, warnings: list[str]) -> None:
    """A line longer than the layout: blank padding is tolerated (with a warning), data past the end is not."""
    if line[RECORD_WIDTH:].strip():
        raise ImportFormatError(
            f"record is {len(line)} characters long and has data past position {RECORD_WIDTH}",
            file=file,
            line=number,
        )
    warnings.append(
        f"{file} line {number}: record is {len(line)} characters long (blank padding past "
        f"position {RECORD_WIDTH} ignored)"
    )


def _first_line(line: str, ric: str, file: str, number: int) -> dict[str, Any]:
    """A record's first line (RIC 3 or 7), which must reach the action code."""
    if len(line) < _ACTION_CODE_END:
        raise ImportFormatError(
            f"first line of a record is {len(line)} characters long; it must reach position "
            f"{_ACTION_CODE_END} (the action code) of the {RECORD_WIDTH}-character layout — truncated file?",
            file=file,
            line=number,
        )
    return _first_line_record(line, _FIRST_LINE[ric], file=file, number=number)  # type: ignore[arg-type]


def _add_continuation(pending: dict[str, Any] | None, line: str, ric: str, file: str, number: int) -> None:
    """A continuation line (RIC 4 or 8) adds to the long description of the record it follows."""
    kind = _CONTINUATION[ric]
    code = _code_of(line[:5], kind, file=file, line=number)  # type: ignore[arg-type]
    if pending is None or pending["code"] != code or pending["kind"] != kind:
        raise ImportFormatError(
            f"continuation line for {code} does not follow that code's first line",
            file=file,
            line=number,
            field="record_identification_code",
        )
    pending["long_parts"].append(_cut(line.ljust(RECORD_WIDTH), "long_description").strip())


def read_txt(
    data: bytes, *, file: str = "<txt>", progress: Progress | None = None
) -> tuple[list[HcpcsRecord], list[str]]:
    """Parse the fixed-width TXT release. Returns the records and the warnings (oddities that were tolerated)."""
    warnings: list[str] = []
    text = _decode(data, file, warnings)
    lines = text.splitlines()
    total = len(lines)
    records: list[HcpcsRecord] = []
    pending: dict[str, Any] | None = None
    seen_record = False
    skipped_header = 0
    blank_lines: list[int] = []
    for number, line in enumerate(lines, start=1):
        if progress is not None and number % 2000 == 0:
            progress(number, total)
        if not line.strip():
            blank_lines.append(number)
            continue
        if not _looks_like_record(line):
            if not seen_record:
                skipped_header += 1
                continue
            raise ImportFormatError(
                "not a HCPCS record: positions 6-10 must be the sequence number and position 11 the record "
                f"identification code (3, 4, 7 or 8); found {line[:11]!r}",
                file=file,
                line=number,
                field="record_identification_code",
            )
        seen_record = True
        if len(line) > RECORD_WIDTH:
            _check_padding(line, number, file, warnings)
        ric = line[10]
        if ric in _FIRST_LINE:
            if pending is not None:
                records.append(_finish(pending))
            pending = _first_line(line, ric, file, number)
        else:
            _add_continuation(pending, line, ric, file, number)
    if pending is not None:
        records.append(_finish(pending))
    if not records:
        raise ImportFormatError(
            "no HCPCS records found (is this a CMS alpha-numeric HCPCS TXT file?)", file=file, line=1
        )
    if skipped_header:
        warnings.append(f"{file}: skipped {skipped_header} header line(s) before the first record (disclaimer)")
    if blank_lines:
        shown = ", ".join(str(n) for n in blank_lines[:5])
        warnings.append(f"{file}: ignored {len(blank_lines)} blank line(s) (line {shown})")
    if progress is not None:
        progress(total, total)
    return records, warnings


# -- XLSX / XLS -------------------------------------------------------------------------------------------------
_XLSX_COLUMNS = {
    "HCPC": "code",
    "SEQNUM": "sequence",
    "RECID": "ric",
    "LONG DESCRIPTION": "long_description",
    "SHORT DESCRIPTION": "short_description",
    "MULT_PI": "multiple_pricing_indicator",
    "STATUTE": "statute",
    "COV": "coverage",
    "ASC_GRP": "asc_group",
    "ASC_DT": "asc_effective_date",
    "OPPS": "mog_group",
    "OPPS_PI": "mog_policy_indicator",
    "OPPS_DT": "mog_effective_date",
    "PROCNOTE": "processing_note",
    "BETOS": "betos",
    "ANEST_BU": "anesthesia_base_units",
    "ADD DT": "added_date",
    "ACT EFF DT": "action_effective_date",
    "TERM DT": "termination_date",
    "ACTION CD": "action",
}
_XLSX_REPEATING = {
    "PRICE": ("pricing_indicators", 4),
    "CIM": ("cim_references", 3),
    "MCM": ("mcm_references", 3),
    "LABCERT": ("lab_certifications", 8),
    "XREF": ("cross_references", 5),
    "TOS": ("types_of_service", 5),
}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return value.strftime("%Y%m%d")
    return str(value)


def _header_index(header: list[str]) -> dict[str, int]:
    normal = [h.strip().upper().replace("_", " ") for h in header]
    index: dict[str, int] = {}
    for name in _XLSX_COLUMNS:
        key = name.replace("_", " ")
        if key in normal:
            index[name] = normal.index(key)
    for prefix, (_, count) in _XLSX_REPEATING.items():
        for i in range(1, count + 1):
            key = f"{prefix}{i}"
            if key in normal:
                index[key] = normal.index(key)
    return index


def _sheet_rows(data: bytes, file: str) -> list[list[Any]]:
    """The first sheet's rows of an XLSX/XLS file."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        rows: list[list[Any]] = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own assorted errors for non-spreadsheets
        raise ImportFormatError(f"not a readable spreadsheet ({exc})", file=file, line=1) from None
    return rows


def _xlsx_header(rows: list[list[Any]], file: str, warnings: list[str]) -> tuple[int, dict[str, int]]:
    """The header row's number and its column index; rows above it (a disclaimer) are skipped with a warning."""
    header_row = next((i for i, row in enumerate(rows[:50]) if row and _cell(row[0]).strip().upper() == "HCPC"), None)
    if header_row is None:
        raise ImportFormatError("no header row starting with 'HCPC' in the first 50 rows", file=file, line=1)
    if header_row:
        warnings.append(f"{file}: skipped {header_row} row(s) above the header (disclaimer)")
    index = _header_index([_cell(h) for h in rows[header_row]])
    missing = [c for c in ("HCPC", "RECID", "LONG DESCRIPTION", "SHORT DESCRIPTION") if c not in index]
    if missing:
        raise ImportFormatError(f"missing column(s) {', '.join(missing)}", file=file, line=header_row + 1)
    return header_row, index


def _xlsx_continued(
    previous: HcpcsRecord, cells: list[str], index: dict[str, int], ric: str, *, file: str, number: int
) -> HcpcsRecord:
    """Older XLS editions keep one row per TXT line: a continuation row extends the long description."""
    extra = cells[index["LONG DESCRIPTION"]].strip() if index["LONG DESCRIPTION"] < len(cells) else ""
    if previous.kind != _CONTINUATION[ric] or (cells[index["HCPC"]].strip() != previous.code):
        raise ImportFormatError(
            "continuation row does not follow its code's first row", file=file, line=number, field="RECID"
        )
    return replace(previous, long_description=f"{previous.long_description} {extra}".strip())


def read_xlsx(
    data: bytes, *, file: str = "<xlsx>", progress: Progress | None = None
) -> tuple[list[HcpcsRecord], list[str]]:
    """Parse the XLSX/XLS edition: one row per code, the long description already joined."""
    warnings: list[str] = []
    rows = _sheet_rows(data, file)
    header_row, index = _xlsx_header(rows, file, warnings)
    records: list[HcpcsRecord] = []
    total = len(rows)
    for number, row in enumerate(rows[header_row + 1 :], start=header_row + 2):
        if progress is not None and number % 2000 == 0:
            progress(number, total)
        cells = [_cell(c) for c in row]
        if not any(c.strip() for c in cells):
            continue
        ric = cells[index["RECID"]].strip() if index["RECID"] < len(cells) else ""
        if ric in _CONTINUATION and records:
            records[-1] = _xlsx_continued(records[-1], cells, index, ric, file=file, number=number)
            continue
        records.append(_xlsx_record(cells, index, file=file, number=number))
    if not records:
        raise ImportFormatError("no HCPCS rows below the header", file=file, line=header_row + 2)
    if progress is not None:
        progress(total, total)
    return records, warnings


def _xlsx_record(cells: list[str], index: dict[str, int], *, file: str, number: int) -> HcpcsRecord:
    def get(name: str) -> str:
        i = index.get(name)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    ric = get("RECID")
    if ric not in _FIRST_LINE:
        raise ImportFormatError(
            f"RECID must be 3 (procedure) or 7 (modifier), found {ric!r}", file=file, line=number, field="RECID"
        )
    kind: Kind = _FIRST_LINE[ric]  # type: ignore[assignment]
    raw_code = cells[index["HCPC"]] if index["HCPC"] < len(cells) else ""
    code = _code_of(raw_code.rjust(5) if kind == "modifier" else raw_code.strip(), kind, file=file, line=number)
    kw: dict[str, Any] = {"file": file, "line": number}
    values: dict[str, Any] = {
        "code": code,
        "kind": kind,
        "sequence": get("SEQNUM"),
        "long_description": " ".join(get("LONG DESCRIPTION").split()),
        "short_description": " ".join(get("SHORT DESCRIPTION").split()),
        "multiple_pricing_indicator": get("MULT_PI"),
        "statute": get("STATUTE"),
        "coverage": get("COV"),
        "asc_group": get("ASC_GRP"),
        "asc_effective_date": _iso(get("ASC_DT"), name="ASC_DT", **kw),
        "mog_group": get("OPPS"),
        "mog_policy_indicator": get("OPPS_PI"),
        "mog_effective_date": _iso(get("OPPS_DT"), name="OPPS_DT", **kw),
        "processing_note": get("PROCNOTE"),
        "betos": get("BETOS"),
        "anesthesia_base_units": _units(get("ANEST_BU"), **kw),
        "added_date": _iso(get("ADD DT"), name="ADD DT", **kw),
        "action_effective_date": _iso(get("ACT EFF DT"), name="ACT EFF DT", **kw),
        "termination_date": _iso(get("TERM DT"), name="TERM DT", **kw),
        "action": get("ACTION CD"),
        "source_line": number,
    }
    for prefix, (name, count) in _XLSX_REPEATING.items():
        values[name] = tuple(v for v in (get(f"{prefix}{i}") for i in range(1, count + 1)) if v)
    return HcpcsRecord(**values)


# -- processing notes -------------------------------------------------------------------------------------------
_NOTE_START = re.compile(r"^\s*(\d{4})--(.*)$")


def read_notes(data: bytes, *, file: str = "<notes>") -> dict[str, str]:
    """Parse proc_notes*.txt: ``NNNN--TEXT`` blocks with indented continuation lines and a ``*`` margin."""
    text = data.decode("cp1252", errors="replace")
    notes: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        body = line.rstrip().removesuffix("*").rstrip()
        match = _NOTE_START.match(body)
        if match:
            current = notes.setdefault(match.group(1), [])
            current.append(match.group(2).strip())
        elif body.strip() and current is not None and body.startswith(" "):
            current.append(body.strip())
        elif not body.strip():
            current = None
    if not notes:
        raise ImportFormatError("no processing notes (lines like '0082--TEXT') found", file=file, line=1)
    return {number: " ".join(parts) for number, parts in notes.items()}


# -- release files ----------------------------------------------------------------------------------------------
def effective_date_from_name(name: str) -> date | None:
    """The release date a CMS file name states: HCPC2026_JAN_…, january-2026-…, 2020-Alpha-Numeric… (annual)."""
    upper = Path(name).name.upper()
    m = re.search(r"HCPC(\d{4})_(JAN|APR|JUL|OCT)", upper)
    if m:
        return date(int(m.group(1)), _MONTHS[m.group(2)], 1)
    m = re.search(r"(JANUARY|APRIL|JULY|OCTOBER)[-_ ]?(\d{4})", upper)
    if m:
        return date(int(m.group(2)), _MONTHS[m.group(1)], 1)
    m = re.search(r"(\d{4})[-_ ]?(JANUARY|APRIL|JULY|OCTOBER|JAN|APR|JUL|OCT)\b", upper)
    if m:
        return date(int(m.group(1)), _MONTHS[m.group(2)], 1)
    m = re.search(r"HCPC(\d{4})_ANWEB|(\d{4})-ALPHA-NUMERIC", upper)
    if m:  # the annual file takes effect on January 1
        return date(int(m.group(1) or m.group(2)), 1, 1)
    return None


def _kind_of(name: str) -> str | None:
    lower = name.lower()
    if lower.endswith(".zip"):
        return "zip"
    if lower.endswith(".xlsx"):
        return "xlsx"
    if lower.endswith(".xls"):
        return "xls"
    if lower.endswith(".txt"):
        return "notes" if "proc_note" in lower else "txt"
    return None


def _pick_release_member(names: Iterable[str]) -> str | None:
    """The data file inside a CMS zip: prefer the fixed-width TXT, then XLSX, then XLS (never the reports)."""
    skip = ("proc_note", "readme", "recordlayout", "record_layout", "transaction", "correction", "noc code", "trans_")
    candidates = [n for n in names if not any(s in n.lower() for s in skip) and not n.endswith("/")]
    for ext in (".txt", ".xlsx", ".xls"):
        for name in candidates:
            if name.lower().endswith(ext) and ("anweb" in name.lower() or "hcpc" in name.lower()):
                return name
    return None


def read_release(
    path: str | Path,
    *,
    notes_path: str | Path | None = None,
    progress: Progress | None = None,
) -> ReleaseFile:
    """Read a CMS HCPCS release from a zip, TXT, XLSX or XLS file (plus the processing notes when found)."""
    path = Path(path)
    name = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFormatError(f"cannot read the file: {exc.strerror or exc}", file=str(path)) from None
    kind = _kind_of(name)
    notes: dict[str, str] = {}
    if kind == "zip" or (data[:4] == b"PK\x03\x04" and kind not in ("xlsx", "xls")):
        release = _read_zip(data, name, progress)
    elif kind in ("xlsx", "xls"):
        records, warnings = read_xlsx(data, file=name, progress=progress)
        release = ReleaseFile(records, name, kind, effective_date_from_name(name), {}, warnings)
    elif kind == "notes":
        raise ImportFormatError(
            "this is a processing-notes file; import the release (TXT, XLSX or zip) and pass the notes with --notes",
            file=name,
        )
    else:
        records, warnings = read_txt(data, file=name, progress=progress)
        release = ReleaseFile(records, name, "txt", effective_date_from_name(name), {}, warnings)
    if notes_path is not None:
        notes_file = Path(notes_path)
        try:
            notes = read_notes(notes_file.read_bytes(), file=notes_file.name)
        except OSError as exc:
            raise ImportFormatError(f"cannot read the notes file: {exc}", file=str(notes_file)) from None
        release.notes = notes
    elif not release.notes and kind != "zip":
        sibling = sorted(path.parent.glob("proc_notes*.txt"))
        if len(sibling) == 1:
            release.notes = read_notes(sibling[0].read_bytes(), file=sibling[0].name)
            release.warnings.append(f"processing notes read from {sibling[0].name} beside the release file")
    return release


def _read_zip(data: bytes, name: str, progress: Progress | None) -> ReleaseFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
    except ZIP_ERRORS as exc:
        raise ImportFormatError(f"not a readable zip file ({exc})", file=name) from None
    with archive:
        member = _pick_release_member(names)
        if member is None:
            raise ImportFormatError("the zip holds no HCPCS release file (…ANWEB….txt / .xlsx / .xls)", file=name)
        inner = read_member(archive, member, name)
        label = f"{name}::{member}"
        kind = _kind_of(member) or "txt"
        if kind in ("xlsx", "xls"):
            records, warnings = read_xlsx(inner, file=label, progress=progress)
        else:
            records, warnings = read_txt(inner, file=label, progress=progress)
        notes: dict[str, str] = {}
        for note_member in names:
            if "proc_note" in note_member.lower() and note_member.lower().endswith(".txt"):
                notes = read_notes(read_member(archive, note_member, name), file=f"{name}::{note_member}")
        effective = effective_date_from_name(member) or effective_date_from_name(name)
    return ReleaseFile(records, name, "zip", effective, notes, warnings)
