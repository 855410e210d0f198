"""Response shapes for the OpenAPI document.

Routes return the library's ``to_dict()`` data as it is (no re-validation on the hot path); these models only
document it, and the schemathesis test checks every response against them. Models allow extra fields: the
library may add a field without breaking the contract, never rename or retype one.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorDetail(_Open):
    code: str
    message: str
    field: str | None
    location: dict[str, Any] | None = None


class ErrorResponse(BaseModel):
    error: ErrorDetail


class Health(_Open):
    status: str
    releases: int
    version: str


class ReleaseOut(_Open):
    id: int
    label: str
    effective_date: str
    source_name: str
    source_format: str
    imported_at: str
    procedure_count: int
    modifier_count: int
    warnings: list[str]


class ReleaseBrief(_Open):
    id: int
    label: str
    effective_date: str


class Releases(_Open):
    releases: list[ReleaseOut]


class CodePage(_Open):
    code: str
    kind: str
    release: dict[str, Any]
    long_description: str
    short_description: str
    status: dict[str, Any]
    exclusions: list[dict[str, Any]]
    history: list[Any]
    other_meanings: list[Any]
    rvu: dict[str, Any] | None
    # the explaining sections (hhbill.explain.CodePage.to_dict); every entry names its source
    also_known_as: list[dict[str, Any]]
    plain_language: dict[str, Any] | None
    field_definitions: list[dict[str, Any]]
    comparisons: list[dict[str, Any]]
    related_codes: list[dict[str, Any]]
    billing: list[dict[str, Any]]
    edits: list[dict[str, Any]]
    faq: list[dict[str, Any]]


class HistoryEvent(_Open):
    release: ReleaseBrief
    change: str
    fields: list[dict[str, Any]]


class History(_Open):
    code: str
    history: list[HistoryEvent]
    meanings: list[dict[str, Any]]


class DiffSummary(_Open):
    added: int
    removed: int
    terminated: int
    changed: int
    unchanged: int


class Diff(_Open):
    old: ReleaseBrief
    new: ReleaseBrief
    summary: DiffSummary
    added: list[dict[str, Any]]
    removed: list[dict[str, Any]]
    terminated: list[dict[str, Any]]
    changed: list[dict[str, Any]]


class SearchHit(_Open):
    code: str
    kind: str
    short_description: str
    long_description: str
    score: float
    matched: list[str]
    status: str
    termination_date: str | None


class SearchOut(_Open):
    query: str
    as_of: str
    release: ReleaseBrief
    total: int
    corrections: dict[str, str]
    notes: list[str]
    results: list[SearchHit]


class Finding(_Open):
    id: str
    severity: str
    message: str


class ClaimOut(_Open):
    """A built or checked claim: the claim, its lines and (for a check) the findings."""


class TimelineOut(_Open):
    """A patient's timeline: items (each with kind, dates, agency, status, marks, findings) and next dates."""

    patient: str
    today: str
    items: list[dict[str, Any]]
    next_dates: list[dict[str, Any]]


class X12Summary(_Open):
    file: str | None
    claims: int
    claims_ok: int
    claims_with_errors: int
    ok: bool


class X12Report(_Open):
    summary: X12Summary
    structure_issues: list[dict[str, Any]]
    claims: list[dict[str, Any]]


class PriceOut(_Open):
    code: str
    year: int
    rvus: dict[str, Any]
    priced: bool
    payment: str | None


class RvuReleases(_Open):
    releases: list[dict[str, Any]]


class TargetOut(_Open):
    work_rvu: str
    period: str
    set_at: str


class LogEntryOut(_Open):
    id: int
    performed_on: str
    code: str
    units: int
    work_rvu: str


class LogEntries(_Open):
    entries: list[LogEntryOut]


class LogReportOut(_Open):
    by: str
    periods: list[dict[str, Any]]
    total_work_rvu: str
    total_units: int


class ApiKeyOut(_Open):
    id: int
    name: str
    prefix: str
