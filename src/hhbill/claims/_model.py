"""The claim model shared by the builder, the scrubber, the 837I reader and the 837I writer.

A ``Claim`` is an institutional (UB-04 / 837I) claim: header facts plus service lines. The builder makes one
from a ``PeriodOfCare`` (visits and facts a biller enters); the 837I reader makes one from a 2300 loop; the
scrubber checks either. Dates are ``datetime.date``; money is ``decimal.Decimal``.

Contract: other modules depend on these names. Add fields freely (with defaults); do not rename.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from typing import Any


@dataclass(slots=True)
class CodeDate:
    """An occurrence code with its date (FL 31-34), e.g. OC 50 = OASIS assessment date."""

    code: str
    date: date


@dataclass(slots=True)
class CodeSpan:
    """An occurrence span code with from/through dates (FL 35-36)."""

    code: str
    start: date
    end: date


@dataclass(slots=True)
class CodeAmount:
    """A value code with its amount (FL 39-41), e.g. VC 61 = CBSA, VC 85 = FIPS county."""

    code: str
    amount: Decimal


@dataclass(slots=True)
class Patient:
    """Subscriber/patient identity. PHI: never logged."""

    mbi: str = ""
    last_name: str = ""
    first_name: str = ""
    birth_date: date | None = None
    sex: str = ""
    address: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Provider:
    npi: str = ""
    name: str = ""
    tax_id: str = ""
    address: dict[str, str] = field(default_factory=dict)
    taxonomy: str = ""


@dataclass(slots=True)
class ClaimLine:
    """One service line (FL 42-47 / 837I loop 2400)."""

    revenue_code: str
    hcpcs: str = ""
    modifiers: tuple[str, ...] = ()
    service_date: date | None = None
    units: Decimal = Decimal(0)
    charge: Decimal = Decimal(0)
    non_covered_charge: Decimal = Decimal(0)
    #: why the builder made this line (the visit, the rule, the arithmetic); empty on lines read from input
    because: str = ""
    #: index into the period's visits when the line came from a visit
    visit_index: int | None = None
    #: who furnished a 034X service when the builder knows it (PT, PTA, OT, OTA, SLP); empty otherwise. Not part
    #: of the UB-04/837I (the CQ/CO modifier carries it there), so not compared
    furnished_by: str = field(default="", compare=False)


@dataclass(slots=True)
class ClaimFacts(MutableMapping[str, object]):
    """Claim facts the scrubber uses that are not on the UB-04 itself, typed; other facts (what an 837I carries
    beyond the UB-04: payer id, subscriber, hours, notes...) live in ``extra``.

    It is also a mapping over both, for code that reads facts by name: a typed fact is present when it differs
    from its default (``facts["noa_receipt_date"]`` raises KeyError when none was given), any other name is looked
    up in ``extra``. ``ClaimFacts.from_mapping`` reads the old dict form."""

    #: where the period's visits took place (home, assisted_living, other), from the input
    site_of_service: str = ""
    #: what the builder derived and why (codes added, policies applied)
    derivations: list[str] = field(default_factory=list)
    #: MAC receipt date of the accepted NOA (late-NOA reduction)
    noa_receipt_date: date | None = None
    #: discharge, transfer or death date (patient status other than 30)
    discharge_date: date | None = None
    #: whether this is the first period of the admission; None: From date = admission date decides
    first_period: bool | None = None
    #: the NOA is for a patient transferring from another HHA (condition code 47)
    transfer_from_other_hha: bool = False
    #: 034X: the physician fee schedule locality (MAC:LOC) for the KX threshold's allowed amounts
    pfs_locality: str = ""
    #: telehealth services used in the period, by modality (video, audio_only)
    telehealth_services: dict[str, int] = field(default_factory=dict)
    #: days of remote patient monitoring in the period (G0322)
    remote_monitoring_days: int | None = None
    #: 034X: incurred therapy spend this year before the claim, by threshold group (pt_slp, ot)
    ytd_therapy_spend: dict[str, Decimal] = field(default_factory=dict)
    #: the late-NOA exception requested on this claim: category and its meaning
    late_noa_exception: dict[str, str] | None = None
    #: every other fact, by name (837I details the reader keeps and the writer reproduces)
    extra: dict[str, object] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> ClaimFacts:
        facts = cls()
        for key, value in data.items():
            facts[key] = value
        return facts

    def __getitem__(self, key: str) -> object:
        if key in _TYPED_FACTS:
            value = getattr(self, key)
            if value == _TYPED_FACTS[key]:
                raise KeyError(key)
            return value
        return self.extra[key]

    def __setitem__(self, key: str, value: object) -> None:
        if key in _TYPED_FACTS:
            setattr(self, key, value)
        else:
            self.extra[key] = value

    def __delitem__(self, key: str) -> None:
        if key in _TYPED_FACTS:
            if getattr(self, key) == _TYPED_FACTS[key]:
                raise KeyError(key)
            setattr(self, key, _fresh_default(key))
        else:
            del self.extra[key]

    def __iter__(self) -> Iterator[str]:
        for key, default in _TYPED_FACTS.items():
            if getattr(self, key) != default:
                yield key
        yield from self.extra

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def to_dict(self) -> dict[str, Any]:
        """The facts given (typed ones that differ from their default, then the others), by name."""
        return {key: self[key] for key in self}


@dataclass(slots=True)
class Claim:
    """An institutional claim (TOB 032X or 034X)."""

    type_of_bill: str  # 4 characters with the leading 0, e.g. "0329", "032A", "0341"
    from_date: date | None = None
    through_date: date | None = None
    admission_date: date | None = None
    admission_source: str = ""
    admission_type: str = ""
    patient_status: str = ""
    patient_control_number: str = ""
    claim_id: str = ""  # e.g. CLM01 or a caller's id
    diagnoses: list[str] = field(default_factory=list)  # principal first; ICD-10-CM without the dot
    occurrence_codes: list[CodeDate] = field(default_factory=list)
    occurrence_spans: list[CodeSpan] = field(default_factory=list)
    condition_codes: list[str] = field(default_factory=list)
    value_codes: list[CodeAmount] = field(default_factory=list)
    lines: list[ClaimLine] = field(default_factory=list)
    patient: Patient = field(default_factory=Patient)
    billing_provider: Provider = field(default_factory=Provider)
    attending_npi: str = ""
    certifying_npi: str = ""  # referring/certifying practitioner
    payer_name: str = "MEDICARE"
    total_charge: Decimal | None = None  # None: the sum of the lines
    remarks: str = ""
    #: claim facts the scrubber uses that are not on the UB-04 itself (NOA receipt date, site of service...),
    #: typed; a plain mapping given here is read into a ClaimFacts
    facts: ClaimFacts = field(default_factory=ClaimFacts)

    def __post_init__(self) -> None:
        if not isinstance(self.facts, ClaimFacts):
            self.facts = ClaimFacts.from_mapping(self.facts)

    @property
    def tob_type(self) -> str:
        """Facility + care digits, e.g. "32" for home health under a plan of care, "34" for Part B outside it."""
        return self.type_of_bill[1:3] if len(self.type_of_bill) == 4 else self.type_of_bill[:2]

    @property
    def frequency(self) -> str:
        return self.type_of_bill[-1:]

    def computed_total(self) -> Decimal:
        return sum((line.charge for line in self.lines), Decimal(0))


def claim_facts(claim: Claim) -> ClaimFacts:
    """The claim's typed facts; a plain mapping assigned to ``claim.facts`` after construction is read in place."""
    facts: object = claim.facts
    if not isinstance(facts, ClaimFacts):
        claim.facts = ClaimFacts.from_mapping(facts)  # type: ignore[arg-type]
    return claim.facts


def _fresh_default(key: str) -> object:
    default = _TYPED_FACTS[key]
    return type(default)() if isinstance(default, (list, dict)) else default


#: the typed facts and their defaults ("absent" when equal)
_TYPED_FACTS: dict[str, object] = {
    f.name: (f.default_factory() if callable(f.default_factory) else f.default)
    for f in fields(ClaimFacts)
    if f.name != "extra"
}
