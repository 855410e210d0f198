"""The typed code page: the decoded HCPCS record plus the explaining sections, each statement with its source."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "AlsoKnownAs",
    "BillingNote",
    "CodePage",
    "Comparison",
    "EditConcern",
    "FaqItem",
    "FieldDefinition",
    "PlainLanguage",
    "RelatedCode",
    "Rewrite",
    "RvuSection",
]


@dataclass(frozen=True, slots=True)
class AlsoKnownAs:
    term: str
    #: "names this code" (the vocabulary lists the code) or "lay word for '<phrase>'" (a descriptor phrase)
    relation: str
    source: str


@dataclass(frozen=True, slots=True)
class Rewrite:
    original: str
    plain: str
    source: str


@dataclass(frozen=True, slots=True)
class PlainLanguage:
    text: str
    rewrites: list[Rewrite]
    source: str


@dataclass(frozen=True, slots=True)
class FieldDefinition:
    field: str
    label: str
    cms_name: str
    cms_field_number: int
    positions: str
    definition: str
    source: str


@dataclass(frozen=True, slots=True)
class RvuSection:
    available: bool
    release: str | None
    status: dict[str, Any] | None
    work_rvu: str | None
    pe_nonfacility_rvu: str | None
    pe_facility_rvu: str | None
    mp_rvu: str | None
    national_payment: str | None
    priced: bool
    not_priced_reason: str | None
    descriptor_note: str | None
    summary: str
    source: str
    fee_schedule: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Comparison:
    statement: str
    #: fraction 0..1 of the group that shares the characteristic; None for statements that are not shares
    share: float | None
    group: str
    matching: int | None
    group_size: int | None
    source: str


@dataclass(frozen=True, slots=True)
class RelatedCode:
    code: str
    #: same_range | same_family | excludes | excluded_by | cross_reference | cross_referenced_by |
    #: predecessor | successor | billed_with
    relation: str
    description: str
    why: str
    source: str


@dataclass(frozen=True, slots=True)
class BillingNote:
    topic: str
    text: str
    citation: str


@dataclass(frozen=True, slots=True)
class EditConcern:
    id: str
    severity: str
    why: str
    meaning: str
    citation: str
    reason_code: str | None


@dataclass(frozen=True, slots=True)
class FaqItem:
    question: str
    answer: str
    sources: list[str]


@dataclass(slots=True)
class CodePage:
    """A code page: ``record`` is the decoded HCPCS record page (every CMS field with its meaning)."""

    record: dict[str, Any]
    also_known_as: list[AlsoKnownAs] = field(default_factory=list)
    plain_language: PlainLanguage | None = None
    field_definitions: list[FieldDefinition] = field(default_factory=list)
    rvu: RvuSection | None = None
    comparisons: list[Comparison] = field(default_factory=list)
    related_codes: list[RelatedCode] = field(default_factory=list)
    billing: list[BillingNote] = field(default_factory=list)
    edits: list[EditConcern] = field(default_factory=list)
    faq: list[FaqItem] = field(default_factory=list)

    @property
    def code(self) -> str:
        return str(self.record["code"])

    def to_dict(self) -> dict[str, Any]:
        """The JSON rendering: the record page's keys, then one key per section."""
        return {
            **self.record,
            "also_known_as": [asdict(item) for item in self.also_known_as],
            "plain_language": asdict(self.plain_language) if self.plain_language else None,
            "field_definitions": [asdict(item) for item in self.field_definitions],
            "rvu": asdict(self.rvu) if self.rvu else None,
            "comparisons": [asdict(item) for item in self.comparisons],
            "related_codes": [asdict(item) for item in self.related_codes],
            "billing": [asdict(item) for item in self.billing],
            "edits": [asdict(item) for item in self.edits],
            "faq": [asdict(item) for item in self.faq],
        }
