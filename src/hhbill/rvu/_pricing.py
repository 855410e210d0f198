"""Fee schedule look-up and locality pricing.

Payment for a locality (CMS RVU file documentation)::

    [(work RVU x work GPCI) + (PE RVU x PE GPCI) + (MP RVU x MP GPCI)] x conversion factor

with the facility or non-facility PE RVU for the setting, rounded to the cent. Codes whose status means the RVUs are
not used for Medicare payment (home health visit G-codes are status X, S-codes status I, ...) are reported as not
priced under the PFS, with the reason, instead of as $0.00.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .._errors import NotFoundError, RvuInputError
from .._store import Store
from ._indicators import POLICY_INDICATORS, DecodedIndicator, decode, indicator_tables, status_entry
from ._releases import LoadedRelease, choose_release

__all__ = ["Locality", "PriceResult", "fee_schedule_row", "price", "resolve_locality"]

CENT = Decimal("0.01")
ONE = Decimal("1.000")
#: modifiers that have rows of their own in the PPRRVU file
COMPONENT_MODIFIERS = frozenset({"26", "TC", "53"})


def _dec(value: float | None, places: int) -> Decimal:
    return Decimal(repr(value or 0.0)).quantize(Decimal(1).scaleb(-places))


@dataclass(frozen=True, slots=True)
class Locality:
    """A Medicare payment locality with its GPCIs (or the national, unadjusted case)."""

    mac: str
    state: str
    locality: str
    name: str
    work_gpci: Decimal
    pe_gpci: Decimal
    mp_gpci: Decimal
    gpci_release: str
    found_by: str  # how it was chosen, e.g. "ZIP 35801 (ZIP5 2025 October quarter)"

    @property
    def national(self) -> bool:
        return self.mac == ""

    @property
    def key(self) -> str:
        return "national" if self.national else f"{self.mac}:{self.locality}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "mac": self.mac,
            "state": self.state,
            "locality": self.locality,
            "name": self.name,
            "work_gpci": str(self.work_gpci),
            "pe_gpci": str(self.pe_gpci),
            "mp_gpci": str(self.mp_gpci),
            "gpci_release": self.gpci_release,
            "found_by": self.found_by,
        }


NATIONAL = Locality("", "", "", "national (no geographic adjustment)", ONE, ONE, ONE, "", "no locality given")


@dataclass(slots=True)
class PriceResult:
    code: str
    modifier: str
    release: str
    year: int
    conversion_factor: Decimal
    description: str  # from the user's imported file
    status: str
    status_name: str | None
    status_meaning: str | None
    work_rvu: Decimal
    pe_nonfacility_rvu: Decimal
    pe_facility_rvu: Decimal
    mp_rvu: Decimal
    total_nonfacility: Decimal
    total_facility: Decimal
    nonfacility_na: bool
    facility_na: bool
    not_used_for_medicare: bool
    facility: bool
    indicators: list[DecodedIndicator]
    pricing_indicator: str
    locality: Locality
    priced: bool
    payment: Decimal | None
    arithmetic: str | None
    not_priced_reason: str | None
    notes: list[str] = field(default_factory=list)

    @property
    def setting(self) -> str:
        return "facility" if self.facility else "non-facility"

    @property
    def pe_rvu(self) -> Decimal:
        return self.pe_facility_rvu if self.facility else self.pe_nonfacility_rvu

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "modifier": self.modifier,
            "release": self.release,
            "year": self.year,
            "description": self.description,
            "status": {"code": self.status, "name": self.status_name, "meaning": self.status_meaning},
            "rvus": {
                "work": str(self.work_rvu),
                "pe_nonfacility": str(self.pe_nonfacility_rvu),
                "pe_facility": str(self.pe_facility_rvu),
                "mp": str(self.mp_rvu),
                "total_nonfacility": str(self.total_nonfacility),
                "total_facility": str(self.total_facility),
                "nonfacility_na": self.nonfacility_na,
                "facility_na": self.facility_na,
                "not_used_for_medicare_payment": self.not_used_for_medicare,
            },
            "indicators": [i.to_dict() for i in self.indicators],
            "pricing_indicator": self.pricing_indicator or None,
            "setting": self.setting,
            "conversion_factor": str(self.conversion_factor),
            "locality": self.locality.to_dict(),
            "priced": self.priced,
            "payment": str(self.payment) if self.payment is not None else None,
            "arithmetic": self.arithmetic,
            "not_priced_reason": self.not_priced_reason,
            "notes": list(self.notes),
        }

    def to_text(self) -> str:
        title = f"{self.code}{'-' + self.modifier if self.modifier else ''}  {self.description}"
        lines = [title, f"Fee schedule: {self.release}, conversion factor {self.conversion_factor}"]
        lines.append(f"Status {self.status}: {self.status_name or 'not in our status table'}")
        if self.status_meaning:
            lines.append(f"  {self.status_meaning}")
        na_nf = " (NA)" if self.nonfacility_na else ""
        na_f = " (NA)" if self.facility_na else ""
        lines.append(
            f"RVUs: work {self.work_rvu}  PE non-facility {self.pe_nonfacility_rvu}{na_nf}  "
            f"PE facility {self.pe_facility_rvu}{na_f}  MP {self.mp_rvu}"
        )
        lines.append(f"Totals: non-facility {self.total_nonfacility}  facility {self.total_facility}")
        if self.not_used_for_medicare:
            lines.append("  + RVUs shown for information; not used for Medicare payment")
        for indicator in self.indicators:
            meaning = indicator.meaning or "value not in our indicator table"
            lines.append(f"{indicator.label}: {indicator.value} - {meaning}")
        if self.pricing_indicator:
            lines.append(f"Pricing indicator (PRIC IND): {self.pricing_indicator}")
        where = self.locality
        if where.national:
            lines.append(f"Locality: {where.name}")
        else:
            lines.append(
                f"Locality: {where.mac}:{where.locality} {where.name} ({where.state}), found by {where.found_by}; "
                f"GPCIs {where.gpci_release}: work {where.work_gpci}, PE {where.pe_gpci}, MP {where.mp_gpci}"
            )
        if self.priced and self.arithmetic:
            lines.append(f"Payment ({self.setting}):")
            lines.extend(f"  {step}" for step in self.arithmetic.split("\n"))
        else:
            lines.append(f"Not priced under the physician fee schedule: {self.not_priced_reason}")
        lines.extend(f"Note: {n}" for n in self.notes)
        return "\n".join(lines)


# -- locality --------------------------------------------------------------------------------------------------


def _gpci_locality(row: sqlite3.Row, release: LoadedRelease, found_by: str) -> Locality:
    return Locality(
        row["mac"],
        row["state"],
        row["locality"],
        row["locality_name"],
        _dec(row["work_gpci"], 3),
        _dec(row["pe_gpci"], 3),
        _dec(row["mp_gpci"], 3),
        release.label,
        found_by,
    )


def _candidates(rows: list[sqlite3.Row]) -> str:
    return "; ".join(f"{r['mac']}:{r['locality']} {r['state']} {r['locality_name']}" for r in rows[:40])


@dataclass(frozen=True)
class _LocalityQuery:
    """What the user named, as GPCI-file terms: MAC, locality number, part of a name, state."""

    mac: str
    number: str
    name_part: str
    state: str | None
    found_by: str
    #: a ZIP's state may differ from the state a multi-state locality is listed under (DC + MD/VA suburbs)
    by_zip: bool = False

    def what(self) -> str:
        if self.mac:
            return f"MAC {self.mac} locality {self.number}"
        named = self.number or self.name_part
        return f"locality {named}" if named else "a locality"


def resolve_locality(
    store: Store,
    *,
    year: int | None = None,
    quarter: str = "D",
    locality: str | None = None,
    state: str | None = None,
    zip_code: str | None = None,
) -> Locality:
    """The payment locality and its GPCIs for ``year``: from a ZIP code, ``MAC:LOC``, a locality number (with
    ``state`` when several MACs use the number), part of a locality name, or a state with a single locality.
    None of them: national."""
    if not (locality or state or zip_code):
        return NATIONAL
    if zip_code and locality:
        raise RvuInputError("give a locality or a ZIP code, not both", field="zip")
    release = choose_release(store, "gpci", year, not_after=(year, quarter) if year else None)
    state = state.strip().upper() if state else None
    if zip_code:
        query = _zip_query(store, zip_code)
    elif locality:
        query = _named_query(locality, state)
    else:
        query = _LocalityQuery("", "", "", state, f"state {state}")
    rows = _gpci_rows(store, release, query)
    if not rows:
        missing = query.what() + (f" in {query.state}" if query.state and not query.by_zip else "")
        raise NotFoundError(
            f"{missing} is not in the {release.label} GPCI file{_state_list(store, release, query)}",
            locality=locality,
            zip=zip_code,
        )
    if len(rows) > 1:
        raise NotFoundError(
            f"{query.found_by} matches {len(rows)} localities in the {release.label} GPCI file; "
            f"{'name the locality as MAC:LOC' if query.state else 'give MAC:LOC or the state'}. "
            f"Candidates: {_candidates(rows)}",
            locality=locality,
        )
    return _gpci_locality(rows[0], release, query.found_by)


def _zip_query(store: Store, zip_code: str) -> _LocalityQuery:
    """The locality the ZIP5 file gives a ZIP code."""
    zip5 = re.sub(r"\s", "", zip_code)[:5]
    if not re.fullmatch(r"\d{5}", zip5):
        raise RvuInputError(f"{zip_code!r} is not a ZIP code (5 digits)", field="zip")
    zip_release = choose_release(store, "zip5")
    match = store.execute(
        "SELECT * FROM rvu_zip_locality WHERE release_id=? AND zip=?", (zip_release.id, zip5)
    ).fetchone()
    if match is None:
        raise NotFoundError(f"ZIP {zip5} is not in the {zip_release.label} file", zip=zip5)
    found_by = f"ZIP {zip5} ({zip_release.label})"
    if match["plus_four"] == "1":
        found_by += "; parts of this ZIP map by ZIP+4 (ZIP9 file), this is the 5-digit locality"
    return _LocalityQuery(match["carrier"], match["locality"], "", match["state"], found_by, by_zip=True)


def _named_query(locality: str, state: str | None) -> _LocalityQuery:
    """``MAC:LOC``, a locality number (``1`` is ``01``) or, longer than two characters, part of a locality name
    (e.g. "Manhattan" or "rest of california")."""
    spec = locality.strip().upper()
    mac, number = (part.strip() for part in spec.split(":", 1)) if ":" in spec else ("", spec)
    if number.isdigit() and len(number) == 1:
        number = number.zfill(2)
    name_part = ""
    if not mac and len(number) > 2:
        name_part, number = number, ""
    return _LocalityQuery(mac, number, name_part, state, f"locality {locality}" + (f" in {state}" if state else ""))


def _gpci_rows(store: Store, release: LoadedRelease, query: _LocalityQuery) -> list[sqlite3.Row]:
    sql = "SELECT * FROM rvu_gpci WHERE release_id=?"
    params: list[Any] = [release.id]
    for condition, value in (
        (" AND mac=?", query.mac),
        (" AND locality=?", query.number),
        (" AND instr(upper(locality_name), ?) > 0", " ".join(query.name_part.split())),
    ):
        if value:
            sql += condition
            params.append(value)
    rows = store.execute(sql + " ORDER BY mac, locality, state", tuple(params)).fetchall()
    if not query.state:
        return rows
    in_state = [r for r in rows if r["state"] == query.state]
    return (in_state or rows) if query.by_zip else in_state


def _state_list(store: Store, release: LoadedRelease, query: _LocalityQuery) -> str:
    """For a locality not found in a state: the state's localities, so the user can pick one."""
    if not query.state or query.by_zip:
        return ""
    rows = store.execute(
        "SELECT * FROM rvu_gpci WHERE release_id=? AND state=? ORDER BY mac, locality", (release.id, query.state)
    ).fetchall()
    return f"; {query.state} localities: {_candidates(rows)}" if rows else f"; no {query.state} rows"


# -- fee schedule row ------------------------------------------------------------------------------------------


def fee_schedule_row(
    store: Store, code: str, *, modifier: str | None = None, year: int | None = None
) -> tuple[sqlite3.Row, LoadedRelease, list[str]]:
    """The PPRRVU row for a code (and modifier) in the chosen release, with notes on how it was chosen."""
    code = code.strip().upper()
    mod = (modifier or "").strip().upper()
    release = choose_release(store, "pprrvu", year)
    notes: list[str] = []
    rows = {
        r["modifier"]: r
        for r in store.execute("SELECT * FROM rvu_item WHERE release_id=? AND code=?", (release.id, code))
    }
    if not rows:
        elsewhere = store.execute(
            "SELECT r.year, r.quarter FROM rvu_item i JOIN rvu_release r ON r.id = i.release_id "
            "WHERE i.code=? GROUP BY r.year, r.quarter ORDER BY r.year DESC, r.quarter DESC",
            (code,),
        ).fetchall()
        hint = ""
        if elsewhere:
            hint = "; it is in " + ", ".join(f"{y}{q}" for y, q in elsewhere) + " (use --year)"
        raise NotFoundError(f"{code} is not in the {release.label} relative value file{hint}", code=code)
    if mod in rows:
        return rows[mod], release, notes
    if mod in COMPONENT_MODIFIERS or "" not in rows:
        available = ", ".join(m or "(none)" for m in sorted(rows))
        raise NotFoundError(
            f"{code} has no row with modifier {mod or '(none)'} in the {release.label} file; rows exist for "
            f"modifier(s): {available}",
            code=code,
            modifier=mod or None,
        )
    if mod:
        notes.append(
            f"modifier {mod} has no RVUs of its own in the fee schedule file; the RVUs are the global service's. "
            "Payment adjustments for modifiers such as 50, 51, 62, 66 or 80 follow the policy indicators."
        )
    return rows[""], release, notes


# -- pricing ---------------------------------------------------------------------------------------------------


def _arithmetic(work: Decimal, pe: Decimal, mp: Decimal, where: Locality, cf: Decimal) -> tuple[Decimal, str]:
    work_part = work * where.work_gpci
    pe_part = pe * where.pe_gpci
    mp_part = mp * where.mp_gpci
    adjusted = work_part + pe_part + mp_part
    exact = adjusted * cf
    payment = exact.quantize(CENT, rounding=ROUND_HALF_UP)
    steps = [
        f"(work {work} x {where.work_gpci} + PE {pe} x {where.pe_gpci} + MP {mp} x {where.mp_gpci}) x CF {cf}",
        f"= ({work_part} + {pe_part} + {mp_part}) x {cf}",
        f"= {adjusted} x {cf} = {exact}",
        f"= ${payment}",
    ]
    return payment, "\n".join(steps)


def price(
    store: Store,
    code: str,
    *,
    modifier: str | None = None,
    year: int | None = None,
    locality: str | None = None,
    state: str | None = None,
    zip_code: str | None = None,
    facility: bool = False,
) -> PriceResult:
    """RVUs, decoded indicators and the payment for a locality (national when none is given)."""
    row, release, notes = fee_schedule_row(store, code, modifier=modifier, year=year)
    where = resolve_locality(
        store, year=release.year, quarter=release.quarter, locality=locality, state=state, zip_code=zip_code
    )
    status = row["status"]
    entry = status_entry(status)
    cf = _dec(release.conversion_factor, 4)
    work, mp = _dec(row["work_rvu"], 2), _dec(row["mp_rvu"], 2)
    pe_nf, pe_f = _dec(row["pe_nonfacility_rvu"], 2), _dec(row["pe_facility_rvu"], 2)
    setting_na = row["facility_na"] if facility else row["nonfacility_na"]
    pe = pe_f if facility else pe_nf
    tables = indicator_tables()
    reason: str | None = None
    if entry is None:
        reason = f"status {status!r} is not in the fee schedule status table; the RVUs are not used"
    elif not entry["rvus_used_for_payment"]:
        reason = f"status {status} ({entry['name']}): {entry['meaning']}"
    elif row["not_used_for_medicare"]:
        reason = tables["not_used_for_medicare_payment"].get(row["not_used_for_medicare"], "RVUs not used")
    elif setting_na == "NA":
        other = "non-facility" if facility else "facility"
        reason = f"NA in the {'facility' if facility else 'non-facility'} setting: {tables['na_indicator']['NA']} "
        reason += f"Try the {other} setting."
    elif work + pe + mp == 0:
        reason = f"status {status} ({entry['name']}) with no RVUs in the file: the contractor prices it"
    payment = arithmetic = None
    if reason is None:
        payment, arithmetic = _arithmetic(work, pe, mp, where, cf)
        if status == "T":
            notes.append(entry["meaning"] if entry else "")
        if status == "R":
            notes.append(entry["meaning"] if entry else "")
    indicators = [decode(table, row[column], label) for (table, label), column in _INDICATOR_COLUMNS]
    return PriceResult(
        code=row["code"],
        modifier=row["modifier"],
        release=release.label,
        year=release.year,
        conversion_factor=cf,
        description=row["description"],
        status=status,
        status_name=entry["name"] if entry else None,
        status_meaning=entry["meaning"] if entry else None,
        work_rvu=work,
        pe_nonfacility_rvu=pe_nf,
        pe_facility_rvu=pe_f,
        mp_rvu=mp,
        total_nonfacility=_dec(row["total_nonfacility"], 2),
        total_facility=_dec(row["total_facility"], 2),
        nonfacility_na=row["nonfacility_na"] == "NA",
        facility_na=row["facility_na"] == "NA",
        not_used_for_medicare=bool(row["not_used_for_medicare"]),
        facility=facility,
        indicators=indicators,
        pricing_indicator=row["pricing_indicator"],
        locality=where,
        priced=reason is None,
        payment=payment,
        arithmetic=arithmetic,
        not_priced_reason=reason,
        notes=notes,
    )


#: PPRRVU columns holding each decoded policy indicator
_INDICATOR_COLUMNS = [
    (item, column)
    for item, column in zip(
        POLICY_INDICATORS,
        (
            "pctc",
            "global_days",
            "multiple_procedure",
            "bilateral_surgery",
            "assistant_at_surgery",
            "co_surgeons",
            "team_surgery",
            "physician_supervision",
        ),
        strict=True,
    )
]
