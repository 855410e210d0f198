"""What a 034X line is allowed under the physician fee schedule, for the KX threshold.

The KX threshold counts the beneficiary's incurred (allowed) therapy expenses, not billed charges (Pub. 100-04 Ch.5
§10.3). Outpatient therapy on 034X is paid under the MPFS, so each line is priced with hhbill's own PFS pricing
(:func:`hhbill.rvu.price`, non-facility amount) for the provider's locality, times its units, reduced for an
assistant's service (CQ/CO) where the year's rule says so. Without a loaded fee schedule the builder and the edit fall
back to charges and say so. A fresh install prices with the embedded fee schedule (``hhbill.rvu``
loads it on first use); importing the CMS files (``hhbill rvu-import``) replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from .._errors import HhbillError
from .._store import Store
from ._model import Claim, claim_facts

__all__ = ["AllowedAmount", "FeeSchedulePricer", "PricingPlace", "TherapyFeeSchedule", "fee_schedule_for_store"]

_CENT = Decimal("0.01")
#: provider address keys that may hold its ZIP code
_ZIP_KEYS = ("zip", "zip_code", "postal_code")


@dataclass(frozen=True, slots=True)
class PricingPlace:
    """Where a claim's lines are priced: a ``MAC:LOC`` locality, a ZIP code, or national (both empty)."""

    locality: str = ""
    zip_code: str = ""

    def describe(self) -> str:
        if self.locality:
            return f"locality {self.locality}"
        if self.zip_code:
            return f"the provider's ZIP {self.zip_code}"
        return "national amounts (no provider locality or ZIP given)"


def pricing_place(claim: Claim) -> PricingPlace:
    """The claim's ``pfs_locality`` fact, else the billing provider's ZIP, else national."""
    facts = claim_facts(claim)
    if facts.pfs_locality:
        return PricingPlace(locality=facts.pfs_locality)
    address = claim.billing_provider.address
    for key in _ZIP_KEYS:
        value = address.get(key, "")
        if value:
            return PricingPlace(zip_code=value[:5])
    return PricingPlace()


@dataclass(frozen=True, slots=True)
class AllowedAmount:
    """A line's allowed amount and how it was reached, or why it could not be priced (``amount`` None)."""

    amount: Decimal | None
    arithmetic: str


class TherapyFeeSchedule(Protocol):
    """Prices a 034X line: what the builder and the KX edit need from a fee schedule."""

    def allowed(
        self, code: str, day: date, units: Decimal, place: PricingPlace, percent: Decimal | None = None
    ) -> AllowedAmount: ...


class FeeSchedulePricer:
    """:class:`TherapyFeeSchedule` over the fee schedule files imported into a Store (``hhbill rvu-import``)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._unit_prices: dict[tuple[str, int, PricingPlace], tuple[Decimal | None, str]] = {}

    def unit_price(self, code: str, year: int, place: PricingPlace) -> tuple[Decimal | None, str]:
        """The non-facility PFS amount of one unit of ``code`` in ``year`` at ``place``, with its source."""
        key = (code, year, place)
        found = self._unit_prices.get(key)
        if found is None:
            from ..rvu import price

            try:
                result = price(
                    self.store,
                    code,
                    year=year,
                    locality=place.locality or None,
                    zip_code=place.zip_code or None,
                    facility=False,
                )
            except HhbillError as exc:
                found = (None, f"{code} not priced: {exc}")
            else:
                if result.payment is None:
                    found = (None, f"{code} not priced under the PFS: {result.not_priced_reason}")
                else:
                    year_note = "" if result.year == year else f", the {result.year} file (no {year} file loaded)"
                    found = (
                        result.payment,
                        f"{code} non-facility ${result.payment} ({result.release}{year_note}, "
                        f"{result.locality.key} by {place.describe()})",
                    )
            self._unit_prices[key] = found
        return found

    def allowed(
        self, code: str, day: date, units: Decimal, place: PricingPlace, percent: Decimal | None = None
    ) -> AllowedAmount:
        unit, source = self.unit_price(code, day.year, place)
        if unit is None:
            return AllowedAmount(None, source)
        amount = unit * units
        text = f"{source}: ${unit} x {units} = ${amount:.2f}"
        if percent is not None:
            reduced = (amount * percent / 100).quantize(_CENT, rounding=ROUND_HALF_UP)
            text += f" x {percent}% (assistant) = ${reduced}"
            amount = reduced
        return AllowedAmount(amount.quantize(_CENT, rounding=ROUND_HALF_UP), text)


def fee_schedule_for_store(store: Store) -> FeeSchedulePricer | None:
    """A pricer over the store's fee schedule: the imported CMS files, else the fee schedule shipped with hhbill
    (loaded on the first price asked for). None only for a read-only store holding none (KX then counts charges)."""
    from ..rvu import list_releases

    if store.read_only and not list_releases(store, "pprrvu"):
        return None
    return FeeSchedulePricer(store)
