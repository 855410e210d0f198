"""PDGM case-mix weights and LUPA thresholds, loaded from the CMS yearly file.

CMS publishes "CY {year} HH PDGM Case-Mix Weights and LUPA Thresholds" (CSV inside a ZIP, or XLSX) with one row
per HIPPS code: HIPPS, clinical group and functional level, admission source and timing, comorbidity
adjustment, case-mix weight, LUPA threshold (the CMS "Home Health PPS Case-Mix Weights" page). Nothing of
it is hard-coded here: the scrubber uses a loaded table to check that the HIPPS exists and to flag periods
under the LUPA threshold.
Columns are found by their header words, since CMS varies the exact titles between years; title rows above
the header are skipped.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from .._errors import ImportFormatError, NotFoundError
from .._store import Store

__all__ = ["CaseMixRow", "CaseMixTable", "CaseMixTables", "load_case_mix", "read_case_mix_file"]

CASE_MIX_SCHEMA = """
CREATE TABLE IF NOT EXISTS claims_case_mix (
    year INTEGER NOT NULL,
    hipps TEXT NOT NULL,
    clinical_group TEXT NOT NULL DEFAULT '',
    admission_source_timing TEXT NOT NULL DEFAULT '',
    comorbidity TEXT NOT NULL DEFAULT '',
    weight TEXT,
    lupa_threshold INTEGER,
    source TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (year, hipps)
);
"""

_HIPPS = re.compile(r"^[1-4][A-L][A-C][1-3]1$")
_YEAR_IN_NAME = re.compile(r"CY\s*_?(20\d\d)", re.IGNORECASE)

#: header words that identify each column (lower-case substrings, first match wins)
_COLUMNS = {
    "hipps": ("hipps",),
    "weight": ("weight",),
    "lupa_threshold": ("lupa",),
    "clinical_group": ("clinical",),
    "admission_source_timing": ("admission", "source", "timing"),
    "comorbidity": ("comorbid",),
}


@dataclass(frozen=True, slots=True)
class CaseMixRow:
    hipps: str
    weight: Decimal | None
    lupa_threshold: int | None
    clinical_group: str = ""
    admission_source_timing: str = ""
    comorbidity: str = ""


@dataclass(slots=True)
class CaseMixTable:
    """One year's case-mix table."""

    year: int
    rows: dict[str, CaseMixRow] = field(default_factory=dict)
    source: str = ""

    def row(self, hipps: str) -> CaseMixRow | None:
        return self.rows.get(hipps)

    def __len__(self) -> int:
        return len(self.rows)


class CaseMixTables:
    """Case-mix tables by calendar year (the rate year follows the claim's Through date)."""

    def __init__(self, tables: list[CaseMixTable] | None = None) -> None:
        self._by_year = {t.year: t for t in tables or []}

    def for_year(self, year: int) -> CaseMixTable | None:
        return self._by_year.get(year)

    def years(self) -> list[int]:
        return sorted(self._by_year)

    def add(self, table: CaseMixTable) -> None:
        self._by_year[table.year] = table

    @classmethod
    def from_store(cls, store: Store) -> CaseMixTables:
        store.ensure_schema("claims_case_mix", CASE_MIX_SCHEMA)
        tables: dict[int, CaseMixTable] = {}
        for r in store.execute(
            "SELECT year, hipps, clinical_group, admission_source_timing, comorbidity, weight, lupa_threshold, "
            "source FROM claims_case_mix"
        ):
            table = tables.setdefault(r[0], CaseMixTable(r[0], source=r[7]))
            table.rows[r[1]] = CaseMixRow(r[1], Decimal(r[5]) if r[5] is not None else None, r[6], r[2], r[3], r[4])
        return cls(list(tables.values()))


def _rows_of(path: Path) -> list[list[str]]:
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xls", ".xlsm", ".ods"}:
        try:
            from python_calamine import CalamineWorkbook

            book = CalamineWorkbook.from_path(str(path))
            sheet = book.get_sheet_by_index(0)
            return [["" if v is None else str(v) for v in row] for row in sheet.to_python()]
        except Exception as exc:  # calamine raises its own error types for unreadable workbooks
            raise ImportFormatError(f"cannot read the workbook: {exc}", file=str(path)) from None
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = path.read_text(encoding="latin-1")
    except OSError as exc:
        raise ImportFormatError(f"cannot read the file: {exc.strerror}", file=str(path)) from None
    try:
        return list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise ImportFormatError(f"the CSV cannot be read: {exc}", file=str(path)) from None


def _find_columns(rows: list[list[str]], name: str) -> tuple[int, dict[str, int]]:
    for index, row in enumerate(rows[:30]):
        cells = [c.strip().lower() for c in row]
        if not any("hipps" in c for c in cells):
            continue
        found: dict[str, int] = {}
        for column, words in _COLUMNS.items():
            for position, cell in enumerate(cells):
                if position in found.values():
                    continue
                if any(word in cell for word in words):
                    found[column] = position
                    break
        if "weight" not in found and "lupa_threshold" not in found:
            raise ImportFormatError(
                "the header row has a HIPPS column but neither a case-mix weight nor a LUPA threshold column",
                file=name,
                line=index + 1,
            )
        return index, found
    raise ImportFormatError(
        "no header row with a HIPPS column in the first 30 rows; is this the CMS case-mix weights and LUPA "
        "thresholds file?",
        file=name,
    )


def read_case_mix_file(path: str | os.PathLike[str], *, year: int | None = None) -> CaseMixTable:
    """Read a CMS "case-mix weights and LUPA thresholds" file (CSV or XLSX)."""
    path = Path(path)
    name = str(path)
    if year is None:
        match = _YEAR_IN_NAME.search(path.name)
        if match is None:
            raise ImportFormatError("cannot tell the calendar year from the file name; pass the year", file=name)
        year = int(match.group(1))
    rows = _rows_of(path)
    header_index, columns = _find_columns(rows, name)
    table = CaseMixTable(year, source=path.name)
    for number, row in enumerate(rows[header_index + 1 :], start=header_index + 2):

        def cell(column: str, row: list[str] = row) -> str:
            position = columns.get(column)
            return row[position].strip() if position is not None and position < len(row) else ""

        hipps = cell("hipps").upper()
        if not hipps:
            continue
        if not _HIPPS.match(hipps):
            # notes and totals under the table are not HIPPS rows; a malformed code among them is an error
            if re.match(r"^[0-9][A-Z]", hipps):
                raise ImportFormatError(f"{hipps!r} is not a PDGM HIPPS code", file=name, line=number, field="HIPPS")
            continue
        weight_text, lupa_text = cell("weight"), cell("lupa_threshold")
        try:
            weight = Decimal(weight_text) if weight_text else None
        except InvalidOperation:
            raise ImportFormatError(
                f"weight {weight_text!r} is not a number", file=name, line=number, field="weight"
            ) from None
        try:
            lupa = int(float(lupa_text)) if lupa_text else None
        except ValueError:
            raise ImportFormatError(
                f"LUPA threshold {lupa_text!r} is not a number", file=name, line=number, field="LUPA threshold"
            ) from None
        if hipps in table.rows:
            raise ImportFormatError(f"HIPPS {hipps} appears twice", file=name, line=number, field="HIPPS")
        table.rows[hipps] = CaseMixRow(
            hipps, weight, lupa, cell("clinical_group"), cell("admission_source_timing"), cell("comorbidity")
        )
    if not table.rows:
        raise ImportFormatError("the file has a header but no HIPPS rows", file=name)
    return table


def load_case_mix(store: Store, path: str | os.PathLike[str], *, year: int | None = None) -> CaseMixTable:
    """Read the CMS file and keep it in the store (replacing that year's table)."""
    table = read_case_mix_file(path, year=year)
    store.ensure_schema("claims_case_mix", CASE_MIX_SCHEMA)
    with store.transaction() as conn:
        conn.execute("DELETE FROM claims_case_mix WHERE year = ?", (table.year,))
        conn.executemany(
            "INSERT INTO claims_case_mix (year, hipps, clinical_group, admission_source_timing, comorbidity, weight, "
            "lupa_threshold, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    table.year,
                    r.hipps,
                    r.clinical_group,
                    r.admission_source_timing,
                    r.comorbidity,
                    str(r.weight) if r.weight is not None else None,
                    r.lupa_threshold,
                    table.source,
                )
                for r in table.rows.values()
            ],
        )
    return table


def case_mix_table(store: Store, year: int) -> CaseMixTable:
    """The stored table of a year (NotFoundError when none was loaded)."""
    table = CaseMixTables.from_store(store).for_year(year)
    if table is None:
        raise NotFoundError(f"no PDGM case-mix table loaded for CY{year}", year=year)
    return table
