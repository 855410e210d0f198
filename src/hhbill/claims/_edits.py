"""The edit functions. Each is a small pure function of (claim view, context) that yields hits:
``(line index or None, values for the catalog's message/fix templates)``. Severity, wording, citation, reason
code and effective dates are in ``data/claims/edits.json``; thresholds and code lists in the other data files.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from ._check import CachedHcpcsSource, CheckContext, ClaimView, CodeFacts, Hit, edit
from ._kx import KxStep, kx_walk
from ._model import ClaimLine

_ONE = Decimal(1)
#: 1-99 units: whole, so no further test (Decimal("2.0") == Decimal(2) and hashes alike, so it is found too)
_WHOLE_UNITS = frozenset(Decimal(n) for n in range(1, 100))
_PERIOD_DAYS = 30
_NOA_DEADLINE_DAYS = 5
_INSTITUTIONAL_LOOKBACK_DAYS = 14
_ICD10CM = re.compile(r"^[A-TV-Z][0-9][0-9A-Z]{1,5}$")
_HIPPS_PDGM = re.compile(r"^[1-4][A-L][A-C][1-3]1$")
#: MBI: C A AN N A AN N A A N N, letters exclude S L O I B Z (CMS MBI format specification)
_MBI_ALPHA = "ACDEFGHJKMNPQRTUVWXY"
_MBI_POSITIONS = ("1-9", "A", "AN", "N", "A", "AN", "N", "A", "A", "N", "N")
_A, _AN = f"[{_MBI_ALPHA}]", f"[{_MBI_ALPHA}0-9]"
_MBI = re.compile(f"^[1-9]{_A}{_AN}[0-9]{_A}{_AN}[0-9]{_A}{_A}[0-9][0-9]$")
_COVERAGE_MEANINGS = {
    "I": "not payable by Medicare",
    "M": "non-covered by Medicare",
    "S": "non-covered by Medicare statute",
}


def _n(index: int) -> int:
    """The UB-04 line number a biller sees (1-based) for a line index."""
    return index + 1


def _line_values(index: int, line: ClaimLine) -> dict[str, Any]:
    return {
        "line_number": _n(index),
        "revenue_code": line.revenue_code,
        "hcpcs": line.hcpcs or "(no HCPCS)",
        "service_date": line.service_date,
        "units": line.units,
    }


# --- type of bill, dates, header -------------------------------------------------------------------------


@edit("tob-valid-on-date")
def tob_valid_on_date(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    tob = view.tob
    code = view.claim.type_of_bill
    day = view.from_date
    if tob is None:
        known = ", ".join(sorted(view.tables.types_of_bill))
        yield (
            None,
            {
                "tob": code,
                "from_date": day,
                "why": f"it is not a type of bill an HHA sends (known: {known})",
                "fix": "Use 0329 for a period claim, 032A for a Notice of Admission, 034X for Part B therapy",
            },
        )
        return
    if day is None:
        return
    if tob.valid_from is not None and day < tob.valid_from:
        yield (
            None,
            {
                "tob": code,
                "from_date": day,
                "why": f"{tob.meaning} is accepted only from {tob.valid_from}",
                "fix": tob.note or f"Use the type of bill in force on {day}",
            },
        )
    elif tob.valid_through is not None and day > tob.valid_through:
        yield (
            None,
            {
                "tob": code,
                "from_date": day,
                "why": tob.note or f"{tob.meaning} ended {tob.valid_through}",
                "fix": tob.note or f"Use the type of bill in force on {day}",
            },
        )


@edit("claim-dates-order")
def claim_dates_order(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    if view.from_date is not None and view.through_date is not None and view.from_date > view.through_date:
        yield None, {"from_date": view.from_date, "through_date": view.through_date}


@edit("principal-diagnosis")
def principal_diagnosis(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    diagnoses = view.claim.diagnoses
    if not diagnoses:
        yield None, {"why": "No principal diagnosis is reported"}
        return
    for position, code in enumerate(diagnoses):
        if not _ICD10CM.match(code):
            which = "Principal diagnosis" if position == 0 else f"Diagnosis {position + 1}"
            yield None, {"why": f"{which} {code!r} is not an ICD-10-CM code (letter, digit, then 1-5 characters)"}


@edit("total-charge")
def total_charge(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    total = view.claim.total_charge
    if total is None:
        return
    line_sum = view.claim.computed_total()
    if total != line_sum:
        yield None, {"total": total, "line_sum": line_sum, "difference": total - line_sum}


@lru_cache(maxsize=65_536)
def npi_problem(npi: str) -> str | None:
    """Why an NPI is unusable, or None: 10 digits whose last is the Luhn check digit over 80840 + the first 9."""
    if not npi:
        return "is missing"
    if len(npi) != 10 or not npi.isdigit():
        return f"{npi!r} is not 10 digits"
    total = 24  # the constant contribution of the 80840 prefix to the Luhn sum
    for position, char in enumerate(reversed(npi[:9])):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    check = (10 - total % 10) % 10
    if check != int(npi[9]):
        return f"{npi} fails the NPI check digit (expected last digit {check})"
    return None


@edit("practitioner-npi")
def practitioner_npi(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    claim = view.claim
    for role, npi in (
        ("billing provider", claim.billing_provider.npi),
        ("attending practitioner", claim.attending_npi),
        ("certifying practitioner", claim.certifying_npi),
    ):
        if role == "certifying practitioner" and not npi:
            # when the practitioner who certified also signed the plan of care, only the attending is reported
            continue
        problem = npi_problem(npi)
        if problem is not None:
            yield None, {"role": role, "why": problem}


def mbi_problem(mbi: str) -> str | None:
    """Why a Medicare Beneficiary Identifier is malformed, without echoing it (it is PHI), or None."""
    if _MBI.match(mbi):
        return None
    if not mbi:
        return "missing"
    if len(mbi) != 11:
        return f"{len(mbi)} characters long; an MBI has 11 (no dashes)"
    for position, (char, rule) in enumerate(zip(mbi, _MBI_POSITIONS, strict=True), start=1):
        if rule == "1-9":
            ok = char in "123456789"
            want = "a digit 1-9"
        elif rule == "N":
            ok = char.isdigit()
            want = "a digit"
        elif rule == "A":
            ok = char in _MBI_ALPHA
            want = "a letter other than S, L, O, I, B, Z"
        else:
            ok = char.isdigit() or char in _MBI_ALPHA
            want = "a digit or a letter other than S, L, O, I, B, Z"
        if not ok:
            return f"not in the MBI format: character {position} must be {want}"
    return None


@edit("mbi-format")
def mbi_format(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    problem = mbi_problem(view.claim.patient.mbi)
    if problem is not None:
        yield None, {"why": problem}


# --- lines ----------------------------------------------------------------------------------------------------


@edit("line-date-present")
def line_date_present(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    for i, line in enumerate(view.lines):
        if line.service_date is None:
            yield i, _line_values(i, line)


@edit("line-date-in-period")
def line_date_in_period(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    start, end = view.from_date, view.through_date
    if start is None or end is None:
        return
    for i, line in enumerate(view.lines):
        day = line.service_date
        if day is not None and (day < start or day > end):
            yield i, {**_line_values(i, line), "from_date": start, "through_date": end}


@edit("units-whole")
def units_whole(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    for i, line in enumerate(view.lines):
        units = line.units
        if units in _WHOLE_UNITS:  # the common case, without Decimal arithmetic
            continue
        if units < _ONE or units != units.to_integral_value():
            yield i, _line_values(i, line)


# --- notice of admission ----------------------------------------------------------------------------------------


@edit("noa-dates")
def noa_dates(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    if not (view.from_date == view.through_date == view.admission_date) or view.admission_date is None:
        yield (
            None,
            {
                "from_date": view.from_date,
                "through_date": view.through_date,
                "admission_date": view.admission_date or "(missing)",
            },
        )


@edit("noa-status")
def noa_status(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    if view.claim.patient_status != "30":
        yield None, {"status": view.claim.patient_status}


@edit("noa-transfer-cc47")
def noa_transfer_cc47(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    if view.facts.transfer_from_other_hha and "47" not in view.conditions:
        yield None, {}


@edit("noa-future-date")
def noa_future_date(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    if view.admission_date is not None and view.admission_date > ctx.today:
        yield None, {"admission_date": view.admission_date, "today": ctx.today}


def late_noa_reduction_days(
    admission: date, receipt: date, period_start: date, period_end: date, day_count: str
) -> int:
    """Days of a period reduced for a late NOA (1/30 each), under the day-count convention ``day_count``.

    The reduced span runs from the admission date to the day before the receipt date (or through the receipt
    date with ``admission_to_receipt_inclusive``); only the part inside the period counts, at most 30 days.
    """
    last_reduced = receipt if day_count == "admission_to_receipt_inclusive" else receipt - timedelta(days=1)
    start = max(admission, period_start)
    end = min(last_reduced, period_end, period_start + timedelta(days=_PERIOD_DAYS - 1))
    return max(0, min(_PERIOD_DAYS, (end - start).days + 1))


@edit("noa-timely")
def noa_timely(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    receipt = view.facts.noa_receipt_date
    admission = view.admission_date
    if not isinstance(receipt, date) or admission is None or view.from_date is None:
        return
    deadline = admission + timedelta(days=_NOA_DEADLINE_DAYS)
    if receipt <= deadline:
        return
    is_noa = view.kind == "noa"
    if not is_noa and (receipt - view.from_date).days >= _PERIOD_DAYS:
        return  # noa-late-whole-period reports the full reduction
    if is_noa:
        period_start, period_end = admission, admission + timedelta(days=_PERIOD_DAYS - 1)
    else:
        period_start, period_end = view.from_date, view.through_date or view.from_date
    days = late_noa_reduction_days(admission, receipt, period_start, period_end, ctx.late_noa_day_count)
    if days == 0:
        return
    count_rule = (
        f"{admission} through {receipt}"
        if ctx.late_noa_day_count == "admission_to_receipt_inclusive"
        else f"{admission} up to the day before receipt"
    )
    percent = (Decimal(days) * 100 / _PERIOD_DAYS).quantize(Decimal("0.01"))
    if is_noa:
        period_text = (
            f" of the first period ({period_start} to {period_end}); later periods are reduced too if the "
            "span reaches them"
        )
    else:
        period_text = f" for this period ({period_start} to {period_end})"
    period_text += _exception_requested(view)
    yield (
        None,
        {
            "receipt": receipt,
            "deadline": deadline,
            "admission_date": admission,
            "reduction_days": days,
            "count_rule": count_rule,
            "percent": percent,
            "period_text": period_text,
        },
    )


@edit("noa-late-whole-period")
def noa_late_whole_period(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    receipt = view.facts.noa_receipt_date
    if not isinstance(receipt, date) or view.from_date is None:
        return
    days = (receipt - view.from_date).days
    if days >= _PERIOD_DAYS:
        exception = _exception_requested(view)
        yield None, {"receipt": receipt, "days": days, "from_date": view.from_date, "exception": exception}


def _exception_requested(view: ClaimView) -> str:
    """What the late-NOA findings add when the claim requests an exception (KX on the 0023 line), or ""."""
    tables = view.tables
    modifier = tables.late_noa_exception_modifier
    if not any(modifier in view.lines[i].modifiers for i in view.hipps_lines):
        stated = view.facts.late_noa_exception
        if isinstance(stated, dict):
            return f"; an exception is stated ({stated.get('category')}) but no {modifier} is on the 0023 line"
        return ""
    stated = view.facts.late_noa_exception
    category = f" ({stated.get('category')}: {stated.get('meaning')})" if isinstance(stated, dict) else ""
    remarks = "explained in Remarks" if view.claim.remarks else "but no Remarks explain it"
    return (
        f"; an exception is requested{category}: {modifier} on the 0023 line, {remarks}; the MAC decides whether "
        f"to waive the reduction ({tables.late_noa_kx_note})"
    )


@edit("noa-receipt-unknown")
def noa_receipt_unknown(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    if not isinstance(view.facts.noa_receipt_date, date):
        yield None, {}


# --- period ----------------------------------------------------------------------------------------------------


@edit("period-from-date")
def period_from_date(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    admission, start = view.admission_date, view.from_date
    if admission is None or start is None:
        return
    offset = (start - admission).days
    if offset < 0 or offset % _PERIOD_DAYS:
        k = max(0, round(offset / _PERIOD_DAYS))
        yield (
            None,
            {
                "from_date": start,
                "day_number": offset + 1,
                "admission_date": admission,
                "nearest": admission + timedelta(days=_PERIOD_DAYS * k),
            },
        )


@edit("period-length")
def period_length(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    start, end = view.from_date, view.through_date
    if start is None or end is None:
        return
    days = (end - start).days + 1
    if days > _PERIOD_DAYS:
        yield (
            None,
            {
                "days": days,
                "from_date": start,
                "through_date": end,
                "last_day": start + timedelta(days=_PERIOD_DAYS - 1),
            },
        )


@edit("period-through-status")
def period_through_status(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    start, end = view.from_date, view.through_date
    status = view.claim.patient_status
    if start is None or end is None:
        return
    last_day = start + timedelta(days=_PERIOD_DAYS - 1)
    if not status:
        yield (
            None,
            {
                "why": "No patient status is reported",
                "fix": "Report the patient status (FL 17): 30 if the patient continues, otherwise the discharge status",
            },
        )
    elif status == "30":
        if end < last_day:
            yield (
                None,
                {
                    "why": f"Patient status 30 (still a patient) but the claim ends {end}, before day 30 of the period "
                    f"({last_day})",
                    "fix": f"Bill the continuing period through {last_day}, after it ends; or report the discharge "
                    "status if the patient left",
                },
            )
    else:
        discharge = view.facts.discharge_date
        if isinstance(discharge, date) and discharge != end:
            yield (
                None,
                {
                    "why": f"Patient status {status} but the Through date {end} is not the discharge/transfer/death "
                    f"date {discharge}",
                    "fix": f"Set the Through date to {discharge}",
                },
            )


@edit("death-oc55")
def death_oc55(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    if view.claim.patient_status != "20":
        return
    dates = view.occurrence.get("55")
    if not dates:
        yield None, {"why": "Patient status 20 (expired) but occurrence code 55 (date of death) is missing"}
    elif view.through_date is not None and dates[0] != view.through_date:
        yield (
            None,
            {"why": f"Occurrence code 55 date of death {dates[0]} differs from the Through date {view.through_date}"},
        )


@edit("pep-status-06")
def pep_status_06(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    if view.claim.patient_status != "06":
        return
    days_seen = [view.lines[i].service_date for i in view.visit_lines]
    visit_days = [d for d in days_seen if d is not None]
    if not visit_days:
        return
    first, last = min(visit_days), max(visit_days)
    days = (last - first).days + 1
    yield (
        None,
        {
            "first_visit": first,
            "last_visit": last,
            "days": days,
            "percent": (Decimal(days) * 100 / _PERIOD_DAYS).quantize(Decimal("0.01")),
        },
    )


@edit("pdgm-not-applicable")
def pdgm_not_applicable(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    yield None, {"from_date": view.from_date}


# --- HIPPS, LUPA ------------------------------------------------------------------------------------------------


@edit("hipps-line")
def hipps_line(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    count = len(view.hipps_lines)
    if count != 1:
        yield (view.hipps_lines[1] if count > 1 else None), {"count": count}


def hipps_problem(hipps: str) -> str | None:
    """Which position of a PDGM HIPPS code is wrong, or None."""
    if _HIPPS_PDGM.match(hipps):
        return None
    if len(hipps) != 5:
        return f"it has {len(hipps)} characters, not 5"
    checks = (
        ("1234", "position 1 (admission source and timing) must be 1-4"),
        ("ABCDEFGHIJKL", "position 2 (clinical group) must be A-L"),
        ("ABC", "position 3 (functional level) must be A, B or C"),
        ("123", "position 4 (comorbidity adjustment) must be 1, 2 or 3"),
        ("1", "position 5 is always 1 under PDGM"),
    )
    for char, (allowed, why) in zip(hipps, checks, strict=True):
        if char not in allowed:
            return why
    return "it does not match the PDGM pattern"


@edit("hipps-format")
def hipps_format(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    for i in view.hipps_lines:
        hipps = view.lines[i].hcpcs
        problem = hipps_problem(hipps)
        if problem is not None:
            yield i, {"hipps": hipps, "why": problem}


def _case_mix_row(view: ClaimView, ctx: CheckContext) -> tuple[Any, str, int] | None:
    tables = ctx.case_mix
    if tables is None or len(view.hipps_lines) != 1 or view.through_date is None:
        return None
    year = view.through_date.year  # the rate year follows the Through date
    table = tables.for_year(year)
    if table is None:
        return None
    return table, view.lines[view.hipps_lines[0]].hcpcs, year


@edit("hipps-in-case-mix-table", needs="case_mix")
def hipps_in_case_mix_table(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    found = _case_mix_row(view, ctx)
    if found is None:
        return
    table, hipps, year = found
    if hipps_problem(hipps) is None and table.row(hipps) is None:
        yield view.hipps_lines[0], {"hipps": hipps, "year": year, "count": len(table)}


@edit("lupa-threshold", needs="case_mix")
def lupa_threshold(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    found = _case_mix_row(view, ctx)
    if found is None:
        return
    table, hipps, year = found
    row = table.row(hipps)
    if row is None or row.lupa_threshold is None:
        return
    visits = len(view.visit_lines)
    if visits >= row.lupa_threshold:
        return
    per_discipline: dict[str, int] = {}
    for i in view.visit_lines:
        discipline = view.tables.visit_code_discipline[view.lines[i].hcpcs]
        per_discipline[discipline] = per_discipline.get(discipline, 0) + 1
    breakdown = ", ".join(f"{k} {v}" for k, v in sorted(per_discipline.items())) or "none"
    telehealth = len(view.telehealth_lines) + len(view.monitoring_lines)
    telehealth_text = f"; {telehealth} telehealth line(s) not counted" if telehealth else ""
    yield (
        None,
        {
            "visits": visits,
            "breakdown": breakdown,
            "year": year,
            "threshold": row.lupa_threshold,
            "hipps": hipps,
            "telehealth_text": telehealth_text,
        },
    )


# --- occurrence and value codes ---------------------------------------------------------------------------------


@edit("oasis-oc50")
def oasis_oc50(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    if "DR" in view.conditions:
        return
    dates = view.occurrence.get("50")
    if not dates:
        yield None, {"why": "Occurrence code 50 (OASIS assessment date) is missing"}
        return
    if view.through_date is not None and dates[0] > view.through_date:
        yield (
            None,
            {
                "why": f"Occurrence code 50 date {dates[0]} is after the Through date {view.through_date}; "
                "the OASIS must be done before the period's claim"
            },
        )


@edit("oc61-oc62")
def oc61_oc62(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    has61, has62 = view.occurrence.get("61"), view.occurrence.get("62")
    if has61 and has62:
        yield (
            None,
            {
                "why": "Both occurrence code 61 (hospital discharge) and 62 (other post-acute discharge) are "
                "reported; report at most one"
            },
        )
        return
    if has62 and not view.first_period:
        yield (
            None,
            {
                "why": "Occurrence code 62 on a later period: for contiguous periods only an acute hospital "
                "discharge (OC 61) makes the period institutional"
            },
        )
    start = view.from_date
    if start is None:
        return
    for code, dates in (("61", has61), ("62", has62)):
        for day in dates or ():
            before = (start - day).days
            if before < 0 or before > _INSTITUTIONAL_LOOKBACK_DAYS:
                yield (
                    None,
                    {
                        "why": f"Occurrence code {code} date {day} is {before} day(s) before From {start}; only "
                        f"a discharge in the {_INSTITUTIONAL_LOOKBACK_DAYS} days before the period counts"
                    },
                )


def _coded_number(amounts: list[Decimal] | None, low: int, high: int) -> tuple[str | None, Decimal | None]:
    if not amounts:
        return "missing", None
    amount = amounts[0]
    if amount != amount.to_integral_value() or not low <= amount <= high:
        return "invalid", amount
    return None, amount


@edit("vc61-cbsa")
def vc61_cbsa(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    problem, amount = _coded_number(view.values.get("61"), 10000, 99999)
    if problem == "missing":
        yield None, {"why": "Value code 61 (CBSA of the place of service) is missing"}
    elif problem == "invalid":
        yield None, {"why": f"Value code 61 amount {amount} is not a 5-digit CBSA code"}


@edit("vc85-fips")
def vc85_fips(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    # State FIPS codes run 01-78; with the leading zero dropped a county code is 1001-78999.
    problem, amount = _coded_number(view.values.get("85"), 1001, 78999)
    if problem == "missing":
        yield None, {"why": "Value code 85 (FIPS state and county code) is missing"}
    elif problem == "invalid":
        yield (
            None,
            {
                "why": f"Value code 85 amount {amount} is not a FIPS state+county code (2-digit state "
                "01-78 and 3-digit county)"
            },
        )


# --- visits and disciplines -------------------------------------------------------------------------------------


@edit("skilled-visit")
def skilled_visit(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    skilled = view.tables.skilled_families
    lines = view.lines
    if any(lines[i].revenue_code[:3] in skilled for i in view.visit_lines):
        return
    other = len(view.visit_lines)
    if "54" in view.conditions:
        if view.first_period:
            yield (
                None,
                {
                    "why": "Condition code 54 (no skilled visits) is reported on the first period of the admission; "
                    "it is allowed only on later periods",
                    "fix": "Add the skilled visit made in the first period, or bill the period as non-covered",
                },
            )
        return
    yield (
        None,
        {
            "why": f"No skilled visit line (042X/043X/044X/055X with a visit G-code); {other} aide/social work "
            "visit line(s) only",
            "fix": "Add the omitted skilled visit; on a later period with the policy exception documented, add "
            "condition code 54; otherwise bill the period as non-covered",
        },
    )


@edit("revenue-code-discipline")
def revenue_code_discipline(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    tables = view.tables
    for i in view.visit_lines:
        line = view.lines[i]
        key = tables.visit_code_discipline[line.hcpcs]
        expected = tables.disciplines[key].revenue_family
        if line.revenue_code[:3] != expected:
            other = tables.family_discipline.get(line.revenue_code[:3])
            yield (
                i,
                {
                    **_line_values(i, line),
                    "code_discipline": tables.disciplines[key].name,
                    "line_discipline": tables.disciplines[other].name if other else "not a visit revenue code",
                    "expected": expected,
                },
            )


# --- site of service ----------------------------------------------------------------------------------------------


@edit("site-of-service-present")
def site_of_service_present(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    if not view.site_lines:
        yield None, {"from_date": view.from_date}


@edit("site-of-service-paired")
def site_of_service_paired(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    if not view.site_lines:
        return
    visits = {(view.lines[i].revenue_code, view.lines[i].service_date) for i in view.visit_lines}
    for i in view.site_lines:
        line = view.lines[i]
        if (line.revenue_code, line.service_date) not in visits:
            yield i, _line_values(i, line)


@edit("site-of-service-hospice-only")
def site_of_service_hospice_only(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    for i in view.hospice_site_lines:
        yield i, _line_values(i, view.lines[i])


# --- telehealth -------------------------------------------------------------------------------------------------


@edit("telehealth-units")
def telehealth_units(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    for i in view.telehealth_lines:
        line = view.lines[i]
        if line.units != _ONE:
            yield i, _line_values(i, line)


@edit("telehealth-remote-monitoring")
def telehealth_remote_monitoring(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    indexes = view.monitoring_lines
    if not indexes:
        return
    if len(indexes) > 1:
        families = ", ".join(sorted({view.lines[i].revenue_code for i in indexes}))
        yield (
            indexes[1],
            {
                "why": f"{len(indexes)} G0322 lines ({families}); remote monitoring is one line per period, under "
                "the revenue code of one discipline"
            },
        )
    if view.from_date is None or view.through_date is None:
        return
    days = (view.through_date - view.from_date).days + 1
    for i in indexes:
        line = view.lines[i]
        if line.units > days:
            yield (
                i,
                {"why": f"Line {_n(i)}: G0322 reports {line.units} days monitored but the period has only {days} days"},
            )
        elif line.service_date is not None and line.units == line.units.to_integral_value() and line.units >= 1:
            last = line.service_date + timedelta(days=int(line.units) - 1)
            if last > view.through_date:
                yield (
                    i,
                    {
                        "why": f"Line {_n(i)}: G0322 from {line.service_date} for {line.units} days runs to {last}, "
                        f"past the Through date {view.through_date}"
                    },
                )


@edit("telehealth-reporting")
def telehealth_reporting(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    services = view.facts.telehealth_services
    present = {view.lines[i].hcpcs for i in view.telehealth_lines}
    codes = view.tables.telehealth_codes
    if isinstance(services, dict):
        for modality, count in services.items():
            code = codes.get(modality)
            if code and count and code not in present:
                kind = "audio-video" if modality == "video" else "audio-only"
                yield None, {"count": count, "kind": kind, "code": code}
    days = view.facts.remote_monitoring_days
    if isinstance(days, int) and days > 0 and not view.monitoring_lines:
        yield None, {"count": days, "kind": "remote monitoring day", "code": view.tables.remote_monitoring_code}


# --- HCPCS reference ----------------------------------------------------------------------------------------------


def _coded_lines(view: ClaimView, ctx: CheckContext) -> list[tuple[int, ClaimLine, CodeFacts]]:
    """Level II lines with a date (not the 0023 HIPPS line), with their code facts on that date (once per claim)."""
    found: list[tuple[int, ClaimLine, CodeFacts]] | None = view.memo.get("coded_lines")
    if found is not None:
        return found
    found = []
    codes = ctx.codes
    if codes is not None:
        if not isinstance(codes, CachedHcpcsSource):
            # a source set on the context after it was made: cache only within this claim
            codes = CachedHcpcsSource(codes)
            view.memo["codes"] = codes
        lookup = codes.level_ii_facts
        for i, line in enumerate(view.lines):
            day = line.service_date
            # the 0023 line's code is a HIPPS rate code, not a HCPCS code
            if day is not None and line.revenue_code != "0023":
                facts = lookup(line.hcpcs, day)
                if facts is not None:
                    found.append((i, line, facts))
    view.memo["coded_lines"] = found
    return found


@edit("hcpcs-valid-on-date", needs="codes")
def hcpcs_valid_on_date(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    for i, line, facts in _coded_lines(view, ctx):
        if facts.valid:
            continue
        record, day = facts.record, line.service_date
        if record is None:
            codes = view.memo.get("codes", ctx.codes)
            if day is not None and isinstance(codes, CachedHcpcsSource) and codes.is_partial_on(day):
                continue  # only the embedded subset is loaded: a code missing from it may well exist
            yield (
                i,
                {
                    **_line_values(i, line),
                    "why": f"is not in the HCPCS release in force on {day}",
                    "fix": "Check the code; a HCPCS code must exist in the release in force on the date of service",
                },
            )
        elif day is not None:
            replacements = ", ".join(record.cross_references)
            if record.added_date and day.isoformat() < record.added_date:
                why = f"was added {record.added_date}, after the line date {day}"
                fix = "Use the code in force on the date of service"
            else:
                why = f"was terminated {record.termination_date} (line date {day})"
                fix = (
                    f"Use its replacement {replacements}"
                    if replacements
                    else "Use the code in force on the date of service"
                )
            yield i, {**_line_values(i, line), "why": why, "fix": fix}


@edit("hcpcs-not-payable-by-medicare", needs="codes")
def hcpcs_not_payable(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    for i, line, facts in _coded_lines(view, ctx):
        record = facts.record
        if record is not None and record.coverage in _COVERAGE_MEANINGS:
            yield (
                i,
                {**_line_values(i, line), "coverage": record.coverage, "meaning": _COVERAGE_MEANINGS[record.coverage]},
            )


@lru_cache(maxsize=4096)
def _in_category(category: str, description: str) -> bool:
    from ..hcpcs._exclusions import in_category

    return in_category(category, description)


@edit("hcpcs-do-not-use-with", needs="codes")
def hcpcs_do_not_use_with(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    coded = _coded_lines(view, ctx)
    if len(coded) < 2:
        return
    for i, line, facts in coded:
        if not facts.exclusions:
            continue
        for j, other, other_facts in coded:
            if j == i or other.service_date != line.service_date or other.hcpcs == line.hcpcs:
                continue
            other_record = other_facts.record
            for codes, category in facts.exclusions:
                if other.hcpcs in codes or (
                    category is not None
                    and other_record is not None
                    and _in_category(category, other_record.long_description)
                ):
                    yield i, {**_line_values(i, line), "other": other.hcpcs, "other_line": _n(j)}
                    break


#: HCPCS Level II modifiers start with a letter (A1, GP, KX, Q5...); CPT (Level I) modifiers are two digits (25, 59)
#: or a digit and a letter (1P, 8P): not in the Level II file, so not looked up there
_LEVEL_II_MODIFIER = re.compile(r"^[A-Z][A-Z0-9]$")


@edit("modifier-valid-on-date", needs="codes")
def modifier_valid_on_date(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    if not view.modifiers:
        return
    codes = view.memo.get("codes", ctx.codes)
    if codes is None:
        return
    if not isinstance(codes, CachedHcpcsSource):
        codes = CachedHcpcsSource(codes)  # a source set on the context after it was made
        view.memo["codes"] = codes
    for i, line in enumerate(view.lines):
        day = line.service_date
        if not line.modifiers or day is None:
            continue
        for modifier in line.modifiers:
            if not _LEVEL_II_MODIFIER.match(modifier):
                continue
            facts = codes.facts(modifier, day)
            if facts.valid:
                continue
            record = facts.record
            if record is None:
                if codes.is_partial_on(day):
                    continue  # only the embedded subset is loaded: a modifier missing from it may well exist
                why = f"is not a modifier in the HCPCS release in force on {day}"
                fix = "Check the modifier; it must exist in the HCPCS release in force on the date of service"
            elif record.added_date and day.isoformat() < record.added_date:
                why = f"was added {record.added_date}, after the line date {day}"
                fix = "Use a modifier in force on the date of service"
            else:
                why = f"was terminated {record.termination_date} (line date {day})"
                fix = "Remove the modifier or use the one in force on the date of service"
            yield i, {**_line_values(i, line), "modifier": modifier, "why": why, "fix": fix}


# --- therapy and obsolete codes ------------------------------------------------------------------------------------


@edit("functional-reporting-obsolete")
def functional_reporting_obsolete(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    tables = view.tables
    if view.codes.isdisjoint(tables.functional_codes) and view.modifiers.isdisjoint(tables.functional_modifiers):
        return
    last_day = tables.functional_last_day
    for i, line in enumerate(view.lines):
        day = line.service_date or view.from_date
        if day is None or day <= last_day:
            continue
        if line.hcpcs in tables.functional_codes:
            yield i, {**_line_values(i, line), "what": f"{line.hcpcs} is a functional-reporting G-code"}
        else:
            severity = [m for m in line.modifiers if m in tables.functional_modifiers]
            if severity:
                yield i, {**_line_values(i, line), "what": f"modifier {severity[0]} is a functional severity modifier"}


@edit("hit-code-on-hha-claim")
def hit_code_on_hha_claim(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    hit = view.tables.hit_codes
    if view.codes.isdisjoint(hit):
        return
    for i, line in enumerate(view.lines):
        if line.hcpcs in hit:
            yield i, {**_line_values(i, line), "tob": view.claim.type_of_bill}


@edit("hh-visit-code-on-34x")
def hh_visit_code_on_34x(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    codes = view.tables.hh_visit_codes
    if view.codes.isdisjoint(codes):
        return
    for i, line in enumerate(view.lines):
        if line.hcpcs in codes:
            yield i, _line_values(i, line)


@edit("therapy-modifier")
def therapy_modifier(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    expected_by_family = view.tables.therapy_modifiers
    all_therapy = set(expected_by_family.values())
    for i, line in enumerate(view.lines):
        expected = expected_by_family.get(line.revenue_code[:3])
        if expected is None:
            continue
        discipline = view.tables.disciplines[view.tables.family_discipline[line.revenue_code[:3]]].key
        wrong = [m for m in line.modifiers if m in all_therapy and m != expected]
        if expected not in line.modifiers:
            yield (
                i,
                {
                    **_line_values(i, line),
                    "why": f"lacks modifier {expected}",
                    "expected": expected,
                    "discipline": discipline,
                },
            )
        elif wrong:
            yield (
                i,
                {
                    **_line_values(i, line),
                    "why": f"also carries {wrong[0]}, another discipline's modifier",
                    "expected": expected,
                    "discipline": discipline,
                },
            )


def _kx_steps(view: ClaimView, ctx: CheckContext) -> list[KxStep]:
    steps: list[KxStep] | None = view.memo.get("kx_steps")
    if steps is None:
        given = view.facts.ytd_therapy_spend
        ytd: dict[str, Decimal] = dict(given) if isinstance(given, dict) else {}
        steps = kx_walk(view.claim, ytd, view.tables, ctx.fee_schedule)
        view.memo["kx_steps"] = steps
    return steps


@edit("therapy-kx-threshold")
def therapy_kx_threshold(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    for step in _kx_steps(view, ctx):
        line = view.lines[step.line]
        if step.over and "KX" not in line.modifiers:
            yield (
                step.line,
                {
                    **_line_values(step.line, line),
                    "walk": step.explain(),
                    "year": step.day.year,
                    "threshold": step.threshold,
                },
            )


@edit("therapy-kx-basis")
def therapy_kx_basis(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    steps = [s for s in _kx_steps(view, ctx) if s.threshold is not None and s.basis == "charge"]
    if not steps:
        return
    if ctx.fee_schedule is None:
        why = "no physician fee schedule is loaded"
    else:
        why = "; ".join(dict.fromkeys(s.arithmetic for s in steps))
    charges = sum((s.counted for s in steps), Decimal(0))
    yield None, {"count": len(steps), "charges": charges, "why": why}


@edit("therapy-plan-date")
def therapy_plan_date(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    families = {line.revenue_code[:3] for line in view.lines}
    for discipline in view.tables.disciplines.values():
        code = discipline.plan_occurrence_code
        if code and discipline.revenue_family in families and code not in view.occurrence:
            yield None, {"discipline": discipline.key, "code": code}


# --- claim history -----------------------------------------------------------------------------------------------


@edit("duplicate-claim", needs="ledger")
def duplicate_claim(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    if ctx.ledger is None:
        return
    entry = ctx.ledger.find_duplicate(view.claim)
    if entry is not None:
        yield None, {"recorded": entry.recorded_at, "status": entry.status, "ref": entry.reference()}


@edit("overlapping-period", needs="ledger")
def overlapping_period(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    if ctx.ledger is None or view.from_date is None or view.through_date is None:
        return
    npi = view.claim.billing_provider.npi
    era = view.tables.overlap_era(view.from_date)
    for entry in ctx.ledger.find_overlaps(view.claim):
        if entry.provider_npi != npi:
            reason, whose = era.other_agency, "another HHA's period"
        elif entry.from_date == view.from_date:
            reason, whose = era.same_agency_same_from, "this HHA's period with the same From date"
        else:
            reason, whose = era.same_agency_other_from, "this HHA's period with another From date"
        yield (
            None,
            {
                "from_date": view.from_date,
                "through_date": view.through_date,
                "other_from": entry.from_date,
                "other_through": entry.through_date,
                "whose": whose,
                "ref": entry.reference(),
                "reason_code": reason,
                "era": era.source,
                "fix": "Check CWF/HETS for the other HHA's open admission; a transfer needs condition code 47 on this "
                "HHA's NOA"
                if entry.provider_npi != npi
                else "Replace the recorded claim (0327 with a claim change reason code) instead of sending a second "
                "claim, or correct the From date to the start of this HHA's period (day 1, 31, 61 ...)",
            },
        )


# --- 034X occurrence codes and assistants ------------------------------------------------------------------------


@edit("therapy-start-of-treatment")
def therapy_start_of_treatment(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    tables = view.tables
    first_day: dict[str, date] = {}
    for line in view.lines:
        discipline = tables.family_discipline.get(line.revenue_code[:3])
        day = line.service_date
        if (
            discipline in tables.start_of_treatment_codes
            and day is not None
            and day < first_day.get(discipline, day.max)
        ):
            first_day[discipline] = day
    for discipline, first in sorted(first_day.items()):
        code = tables.start_of_treatment_codes[discipline]
        if code not in view.occurrence:
            yield None, {"discipline": discipline, "code": code, "first": first}


@edit("therapy-assistant-modifier")
def therapy_assistant_modifier(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    tables = view.tables
    by_modifier = {role.modifier: role for role in tables.assistant_roles.values()}
    for i, line in enumerate(view.lines):
        discipline = tables.family_discipline.get(line.revenue_code[:3])
        if discipline is None:
            continue
        assistant = tables.assistant_roles.get(line.furnished_by)
        if assistant is not None and assistant.modifier not in line.modifiers:
            percent = tables.assistant_percent(line.service_date or view.from_date or date.min)
            paid = f"; the line is paid at {percent}% of the fee schedule amount" if percent is not None else ""
            yield (
                i,
                {
                    **_line_values(i, line),
                    "why": f"was furnished by a {assistant.role} but lacks {assistant.modifier}{paid}",
                },
            )
            continue
        for modifier in line.modifiers:
            role = by_modifier.get(modifier)
            if role is not None and role.discipline != discipline:
                yield (
                    i,
                    {**_line_values(i, line), "why": f"carries {modifier} ({role.role}) on a {discipline} line"},
                )


# --- 032X single-claim additions --------------------------------------------------------------------------------


@edit("kx-on-0023-timely-noa")
def kx_on_0023_timely_noa(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    receipt = view.facts.noa_receipt_date
    admission = view.admission_date
    modifier = view.tables.late_noa_exception_modifier
    if not isinstance(receipt, date) or admission is None:
        return
    deadline = admission + timedelta(days=_NOA_DEADLINE_DAYS)
    if receipt > deadline:
        return
    for i in view.hipps_lines:
        if modifier in view.lines[i].modifiers:
            yield i, {**_line_values(i, view.lines[i]), "receipt": receipt, "deadline": deadline}


@edit("patient-status-hospice")
def patient_status_hospice(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    status = view.claim.patient_status
    if status in _HOSPICE_STATUSES:
        yield None, {"status": status, "meaning": _HOSPICE_STATUSES[status]}


_HOSPICE_STATUSES = {
    "40": "expired at home (hospice claims only)",
    "41": "expired in a medical facility (hospice claims only)",
    "42": "expired, place unknown (hospice claims only)",
}


# --- adjustments and cancels --------------------------------------------------------------------------------------


def _change_reasons(view: ClaimView) -> list[str]:
    tables = view.tables
    known = set(tables.adjustment_reasons) | set(tables.cancel_reasons)
    return [code for code in view.claim.condition_codes if code in known]


@edit("claim-change-reason")
def claim_change_reason(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    tables = view.tables
    cancel = view.claim.frequency == "8"
    allowed = tables.cancel_reasons if cancel else tables.adjustment_reasons
    what = "a cancel (frequency 8)" if cancel else "an adjustment (frequency 7)"
    given = _change_reasons(view)
    choices = ", ".join(allowed)
    if len(given) > 1:
        why = f"{what} reports {len(given)} claim change reason codes ({', '.join(given)}); one per request"
    elif not given:
        why = f"{what} reports no claim change reason code ({choices})"
    elif given[0] not in allowed:
        why = f"{given[0]} is not a claim change reason code for {what} ({choices})"
    else:
        return
    yield None, {"why": why, "tob": view.claim.type_of_bill, "choices": choices}


@edit("claim-change-remarks")
def claim_change_remarks(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    needing = [c for c in _change_reasons(view) if c in view.tables.reasons_needing_remarks]
    if needing and not view.claim.remarks.strip():
        yield None, {"code": needing[0], "reason_code": view.tables.remarks_reason_code}


@edit("adjustment-unmatched", needs="ledger")
def adjustment_unmatched(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    if ctx.ledger is None or view.from_date is None:
        return
    if ctx.ledger.find_corrected(view.claim) is None:
        what = "cancel" if view.claim.frequency == "8" else "adjustment"
        yield None, {"what": what, "tob": view.claim.type_of_bill, "from_date": view.from_date}


# --- claim history: consolidated billing, NOAs ----------------------------------------------------------------------


def _history(view: ClaimView, ctx: CheckContext) -> list[Any]:
    found: list[Any] | None = view.memo.get("history")
    if found is None:
        from ._history import admissions

        found = admissions(ctx.ledger.claim_history(view.claim)) if ctx.ledger is not None else []
        view.memo["history"] = found
    return found


@edit("consolidated-billing", needs="ledger")
def consolidated_billing(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    from ._history import open_periods

    periods = open_periods(_history(view, ctx))
    if not periods:
        return
    npi = view.claim.billing_provider.npi
    for i, line in enumerate(view.lines):
        day = line.service_date
        if day is None:
            continue
        for admission, start, end, entry in periods:
            if start <= day <= end:
                whose = "this HHA's" if admission.provider_npi == npi else "another HHA's"
                source = entry.reference() if entry is not None else f"admission {admission.start}, not yet billed"
                yield (
                    i,
                    {**_line_values(i, line), "start": start, "end": end, "whose": whose, "source": source},
                )
                break


@edit("noa-other-agency-admission", needs="ledger")
def noa_other_agency_admission(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    start = view.admission_date
    if start is None or "47" in view.conditions:
        return
    npi = view.claim.billing_provider.npi
    for admission in _history(view, ctx):
        if admission.provider_npi != npi and admission.open_on(start):
            yield None, {"admission_date": start, "other_start": admission.start, "npi": admission.provider_npi}
            return


@edit("noa-inside-own-admission", needs="ledger")
def noa_inside_own_admission(view: ClaimView, ctx: CheckContext) -> Iterator[Hit]:
    start = view.admission_date
    if start is None:
        return
    npi = view.claim.billing_provider.npi
    for admission in _history(view, ctx):
        if admission.provider_npi != npi or admission.start == start or admission.start > start:
            continue
        if admission.open_on(start):
            why = f"this HHA's admission of {admission.start} is still open on {start} (no discharge recorded)"
        elif admission.discharge is not None and admission.period_of(admission.discharge)[1] >= start:
            period_start, period_end = admission.period_of(admission.discharge)
            why = (
                f"the patient was discharged {admission.discharge} and readmitted {start} within the same 30-day "
                f"period ({period_start} to {period_end}); Medicare treats the stay as one admission"
            )
        else:
            continue
        yield None, {"admission_date": start, "why": why}
        return
