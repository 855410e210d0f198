"""The claim builder: a :class:`PeriodOfCare` in, an institutional :class:`Claim` out, every line saying why.

032X: one dated visit line per in-person visit (discipline revenue code, the visit G-code for role and service,
units from minutes by the 15-minute table), the 0023 HIPPS line, the site-of-service Q-line paired with the first
visit at each location, G0320/G0321 per telehealth service, one G0322 line for remote monitoring, OC 50 from the
OASIS date, VC 61/85 from CBSA and county.
034X: therapy procedure lines with GP/GO/GN (and CQ/CO for an assistant's service), units by the 8-minute rule over
each day's timed minutes per discipline, OC 29/17/30 from the plan dates and OC 35/44/45 from the first service per
discipline, KX once the beneficiary's incurred (allowed) spend passes the year's threshold.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from operator import attrgetter

from .._errors import ClaimInputError
from ._data import RuleTables, rule_tables
from ._input import PeriodOfCare, RemoteMonitoring, TherapyService, Visit
from ._kx import kx_walk
from ._model import Claim, ClaimFacts, ClaimLine, CodeAmount, CodeDate
from ._pricing import TherapyFeeSchedule

__all__ = ["BuildSettings", "assign_timed_units", "build_claim", "timed_units", "visit_units"]

_ONE = Decimal(1)
_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class BuildSettings:
    """Builder policies that the sources leave open; documented in docs/CLAIMS.md.

    ``under_8_minute_policy``: what a 032X visit of 1-7 minutes is worth. ``one_unit`` (default: CMS counts a
    visit of 15 minutes or less as one unit) or ``reject`` (the published chart starts at 8 minutes).
    """

    under_8_minute_policy: str = "one_unit"
    #: 034X: ``per_discipline`` (default) or ``pooled`` timed minutes of a day (therapy_codes.json)
    therapy_minute_count: str = "per_discipline"

    def __post_init__(self) -> None:
        tables = rule_tables()
        policies = tables.under_8_policies
        if self.under_8_minute_policy not in policies:
            raise ClaimInputError(
                f"unknown under-8-minute policy {self.under_8_minute_policy!r} (choose {', '.join(policies)})",
                field="settings.under_8_minute_policy",
            )
        if self.therapy_minute_count not in tables.therapy_minute_counts:
            raise ClaimInputError(
                f"unknown 034X minute count {self.therapy_minute_count!r} (choose "
                f"{', '.join(tables.therapy_minute_counts)})",
                field="settings.therapy_minute_count",
            )


@lru_cache(maxsize=1)
def _default_settings() -> BuildSettings:
    return BuildSettings()


#: ISO text of a date, memoised: formatting dates is a visible share of building a claim's explanations
_iso = lru_cache(maxsize=8192)(date.isoformat)
#: every line the builder makes has a date, so (revenue code, date) orders them
_LINE_ORDER = attrgetter("revenue_code", "service_date")


def visit_units(minutes: int, policy: str = "one_unit", *, tables: RuleTables | None = None) -> int:
    """15-minute units of a 032X visit: 8-22 min = 1, 23-37 = 2, ...; under 8 minutes per ``policy``."""
    tables = tables or rule_tables()
    if minutes < 0 or minutes > tables.max_minutes:
        raise ClaimInputError(f"{minutes} minutes is outside 0-{tables.max_minutes}", field="minutes")
    units = tables.minute_units[minutes]
    if units == 0 and minutes > 0:
        if policy == "one_unit":
            return 1
        raise ClaimInputError(
            f"a {minutes}-minute visit is under the 8 minutes of the unit chart (policy 'reject')", field="minutes"
        )
    return units


def timed_units(total_minutes: int, *, tables: RuleTables | None = None) -> int:
    """Units for a day's total timed minutes under the 8-minute rule (under 8 minutes = 0)."""
    tables = tables or rule_tables()
    if total_minutes > tables.max_minutes:
        raise ClaimInputError(f"{total_minutes} timed minutes in one day is over {tables.max_minutes}", field="minutes")
    return tables.minute_units[total_minutes]


def assign_timed_units(minutes_by_code: list[tuple[str, int]], *, tables: RuleTables | None = None) -> list[int]:
    """Share a day's 8-minute-rule units among its timed codes by minutes (Pub. 100-04 Ch.5 §20.2).

    Each code first gets one unit per full 15 minutes; the units left go, one each, to the codes with the
    most remaining minutes (ties: more total minutes, then the order given). Returns units per input row.
    """
    tables = tables or rule_tables()
    inc = tables.unit_increment
    total = timed_units(sum(m for _, m in minutes_by_code), tables=tables)
    units = [m // inc for _, m in minutes_by_code]
    left = total - sum(units)
    if left > 0:
        order = sorted(
            range(len(minutes_by_code)),
            key=lambda i: (-(minutes_by_code[i][1] % inc), -minutes_by_code[i][1], i),
        )
        for i in order[:left]:
            units[i] += 1
    return units


def build_claim(
    period: PeriodOfCare, settings: BuildSettings | None = None, *, fee_schedule: TherapyFeeSchedule | None = None
) -> Claim:
    """Build the institutional claim for a period of care (032X or 034X).

    ``fee_schedule`` prices 034X lines for the KX threshold (allowed amounts); without it charges count."""
    settings = settings or _default_settings()
    tables = rule_tables()
    tob = tables.types_of_bill.get(period.type_of_bill)
    claim = Claim(
        type_of_bill=period.type_of_bill,
        from_date=period.from_date,
        through_date=period.through_date,
        admission_date=period.admission_date,
        admission_source=period.admission_source,
        patient_status=period.patient_status,
        patient_control_number=period.patient_control_number,
        claim_id=period.claim_id,
        diagnoses=list(period.diagnoses),
        occurrence_codes=list(period.occurrence_codes),
        condition_codes=list(period.condition_codes),
        value_codes=list(period.value_codes),
        patient=period.patient,
        billing_provider=period.provider,
        attending_npi=period.attending_npi,
        certifying_npi=period.certifying_npi,
        remarks=period.remarks,
    )
    derivations: list[str] = []
    claim.facts = ClaimFacts(
        site_of_service=period.site_of_service,
        derivations=derivations,
        noa_receipt_date=period.noa_receipt_date,
        discharge_date=period.discharge_date,
        first_period=period.first_period,
        transfer_from_other_hha=period.transfer_from_other_hha,
        pfs_locality=period.pfs_locality,
    )
    kind = tob.kind if tob else ""
    if period.type_of_bill[1:3] == "34":
        _build_therapy(period, claim, settings, tables, derivations, fee_schedule)
    elif kind in {"noa", "noa_cancel", "void"}:
        if kind == "noa" and period.transfer_from_other_hha and "47" not in claim.condition_codes:
            claim.condition_codes.append("47")
            derivations.append("CC 47: the patient transfers from another HHA (NGS 'Home Health Transfers')")
        derivations.append(f"{period.type_of_bill} ({tob.meaning if tob else 'notice'}): header only, no visit lines")
    else:
        _build_home_health(period, claim, settings, tables, derivations)
    return claim


# --- 032X ---------------------------------------------------------------------------------------------------


def _add_occurrence(claim: Claim, code: str, day: date | None, why: str, derivations: list[str]) -> None:
    if day is None:
        return
    if any(oc.code == code for oc in claim.occurrence_codes):
        derivations.append(f"OC {code}: given in the input, kept as given")
        return
    claim.occurrence_codes.append(CodeDate(code, day))
    derivations.append(f"OC {code} {_iso(day)}: {why}")


def _add_value(claim: Claim, code: str, number: str, field: str, why: str, derivations: list[str]) -> None:
    if not number:
        return
    if any(vc.code == code for vc in claim.value_codes):
        derivations.append(f"VC {code}: given in the input, kept as given")
        return
    amount, text = _value_code(code, number, field, why)
    claim.value_codes.append(CodeAmount(code, amount))
    derivations.append(text)


@lru_cache(maxsize=4096)
def _value_code(code: str, number: str, field: str, why: str) -> tuple[Decimal, str]:
    amount = _coded_amount(number, field)
    return amount, f"VC {code} {amount}: {why} ({number})"


@lru_cache(maxsize=4096)
def _coded_amount(number: str, field: str) -> Decimal:
    """A code reported as a value amount: the number followed by two zeros, a leading zero dropped (37257)."""
    if not (number.isascii() and number.isdigit()) or len(number) > 9:
        raise ClaimInputError(f"{number!r} is not a numeric code", field=field)
    return Decimal(int(number)).quantize(Decimal("0.01"))


def _build_home_health(
    period: PeriodOfCare, claim: Claim, settings: BuildSettings, tables: RuleTables, derivations: list[str]
) -> None:
    # a stable sort by date keeps the input order within a day (enumerate yields the indexes in order)
    visits = sorted(enumerate(period.visits), key=_visit_date)
    first_visit = next((v for _, v in visits if v.modality == "in_person"), None)
    lines = claim.lines
    if period.hipps:
        # 0023 first: its date is the first billable visit in the period
        day = first_visit.date if first_visit else period.from_date
        lines.append(_hipps_line(period, claim, day, tables, derivations))
    visit_lines, telehealth_counts = _visit_lines(visits, settings.under_8_minute_policy, tables)
    lines.extend(line for _, line in visit_lines)
    lines.extend(_telehealth_lines(visits, tables))
    lines.extend(_site_lines(period, visit_lines, tables))
    if period.remote_monitoring is not None:
        lines.append(_monitoring_line(period, period.remote_monitoring, tables))
        claim.facts.remote_monitoring_days = period.remote_monitoring.days
    # UB-04 lines run in ascending revenue code order (0023 first), by date within a revenue code; the sort is
    # stable, so a Q-line stays after the visit it is paired with.
    lines.sort(key=_LINE_ORDER)
    claim.facts.telehealth_services = telehealth_counts
    _home_health_codes(period, claim, derivations)


def _hipps_line(period: PeriodOfCare, claim: Claim, day: date, tables: RuleTables, derivations: list[str]) -> ClaimLine:
    line = ClaimLine(
        revenue_code="0023",
        hcpcs=period.hipps,
        service_date=day,
        units=_ONE,
        charge=_ZERO,
        because=(
            f"HIPPS {period.hipps} for the period on revenue code 0023, dated with the first billable "
            f"visit {_iso(day)}, 1 unit, no charge (Pub. 100-04 Ch.10 §40.2)"
        ),
    )
    if period.late_noa_exception is not None:
        _request_late_noa_exception(period, claim, line, tables, derivations)
    return line


def _visit_lines(
    visits: list[tuple[int, Visit]], policy: str, tables: RuleTables
) -> tuple[list[tuple[Visit, ClaimLine]], dict[str, int]]:
    """A dated line per in-person visit, and how many telehealth services of each modality the period had."""
    found: list[tuple[Visit, ClaimLine]] = []
    telehealth_counts: dict[str, int] = defaultdict(int)
    for index, visit in visits:
        if visit.modality != "in_person":
            telehealth_counts[visit.modality] += 1
            continue
        try:
            revenue, code, units, head, tail = _visit_line_parts(
                visit.discipline, visit.role, visit.service, visit.minutes, policy
            )
        except ClaimInputError as exc:
            raise ClaimInputError(exc.message, field=f"visits[{index}].minutes") from None
        line = ClaimLine(
            revenue,
            code,
            (),
            visit.date,
            units,
            visit.charge,
            _ZERO,
            f"visit {index + 1}: {head} on {_iso(visit.date)}, {tail}",
            index,
        )
        found.append((visit, line))
    return found, dict(telehealth_counts)


def _telehealth_lines(visits: list[tuple[int, Visit]], tables: RuleTables) -> list[ClaimLine]:
    """G0320/G0321 per telehealth service, 1 unit each, under the discipline's revenue code (CR 12805)."""
    found = []
    for index, visit in visits:
        if visit.modality == "in_person":
            continue
        code = tables.telehealth_codes[visit.modality]
        found.append(
            ClaimLine(
                revenue_code=tables.disciplines[visit.discipline].revenue_code_032x,
                hcpcs=code,
                service_date=visit.date,
                units=_ONE,
                charge=visit.charge,
                because=(
                    f"visit {index + 1}: {visit.discipline} service by {visit.modality.replace('_', ' ')} on "
                    f"{_iso(visit.date)} ({visit.minutes} min) -> {code}, 1 unit per service (not 15-minute units; "
                    f"CR 12805); not a visit: does not count toward LUPA"
                ),
                visit_index=index,
            )
        )
    return found


def _site_lines(
    period: PeriodOfCare, visit_lines: list[tuple[Visit, ClaimLine]], tables: RuleTables
) -> list[ClaimLine]:
    """A site-of-service Q-line for the first visit at each location (the claim's, or a visit's own)."""
    seen_sites: set[str] = set()
    found = []
    for visit, line in visit_lines:
        site = visit.site_of_service or period.site_of_service
        if site in seen_sites:
            continue
        seen_sites.add(site)
        code = tables.site_codes[site]
        found.append(
            ClaimLine(
                revenue_code=line.revenue_code,
                hcpcs=code,
                service_date=line.service_date,
                units=_ONE,
                charge=tables.site_nominal_charge,
                because=(
                    f"site of service {site.replace('_', ' ')} -> {code}, paired with the first visit there "
                    f"({line.hcpcs} on {_iso(line.service_date)}, revenue code {line.revenue_code}), 1 unit, nominal "
                    f"charge {tables.site_nominal_charge} (Transmittal 2680; NGS 522358)"
                ),
            )
        )
    return found


def _monitoring_line(period: PeriodOfCare, monitoring: RemoteMonitoring, tables: RuleTables) -> ClaimLine:
    """One G0322 line for the period, units = days monitored, inside the period (CR 12805)."""
    discipline = tables.disciplines[monitoring.discipline]
    period_days = (period.through_date - period.from_date).days + 1
    if monitoring.days > period_days:
        raise ClaimInputError(
            f"{monitoring.days} days monitored is more than the {period_days} days of the period",
            field="remote_monitoring.days",
        )
    if not period.from_date <= monitoring.start <= period.through_date:
        raise ClaimInputError(
            f"monitoring start {monitoring.start} is outside the period {period.from_date} to {period.through_date}",
            field="remote_monitoring.start",
        )
    return ClaimLine(
        revenue_code=discipline.revenue_code_032x,
        hcpcs=tables.remote_monitoring_code,
        service_date=monitoring.start,
        units=Decimal(monitoring.days),
        charge=monitoring.charge,
        because=(
            f"remote patient monitoring from {_iso(monitoring.start)} for {monitoring.days} day(s) -> one "
            f"{tables.remote_monitoring_code} line for the period, units = days monitored, "
            f"{discipline.name} revenue code {discipline.revenue_code_032x} (CR 12805)"
        ),
    )


def _home_health_codes(period: PeriodOfCare, claim: Claim, derivations: list[str]) -> None:
    """OC 50 from the OASIS date, OC 55 from a death, VC 61/85 from CBSA and county."""
    _add_occurrence(
        claim,
        "50",
        period.oasis_assessment_date,
        "OASIS assessment date (M0090) of the assessment for the period",
        derivations,
    )
    if claim.patient_status == "20" and period.discharge_date is not None:
        _add_occurrence(claim, "55", period.discharge_date, "date of death (patient status 20)", derivations)
    _add_value(claim, "61", period.cbsa, "cbsa", "CBSA where the service was furnished", derivations)
    _add_value(claim, "85", period.fips_county, "fips_county", "FIPS state and county code", derivations)


def _request_late_noa_exception(
    period: PeriodOfCare, claim: Claim, hipps_line: ClaimLine, tables: RuleTables, derivations: list[str]
) -> None:
    """The late-NOA exception request: KX on the 0023 line, the explanation in Remarks (42 CFR 484.205(j)(4))."""
    exception = period.late_noa_exception
    assert exception is not None
    meaning = tables.late_noa_exception_categories[exception.category]
    modifier = tables.late_noa_exception_modifier
    hipps_line.modifiers = (*hipps_line.modifiers, modifier)
    hipps_line.because += (
        f"; {modifier}: an exception to the late-NOA reduction is requested ({exception.category}: {meaning}), "
        f"explained in Remarks ({tables.late_noa_kx_note})"
    )
    # the exception's explanation first: it is what the MAC reviews; other remarks given follow it
    claim.remarks = f"{exception.remarks}; {period.remarks}" if period.remarks else exception.remarks
    claim.facts.late_noa_exception = {"category": exception.category, "meaning": meaning}
    derivations.append(
        f"Remarks: the late-NOA exception explanation ({exception.category}); {modifier} on the 0023 line requests "
        f"the exception (42 CFR 484.205(j)(4); {tables.late_noa_kx_note})"
    )


def _visit_date(item: tuple[int, Visit]) -> date:
    return item[1].date


#: Decimal unit counts, made once (a day has at most 96 fifteen-minute units)
_UNITS = [Decimal(n) for n in range(100)]


@lru_cache(maxsize=16_384)
def _visit_line_parts(
    discipline_key: str, role: str, service: str, minutes: int, policy: str
) -> tuple[str, str, Decimal, str, str]:
    """Everything about a 032X visit line that depends only on the kind of visit and its minutes: revenue code,
    G-code, units and the explanation around the visit number and date (worked out once per combination)."""
    tables = rule_tables()
    revenue, code, label = _visit_coding(discipline_key, role, service)
    units = visit_units(minutes, policy, tables=tables)
    tail = f"{minutes} min -> {units} unit(s) ({_units_why(minutes, units, tables)}); {label[1]}"
    return revenue, code, _UNITS[units] if units < len(_UNITS) else Decimal(units), label[0], tail


@lru_cache(maxsize=256)
def _visit_coding(discipline_key: str, role: str, service: str) -> tuple[str, str, tuple[str, str]]:
    """Revenue code, G-code and the two halves of the line's explanation for a kind of visit."""
    discipline = rule_tables().disciplines[discipline_key]
    code = discipline.visit_codes[(role, service)]
    revenue = discipline.revenue_code_032x
    what = f"{role} {service.replace('_', ' ')}"
    return (
        revenue,
        code,
        (
            f"{discipline_key} {what}",
            f"{discipline.name} revenue code {revenue}, {code} = {what}",
        ),
    )


@lru_cache(maxsize=2048)
def _units_why(minutes: int, units: int, tables: RuleTables) -> str:
    if minutes < tables.unit_rows[0]["min"]:
        return f"under {tables.unit_rows[0]['min']} minutes billed as 1 unit by the under-8-minute policy 'one_unit'"
    for row in tables.unit_rows:
        if row["min"] <= minutes <= row["max"]:
            return f"{row['min']}-{row['max']} min = {units}"
    return f"({minutes} + 7) // 15 = {units}"


# --- 034X ---------------------------------------------------------------------------------------------------


def _merge_services(services: list[TherapyService]) -> list[TherapyService]:
    """Entries for the same code, discipline and role on the same day as one (minutes and charges add up)."""
    merged: dict[tuple[date, str, str, str], TherapyService] = {}
    for service in services:
        key = (service.date, service.code, service.discipline, service.role)
        prior = merged.get(key)
        if prior is None:
            merged[key] = service
        else:
            merged[key] = TherapyService(
                prior.date,
                prior.discipline,
                prior.code,
                prior.minutes + service.minutes,
                prior.timed and service.timed,
                prior.charge + service.charge,
                prior.role,
            )
    return list(merged.values())


def _unit_groups(services: list[TherapyService], count: str) -> list[tuple[str, list[TherapyService]]]:
    """The services of one day whose timed minutes are counted together: per discipline, or all pooled."""
    if count == "pooled":
        return [("all disciplines together", services)]
    groups: dict[str, list[TherapyService]] = defaultdict(list)
    for service in services:
        groups[service.discipline].append(service)
    return [(f"{discipline}, counted per discipline", group) for discipline, group in groups.items()]


def _therapy_units(
    day: date, services: list[TherapyService], count: str, tables: RuleTables, derivations: list[str]
) -> list[tuple[TherapyService, int, str]]:
    """Each service of a day with its units and why (services that get no unit are left out, with a derivation)."""
    result: list[tuple[TherapyService, int, str]] = []
    for label, group in _unit_groups(services, count):
        timed = [s for s in group if s.timed]
        total = sum(s.minutes for s in timed)
        units = assign_timed_units([(s.code, s.minutes) for s in timed], tables=tables)
        day_units = sum(units)
        for service, n in zip(timed, units, strict=True):
            if n == 0:
                derivations.append(
                    f"{service.code} on {day}: {service.minutes} timed min got no unit ({label}: {total} min = "
                    f"{day_units} unit(s), given to codes with more minutes; 8-minute rule)"
                )
                continue
            why = (
                f"{service.minutes} of {total} timed min on {_iso(day)} ({label}) -> {day_units} unit(s) by the "
                f"8-minute rule; {n} to this code by minutes"
            )
            result.append((service, n, why))
        result.extend((s, 1, "untimed code: 1 unit regardless of time") for s in group if not s.timed)
    return result


def _therapy_line(service: TherapyService, units: int, why: str, tables: RuleTables) -> ClaimLine:
    discipline = tables.disciplines[service.discipline]
    modifiers = [discipline.therapy_modifier]
    because = (
        f"{discipline.name} {service.code} on {_iso(service.date)}: {why}; revenue code "
        f"{discipline.revenue_code_034x}, {discipline.therapy_modifier} = services under the {service.discipline} "
        "plan of care"
    )
    assistant = tables.assistant_roles.get(service.role)
    if assistant is not None and service.date >= tables.assistant_modifiers_from:
        modifiers.append(assistant.modifier)
        percent = tables.assistant_percent(service.date)
        paid = f"; paid at {percent}% of the fee schedule amount (SSA §1834(v))" if percent is not None else ""
        because += f"; {assistant.modifier}: furnished in whole or in part by a {assistant.role}{paid}"
    return ClaimLine(
        revenue_code=discipline.revenue_code_034x,
        hcpcs=service.code,
        modifiers=tuple(modifiers),
        service_date=service.date,
        units=Decimal(units),
        charge=service.charge,
        because=because,
        furnished_by=service.role or service.discipline,
    )


def _therapy_occurrences(
    period: PeriodOfCare, claim: Claim, services: list[TherapyService], tables: RuleTables, derivations: list[str]
) -> None:
    """OC 29/17/30 from the plan dates; OC 35/44/45 from the first service of each discipline (Pub. 100-04 Ch.5 §20)."""
    first_day: dict[str, date] = {}
    for service in services:
        if service.discipline not in first_day or service.date < first_day[service.discipline]:
            first_day[service.discipline] = service.date
    for plan_discipline in ("PT", "OT", "SLP"):
        discipline = tables.disciplines[plan_discipline]
        _add_occurrence(
            claim,
            discipline.plan_occurrence_code,
            period.therapy_plans.get(plan_discipline),
            f"date the {plan_discipline} plan was established or last reviewed",
            derivations,
        )
        _add_occurrence(
            claim,
            tables.start_of_treatment_codes[plan_discipline],
            first_day.get(plan_discipline),
            f"first day of {plan_discipline} treatment: the first {plan_discipline} service on the claim "
            "(Pub. 100-04 Ch.5 §20)",
            derivations,
        )


def _add_kx(claim: Claim, period: PeriodOfCare, fee_schedule: TherapyFeeSchedule | None, tables: RuleTables) -> None:
    """KX on every line from the one that takes its group's incurred spend over the year's threshold."""
    for step in kx_walk(claim, dict(period.ytd_therapy_spend), tables, fee_schedule):
        if step.over and step.threshold is not None:
            line = claim.lines[step.line]
            line.modifiers = (*line.modifiers, "KX")
            line.because += (
                f"; KX: {step.explain()}, over the ${step.threshold} threshold (documentation of medical necessity "
                "required; Pub. 100-04 Ch.5 §10.3)"
            )


def _build_therapy(
    period: PeriodOfCare,
    claim: Claim,
    settings: BuildSettings,
    tables: RuleTables,
    derivations: list[str],
    fee_schedule: TherapyFeeSchedule | None,
) -> None:
    services = _merge_services(period.therapy_services)
    by_day: dict[date, list[TherapyService]] = defaultdict(list)
    for service in services:
        by_day[service.date].append(service)
    for day in sorted(by_day):
        for service, units, why in _therapy_units(day, by_day[day], settings.therapy_minute_count, tables, derivations):
            claim.lines.append(_therapy_line(service, units, why, tables))
    _therapy_occurrences(period, claim, services, tables, derivations)
    claim.lines.sort(key=_LINE_ORDER)
    _add_kx(claim, period, fee_schedule, tables)
    if fee_schedule is None and claim.lines:
        derivations.append(
            "KX threshold counted on charges: no physician fee schedule is loaded to price the lines (import one "
            "with `hhbill rvu-import`)"
        )
    claim.facts.ytd_therapy_spend = dict(period.ytd_therapy_spend)
