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
from ._import import LedgerImport, ledger_import, past_claim_readers, read_past_claims
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
from ._pdgm import CaseMixRow, CaseMixTable, CaseMixTables, load_case_mix, read_case_mix_file
from ._pricing import FeeSchedulePricer, PricingPlace, TherapyFeeSchedule, fee_schedule_for_store
from ._render import check_result_text, claim_text, claim_to_dict, claim_ub04
from ._service import build_and_check, check_input, context_for_store
from ._timeline import NextDate, Timeline, TimelineItem, timeline

__all__ = [
    "LATE_NOA_DAY_COUNTS",
    "LEDGER_STATUSES",
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
    "check_input",
    "check_result_text",
    "claim_from_dict",
    "claim_text",
    "claim_to_dict",
    "claim_ub04",
    "context_for_store",
    "edit_catalog",
    "fee_schedule_for_store",
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
]
