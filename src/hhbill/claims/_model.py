"""The claim model shared by the builder, the scrubber, the 837I reader and the 837I writer.

A ``Claim`` is an institutional (UB-04 / 837I) claim: header facts plus service lines. The builder makes one
from a ``PeriodOfCare`` (visits and facts a biller enters); the 837I reader makes one from a 2300 loop; the
scrubber checks either. Dates are ``datetime.date``; money is ``decimal.Decimal``.

Contract: other modules depend on these names. Add fields freely (with defaults); do not rename.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


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
    #: who furnished a 034X service when the builder knows it (PT, PTA, OT, OTA, SLP); empty otherwise
    furnished_by: str = ""


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
    #: claim facts the scrubber uses that are not on the UB-04 itself (NOA receipt date, site of service...)
    facts: dict[str, object] = field(default_factory=dict)

    @property
    def tob_type(self) -> str:
        """Facility + care digits, e.g. "32" for home health under a plan of care, "34" for Part B outside it."""
        return self.type_of_bill[1:3] if len(self.type_of_bill) == 4 else self.type_of_bill[:2]

    @property
    def frequency(self) -> str:
        return self.type_of_bill[-1:]

    def computed_total(self) -> Decimal:
        return sum((line.charge for line in self.lines), Decimal(0))
