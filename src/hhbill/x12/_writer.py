"""837I writer: claims in, a complete 005010X223A2 interchange out.

The interchange has one ISA/GS, and one ST per ``max_claims_per_transaction`` claims (TR3: at most 5000 CLM
per transaction set). Inside a transaction, consecutive claims with the same billing provider share one 2000A
level, and consecutive claims for the same subscriber and payer share one 2000B level. Claims are written as
they come (the writer streams): counts in SE/GE/IEA are kept while writing.

What is not on :class:`Claim` itself comes from :class:`WriterSettings` (submitter, receiver, payer id,
envelope identifiers) or from documented ``Claim.facts`` keys (see docs/X12.md).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TextIO

from .._errors import ClaimInputError, ConfigError
from ..claims._model import Claim, ClaimLine, Patient, Provider
from ._reader import IMPLEMENTATION_837I, Envelope
from ._tokenizer import Delimiters

__all__ = ["WriterSettings", "claims_to_x12", "write_837i"]

_HIPPS = re.compile(r"[0-9A-Z]{5}")
_ICD9_PRINCIPAL = "ICD-9-CM"
_MAX_PER_HI = 12


@dataclass(slots=True)
class WriterSettings:
    """Who sends the file to whom, and the envelope identifiers. Defaults make a test-usage file."""

    sender_id: str = "HHBILL"  # ISA06 (and GS02 unless application_sender is set)
    sender_qualifier: str = "ZZ"
    receiver_id: str = "MAC"  # ISA08 (and GS03 unless application_receiver is set)
    receiver_qualifier: str = "ZZ"
    application_sender: str = ""
    application_receiver: str = ""
    submitter_name: str = ""  # 1000A NM103; default: the first claim's billing provider name
    submitter_id: str = ""  # 1000A NM109; default: sender_id
    contact_name: str = "BILLING"  # 1000A PER02
    contact_phone: str = "0000000000"  # 1000A PER04 (TE)
    receiver_name: str = "MEDICARE"  # 1000B NM103
    receiver_entity_id: str = ""  # 1000B NM109; default: receiver_id
    payer_id: str = ""  # 2010BB NM109 when the claim has no facts["payer_id"]
    usage: str = "T"  # ISA15: T test, P production
    acknowledgment_requested: str = "0"  # ISA14
    interchange_control_number: int = 1
    group_control_number: int = 1
    first_transaction_control_number: int = 1
    transaction_reference: str = ""  # BHT03; default: the interchange control number
    created: datetime | None = None  # ISA09/10, GS04/05, BHT04/05; default: now
    delimiters: Delimiters = field(default_factory=Delimiters)
    line_break: str = "\n"  # written after each segment terminator ("" for one long line)
    max_claims_per_transaction: int = 5000
    #: NPI -> (last name, first name) for attending/certifying practitioners the claims name only by NPI
    practitioner_names: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: reproduce this envelope (ISA, GS, ST, BHT, submitter, receiver) verbatim: used for read -> write
    reuse_envelope: Envelope | None = None

    @classmethod
    def from_envelope(cls, envelope: Envelope, **overrides: object) -> WriterSettings:
        """Settings that reproduce the envelope of a file that was read (delimiters as the body used them)."""
        delimiters = replace(envelope.delimiters, component=envelope.component_in_body or envelope.delimiters.component)
        settings = cls(delimiters=delimiters, reuse_envelope=envelope)
        for name, value in overrides.items():
            setattr(settings, name, value)
        return settings


def _amount(value: Decimal) -> str:
    return format(value, "f")


class _Composite(str):
    """An element already joined from components: its component separators are meant."""

    __slots__ = ()


def _listed(facts: Mapping[str, object], key: str) -> list[Any]:
    value = facts.get(key) or []
    if not isinstance(value, (list, tuple)):
        raise ClaimInputError(f"facts[{key!r}] must be a list", field=f"facts.{key}")
    return list(value)


def _d8(value: date) -> str:
    return value.strftime("%Y%m%d")


def _check_settings(settings: WriterSettings) -> None:
    """Envelope values the ISA/GS cannot hold are a configuration error, not something to cut silently."""
    for name in ("sender_id", "receiver_id"):
        value = getattr(settings, name)
        if not value or len(value) > 15:
            raise ConfigError(f"X12 writer setting {name} {value!r}: 1 to 15 characters (ISA06/ISA08)")
    if settings.usage not in ("T", "P"):
        raise ConfigError(f"X12 writer setting usage {settings.usage!r}: 'T' (test) or 'P' (production)")
    for name in ("interchange_control_number", "group_control_number", "first_transaction_control_number"):
        value = getattr(settings, name)
        if not 0 < value < 10**9:
            raise ConfigError(f"X12 writer setting {name} {value}: 1 to 999999999")
    if settings.max_claims_per_transaction < 1:
        raise ConfigError("X12 writer setting max_claims_per_transaction must be at least 1")
    d = settings.delimiters
    chars = [d.element, d.component, d.segment] + ([d.repetition] if d.repetition else [])
    if any(len(c) != 1 or c.isalnum() or c == " " for c in chars) or len(set(chars)) != len(chars):
        raise ConfigError(f"X12 writer delimiters {chars!r}: distinct single punctuation characters expected")


class _Writer:
    def __init__(self, settings: WriterSettings, out: TextIO) -> None:
        _check_settings(settings)
        self.settings = settings
        self.out = out
        self.delimiters = settings.delimiters
        self.element = self.delimiters.element
        self.component = self.delimiters.component
        self.terminator = self.delimiters.segment + settings.line_break
        self.created = settings.created or datetime.now()
        self.transaction_segments = 0
        self.transactions = 0
        self.claims_in_transaction = 0
        self.hl_number = 0
        self.provider_level: tuple[str, Provider] | None = None
        self.subscriber_key: tuple[object, ...] | None = None
        self.subscriber_hl = ""
        self.envelope = settings.reuse_envelope
        self._forbidden = {self.element, self.delimiters.segment, self.component}
        if self.delimiters.repetition:
            self._forbidden.add(self.delimiters.repetition)

    # -- output -------------------------------------------------------------------------------------------
    def segment(self, *elements: str) -> None:
        values = list(elements)
        while values and values[-1] == "":
            values.pop()
        forbidden = self._forbidden
        for index in range(1, len(values)):
            value = values[index]
            if not isinstance(value, _Composite) and any(ch in value for ch in forbidden):
                values[index] = self._clean(value)
        self.out.write(self.element.join(values) + self.terminator)
        self.transaction_segments += 1

    def composite(self, *components: str) -> str:
        values = [self._clean(c) for c in components]
        while values and values[-1] == "":
            values.pop()
        return _Composite(self.component.join(values))

    def _clean(self, value: str) -> str:
        # a delimiter inside data would corrupt the file: replace it by a space
        for ch in self._forbidden:
            value = value.replace(ch, " ")
        return value

    # -- envelope -----------------------------------------------------------------------------------------
    def interchange_header(self) -> None:
        s = self.settings
        d = self.delimiters
        envelope = self.envelope
        if envelope is not None:
            isa = list(envelope.isa)
            isa[11] = d.repetition or isa[11]
            isa[16] = d.component
            self.out.write(d.element.join(isa) + self.terminator)
            self.segment(*envelope.gs)
            return
        when = self.created
        isa = [
            "ISA", "00", " " * 10, "00", " " * 10,
            s.sender_qualifier, s.sender_id[:15].ljust(15),
            s.receiver_qualifier, s.receiver_id[:15].ljust(15),
            when.strftime("%y%m%d"), when.strftime("%H%M"),
            d.repetition or "^", "00501", f"{s.interchange_control_number:09d}",
            s.acknowledgment_requested, s.usage, d.component,
        ]  # fmt: skip
        self.out.write(d.element.join(isa) + self.terminator)
        self.segment(
            "GS", "HC", s.application_sender or s.sender_id, s.application_receiver or s.receiver_id,
            when.strftime("%Y%m%d"), when.strftime("%H%M"), str(s.group_control_number), "X", IMPLEMENTATION_837I,
        )  # fmt: skip

    def interchange_trailer(self) -> None:
        s = self.settings
        if self.envelope is not None:
            group_control = self.envelope.gs[6]
            interchange_control = self.envelope.isa[13]
        else:
            group_control = str(s.group_control_number)
            interchange_control = f"{s.interchange_control_number:09d}"
        self.segment("GE", str(self.transactions), group_control)
        self.segment("IEA", "1", interchange_control)

    def transaction_header(self, first_claim: Claim) -> None:
        s = self.settings
        self.transactions += 1
        self.transaction_segments = 0
        self.claims_in_transaction = 0
        self.hl_number = 0
        self.provider_level = None
        self.subscriber_key = None
        envelope = self.envelope
        if envelope is not None and self.transactions == 1:
            self.control_number = envelope.st[2]
            self.segment(*envelope.st)
            self.segment(*envelope.bht)
            self.segment(*envelope.submitter)
            for contact in envelope.submitter_contacts:
                self.segment(*contact)
            self.segment(*envelope.receiver)
            return
        self.control_number = f"{s.first_transaction_control_number + self.transactions - 1:04d}"
        when = self.created
        self.segment("ST", "837", self.control_number, IMPLEMENTATION_837I)
        self.segment(
            "BHT", "0019", "00", s.transaction_reference or f"{s.interchange_control_number:09d}",
            when.strftime("%Y%m%d"), when.strftime("%H%M"), "CH",
        )  # fmt: skip
        submitter = s.submitter_name or first_claim.billing_provider.name
        if not submitter:
            raise ClaimInputError(
                "no submitter name: give submitter_name in the 837I writer settings file (--settings, "
                "--x12-settings or $HHBILL_X12_SETTINGS) or the provider's name (provider.name) in the claim input",
                field="submitter_name",
            )
        self.segment("NM1", "41", "2", submitter, "", "", "", "", "46", s.submitter_id or s.sender_id)
        self.segment("PER", "IC", s.contact_name, "TE", s.contact_phone)
        self.segment("NM1", "40", "2", s.receiver_name, "", "", "", "", "46", s.receiver_entity_id or s.receiver_id)

    def transaction_trailer(self) -> None:
        self.segment("SE", str(self.transaction_segments + 1), self.control_number)

    # -- levels -------------------------------------------------------------------------------------------
    def billing_provider(self, claim: Claim, where: str) -> None:
        provider = claim.billing_provider
        key = (provider.npi, provider.name, provider.tax_id, tuple(sorted(provider.address.items())),
               provider.taxonomy)  # fmt: skip
        if self.provider_level is not None and self.provider_level[0] == repr(key):
            return
        self.provider_level = (repr(key), provider)
        self.subscriber_key = None
        if not provider.npi:
            raise ClaimInputError(
                "the billing provider has no NPI (2010AA NM109)", field=f"{where}.billing_provider.npi"
            )
        if not provider.name:
            raise ClaimInputError("the billing provider has no name", field=f"{where}.billing_provider.name")
        if not provider.tax_id:
            raise ClaimInputError(
                "the billing provider has no tax id (REF*EI)", field=f"{where}.billing_provider.tax_id"
            )
        self.hl_number += 1
        self.billing_hl = str(self.hl_number)
        self.segment("HL", self.billing_hl, "", "20", "1")
        if provider.taxonomy:
            self.segment("PRV", "BI", "PXC", provider.taxonomy)
        self.segment("NM1", "85", "2", provider.name, "", "", "", "", "XX", provider.npi)
        self.address(provider.address, f"{where}.billing_provider.address", required=True)
        self.segment("REF", "EI", provider.tax_id)

    def address(self, address: dict[str, str], where: str, *, required: bool) -> None:
        if not address.get("line1"):
            if required:
                raise ClaimInputError("address line 1 is required here", field=f"{where}.line1")
            return
        self.segment("N3", address["line1"], address.get("line2", ""))
        for part in ("city", "state", "zip"):
            if not address.get(part):
                raise ClaimInputError(f"address has no {part}", field=f"{where}.{part}")
        self.segment("N4", address["city"], address["state"], address["zip"], address.get("country", ""))

    def person(self, entity: str, person: Patient, facts: Mapping[str, object], prefix: str, where: str,
               *, with_id: bool) -> None:  # fmt: skip
        if not person.last_name:
            raise ClaimInputError("the patient has no last name", field=f"{where}.last_name")
        if with_id and not person.mbi:
            raise ClaimInputError("the patient has no Medicare beneficiary identifier (MBI)", field=f"{where}.mbi")
        self.segment(
            "NM1", entity, "1", person.last_name, person.first_name, str(facts.get(f"{prefix}_middle_name", "")),
            "", str(facts.get(f"{prefix}_name_suffix", "")), "MI" if with_id else "", person.mbi if with_id else "",
        )  # fmt: skip
        self.address(person.address, f"{where}.address", required=False)
        if person.birth_date is not None or person.sex:
            if person.birth_date is None:
                raise ClaimInputError("the patient has a sex but no birth date", field=f"{where}.birth_date")
            self.segment("DMG", "D8", _d8(person.birth_date), person.sex)

    def subscriber(self, claim: Claim, where: str) -> None:
        facts = claim.facts
        subscriber = facts.get("subscriber")
        patient_is_subscriber = not isinstance(subscriber, Patient)
        payer_id = str(facts.get("payer_id") or self.settings.payer_id)
        key = (repr(claim.patient), repr(subscriber), claim.payer_name, payer_id,
               tuple(str(facts.get(k, "")) for k in ("payer_responsibility", "subscriber_relationship",
                                                      "group_number", "group_name", "claim_filing_indicator",
                                                      "patient_relationship")))  # fmt: skip
        if key == self.subscriber_key:
            return
        self.subscriber_key = key
        if not payer_id:
            raise ClaimInputError(
                "no payer id for 2010BB: give payer_id (your MAC's id) in the 837I writer settings file "
                "(--settings, --x12-settings or $HHBILL_X12_SETTINGS)",
                field="payer_id",
            )
        if not claim.payer_name:
            raise ClaimInputError("the claim has no payer name", field=f"{where}.payer_name")
        self.hl_number += 1
        self.subscriber_hl = str(self.hl_number)
        self.segment("HL", self.subscriber_hl, self.billing_hl, "22", "1" if not patient_is_subscriber else "0")
        filing = str(facts.get("claim_filing_indicator") or ("MB" if claim.tob_type == "34" else "MA"))
        self.segment(
            "SBR", str(facts.get("payer_responsibility") or "P"),
            str(facts.get("subscriber_relationship", "18" if patient_is_subscriber else "")),
            str(facts.get("group_number", "")), str(facts.get("group_name", "")), "", "", "", "", filing,
        )  # fmt: skip
        if patient_is_subscriber:
            self.person("IL", claim.patient, facts, "patient", f"{where}.patient", with_id=True)
        else:
            assert isinstance(subscriber, Patient)
            self.person("IL", subscriber, facts, "subscriber", f"{where}.facts.subscriber", with_id=True)
        self.segment("NM1", "PR", "2", claim.payer_name, "", "", "", "", "PI", payer_id)
        if not patient_is_subscriber:
            self.hl_number += 1
            self.segment("HL", str(self.hl_number), self.subscriber_hl, "23", "0")
            self.segment("PAT", str(facts.get("patient_relationship", "")))
            patient = claim.patient
            if not patient.address.get("line1") or patient.birth_date is None:
                raise ClaimInputError("a patient other than the subscriber needs address and birth date",
                                      field=f"{where}.patient")  # fmt: skip
            self.person("QC", patient, facts, "patient", f"{where}.patient", with_id=False)

    # -- the claim ----------------------------------------------------------------------------------------
    @staticmethod
    def _claim_control(claim: Claim, where: str) -> str:
        """CLM01, once what every 837I claim needs is there (else an error naming the field)."""
        tob = claim.type_of_bill
        if len(tob) != 4 or tob[0] != "0" or not tob[1:3].isdigit():
            raise ClaimInputError(
                f"type of bill {tob!r}: 4 characters like 0329 expected", field=f"{where}.type_of_bill"
            )
        control = claim.patient_control_number or claim.claim_id
        if not control:
            raise ClaimInputError(
                "the claim has no patient control number (CLM01)", field=f"{where}.patient_control_number"
            )
        if claim.from_date is None or claim.through_date is None:
            raise ClaimInputError("statement from/through dates are required (DTP*434)", field=f"{where}.from_date")
        if not claim.diagnoses:
            raise ClaimInputError("a principal diagnosis is required (HI*ABK)", field=f"{where}.diagnoses")
        if not claim.lines:
            raise ClaimInputError(
                "an 837I claim needs at least one service line (loop 2400 is required); "
                "for a NOA add the line your MAC asks for",
                field=f"{where}.lines",
            )
        return control

    def claim(self, claim: Claim, where: str) -> None:
        facts = claim.facts
        control = self._claim_control(claim, where)
        tob = claim.type_of_bill
        total = claim.total_charge if claim.total_charge is not None else claim.computed_total()
        self.segment(
            "CLM", control, _amount(total), "", "", self.composite(tob[1:3], "A", tob[3]),
            str(facts.get("provider_signature_on_file", "")),  # CLM06 is "not used" in 837I
            str(facts.get("provider_accepts_assignment", "A")), str(facts.get("benefits_assigned", "Y")),
            str(facts.get("release_of_information", "Y")),
            *([""] * 10 + [str(facts["delay_reason"])] if facts.get("delay_reason") else []),
        )  # fmt: skip
        if facts.get("discharge_hour"):
            self.segment("DTP", "096", "TM", str(facts["discharge_hour"]))
        assert claim.from_date is not None and claim.through_date is not None  # _claim_control checked them
        self.segment("DTP", "434", "RD8", f"{_d8(claim.from_date)}-{_d8(claim.through_date)}")
        if claim.admission_date is not None:
            hour = str(facts.get("admission_hour", ""))
            if hour:
                self.segment("DTP", "435", "DT", _d8(claim.admission_date) + hour)
            else:
                self.segment("DTP", "435", "D8", _d8(claim.admission_date))
        self.segment("CL1", claim.admission_type, claim.admission_source, claim.patient_status)
        self.claim_references(claim, control, where)
        self.health_care_codes(claim, where)
        self.claim_providers(claim, where)
        periods = facts.get("line_service_periods") or {}
        assert isinstance(periods, dict)
        for index, line in enumerate(claim.lines):
            self.service_line(index, line, periods.get(index), f"{where}.lines[{index}]")

    def claim_references(self, claim: Claim, control: str, where: str) -> None:
        """The 2300 REF and NTE segments."""
        facts = claim.facts
        for qualifier, key in (("F8", "payer_claim_control_number"), ("9F", "referral_number"),
                               ("G1", "prior_authorization")):  # fmt: skip
            if facts.get(key):
                self.segment("REF", qualifier, str(facts[key]))
        if claim.claim_id and claim.claim_id != control:
            self.segment("REF", "D9", claim.claim_id)
        if facts.get("medical_record_number"):
            self.segment("REF", "EA", str(facts["medical_record_number"]))
        if claim.remarks:
            if len(claim.remarks) > 80:
                raise ClaimInputError("remarks longer than 80 characters do not fit NTE02", field=f"{where}.remarks")
            self.segment("NTE", "ADD", claim.remarks)
        for note in _listed(facts, "claim_notes"):
            self.segment("NTE", str(note[0]), str(note[1]))

    def health_care_codes(self, claim: Claim, where: str) -> None:
        facts = claim.facts
        icd9 = facts.get("diagnosis_code_set") == _ICD9_PRINCIPAL
        poa = facts.get("present_on_admission") or {}
        assert isinstance(poa, dict)

        def diagnosis(qualifier: str, index: int) -> str:
            code = claim.diagnoses[index].replace(".", "")
            indicator = str(poa.get(index, ""))
            return self.composite(qualifier, code, *([""] * 6 + [indicator] if indicator else []))

        self.hi_segments([diagnosis("BK" if icd9 else "ABK", 0)], where)
        if facts.get("admitting_diagnosis"):
            self.hi_segments([self.composite("BJ" if icd9 else "ABJ", str(facts["admitting_diagnosis"]))], where)
        for key, qualifier9, qualifier10, limit in (("patient_reason_diagnoses", "PR", "APR", 3),
                                                    ("external_cause_diagnoses", "BN", "ABN", 12)):  # fmt: skip
            codes = _listed(facts, key)
            if codes:
                self.hi_segments([self.composite(qualifier9 if icd9 else qualifier10, c) for c in codes], where,
                                 limit=limit)  # fmt: skip
        if facts.get("drg"):
            self.hi_segments([self.composite("DR", str(facts["drg"]))], where)
        others = [diagnosis("BF" if icd9 else "ABF", i) for i in range(1, len(claim.diagnoses))]
        self.hi_segments(others, where, limit=24, what="other diagnoses")
        self.coded_lists(claim, where)

    def coded_lists(self, claim: Claim, where: str) -> None:
        """HI segments after the diagnoses: procedures, occurrence spans and codes, value, condition and
        treatment codes."""
        facts = claim.facts
        pcs9 = facts.get("procedure_code_set") == _ICD9_PRINCIPAL
        principal_procedure = facts.get("principal_procedure")
        if principal_procedure:
            assert isinstance(principal_procedure, tuple)
            self.hi_segments([self.coded_date("BR" if pcs9 else "BBR", *principal_procedure)], where)
        procedures = [self.coded_date("BQ" if pcs9 else "BBQ", c, w) for c, w in _listed(facts, "other_procedures")]
        self.hi_segments(procedures, where, limit=24, what="other procedures")
        spans = [self.composite("BI", s.code, "RD8", f"{_d8(s.start)}-{_d8(s.end)}") for s in claim.occurrence_spans]
        self.hi_segments(spans, where, limit=24, what="occurrence span codes")
        occurrences = [self.composite("BH", o.code, "D8", _d8(o.date)) for o in claim.occurrence_codes]
        self.hi_segments(occurrences, where, limit=24, what="occurrence codes")
        values = [self.composite("BE", v.code, "", "", _amount(v.amount)) for v in claim.value_codes]
        self.hi_segments(values, where, limit=24, what="value codes")
        conditions = [self.composite("BG", c) for c in claim.condition_codes]
        self.hi_segments(conditions, where, limit=24, what="condition codes")
        treatments = [self.composite("TC", str(c)) for c in _listed(facts, "treatment_codes")]
        self.hi_segments(treatments, where, limit=24, what="treatment codes")

    def coded_date(self, qualifier: str, code: str, when: date | None) -> str:
        return self.composite(qualifier, code, "D8" if when else "", _d8(when) if when else "")

    def hi_segments(self, composites: list[str], where: str, *, limit: int = 1, what: str = "codes") -> None:
        if len(composites) > limit:
            raise ClaimInputError(f"{len(composites)} {what}: an 837I carries at most {limit}", field=where)
        for start in range(0, len(composites), _MAX_PER_HI):
            self.segment("HI", *composites[start : start + _MAX_PER_HI])

    def claim_providers(self, claim: Claim, where: str) -> None:
        facts = claim.facts
        for entity, prefix, npi in (("71", "attending", claim.attending_npi),
                                    ("72", "operating", str(facts.get("operating_npi", ""))),
                                    ("ZZ", "other_operating", str(facts.get("other_operating_npi", ""))),
                                    ("82", "rendering", str(facts.get("rendering_npi", ""))),
                                    ("77", "service_facility", str(facts.get("service_facility_npi", ""))),
                                    ("DN", "certifying", claim.certifying_npi)):  # fmt: skip
            last = str(facts.get(f"{prefix}_last_name", ""))
            first = str(facts.get(f"{prefix}_first_name", ""))
            if not (npi or last):
                continue
            if not last and npi in self.settings.practitioner_names:
                last, first = self.settings.practitioner_names[npi]
            if not last:
                raise ClaimInputError(
                    f"the {prefix.replace('_', ' ')} practitioner (NPI {npi}) has no name; NM1*{entity} needs one: "
                    f"add the NPI to practitioner_names in the 837I writer settings file (--settings, "
                    f"--x12-settings or $HHBILL_X12_SETTINGS)",
                    field=f"{where}.facts.{prefix}_last_name",
                )
            kind = str(facts.get(f"{prefix}_entity_type") or ("2" if entity == "77" else "1"))
            self.segment("NM1", entity, kind, last, first, str(facts.get(f"{prefix}_middle_name", "")),
                         "", "", "XX" if npi else "", npi)  # fmt: skip
            taxonomy = facts.get(f"{prefix}_taxonomy")
            if entity == "71" and isinstance(taxonomy, tuple):
                self.segment("PRV", *(str(part) for part in taxonomy))
            for qualifier, identifier in _listed(facts, f"{prefix}_secondary_ids"):
                self.segment("REF", str(qualifier), str(identifier))

    def service_line(self, index: int, line: ClaimLine, period: object, where: str) -> None:
        self.segment("LX", str(index + 1))
        procedure = ""
        if line.hcpcs:
            qualifier = "HP" if line.revenue_code == "0023" and _HIPPS.fullmatch(line.hcpcs) else "HC"
            if len(line.modifiers) > 4:
                raise ClaimInputError("at most 4 modifiers per line", field=f"{where}.modifiers")
            procedure = self.composite(qualifier, line.hcpcs, *line.modifiers)
        non_covered = _amount(line.non_covered_charge) if line.non_covered_charge else ""
        self.segment("SV2", line.revenue_code, procedure, _amount(line.charge), "UN", _amount(line.units), "",
                     non_covered)  # fmt: skip
        if isinstance(period, tuple) and period[0] != period[1]:
            self.segment("DTP", "472", "RD8", f"{_d8(period[0])}-{_d8(period[1])}")
        elif line.service_date is not None:
            self.segment("DTP", "472", "D8", _d8(line.service_date))

    def write(self, claims: Iterable[Claim]) -> int:
        written = 0
        open_transaction = False
        for index, claim in enumerate(claims):
            where = f"claims[{index}]"
            if not open_transaction:
                if written == 0:
                    self.interchange_header()
                self.transaction_header(claim)
                open_transaction = True
            self.billing_provider(claim, where)
            self.subscriber(claim, where)
            self.claim(claim, where)
            written += 1
            self.claims_in_transaction += 1
            if self.claims_in_transaction >= self.settings.max_claims_per_transaction:
                self.transaction_trailer()
                open_transaction = False
        if written == 0:
            raise ClaimInputError("no claims to write: an 837I needs at least one claim", field="claims")
        if open_transaction:
            self.transaction_trailer()
        self.interchange_trailer()
        return written


def write_837i(claims: Iterable[Claim], out: TextIO, settings: WriterSettings | None = None) -> int:
    """Write one 837I interchange holding ``claims`` to ``out``; returns the number of claims written.

    Raises :class:`~hhbill.ClaimInputError` (with the field path, e.g. ``claims[2].patient.mbi``) when a claim
    lacks something the 837I requires.
    """
    return _Writer(settings or WriterSettings(), out).write(claims)


def claims_to_x12(claims: Iterable[Claim], settings: WriterSettings | None = None) -> str:
    """The 837I interchange for ``claims`` as a string."""
    buffer = io.StringIO()
    write_837i(claims, buffer, settings)
    return buffer.getvalue()
