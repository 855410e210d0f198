"""Readers of the CMS fee schedule files: PPRRVU (CSV, fixed-width TXT, XLSX), GPCI (CSV, TXT, XLSX) and ZIP5.

Each reader turns one file into a :class:`ParsedFile`: normalised rows (canonical text for codes and indicators,
:class:`~decimal.Decimal` for numbers), the release identity the file itself states, and a hash of the normalised
content, so the same release read from its CSV, TXT or XLSX copy hashes the same.

Layouts (CMS RVU25D.pdf record layout; ZIP5lyout.txt):

* PPRRVU CSV/XLSX: title rows (the first states year and month of the release, one says ``RELEASED mm/dd/yyyy``),
  then a header stacked over up to five rows ending with the row that starts ``HCPCS,MOD``. Columns are found by
  their stacked header text, so the 2026 ``PRIC IND`` column is read where it is.
* PPRRVU TXT: ``HDR`` copyright lines, then fixed-width records (positions in :data:`PPRRVU_TXT_POSITIONS`).
* GPCI: an Addendum E title, a header row with ``Locality Number``, locality rows, then footnotes.
* ZIP5: 80-byte records: state 1-2, ZIP 3-7, carrier 8-12, locality 13-14, rural 15, +4 flag 21, YYYYQ 76-80.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from .._errors import ImportFormatError
from ._release_id import ReleaseId

__all__ = [
    "GPCI_FIELDS",
    "PPRRVU_FIELDS",
    "ZIP5_FIELDS",
    "ParsedFile",
    "ReleaseId",
    "SourceFile",
    "detect_kind",
    "parse_source",
    "release_from_name",
]

QUARTER_OF_MONTH = {"JAN": "A", "APR": "B", "JUL": "C", "OCT": "D"}
MONTH_NAME_QUARTER = {"JANUARY": "A", "APRIL": "B", "JULY": "C", "OCTOBER": "D"}


def release_from_name(name: str) -> tuple[int | None, str | None, str]:
    """Year, quarter and variant a CMS file, zip or folder name states (``RVU25A``, ``PPRRVU2025_Oct``, ...)."""
    base = name.rsplit("/", 1)[-1].upper()
    variant = "nonQPP" if "NONQPP" in base else ("QPP" if re.search(r"(?<!NON)QPP", base) else "")
    match = re.search(r"(?<![A-Z])RVU(\d{2})([A-D])(?![A-Z])", base)
    if match:
        return 2000 + int(match.group(1)), match.group(2), variant
    match = re.search(r"PPRRVU(\d{4}|\d{2})_?(JAN|APR|JUL|OCT)", base)
    if match:
        year = int(match.group(1))
        return (year + 2000 if year < 100 else year), QUARTER_OF_MONTH[match.group(2)], variant
    match = re.search(r"(?:GPCI|PPRRVU)(\d{4})", base)
    if match:
        return int(match.group(1)), None, variant
    return None, None, variant


@dataclass(frozen=True, slots=True)
class SourceFile:
    """The bytes of one file to read; ``display`` names it in messages (``RVU25A.zip :: GPCI2025.csv``)."""

    name: str
    display: str
    data: bytes
    #: year/quarter stated by the enclosing zip or folder name, if any
    container_year: int | None = None
    container_quarter: str | None = None

    @property
    def extension(self) -> str:
        return self.name.rsplit(".", 1)[-1].lower() if "." in self.name else ""


@dataclass(slots=True)
class ParsedFile:
    kind: str  # pprrvu | gpci | zip5
    source: SourceFile
    rows: list[tuple[Any, ...]]
    year: int | None
    quarter: str | None
    variant: str = ""
    conversion_factor: Decimal | None = None
    released_on: str | None = None
    content_sha256: str = ""
    notes: list[str] = field(default_factory=list)


# -- common value parsing -----------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """Cell text; XLSX numbers that are whole (9.0) become '9'."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    return str(value).strip()


def _decimal(value: Any, *, places: int, src: str, line: int, column: str) -> Decimal:
    text = repr(value) if isinstance(value, float) else _text(value)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ImportFormatError(f"{text!r} is not a number", file=src, line=line, field=column) from None
    if not number.is_finite():
        raise ImportFormatError(f"{text!r} is not a number", file=src, line=line, field=column)
    try:
        return number.quantize(Decimal(1).scaleb(-places))
    except InvalidOperation:  # more digits than Decimal's context holds
        raise ImportFormatError(f"{text!r} is out of range", file=src, line=line, field=column) from None


def _content_hash(kind: str, rows: Iterable[Sequence[Any]]) -> str:
    """Hash of the normalised rows without their source line (the last element), so copies in other formats match."""
    digest = hashlib.sha256(kind.encode())
    for row in rows:
        digest.update(repr(row[:-1]).encode("utf-8"))
    return digest.hexdigest()


def _decode(data: bytes) -> str:
    """File text; a trailing DOS end-of-file mark (Ctrl-Z, as at the end of the RVU25A TXT) is dropped."""
    end = len(data.rstrip(b"\r\n \x1a"))
    data = data[:end]
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _sheet_rows(source: SourceFile) -> list[list[Any]]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(source.data))
        rows: list[list[Any]] = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error types for damaged workbooks
        raise ImportFormatError(f"cannot read the workbook ({exc})", file=source.display) from None
    return rows


def _table_rows(source: SourceFile) -> list[list[Any]]:
    if source.extension in ("xlsx", "xls"):
        return _sheet_rows(source)
    reader = csv.reader(io.StringIO(_decode(source.data)))
    try:
        return list(reader)
    except csv.Error as exc:
        raise ImportFormatError(f"not a readable CSV file ({exc})", file=source.display, line=reader.line_num) from None


# -- PPRRVU -----------------------------------------------------------------------------------------------------

#: our column names, in the order rows are stored; the last element of a parsed row is its source line
PPRRVU_FIELDS = (
    "code",
    "modifier",
    "description",
    "status",
    "not_used_for_medicare",
    "work_rvu",
    "pe_nonfacility_rvu",
    "nonfacility_na",
    "pe_facility_rvu",
    "facility_na",
    "mp_rvu",
    "total_nonfacility",
    "total_facility",
    "pctc",
    "global_days",
    "pre_op",
    "intra_op",
    "post_op",
    "multiple_procedure",
    "bilateral_surgery",
    "assistant_at_surgery",
    "co_surgeons",
    "team_surgery",
    "pricing_indicator",
    "endoscopic_base",
    "conversion_factor",
    "physician_supervision",
    "calculation_flag",
    "imaging_family",
    "opps_pe_nonfacility",
    "opps_pe_facility",
    "opps_mp",
)

#: stacked CSV/XLSX header text -> our column name
PPRRVU_HEADERS = {
    "HCPCS": "code",
    "MOD": "modifier",
    "DESCRIPTION": "description",
    "STATUS CODE": "status",
    "NOT USED FOR MEDICARE PAYMENT": "not_used_for_medicare",
    "WORK RVU": "work_rvu",
    "NON-FAC PE RVU": "pe_nonfacility_rvu",
    "NON-FAC NA INDICATOR": "nonfacility_na",
    "FACILITY PE RVU": "pe_facility_rvu",
    "FACILITY NA INDICATOR": "facility_na",
    "MP RVU": "mp_rvu",
    "NON-FACILITY TOTAL": "total_nonfacility",
    "FACILITY TOTAL": "total_facility",
    "PCTC IND": "pctc",
    "GLOB DAYS": "global_days",
    "PRE OP": "pre_op",
    "INTRA OP": "intra_op",
    "POST OP": "post_op",
    "MULT PROC": "multiple_procedure",
    "BILAT SURG": "bilateral_surgery",
    "ASST SURG": "assistant_at_surgery",
    "CO- SURG": "co_surgeons",
    "TEAM SURG": "team_surgery",
    "PRIC IND": "pricing_indicator",
    "ENDO BASE": "endoscopic_base",
    "CONV FACTOR": "conversion_factor",
    "PHYSICIAN SUPERVISION OF DIAGNOSTIC PROCEDURES": "physician_supervision",
    "CALCULATION FLAG": "calculation_flag",
    "DIAGNOSTIC IMAGING FAMILY INDICATOR": "imaging_family",
    "NON-FACILITY PE USED FOR OPPS PAYMENT AMOUNT": "opps_pe_nonfacility",
    "FACILITY PE USED FOR OPPS PAYMENT AMOUNT": "opps_pe_facility",
    "MP USED FOR OPPS PAYMENT AMOUNT": "opps_mp",
}
#: columns a file may lack (the 2026 PRIC IND column is absent from earlier years)
PPRRVU_OPTIONAL = frozenset({"pricing_indicator"})

#: decimal places of the numeric columns (RVUs and percentages 2, conversion factor 4)
PPRRVU_DECIMALS = {
    "work_rvu": 2,
    "pe_nonfacility_rvu": 2,
    "pe_facility_rvu": 2,
    "mp_rvu": 2,
    "total_nonfacility": 2,
    "total_facility": 2,
    "pre_op": 2,
    "intra_op": 2,
    "post_op": 2,
    "conversion_factor": 4,
    "opps_pe_nonfacility": 2,
    "opps_pe_facility": 2,
    "opps_mp": 2,
}
#: indicator columns shown with a fixed width (XLSX stores some of them as numbers)
PPRRVU_WIDTHS = {"pctc": 1, "physician_supervision": 2, "imaging_family": 2, "global_days": 3}

#: fixed-width TXT positions (1-based, inclusive), RVU25D.pdf record layout
PPRRVU_TXT_POSITIONS = {
    "code": (1, 5),
    "modifier": (6, 7),
    "description": (8, 57),
    "status": (58, 58),
    "not_used_for_medicare": (59, 59),
    "work_rvu": (60, 65),
    "pe_nonfacility_rvu": (67, 72),
    "nonfacility_na": (73, 74),
    "pe_facility_rvu": (76, 81),
    "facility_na": (82, 83),
    "mp_rvu": (85, 89),
    "total_nonfacility": (91, 96),
    "total_facility": (97, 102),
    "pctc": (103, 103),
    "global_days": (104, 106),
    "pre_op": (107, 109),
    "intra_op": (110, 112),
    "post_op": (113, 115),
    "multiple_procedure": (116, 116),
    "bilateral_surgery": (117, 117),
    "assistant_at_surgery": (118, 118),
    "co_surgeons": (119, 119),
    "team_surgery": (120, 120),
    "endoscopic_base": (128, 132),
    "conversion_factor": (133, 140),
    "physician_supervision": (142, 143),
    "calculation_flag": (144, 144),
    "imaging_family": (146, 147),
    "opps_pe_nonfacility": (152, 157),
    "opps_pe_facility": (159, 164),
    "opps_mp": (166, 171),
}
PPRRVU_TXT_MIN_LENGTH = 171

_CODE = re.compile(r"[0-9A-Z]{5}")
_MODIFIER = re.compile(r"[0-9A-Z]{0,2}")
_TITLE = re.compile(r"(\d{4}) National Physician Fee Schedule Relative Value File (\w+) Release", re.IGNORECASE)
_RELEASED = re.compile(r"RELEASED\s+(\d{1,2})/(\d{1,2})/(\d{4})", re.IGNORECASE)


#: the CMS column header of each of our columns, used to name the field in error messages
PPRRVU_COLUMN_LABEL = {ours: cms for cms, ours in PPRRVU_HEADERS.items()}
_STATUS = re.compile(r"[A-Z]")


def _convert_pprrvu_value(index: int, raw: Any, src: str, line: int) -> Any:
    """One PPRRVU cell, normalised; raises ImportFormatError naming the CMS column."""
    name = PPRRVU_FIELDS[index]
    label = PPRRVU_COLUMN_LABEL[name]
    places = PPRRVU_DECIMALS.get(name)
    if places is not None:
        if _text(raw) == "":
            raise ImportFormatError("the value is missing", file=src, line=line, field=label)
        # stored as REAL; the value was first rounded to the column's decimal places, so CSV, TXT and XLSX
        # copies give the same float (and the same content hash)
        return float(_decimal(raw, places=places, src=src, line=line, column=label))
    text = _text(raw)
    if name == "modifier":
        text = text.upper()
        if not _MODIFIER.fullmatch(text):
            raise ImportFormatError(f"{text!r} is not a modifier", file=src, line=line, field=label)
    elif name == "status":
        if not _STATUS.fullmatch(text):
            raise ImportFormatError(f"{text!r} is not a PFS status code (one letter)", file=src, line=line, field=label)
    elif name in PPRRVU_WIDTHS and text.isdigit():
        text = text.zfill(PPRRVU_WIDTHS[name])
    return text


class _PprrvuRowReader:
    """Normalises rows given in :data:`PPRRVU_FIELDS` order. Cell values repeat a great deal across 19,000 rows
    (0.00, XXX, 9, ...), so each distinct (column, raw value) is converted once."""

    def __init__(self, src: str) -> None:
        self.src = src
        self.memos: list[dict[Any, Any]] = [{} for _ in PPRRVU_FIELDS]

    def row(self, values: Sequence[Any], line: int) -> tuple[Any, ...]:
        code = _text(values[0]).upper()
        if code.isdigit() and len(code) < 5:
            code = code.zfill(5)  # an XLSX cell that held 00100 as a number
        if not _CODE.fullmatch(code):
            raise ImportFormatError(
                f"{code!r} is not a 5-character HCPCS/CPT code", file=self.src, line=line, field="HCPCS"
            )
        out: list[Any] = [code, values[1], _text(values[2])]
        memos = self.memos
        for index in _MEMOISED_INDEXES:
            raw = values[index]
            value = memos[index].get(raw, _MISSING)
            if value is _MISSING:
                value = _convert_pprrvu_value(index, raw, self.src, line)
                memos[index][raw] = value
            out.append(value)
        out[1] = self._modifier(values[1], line)
        out.append(line)
        return tuple(out)

    def _modifier(self, raw: Any, line: int) -> Any:
        memo = self.memos[1]
        value = memo.get(raw, _MISSING)
        if value is _MISSING:
            value = memo[raw] = _convert_pprrvu_value(1, raw, self.src, line)
        return value


_MISSING = object()
#: every column after code, modifier and description (those three come first in PPRRVU_FIELDS)
_MEMOISED_INDEXES = range(3, len(PPRRVU_FIELDS))


def _stacked_headers(rows: list[list[Any]], header_index: int) -> list[str]:
    """Join the header cells stacked above each column (title rows hold text in the description column only)."""
    start = header_index
    while start > 0 and any(_text(c) for j, c in enumerate(rows[start - 1]) if j != 2):
        start -= 1
    width = len(rows[header_index])
    names = []
    for j in range(width):
        parts = [" ".join(_text(rows[k][j]).split()) for k in range(start, header_index + 1) if j < len(rows[k])]
        names.append(" ".join(p for p in parts if p).upper())
    return names


def _pprrvu_title(rows: list[list[Any]]) -> tuple[int | None, str | None, str | None]:
    """Year, quarter and release date from the title lines above a PPRRVU table's header."""
    year = quarter = released_on = None
    for r in rows:
        cell = " ".join(_text(c) for c in r if _text(c))
        title = _TITLE.search(cell)
        if title:
            year = int(title.group(1))
            quarter = MONTH_NAME_QUARTER.get(title.group(2).upper())
        released = _RELEASED.search(cell)
        if released:
            month, day, yyyy = (int(g) for g in released.groups())
            released_on = f"{yyyy:04d}-{month:02d}-{day:02d}"
    return year, quarter, released_on


def _pprrvu_columns(names: list[str], src: str, header_index: int) -> dict[str, int]:
    """Our field name -> column index, from the header names; a missing required column is an error."""
    columns: dict[str, int] = {}
    for index, name in enumerate(names):
        ours = PPRRVU_HEADERS.get(name)
        if ours is not None and ours not in columns:
            columns[ours] = index
    missing = [n for n in PPRRVU_FIELDS if n not in columns and n not in PPRRVU_OPTIONAL]
    if missing:
        raise ImportFormatError(
            f"the header lacks the column(s) {', '.join(missing)}; found: {', '.join(n for n in names if n)}",
            file=src,
            line=header_index + 1,
        )
    return columns


def _parse_pprrvu_table(source: SourceFile) -> ParsedFile:
    src = source.display
    rows = _table_rows(source)
    header_index = next(
        (i for i, r in enumerate(rows[:40]) if r and _text(r[0]).upper() == "HCPCS"),
        None,
    )
    if header_index is None:
        raise ImportFormatError(
            "no header row starting with HCPCS in the first 40 lines: not a PPRRVU relative value file", file=src
        )
    year, quarter, released_on = _pprrvu_title(rows[:header_index])
    names = _stacked_headers(rows, header_index)
    columns = _pprrvu_columns(names, src, header_index)
    positions = [columns.get(n, -1) for n in PPRRVU_FIELDS]
    reader = _PprrvuRowReader(src)
    parsed: list[tuple[Any, ...]] = []
    for offset, r in enumerate(rows[header_index + 1 :]):
        line = header_index + 2 + offset
        if not (r and _text(r[0]).strip("\x1a")) and not any(_text(c).strip("\x1a") for c in r):
            continue  # blank, or the DOS end-of-file mark that ends the RVU25A CSV
        if len(r) <= max(columns.values()):
            raise ImportFormatError(f"the row has {len(r)} columns, the header {len(names)}", file=src, line=line)
        parsed.append(reader.row([r[i] if i >= 0 else "" for i in positions], line))
    return _finish_pprrvu(source, parsed, year, quarter, released_on)


def _parse_pprrvu_txt(source: SourceFile) -> ParsedFile:
    src = source.display
    parsed: list[tuple[Any, ...]] = []
    reader = _PprrvuRowReader(src)
    # PRIC IND (2026 on) has no documented TXT position yet: read as blank
    spans = [PPRRVU_TXT_POSITIONS.get(n, (1, 0)) for n in PPRRVU_FIELDS]
    for line_number, line in enumerate(_decode(source.data).splitlines(), start=1):
        if line.startswith("HDR") or not line.strip():
            continue
        if len(line) < PPRRVU_TXT_MIN_LENGTH - 6:
            raise ImportFormatError(
                f"record is {len(line)} characters; a PPRRVU record has {PPRRVU_TXT_MIN_LENGTH} or more",
                file=src,
                line=line_number,
            )
        line = line.ljust(PPRRVU_TXT_MIN_LENGTH)
        parsed.append(reader.row([line[a - 1 : b] for a, b in spans], line_number))
    if not parsed:
        raise ImportFormatError("no PPRRVU records in the file", file=src)
    return _finish_pprrvu(source, parsed, None, None, None)


def _finish_pprrvu(
    source: SourceFile,
    rows: list[tuple[Any, ...]],
    year: int | None,
    quarter: str | None,
    released_on: str | None,
) -> ParsedFile:
    src = source.display
    if not rows:
        raise ImportFormatError("the file has a header but no rows", file=src)
    cf_index = PPRRVU_FIELDS.index("conversion_factor")
    conversion_factor = Decimal(repr(rows[0][cf_index])).quantize(Decimal("0.0001"))
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        if row[cf_index] != rows[0][cf_index]:
            raise ImportFormatError(
                f"conversion factor {row[cf_index]:.4f} differs from {conversion_factor} on the first row",
                file=src,
                line=row[-1],
                field="CONV FACTOR",
            )
        key = (row[0], row[1])
        if key in seen:
            raise ImportFormatError(
                f"{row[0]} {row[1] or '(no modifier)'} appears twice (first on line {seen[key]})",
                file=src,
                line=row[-1],
                field="HCPCS",
            )
        seen[key] = row[-1]
    if conversion_factor <= 0:
        raise ImportFormatError("the conversion factor is not positive", file=src, field="CONV FACTOR")
    ordered = sorted(rows, key=lambda r: (r[0], r[1]))
    name_year, name_quarter, variant = release_from_name(source.name)
    return ParsedFile(
        kind="pprrvu",
        source=source,
        rows=rows,
        year=year or source.container_year or name_year,
        quarter=quarter or source.container_quarter or name_quarter,
        variant=variant,
        conversion_factor=conversion_factor,
        released_on=released_on,
        content_sha256=_content_hash("pprrvu", ordered),
    )


# -- GPCI --------------------------------------------------------------------------------------------------------

GPCI_FIELDS = ("mac", "state", "locality", "locality_name", "work_gpci", "pe_gpci", "mp_gpci")
_GPCI_TXT = re.compile(r"^(\d{5})\s+([A-Z]{2})\s+([0-9A-Z]{2})\s+(.*?)\s+(\d*\.\d+)\s+(\d*\.\d+)\s+(\d*\.\d+)\s*$")
_GPCI_YEAR = re.compile(r"(?:CY\s*)?(\d{4})\s+(?:PW|WORK|GPCI)", re.IGNORECASE)


def _gpci_row(values: Sequence[Any], src: str, line: int) -> tuple[Any, ...]:
    mac, state, locality, name = (_text(v) for v in values[:4])
    if not re.fullmatch(r"[A-Z]{2}", state):
        raise ImportFormatError(f"{state!r} is not a state code", file=src, line=line, field="State")
    if locality.isdigit() and len(locality) < 2:
        locality = locality.zfill(2)
    if not re.fullmatch(r"[0-9A-Z]{2}", locality):
        raise ImportFormatError(f"{locality!r} is not a locality number", file=src, line=line, field="Locality Number")
    gpcis = [
        _decimal(v, places=3, src=src, line=line, column=column)
        for v, column in zip(values[4:7], ("PW GPCI", "PE GPCI", "MP GPCI"), strict=True)
    ]
    for value, column in zip(gpcis, ("PW GPCI", "PE GPCI", "MP GPCI"), strict=True):
        if not Decimal("0.1") <= value <= Decimal("3"):
            raise ImportFormatError(f"GPCI {value} is out of range", file=src, line=line, field=column)
    return (mac, state, locality, name.rstrip("*").strip(), *(float(g) for g in gpcis), line)


def _parse_gpci(source: SourceFile) -> ParsedFile:
    src = source.display
    if source.extension in ("csv", "xlsx", "xls"):
        rows, year = _gpci_table_rows(source)
    else:
        rows, year = _gpci_text_rows(source)
    if not rows:
        raise ImportFormatError("no locality rows in the GPCI file", file=src)
    seen: set[tuple[str, str, str]] = set()
    for row in rows:
        key = (row[0], row[2], row[1])
        if key in seen:
            raise ImportFormatError(f"MAC {row[0]} locality {row[2]} ({row[1]}) appears twice", file=src, line=row[-1])
        seen.add(key)
    name_year, name_quarter, _ = release_from_name(source.name)
    return ParsedFile(
        kind="gpci",
        source=source,
        rows=rows,
        year=year or source.container_year or name_year,
        quarter=source.container_quarter or name_quarter,
        content_sha256=_content_hash("gpci", sorted(rows, key=lambda r: (r[0], r[2], r[1]))),
    )


def _gpci_table_rows(source: SourceFile) -> tuple[list[tuple[Any, ...]], int | None]:
    """The locality rows of a CSV/XLSX/XLS GPCI file and the year its header names."""
    src = source.display
    table = _table_rows(source)
    header_index = next(
        (i for i, r in enumerate(table[:20]) if any("LOCALITY NUMBER" in _text(c).upper() for c in r)), None
    )
    if header_index is None:
        raise ImportFormatError("no header row with 'Locality Number': not a GPCI file", file=src)
    found = _GPCI_YEAR.search(" ".join(_text(c) for c in table[header_index]))
    rows: list[tuple[Any, ...]] = []
    for offset, r in enumerate(table[header_index + 1 :]):
        row_number = header_index + 2 + offset
        first = _text(r[0]) if r else ""
        if not re.fullmatch(r"\d{4,5}", first):
            continue  # blank separator or footnote
        if len(r) < 7:
            raise ImportFormatError("the row has fewer than 7 columns", file=src, line=row_number)
        rows.append(_gpci_row([first.zfill(5), *r[1:7]], src, row_number))
    return rows, int(found.group(1)) if found else None


def _gpci_text_rows(source: SourceFile) -> tuple[list[tuple[Any, ...]], int | None]:
    """The locality rows of a fixed-width TXT GPCI file and the first year its title lines name."""
    src = source.display
    rows: list[tuple[Any, ...]] = []
    year: int | None = None
    for line_number, line in enumerate(_decode(source.data).splitlines(), start=1):
        if year is None:
            found = _GPCI_YEAR.search(line)
            year = int(found.group(1)) if found else None
        if not re.match(r"\d{5}\s", line):
            continue
        match = _GPCI_TXT.match(line)
        if not match:
            raise ImportFormatError(
                "locality row not in the GPCI layout (MAC, state, locality, name, three GPCIs)",
                file=src,
                line=line_number,
            )
        rows.append(_gpci_row(match.groups(), src, line_number))
    return rows, year


# -- ZIP5 --------------------------------------------------------------------------------------------------------

ZIP5_FIELDS = ("zip", "state", "carrier", "locality", "rural_indicator", "plus_four")


def _parse_zip5(source: SourceFile) -> ParsedFile:
    src = source.display
    rows: list[tuple[Any, ...]] = []
    stamps: dict[str, int] = {}
    for line_number, line in enumerate(_decode(source.data).splitlines(), start=1):
        if not line.strip():
            continue
        if len(line) < 80:
            raise ImportFormatError(
                f"record is {len(line)} characters; ZIP5 records have 80", file=src, line=line_number
            )
        state, zip_code, carrier, locality = line[0:2], line[2:7], line[7:12], line[12:14]
        stamp = line[75:80]
        for value, pattern, column in (
            (state, r"[A-Z]{2}", "State"),
            (zip_code, r"\d{5}", "Zip Code"),
            (carrier, r"\d{5}", "Carrier"),
            (locality, r"[0-9A-Z]{2}", "Pricing Locality"),
            (stamp, r"\d{4}[1-4]", "Year/Quarter"),
        ):
            if not re.fullmatch(pattern, value):
                raise ImportFormatError(f"{value!r} is not valid here", file=src, line=line_number, field=column)
        stamps.setdefault(stamp, line_number)
        rows.append((zip_code, state, carrier, locality, line[14].strip(), line[20].strip(), line_number))
    if not rows:
        raise ImportFormatError("no ZIP5 records in the file", file=src)
    if len(stamps) > 1:
        first, second = list(stamps)[:2]
        raise ImportFormatError(
            f"records of two quarters ({first} and {second}) in one file", file=src, line=stamps[second]
        )
    seen: dict[str, int] = {}
    for row in rows:
        if row[0] in seen:
            raise ImportFormatError(
                f"ZIP {row[0]} appears twice (first on line {seen[row[0]]})", file=src, line=row[-1]
            )
        seen[row[0]] = row[-1]
    stamp = next(iter(stamps))
    return ParsedFile(
        kind="zip5",
        source=source,
        rows=rows,
        year=int(stamp[:4]),
        quarter="ABCD"[int(stamp[4]) - 1],
        content_sha256=_content_hash("zip5", sorted(rows)),
    )


# -- dispatch ----------------------------------------------------------------------------------------------------


def detect_kind(name: str, head: bytes = b"") -> str | None:
    """``pprrvu``, ``gpci``, ``zip5`` or None, from the file name, else from its first bytes."""
    base = name.rsplit("/", 1)[-1].upper()
    extension = base.rsplit(".", 1)[-1] if "." in base else ""
    if extension not in ("CSV", "TXT", "XLSX", "XLS", "PRN", ""):
        return None
    if base.startswith("PPRRVU"):
        return "pprrvu"
    if base.startswith("GPCI"):
        return "gpci"
    if base.startswith("ZIP5"):
        return None if "LYOUT" in base or "LAYOUT" in base else "zip5"
    if re.match(r"(ANES|OPPSCAP|\d\dLOCCO|ZIP9|RVU)", base):
        return None
    text = head[:4000].decode("latin-1", errors="replace").upper()
    if "HDR CPT CODES" in text or "NATIONAL PHYSICIAN FEE SCHEDULE RELATIVE VALUE FILE" in text:
        return "pprrvu"
    if "GEOGRAPHIC PRACTICE COST INDICES" in text:
        return "gpci"
    first = text.splitlines()[0] if text else ""
    if re.fullmatch(r"[A-Z]{2}\d{5}\d{5}[0-9A-Z]{2}.{61}\d{4}[1-4]\s*", first):
        return "zip5"
    return None


def parse_source(source: SourceFile, kind: str) -> ParsedFile:
    if kind == "pprrvu":
        if source.extension in ("csv", "xlsx", "xls"):
            return _parse_pprrvu_table(source)
        return _parse_pprrvu_txt(source)
    if kind == "gpci":
        return _parse_gpci(source)
    if kind == "zip5":
        return _parse_zip5(source)
    raise ImportFormatError(f"unknown fee schedule file kind {kind!r}", file=source.display)
