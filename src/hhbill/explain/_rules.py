"""The home health claim rules a code page explains, read from the claims package's rule data
(``hhbill/data/claims/*.json``) and its edit catalog (:func:`hhbill.claims.edit_catalog`)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

__all__ = ["ClaimRules", "claim_rules", "clean_citation", "load_claims_data"]


def load_claims_data(name: str) -> dict[str, Any]:
    """One rule file of the claims package (``hhbill/data/claims``)."""
    text = resources.files("hhbill").joinpath("data").joinpath("claims").joinpath(name).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _top_level_parts(text: str) -> list[str]:
    """``text`` split at the semicolons outside parentheses."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == ";" and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return [part.strip() for part in parts if part.strip()]


#: a reference to a project notes file ("notes.md §2.4"): notes are not sources, the primary texts they cite are
_NOTES = re.compile(r"^[\w-]+\.md\b")


_NOTE_REFERENCE = re.compile(r"[;,]?\s*[\w-]+\.md\b(?:\s*§[\d.]+,?)*")


@lru_cache(maxsize=1024)
def clean_citation(text: str) -> str:
    """A citation without references to project notes files: only the primary and MAC sources they restate
    (given in parentheses after the note reference) are shown."""
    kept = []
    for part in _top_level_parts(text):
        if _NOTES.match(part) and "(" in part and part.rstrip().endswith(")"):
            part = part[part.index("(") + 1 : part.rstrip().rindex(")")].strip()
        part = _NOTE_REFERENCE.sub("", part).replace("()", "").replace("( ", "(").replace(" )", ")").strip(" ;,")
        if part:
            kept.append(part)
    return "; ".join(kept)


def _sources(data: dict[str, Any]) -> str:
    return clean_citation("; ".join(str(s) for s in data.get("sources", [])))


@dataclass(frozen=True, slots=True)
class VisitCode:
    code: str
    discipline: str  # SN, PT, ...
    discipline_name: str
    role: str
    service: str
    revenue_family: str
    revenue_code: str
    therapy_modifier: str


@dataclass(frozen=True)
class ClaimRules:
    visit_codes: dict[str, VisitCode]
    historical_visit_codes: dict[str, str]  # retired visit code -> discipline
    disciplines_source: str
    telehealth: dict[str, Any]
    telehealth_source: str
    site_codes: dict[str, str]  # code -> place
    hospice_site_codes: frozenset[str]
    site_source: str
    site_required_from: str
    site_nominal_charge: str
    functional_codes: frozenset[str]
    functional_modifiers: frozenset[str]
    functional_last_day: str
    hit_codes: frozenset[str]
    therapy_source: str
    visit_unit_rows: list[dict[str, int]]
    visit_units_source: str
    types_of_bill: dict[str, dict[str, Any]]
    types_of_bill_source: str
    therapy_modifiers: dict[str, str]  # modifier -> discipline key
    discipline_names: dict[str, str]
    discipline_revenue_034x: dict[str, str]
    kx_source: str
    kx_latest: tuple[str, dict[str, Any]] | None
    #: therapy assistant modifier (CQ, CO) -> (assistant role, discipline key), with the source
    assistant_modifiers: dict[str, tuple[str, str]]
    assistant_source: str
    late_noa_modifier: str
    late_noa_line: str
    late_noa_source: str

    @property
    def telehealth_codes(self) -> dict[str, str]:
        """code -> modality (video, audio_only, remote_monitoring)."""
        codes = {code: modality for modality, code in self.telehealth["per_service_codes"].items()}
        codes[self.telehealth["remote_monitoring_code"]] = "remote_monitoring"
        return codes

    def home_health_code(self, code: str) -> bool:
        return code in self.visit_codes or code in self.telehealth_codes or code in self.site_codes


@cache
def claim_rules() -> ClaimRules:
    disciplines = load_claims_data("disciplines.json")
    visit_codes: dict[str, VisitCode] = {}
    historical: dict[str, str] = {}
    therapy_modifiers: dict[str, str] = {}
    names: dict[str, str] = {}
    revenue_034x: dict[str, str] = {}
    for key, row in disciplines["disciplines"].items():
        names[key] = row["name"]
        if row.get("therapy_modifier"):
            therapy_modifiers[row["therapy_modifier"]] = key
        if row.get("revenue_code_034x"):
            revenue_034x[key] = row["revenue_code_034x"]
        for combo, code in row["visit_codes"].items():
            role, service = combo.split("/")
            visit_codes[code] = VisitCode(
                code,
                key,
                row["name"],
                role,
                service,
                row["revenue_family"],
                row["revenue_code_032x"],
                row.get("therapy_modifier", ""),
            )
        for code in row.get("historical_codes", []):
            historical[code] = key
    tele = load_claims_data("telehealth.json")
    site = load_claims_data("site_of_service.json")
    therapy = load_claims_data("therapy_codes.json")
    units = load_claims_data("visit_units.json")
    tob = load_claims_data("type_of_bill.json")
    kx = load_claims_data("kx_thresholds.json")
    late_noa = load_claims_data("late_noa_exceptions.json")
    kx_years = sorted(kx.get("years", {}).items())
    assistants = therapy.get("assistant_services", {})
    assistant_modifiers = {
        row["modifier"]: (role, row["discipline"]) for role, row in assistants.get("roles", {}).items()
    }
    return ClaimRules(
        visit_codes=visit_codes,
        historical_visit_codes=historical,
        disciplines_source=_sources(disciplines),
        telehealth=tele,
        telehealth_source=_sources(tele),
        site_codes={code: place for place, code in site["home_health_codes"].items()},
        hospice_site_codes=frozenset(site["hospice_only_codes"]),
        site_source=_sources(site),
        site_required_from=site["required_from"],
        site_nominal_charge=site["nominal_charge"],
        functional_codes=frozenset(therapy["functional_reporting"]["codes"]),
        functional_modifiers=frozenset(therapy["functional_reporting"]["severity_modifiers"]),
        functional_last_day=therapy["functional_reporting"]["last_day"],
        hit_codes=frozenset(therapy["home_infusion_therapy"]["codes"]),
        therapy_source=_sources(therapy),
        visit_unit_rows=units["rows"],
        visit_units_source=_sources(units),
        types_of_bill=tob["types"],
        types_of_bill_source=_sources(tob),
        therapy_modifiers=therapy_modifiers,
        discipline_names=names,
        discipline_revenue_034x=revenue_034x,
        kx_source=_sources(kx),
        kx_latest=kx_years[-1] if kx_years else None,
        assistant_modifiers=assistant_modifiers,
        assistant_source=_sources(assistants),
        late_noa_modifier=late_noa["modifier"],
        late_noa_line=late_noa["line_revenue_code"],
        late_noa_source=_sources(late_noa),
    )
