"""The calls the CLI, the API and the web pages share: build, check, and a check context from a Store."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from .._store import Store
from ._check import CheckContext, CheckResult, check_claim
from ._model import Claim
from ._pdgm import CaseMixTables
from ._pricing import fee_schedule_for_store

if TYPE_CHECKING:  # the builder, the input parser and the ledger load only where a claim is built or recorded
    from ._build import BuildSettings
    from ._input import PeriodOfCare
    from ._ledger import ClaimLedger

__all__ = ["build_and_check", "check_input", "context_for_store"]


def context_for_store(
    store: Store,
    *,
    ledger: ClaimLedger | None = None,
    today: date | None = None,
    late_noa_day_count: str = "admission_to_day_before_receipt",
) -> CheckContext:
    """A check context backed by the store: HCPCS releases (the embedded default if none is imported), the PDGM
    case-mix tables loaded into it, the physician fee schedule when one is imported (034X KX on allowed amounts),
    and the given ledger (None: no cross-claim edits)."""
    from .. import hcpcs

    hcpcs.ensure_default(store)
    codes = hcpcs.HcpcsReference(store)
    case_mix = CaseMixTables.from_store(store)
    return CheckContext(
        codes=codes,
        ledger=ledger,
        case_mix=case_mix if case_mix.years() else None,
        today=today or date.today(),
        late_noa_day_count=late_noa_day_count,
        fee_schedule=fee_schedule_for_store(store),
    )


def build_and_check(
    period: PeriodOfCare, context: CheckContext | None = None, settings: BuildSettings | None = None
) -> tuple[Claim, CheckResult]:
    """Build the claim for a period and check it."""
    from ._build import build_claim

    claim = build_claim(period, settings, fee_schedule=context.fee_schedule if context else None)
    return claim, check_claim(claim, context)


def check_input(
    data: Any,
    context: CheckContext | None = None,
    settings: BuildSettings | None = None,
    *,
    visits_csv: str | None = None,
) -> tuple[Claim, CheckResult]:
    """Check a JSON input: a period of care is built first; a claim given line by line is checked as is."""
    from ._build import build_claim
    from ._input import PeriodOfCare, parse_claim_input

    parsed = parse_claim_input(data, visits_csv=visits_csv)
    pricer = context.fee_schedule if context else None
    claim = build_claim(parsed, settings, fee_schedule=pricer) if isinstance(parsed, PeriodOfCare) else parsed
    return claim, check_claim(claim, context)
