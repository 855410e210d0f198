"""Home health claims: the shared claim model, the 032X/034X builder, the scrubber and its edit catalog.

Typical use::

    period = load_claim_input("period.json")          # or parse_claim_input(dict)
    claim = build_claim(period)                         # every line says why it is there
    result = check_claim(claim, CheckContext(codes=HcpcsReference(store), ledger=open_ledger(store)))
    ledger_import(ledger, "past-claims.837")            # past claims (JSON or 837I) into the ledger
    timeline(ledger, mbi).to_text()                     # the patient's admissions, periods, findings, next dates

``docs/CLAIMS.md`` documents the input; ``docs/EDITS.md`` (``python -m hhbill.claims.docs``) the edits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes

if TYPE_CHECKING:
    from ._build import BuildSettings, assign_timed_units, build_claim, timed_units, visit_units
    from ._check import (
        LATE_NOA_DAY_COUNTS,
        CachedHcpcsSource,
        CheckContext,
        CheckResult,
        Finding,
        HcpcsSource,
        check_claim,
        edit_catalog,
    )
    from ._edits import late_noa_reduction_days, mbi_problem
    from ._history import Admission, admissions
    from ._import import LedgerImport, ledger_import, read_past_claims
    from ._input import (
        LateNoaException,
        PeriodOfCare,
        RemoteMonitoring,
        TherapyService,
        Visit,
        claim_from_dict,
        load_claim_input,
        parse_claim_input,
        period_from_dict,
        read_visits_csv,
    )
    from ._ledger import LEDGER_STATUSES, ClaimLedger, LedgerEntry, open_ledger
    from ._model import Claim, ClaimFacts, ClaimLine, CodeAmount, CodeDate, CodeSpan, Patient, Provider
    from ._past_readers import past_claim_readers
    from ._pdgm import CaseMixRow, CaseMixTable, CaseMixTables, load_case_mix, read_case_mix_file
    from ._pricing import FeeSchedulePricer, PricingPlace, TherapyFeeSchedule, fee_schedule_for_store
    from ._render import check_result_text, claim_text, claim_to_dict, claim_ub04
    from ._service import build_and_check, check_input, context_for_store
    from ._timeline import NextDate, Timeline, TimelineItem, timeline
    from ._withheld import (
        PATIENT_IDENTITY_FIELDS,
        PATIENT_WITHHELD_FINDING,
        check_claim_withheld,
        identity_edits,
        is_patient_identity,
        without_patient_identity,
    )

#: public name -> the submodule that defines it (imported on first use)
_WHERE = {
    "BuildSettings": "_build",
    "assign_timed_units": "_build",
    "build_claim": "_build",
    "timed_units": "_build",
    "visit_units": "_build",
    "LATE_NOA_DAY_COUNTS": "_check",
    "CachedHcpcsSource": "_check",
    "CheckContext": "_check",
    "CheckResult": "_check",
    "Finding": "_check",
    "HcpcsSource": "_check",
    "check_claim": "_check",
    "edit_catalog": "_check",
    "late_noa_reduction_days": "_edits",
    "mbi_problem": "_edits",
    "Admission": "_history",
    "admissions": "_history",
    "LedgerImport": "_import",
    "ledger_import": "_import",
    "past_claim_readers": "_past_readers",
    "read_past_claims": "_import",
    "LateNoaException": "_input",
    "PeriodOfCare": "_input",
    "RemoteMonitoring": "_input",
    "TherapyService": "_input",
    "Visit": "_input",
    "claim_from_dict": "_input",
    "load_claim_input": "_input",
    "parse_claim_input": "_input",
    "period_from_dict": "_input",
    "read_visits_csv": "_input",
    "LEDGER_STATUSES": "_ledger",
    "ClaimLedger": "_ledger",
    "LedgerEntry": "_ledger",
    "open_ledger": "_ledger",
    "Claim": "_model",
    "ClaimFacts": "_model",
    "ClaimLine": "_model",
    "CodeAmount": "_model",
    "CodeDate": "_model",
    "CodeSpan": "_model",
    "Patient": "_model",
    "Provider": "_model",
    "CaseMixRow": "_pdgm",
    "CaseMixTable": "_pdgm",
    "CaseMixTables": "_pdgm",
    "load_case_mix": "_pdgm",
    "read_case_mix_file": "_pdgm",
    "FeeSchedulePricer": "_pricing",
    "PricingPlace": "_pricing",
    "TherapyFeeSchedule": "_pricing",
    "fee_schedule_for_store": "_pricing",
    "check_result_text": "_render",
    "claim_text": "_render",
    "claim_to_dict": "_render",
    "claim_ub04": "_render",
    "build_and_check": "_service",
    "check_input": "_service",
    "context_for_store": "_service",
    "NextDate": "_timeline",
    "Timeline": "_timeline",
    "TimelineItem": "_timeline",
    "timeline": "_timeline",
    "PATIENT_IDENTITY_FIELDS": "_withheld",
    "PATIENT_WITHHELD_FINDING": "_withheld",
    "check_claim_withheld": "_withheld",
    "identity_edits": "_withheld",
    "is_patient_identity": "_withheld",
    "without_patient_identity": "_withheld",
}
__getattr__, __dir__ = lazy_attributes(__name__, _WHERE)

__all__ = [
    "LATE_NOA_DAY_COUNTS",
    "LEDGER_STATUSES",
    "PATIENT_IDENTITY_FIELDS",
    "PATIENT_WITHHELD_FINDING",
    "Admission",
    "BuildSettings",
    "CachedHcpcsSource",
    "CaseMixRow",
    "CaseMixTable",
    "CaseMixTables",
    "CheckContext",
    "CheckResult",
    "Claim",
    "ClaimFacts",
    "ClaimLedger",
    "ClaimLine",
    "CodeAmount",
    "CodeDate",
    "CodeSpan",
    "FeeSchedulePricer",
    "Finding",
    "HcpcsSource",
    "LateNoaException",
    "LedgerEntry",
    "LedgerImport",
    "NextDate",
    "Patient",
    "PeriodOfCare",
    "PricingPlace",
    "Provider",
    "RemoteMonitoring",
    "TherapyFeeSchedule",
    "TherapyService",
    "Timeline",
    "TimelineItem",
    "Visit",
    "admissions",
    "assign_timed_units",
    "build_and_check",
    "build_claim",
    "check_claim",
    "check_claim_withheld",
    "check_input",
    "check_result_text",
    "claim_from_dict",
    "claim_text",
    "claim_to_dict",
    "claim_ub04",
    "context_for_store",
    "edit_catalog",
    "fee_schedule_for_store",
    "identity_edits",
    "is_patient_identity",
    "late_noa_reduction_days",
    "ledger_import",
    "load_case_mix",
    "load_claim_input",
    "mbi_problem",
    "open_ledger",
    "parse_claim_input",
    "past_claim_readers",
    "period_from_dict",
    "read_case_mix_file",
    "read_past_claims",
    "read_visits_csv",
    "timed_units",
    "timeline",
    "visit_units",
    "without_patient_identity",
]
