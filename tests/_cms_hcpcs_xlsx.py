"""Test helper: read rows of the real CMS HCPCS XLSX (read in place from ../shared) into HcpcsRecords.

Deliberately independent of the library's own readers, so page/embedded tests compare against CMS's file
rather than against our parsing of it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from hhbill.hcpcs._record import HcpcsRecord

JAN_2026_XLSX = "data/hcpcs/2026_jan/HCPC2026_JAN_ANWEB_01122026.xlsx"


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():  # a few date cells come through as numbers
        return str(int(value))
    return "" if value is None else str(value)


@cache
def cms_rows(path: Path) -> dict[str, dict[str, str]]:
    """Code (procedure code or 2-character modifier) -> {CMS column: cell text}."""
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    header = [str(cell).strip() for cell in sheet[0]]
    rows: dict[str, dict[str, str]] = {}
    for raw in sheet[1:]:
        row = {name: _text(cell) for name, cell in zip(header, raw, strict=False)}
        code = row["HCPC"].strip()  # modifiers are right-aligned: '   GP'
        if code:
            rows[code] = row
    return rows


def _iso(value: str) -> str | None:
    value = value.strip()
    return f"{value[:4]}-{value[4:6]}-{value[6:8]}" if value else None


def _many(row: dict[str, str], prefix: str, count: int) -> tuple[str, ...]:
    return tuple(v for v in (row.get(f"{prefix}{i}", "").strip() for i in range(1, count + 1)) if v)


def record_from_row(row: dict[str, str]) -> HcpcsRecord:
    """The HcpcsRecord CMS's XLSX row describes (blank cells -> '' / () / None)."""
    units = row["ANEST_BU"].strip()
    return HcpcsRecord(
        code=row["HCPC"].strip(),
        kind="modifier" if row["RECID"].strip() == "7" else "procedure",
        sequence=row["SEQNUM"].strip(),
        long_description=row["LONG DESCRIPTION"].strip(),
        short_description=row["SHORT DESCRIPTION"].strip(),
        pricing_indicators=_many(row, "PRICE", 4),
        multiple_pricing_indicator=row["MULT_PI"].strip(),
        cim_references=_many(row, "CIM", 3),
        mcm_references=_many(row, "MCM", 3),
        statute=row["STATUTE"].strip(),
        lab_certifications=_many(row, "LABCERT", 8),
        cross_references=_many(row, "XREF", 5),
        coverage=row["COV"].strip(),
        asc_group=row["ASC_GRP"].strip(),
        asc_effective_date=_iso(row["ASC_DT"]),
        mog_group=row["OPPS"].strip(),
        mog_policy_indicator=row["OPPS_PI"].strip(),
        mog_effective_date=_iso(row["OPPS_DT"]),
        processing_note=row["PROCNOTE"].strip(),
        betos=row["BETOS"].strip(),
        types_of_service=_many(row, "TOS", 5),
        anesthesia_base_units=int(units) if units else None,
        added_date=_iso(row["ADD DT"]),
        action_effective_date=_iso(row["ACT EFF DT"]),
        termination_date=_iso(row["TERM DT"]),
        action=row["ACTION CD"].strip(),
    )
