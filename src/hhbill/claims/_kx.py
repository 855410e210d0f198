"""The KX threshold walk over a 034X claim's lines, shared by the builder (adds KX) and the edit (checks it).

What counts toward the year's threshold is the incurred (allowed) amount under the physician fee schedule (Pub.
100-04 Ch.5 §10.3): each line is priced with the fee schedule when one is given, otherwise its charge counts and the
walk says so. PT and SLP share one threshold, OT has its own; a new calendar year starts from zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ._data import RuleTables
from ._model import Claim
from ._pricing import PricingPlace, TherapyFeeSchedule, pricing_place

__all__ = ["KX_GROUP_NAME", "KxStep", "kx_walk"]

#: revenue code family -> threshold group
_GROUP = {"042": "pt_slp", "044": "pt_slp", "043": "ot"}
KX_GROUP_NAME = {"pt_slp": "PT+SLP", "ot": "OT"}
_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class KxStep:
    """One therapy line on the walk: what it added to its group's spend and whether the spend is over."""

    line: int
    day: date
    group: str
    counted: Decimal  # the allowed amount (or the charge, on fallback)
    basis: str  # "allowed" or "charge"
    arithmetic: str  # how ``counted`` was reached
    start: Decimal  # the year-to-date spend given, before the claim
    spend: Decimal  # start + the claim's lines so far, this one included
    threshold: Decimal | None  # None: no threshold known for the year
    over: bool

    @property
    def group_name(self) -> str:
        return KX_GROUP_NAME[self.group]

    def explain(self) -> str:
        claim_part = self.spend - self.start
        return (
            f"CY{self.day.year} {self.group_name} incurred ${self.spend} = year-to-date ${self.start} + this claim's "
            f"lines ${claim_part} (this line {self.basis} ${self.counted}: {self.arithmetic})"
        )


def _assistant_percent(claim: Claim, index: int, day: date, tables: RuleTables) -> Decimal | None:
    line = claim.lines[index]
    modifiers = {role.modifier for role in tables.assistant_roles.values()}
    if line.furnished_by in tables.assistant_roles or modifiers.intersection(line.modifiers):
        return tables.assistant_percent(day)
    return None


def kx_walk(
    claim: Claim,
    ytd: dict[str, Decimal],
    tables: RuleTables,
    fee_schedule: TherapyFeeSchedule | None = None,
    place: PricingPlace | None = None,
) -> list[KxStep]:
    """Every therapy line in date order (line order within a day) with the spend it brings its group to."""
    place = place if place is not None else pricing_place(claim)
    first_year = claim.from_date.year if claim.from_date else None
    claim_part: dict[tuple[int, str], Decimal] = {}
    steps = []
    ordered = sorted(
        (line.service_date, i)
        for i, line in enumerate(claim.lines)
        if line.service_date is not None and line.revenue_code[:3] in _GROUP
    )
    for day, i in ordered:
        line = claim.lines[i]
        group = _GROUP[line.revenue_code[:3]]
        counted, basis, arithmetic = line.charge, "charge", f"charge ${line.charge}"
        if fee_schedule is not None:
            allowed = fee_schedule.allowed(
                line.hcpcs, day, line.units, place, _assistant_percent(claim, i, day, tables)
            )
            if allowed.amount is not None:
                counted, basis, arithmetic = allowed.amount, "allowed", allowed.arithmetic
            else:
                arithmetic = f"{allowed.arithmetic}; its charge ${line.charge} counts instead"
        key = (day.year, group)
        claim_part[key] = claim_part.get(key, _ZERO) + counted
        start = ytd.get(group, _ZERO) if day.year == first_year else _ZERO
        spend = start + claim_part[key]
        threshold = tables.kx_threshold(day.year)
        limit = None if threshold is None else (threshold.pt_slp if group == "pt_slp" else threshold.ot)
        steps.append(
            KxStep(i, day, group, counted, basis, arithmetic, start, spend, limit, limit is not None and spend > limit)
        )
    return steps
