"""One HCPCS Level II record (a procedure code or a modifier) exactly as CMS publishes it.

Fields keep CMS's raw values (codes, not meanings): decoding into plain language happens in ``_values`` and
``_page``. Empty CMS fields are ``""`` (single-valued) or absent from the tuple (repeating fields), dates are
ISO strings ``YYYY-MM-DD`` or ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

Kind = Literal["procedure", "modifier"]

#: the record fields in CMS layout order (names are ours; CMS column names in ``CMS_COLUMN``)
FIELDS = (
    "code",
    "kind",
    "sequence",
    "long_description",
    "short_description",
    "pricing_indicators",
    "multiple_pricing_indicator",
    "cim_references",
    "mcm_references",
    "statute",
    "lab_certifications",
    "cross_references",
    "coverage",
    "asc_group",
    "asc_effective_date",
    "mog_group",
    "mog_policy_indicator",
    "mog_effective_date",
    "processing_note",
    "betos",
    "types_of_service",
    "anesthesia_base_units",
    "added_date",
    "action_effective_date",
    "termination_date",
    "action",
)


@dataclass(frozen=True, slots=True)
class HcpcsRecord:
    code: str
    kind: Kind
    long_description: str
    short_description: str
    sequence: str = ""
    pricing_indicators: tuple[str, ...] = ()
    multiple_pricing_indicator: str = ""
    cim_references: tuple[str, ...] = ()
    mcm_references: tuple[str, ...] = ()
    statute: str = ""
    lab_certifications: tuple[str, ...] = ()
    cross_references: tuple[str, ...] = ()
    coverage: str = ""
    asc_group: str = ""
    asc_effective_date: str | None = None
    mog_group: str = ""
    mog_policy_indicator: str = ""
    mog_effective_date: str | None = None
    processing_note: str = ""
    betos: str = ""
    types_of_service: tuple[str, ...] = ()
    anesthesia_base_units: int | None = None
    added_date: str | None = None
    action_effective_date: str | None = None
    termination_date: str | None = None
    action: str = ""
    #: where the record came from (file and line/row) - for messages only, not part of the content
    source_line: int | None = field(default=None, compare=False)

    def content(self) -> dict[str, Any]:
        """The record's CMS content (what a release diff compares)."""
        # built by hand: dataclasses.asdict deep-copies every value, which dominated import time
        return {name: getattr(self, name) for name in FIELDS}

    def is_valid_on(self, day: date) -> bool:
        """Valid for a date of service: added on or before it, not terminated before it (the record layout's
        ADD DT and TERM DT definitions, HCPC2026_recordlayout.txt)."""
        iso = day.isoformat()
        if self.added_date and iso < self.added_date:
            return False
        return not (self.termination_date and iso > self.termination_date)
