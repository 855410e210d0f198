"""A claim checked with the patient's identity withheld: what counts as patient identity, the input without it,
and the check that runs every edit not needing it.

The web claim form keeps the patient's identity in the browser: it sends a claim without it to be built, checked
and printed, and sends the whole claim only when the user records it to the ledger. The scrubber needs the claim's
codes, dates, amounts and providers, not who the patient is, so the server is sent only what the edits need
(HIPAA's "minimum necessary", 45 CFR 164.502(b)).

Which fields are patient identity, and why (one list, :data:`PATIENT_IDENTITY_FIELDS`):

* the whole ``patient`` block: name, MBI (a health plan beneficiary number), birth date and address are the direct
  identifiers a limited data set leaves out (45 CFR 164.514(e)(2)); sex is not an identifier but no edit reads it,
  so it stays with the rest of the patient's details;
* ``patient_control_number`` and ``claim_id``: the patient's account number with the agency (UB-04 FL 3a, 837I
  CLM01), an account number in 45 CFR 164.514(e)(2) too.

Dates of service, the admission date, diagnoses, HIPPS, occurrence/condition/value codes, CBSA and county stay:
the edits need them, and a limited data set may hold dates and county-level places (45 CFR 164.514(e)(2)).
Free-text remarks stay as well (the remarks edits need them); they should not name the patient.

Edits that need the withheld fields do not run: the MBI format edit, and every edit that reads the claim ledger,
whose history is keyed by the MBI. The result says so in one info finding; they run when the claim is recorded.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ._check import CheckContext, CheckResult, ClaimView, Finding, check_claim, edit_catalog
from ._data import rule_tables
from ._model import Claim

__all__ = [
    "PATIENT_IDENTITY_FIELDS",
    "PATIENT_WITHHELD_FINDING",
    "check_claim_withheld",
    "identity_edits",
    "is_patient_identity",
    "without_patient_identity",
]

#: claim input keys (dotted for the patient block's members) that identify the patient; see the module docstring
PATIENT_IDENTITY_FIELDS: tuple[str, ...] = (
    "patient.mbi",
    "patient.last_name",
    "patient.first_name",
    "patient.birth_date",
    "patient.sex",
    "patient.address",
    "patient_control_number",
    "claim_id",
)
#: edits that read the patient's identity directly (besides the ledger edits, which find history by MBI)
_IDENTITY_EDITS = frozenset({"mbi-format"})
#: the id of the note a withheld check adds
PATIENT_WITHHELD_FINDING = "patient-details-withheld"


def is_patient_identity(key: str) -> bool:
    """Whether a claim input key (``patient``, ``patient.mbi``, ``patient.address.city``...) is patient identity."""
    if key == "patient":
        return True
    return any(key == field or key.startswith(field + ".") for field in PATIENT_IDENTITY_FIELDS)


def without_patient_identity(data: Mapping[str, Any]) -> dict[str, Any]:
    """The claim input (its JSON as a mapping) without the patient identity fields; everything else as given."""
    out = {key: value for key, value in data.items() if not (key != "patient" and is_patient_identity(key))}
    patient = out.pop("patient", None)
    if isinstance(patient, Mapping):
        kept = {key: value for key, value in patient.items() if not is_patient_identity(f"patient.{key}")}
        if kept:
            out["patient"] = kept  # a key that is not patient identity is refused by the parser, as usual
    elif patient is not None:
        out["patient"] = patient  # not an object: the parser says so
    return out


def identity_edits() -> frozenset[str]:
    """The ids of the edits that need the patient's identity: the MBI format edit and the claim-ledger edits."""
    return _IDENTITY_EDITS | {spec.id for spec in edit_catalog().edits if spec.needs == "ledger"}


def check_claim_withheld(claim: Claim, context: CheckContext | None = None) -> CheckResult:
    """Check a claim whose patient identity stays with the user: every edit except those needing it (they are
    listed in one info finding instead). Never reads or writes the claim ledger."""
    ctx = dataclasses.replace(context, ledger=None) if context is not None else CheckContext()
    skipped = identity_edits()
    result = check_claim(claim, ctx, skip=skipped)
    # the skipped edits that apply to this claim's kind and From date (with a ledger, they would have run)
    view = ClaimView(claim, rule_tables())
    in_force = edit_catalog().in_force(view.kind, view.from_date or view.through_date)
    would_run = [spec.id for spec in in_force if spec.id in skipped]
    if would_run:
        names = ", ".join(would_run)
        result.findings.append(
            Finding(
                id=PATIENT_WITHHELD_FINDING,
                severity="info",
                message=f"Not checked here, because the patient's details stay in your browser: {names} "
                f"({len(would_run)} check{'s' if len(would_run) != 1 else ''} on the MBI or on the claim ledger, "
                "which is kept by MBI)",
                fix="They run when you record the claim to the ledger, which sends the patient's details",
                citation="45 CFR 164.502(b) (minimum necessary); the edits' own citations in docs/EDITS.md",
                reason_code=None,
                line=None,
            )
        )
    return result
