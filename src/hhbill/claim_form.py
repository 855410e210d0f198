"""The claim form's library side: the choices its pickers offer (with meanings) and the check of one field.

The web claim form names each field after its key in the claim input JSON (docs/CLAIMS.md), so a field is
checked by the claim input parser itself: ``check_claim_field("hipps", "1FC21")`` puts the value into a minimal
valid claim header and parses it, and reports the parser's own message for that field. The form and the CLI
therefore apply the same input checks.

Patient identity fields (``hhbill.claims._withheld.PATIENT_IDENTITY_FIELDS``: the patient block, the patient
control number, the claim id) are never checked here: the form checks them in the browser, so a draft's patient
data stays on the biller's machine until the claim is recorded to the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._errors import ClaimInputError, InputError
from .claims import PATIENT_IDENTITY_FIELDS, is_patient_identity
from .claims._data import rule_tables
from .claims._input import SITES_OF_SERVICE, parse_claim_input
from .hipps import decode_hipps, hipps_meaning

__all__ = ["FIELDS", "FieldCheck", "check_claim_field", "claim_form_choices"]

#: header fields the server checks, by claim input key (patient identity fields are checked in the browser only)
FIELDS = frozenset(
    {
        "type_of_bill",
        "from",
        "through",
        "admission_date",
        "admission_source",
        "patient_status",
        "hipps",
        "diagnoses",
        "occurrence_codes",
        "condition_codes",
        "value_codes",
        "site_of_service",
        "cbsa",
        "fips_county",
        "oasis_assessment_date",
        "noa_receipt_date",
        "discharge_date",
        "remarks",
        "attending_npi",
        "certifying_npi",
        "provider.npi",
        "provider.name",
        "provider.tax_id",
        "provider.taxonomy",
    }
)
#: the smallest header the parser accepts; the field checked replaces its value
_BASE = {"type_of_bill": "0329", "from": "2026-01-01", "through": "2026-01-30", "admission_date": "2026-01-01"}
#: fields of the base the browser may send along, so a field that depends on them is checked against them
CONTEXT_FIELDS = ("type_of_bill", "from", "through", "admission_date")


@dataclass(frozen=True, slots=True)
class FieldCheck:
    key: str
    ok: bool
    message: str = ""
    #: what the value means, where hhbill knows (type of bill, HIPPS)
    meaning: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "ok": self.ok, "message": self.message, "meaning": self.meaning}


def _concerns(location: str, key: str) -> bool:
    return location == key or location.startswith((key + "[", key + "."))


def check_claim_field(key: str, value: Any, context: dict[str, Any] | None = None) -> FieldCheck:
    """Check one header field of a claim input with the claim input parser (``context``: the draft's
    ``type_of_bill``/``from``/``through``/``admission_date``, so e.g. ``through`` is checked against ``from``)."""
    if is_patient_identity(key):
        raise InputError("patient fields are checked in the browser and never sent for checking", field="key")
    if key not in FIELDS:
        raise InputError(f"{key!r} is not a field of the claim form (fields: {', '.join(sorted(FIELDS))})", field="key")
    data: dict[str, Any] = dict(_BASE)
    for name in CONTEXT_FIELDS:
        if context and context.get(name) not in (None, ""):
            data[name] = context[name]
    if "." in key:
        outer, inner = key.split(".", 1)
        data[outer] = {inner: value}
    else:
        data[key] = value
    try:
        parse_claim_input(data)
    except ClaimInputError as exc:
        location = str(exc.location.get("field", ""))
        if _concerns(location, key):
            return FieldCheck(key, False, exc.message if location == key else f"{location}: {exc.message}")
    return FieldCheck(key, True, meaning=_meaning(key, value))


def _meaning(key: str, value: Any) -> str:
    if not isinstance(value, str):
        return ""
    if key == "type_of_bill":
        code = value.strip().upper()
        tob = rule_tables().types_of_bill.get("0" + code if len(code) == 3 else code)
        return tob.meaning if tob else ""
    if key == "hipps" and value.strip():
        meaning = hipps_meaning(value)
        if meaning:
            return meaning
        wrong = [p for p in decode_hipps(value) if p.meaning is None]
        if wrong:
            return f"not a PDGM HIPPS code: position {wrong[0].position} ({wrong[0].name}) cannot be {wrong[0].value!r}"
        return "not a PDGM HIPPS code: it has 5 characters"
    return ""


def claim_form_choices() -> dict[str, Any]:
    """What the form's pickers offer: types of bill with meanings, sites of service, HIPPS positions."""
    tables = rule_tables()
    return {
        "type_of_bill": [
            {"code": code, "meaning": tob.meaning, "kind": tob.kind}
            for code, tob in sorted(tables.types_of_bill.items())
        ],
        "site_of_service": list(SITES_OF_SERVICE),
        #: what the form keeps in the browser unless the claim is recorded
        "patient_identity": list(PATIENT_IDENTITY_FIELDS),
    }
