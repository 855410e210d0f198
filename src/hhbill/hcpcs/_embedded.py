"""The embedded default HCPCS release: the home health subset a fresh install serves offline.

The data (``hhbill/data/embedded_hcpcs.json``) is authored package data reflecting the CMS HCPCS Level II
January 2026 quarterly release (effective 2026-01-01): HH visit G-codes, telehealth G0320-G0322, site-of-service
Q5001-Q5010, HIT G-codes, S-code home infusion per diems, discontinued functional-reporting G-codes with their
severity modifiers, and the HH/therapy modifiers. It is never generated from CMS files at build or run time;
``tests/test_embedded_hcpcs.py`` checks it field by field against the real CMS file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from hhbill._errors import ConfigError, NotFoundError
from hhbill.hcpcs._record import FIELDS, HcpcsRecord

__all__ = ["EmbeddedRelease", "embedded_release"]

#: package data directory (hhbill/data, shipped as package-data)
_PACKAGE_DATA = Path(__file__).resolve().parent.parent / "data"
_DATA_FILE = "embedded_hcpcs.json"
_REPEATING = {
    "pricing_indicators",
    "cim_references",
    "mcm_references",
    "lab_certifications",
    "cross_references",
    "types_of_service",
}


@dataclass(frozen=True)
class EmbeddedRelease:
    """A release carried inside the package: ``metadata`` {label, effective_date, source}, records, notes."""

    metadata: dict[str, str]
    records: list[HcpcsRecord]
    #: processing note number (4 digits, as in PROCNOTE) -> CMS note text
    notes: dict[str, str] = field(default_factory=dict)
    #: fields every record states (a field missing from a record's JSON object is blank in the CMS file)
    complete_fields: tuple[str, ...] = ()

    def record(self, code: str) -> HcpcsRecord:
        wanted = code.strip().upper()
        for record in self.records:
            if record.code == wanted:
                return record
        raise NotFoundError(f"{wanted} is not in the embedded release", code=wanted)

    def note_text(self, number: str) -> str | None:
        return self.notes.get(number.strip()) if number else None


def _record_from(item: Any, index: int) -> HcpcsRecord:
    where = f"{_DATA_FILE} records[{index}]"
    if not isinstance(item, dict):
        raise ConfigError(f"{where} is not an object")
    unknown = set(item) - set(FIELDS)
    if unknown:
        raise ConfigError(f"{where} has fields HcpcsRecord does not know: {sorted(unknown)}")
    values: dict[str, Any] = {name: tuple(value) if name in _REPEATING else value for name, value in item.items()}
    try:
        return HcpcsRecord(**values)
    except TypeError as exc:  # a required field (code, kind, descriptions) is missing
        raise ConfigError(f"{where}: {exc}") from exc


@cache
def embedded_release() -> EmbeddedRelease:
    """The embedded January 2026 home health subset (read once; the result is shared, treat it as read-only)."""
    try:
        text = (_PACKAGE_DATA / _DATA_FILE).read_text(encoding="utf-8")
        document = json.loads(text)
    except (OSError, ValueError) as exc:  # a broken install, not user input
        raise ConfigError(f"cannot read package data {_DATA_FILE}: {exc}") from exc
    release = document.get("release") if isinstance(document, dict) else None
    if not isinstance(release, dict) or not {"label", "effective_date", "source"} <= set(release):
        raise ConfigError(f"package data {_DATA_FILE} lacks release label/effective_date/source")
    records = [_record_from(item, i) for i, item in enumerate(document.get("records", []))]
    codes = [record.code for record in records]
    if len(set(codes)) != len(codes):
        raise ConfigError(f"package data {_DATA_FILE} lists a code twice")
    return EmbeddedRelease(
        metadata={key: str(release[key]) for key in ("label", "effective_date", "source")},
        records=records,
        notes={str(k): str(v) for k, v in document.get("notes", {}).items()},
        complete_fields=tuple(document.get("complete_fields", ())),
    )
