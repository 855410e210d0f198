"""The claim rule tables, loaded once from ``hhbill/data/claims/*.json`` and compiled into fast lookups.

Rules are data: revenue-code/discipline/G-code maps, unit tables, KX thresholds, types of bill, site-of-service
and telehealth codes live in JSON files with their sources. This module only turns them into dicts and sets
the builder and the edits index directly (no parsing on the hot path).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

DATA_PACKAGE = "hhbill"
DATA_DIR = "claims"


def load_json(name: str) -> dict[str, Any]:
    """One rule file from ``hhbill/data/claims``."""
    text = resources.files(DATA_PACKAGE).joinpath("data").joinpath(DATA_DIR).joinpath(name).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@dataclass(frozen=True, slots=True)
class Discipline:
    key: str  # SN, PT, OT, SLP, MSS, AIDE
    name: str
    skilled: bool
    revenue_family: str  # first three digits, e.g. "042"
    revenue_code_032x: str
    revenue_code_034x: str
    therapy_modifier: str
    plan_occurrence_code: str
    visit_codes: dict[tuple[str, str], str]  # (role, service) -> G-code


@dataclass(frozen=True, slots=True)
class TypeOfBill:
    code: str
    kind: str
    meaning: str
    valid_from: date | None
    valid_through: date | None
    note: str


@dataclass(frozen=True, slots=True)
class OverlapEra:
    """Which FISS reason code an overlap gets for claims whose From date falls in the era."""

    start: date | None
    end: date | None
    source: str
    same_agency_same_from: str
    same_agency_other_from: str
    other_agency: str


@dataclass(frozen=True, slots=True)
class AssistantRole:
    """A therapy assistant role (PTA, OTA): the discipline it serves and the modifier its services carry."""

    role: str
    discipline: str
    modifier: str


@dataclass(frozen=True, slots=True)
class KxThreshold:
    year: int
    pt_slp: Decimal
    ot: Decimal
    source: str


class RuleTables:
    """Every claim rule table, compiled. One shared instance: :func:`rule_tables`."""

    def __init__(self) -> None:
        disc = load_json("disciplines.json")
        self.disciplines: dict[str, Discipline] = {}
        #: G-code -> discipline key, including retired codes (validity by date is the HCPCS edit's job)
        self.visit_code_discipline: dict[str, str] = {}
        #: revenue code family ("042") -> discipline key
        self.family_discipline: dict[str, str] = {}
        for key, row in disc["disciplines"].items():
            codes = {}
            for combo, code in row["visit_codes"].items():
                role, service = combo.split("/")
                codes[(role, service)] = code
                self.visit_code_discipline[code] = key
            for code in row.get("historical_codes", []):
                self.visit_code_discipline[code] = key
            self.disciplines[key] = Discipline(
                key=key,
                name=row["name"],
                skilled=bool(row["skilled"]),
                revenue_family=row["revenue_family"],
                revenue_code_032x=row["revenue_code_032x"],
                revenue_code_034x=row.get("revenue_code_034x", ""),
                therapy_modifier=row.get("therapy_modifier", ""),
                plan_occurrence_code=row.get("plan_occurrence_code", ""),
                visit_codes=codes,
            )
            self.family_discipline[row["revenue_family"]] = key
        self.skilled_families = frozenset(d.revenue_family for d in self.disciplines.values() if d.skilled)
        self.therapy_modifiers = {
            d.revenue_family: d.therapy_modifier for d in self.disciplines.values() if d.therapy_modifier
        }
        self.roles = frozenset(role for d in self.disciplines.values() for role, _ in d.visit_codes)
        self.services = frozenset(service for d in self.disciplines.values() for _, service in d.visit_codes)

        units = load_json("visit_units.json")
        self.unit_rows: list[dict[str, int]] = units["rows"]
        self.unit_increment: int = units["increment_minutes"]
        self.unit_round_up_at: int = units["round_up_at_minutes"]
        self.max_minutes: int = units["max_minutes"]
        self.under_8_policies: dict[str, str] = units["under_8_minute_policies"]
        self.default_under_8_policy: str = units["default_under_8_minute_policy"]
        # Precompute minutes -> units for every minute of a day so unit lookups are one list index.
        self.minute_units: list[int] = [self._units_from_rows(m) for m in range(self.max_minutes + 1)]

        kx = load_json("kx_thresholds.json")
        self.kx_thresholds: dict[int, KxThreshold] = {
            int(year): KxThreshold(int(year), Decimal(row["pt_slp"]), Decimal(row["ot"]), row["source"])
            for year, row in kx["years"].items()
        }

        tob = load_json("type_of_bill.json")
        self.types_of_bill: dict[str, TypeOfBill] = {
            code: TypeOfBill(
                code,
                row["kind"],
                row["meaning"],
                _day(row["valid_from"]),
                _day(row["valid_through"]),
                row.get("note", ""),
            )
            for code, row in tob["types"].items()
        }

        sos = load_json("site_of_service.json")
        self.site_required_from: date = date.fromisoformat(sos["required_from"])
        self.site_codes: dict[str, str] = sos["home_health_codes"]
        self.site_code_set = frozenset(self.site_codes.values())
        self.hospice_site_codes = frozenset(sos["hospice_only_codes"])
        self.site_nominal_charge = Decimal(sos["nominal_charge"])

        tele = load_json("telehealth.json")
        self.telehealth_voluntary_from = date.fromisoformat(tele["voluntary_from"])
        self.telehealth_required_from = date.fromisoformat(tele["required_from"])
        self.telehealth_codes: dict[str, str] = tele["per_service_codes"]  # modality -> code
        self.remote_monitoring_code: str = tele["remote_monitoring_code"]
        self.telehealth_code_set = frozenset([*self.telehealth_codes.values(), self.remote_monitoring_code])

        late = load_json("late_noa_exceptions.json")
        #: late-NOA exception category -> what it covers; the request's modifier, its line and the caveat
        self.late_noa_exception_categories: dict[str, str] = late["categories"]
        self.late_noa_exception_modifier: str = late["modifier"]
        self.late_noa_exception_revenue_code: str = late["line_revenue_code"]
        self.late_noa_kx_note: str = late["kx_placement_note"]

        therapy = load_json("therapy_codes.json")
        fr = therapy["functional_reporting"]
        self.functional_last_day = date.fromisoformat(fr["last_day"])
        self.functional_codes = frozenset(fr["codes"])
        self.functional_modifiers = frozenset(fr["severity_modifiers"])
        self.hit_codes = frozenset(therapy["home_infusion_therapy"]["codes"])
        self.hh_visit_codes = frozenset(therapy["hh_visit_codes_not_on_34x"])
        minute_count = therapy["timed_minute_count"]
        self.therapy_minute_counts: dict[str, str] = minute_count["policies"]
        self.default_therapy_minute_count: str = minute_count["default"]
        self.start_of_treatment_codes: dict[str, str] = therapy["start_of_treatment"]["codes"]
        assistants = therapy["assistant_services"]
        self.assistant_roles: dict[str, AssistantRole] = {
            role: AssistantRole(role, row["discipline"], row["modifier"]) for role, row in assistants["roles"].items()
        }
        self.assistant_modifiers_from = date.fromisoformat(assistants["modifiers_from"])
        self.assistant_payment_percent: list[tuple[date, Decimal]] = sorted(
            (date.fromisoformat(row["from"]), Decimal(row["percent"])) for row in assistants["payment_percent"]
        )

        overlap = load_json("overlap_reason_codes.json")
        self.overlap_eras = [
            OverlapEra(
                _day(row["from"]),
                _day(row["through"]),
                row["source"],
                row["same_agency_same_from"],
                row["same_agency_other_from"],
                row["other_agency"],
            )
            for row in overlap["eras"]
        ]

        changes = load_json("claim_change_reasons.json")
        self.adjustment_reasons: dict[str, str] = changes["adjustment"]
        self.cancel_reasons: dict[str, str] = changes["cancel"]
        self.reasons_needing_remarks = frozenset(changes["needs_remarks"])
        self.remarks_reason_code: str = changes["remarks_reason_code"]

    def _units_from_rows(self, minutes: int) -> int:
        """Units for ``minutes`` by the published chart; 0 under the chart's first row."""
        for row in self.unit_rows:
            if row["min"] <= minutes <= row["max"]:
                return row["units"]
        if minutes > self.unit_rows[-1]["max"]:
            # past the chart, each further increment adds a unit once round_up_at minutes of it have passed
            return (minutes + self.unit_increment - self.unit_round_up_at) // self.unit_increment
        return 0

    def kx_threshold(self, year: int) -> KxThreshold | None:
        return self.kx_thresholds.get(year)

    def overlap_era(self, day: date) -> OverlapEra:
        """The overlap reason-code era of a claim From date (the last era when none matches)."""
        for era in self.overlap_eras:
            if (era.start is None or day >= era.start) and (era.end is None or day <= era.end):
                return era
        return self.overlap_eras[-1]

    def assistant_percent(self, day: date) -> Decimal | None:
        """The share of the fee schedule amount paid for an assistant's service on ``day`` (None: no reduction)."""
        found = None
        for start, percent in self.assistant_payment_percent:
            if day >= start:
                found = percent
        return found


@cache
def rule_tables() -> RuleTables:
    return RuleTables()
