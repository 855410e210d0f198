"""The scrubber engine: run the edit catalog over a claim and return explainable findings.

Edits are small pure functions of ``(ClaimView, CheckContext)`` registered under the ids of
``data/claims/edits.json``; the catalog holds everything else about them (severity, message and fix templates,
citation, FISS reason code, effective dates, which claim kinds they apply to). The engine picks the edits for the
claim's kind and From date, calls them, and fills the templates for each hit.

External facts come through the context: HCPCS records through a small :class:`HcpcsSource` protocol (cached per
code and date, so a batch touches SQLite once per code and day), the claim ledger, the PDGM case-mix tables.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any, Protocol

from ..hcpcs._record import HcpcsRecord
from ._data import RuleTables, load_json, rule_tables
from ._model import Claim, ClaimFacts, ClaimLine, claim_facts

__all__ = [
    "LATE_NOA_DAY_COUNTS",
    "SEVERITIES",
    "CachedHcpcsSource",
    "CheckContext",
    "CheckResult",
    "ClaimView",
    "CodeFacts",
    "EditSpec",
    "Finding",
    "HcpcsSource",
    "Hit",
    "check_claim",
    "edit_catalog",
]

SEVERITIES = ("error", "warning", "info")
#: HCPCS Level II codes (letter + 4 digits) are in the CMS release; CPT (Level I) codes are not, so they are
#: not looked up there
LEVEL_II = re.compile(r"^[A-V][0-9]{4}$")

#: how the late-NOA reduction counts days (42 CFR 484.205(j) and Pub. 100-04 Ch.10 §10.1.10.3 leave the end day open)
LATE_NOA_DAY_COUNTS = {
    "admission_to_day_before_receipt": "every day from the admission date up to the day before the NOA receipt "
    "date (the receipt day itself is not reduced). Default.",
    "admission_to_receipt_inclusive": "every day from the admission date through the NOA receipt date.",
}


class HcpcsSource(Protocol):
    """Where the scrubber gets HCPCS records: ``hhbill.hcpcs.HcpcsReference`` satisfies it."""

    def record_on(self, code: str, day: date) -> HcpcsRecord | None: ...


#: a descriptor's "do not use with" rules: (explicit codes, category or None) per clause
ExclusionRules = tuple[tuple[frozenset[str], str | None], ...]


@dataclass(frozen=True, slots=True)
class CodeFacts:
    """What the code edits need about one HCPCS code on one date, worked out once per (code, date)."""

    record: HcpcsRecord | None
    valid: bool  # added on or before the date and not terminated before it
    exclusions: ExclusionRules


@lru_cache(maxsize=8192)
def _exclusion_rules(description: str) -> ExclusionRules:
    from ..hcpcs._exclusions import exclusions_in

    return tuple((frozenset(e.codes), e.category) for e in exclusions_in(description))


class CachedHcpcsSource:
    """Memoise ``record_on`` per (code, date): a batch of claims asks the same few codes over and over."""

    __slots__ = (
        "_by_release",
        "_cache",
        "_facts",
        "_level_ii_facts",
        "_partial",
        "_release_ids",
        "_source",
        "max_entries",
    )

    def __init__(self, source: HcpcsSource, max_entries: int = 500_000) -> None:
        self._source = source
        self._cache: dict[tuple[str, date], HcpcsRecord | None] = {}
        self._facts: dict[tuple[str, date], CodeFacts] = {}
        #: (code, date) -> facts for HCPCS Level II codes, None for any other code (CPT, HIPPS, blank)
        self._level_ii_facts: dict[tuple[str, date], CodeFacts | None] = {}
        self._partial: dict[date, bool] = {}
        self.max_entries = max_entries
        #: for an HcpcsReference, whose record on a day is the record in the release in force that day: the
        #: release id per day and the records per (code, release id), so a batch spread over a year reads each
        #: code once per release instead of once per day
        self._release_ids: dict[date, int | None] | None = None
        self._by_release: dict[tuple[str, int], HcpcsRecord | None] = {}
        from ..hcpcs._reference import HcpcsReference

        if isinstance(source, HcpcsReference):
            self._release_ids = {}

    def facts(self, code: str, day: date) -> CodeFacts:
        """The record, its validity on ``day`` and its descriptor's exclusions (memoised)."""
        key = (code, day)
        found = self._facts.get(key)
        if found is None:
            if len(self._facts) >= self.max_entries:
                self._facts.clear()
            record = self.record_on(code, day)
            found = CodeFacts(
                record,
                record is not None and record.is_valid_on(day),
                _exclusion_rules(record.long_description) if record is not None else (),
            )
            self._facts[key] = found
        return found

    def level_ii_facts(self, code: str, day: date) -> CodeFacts | None:
        """:meth:`facts` for a HCPCS Level II code (letter + 4 digits), None for any other code (memoised: one
        dict lookup per line on the scrubber's hot path)."""
        key = (code, day)
        try:
            return self._level_ii_facts[key]
        except KeyError:
            pass
        if len(self._level_ii_facts) >= self.max_entries:
            self._level_ii_facts.clear()
        found = self.facts(code, day) if LEVEL_II.match(code) is not None else None
        self._level_ii_facts[key] = found
        return found

    def record_on(self, code: str, day: date) -> HcpcsRecord | None:
        key = (code, day)
        try:
            return self._cache[key]
        except KeyError:
            pass
        if len(self._cache) >= self.max_entries:
            self._cache.clear()
        if self._release_ids is not None:
            record = self._record_by_release(code, day)
        else:
            record = self._source.record_on(code, day)
        if record is None:
            record = self._oldest_release_record(code, day)
        self._cache[key] = record
        return record

    def _record_by_release(self, code: str, day: date) -> HcpcsRecord | None:
        """``HcpcsReference.record_on`` (the record in the release in force on ``day``), memoised per release."""
        release_ids = self._release_ids
        assert release_ids is not None
        if day in release_ids:
            release_id = release_ids[day]
        else:
            release = self._source.release_on(day)  # type: ignore[attr-defined]
            release_id = release_ids[day] = release.id if release is not None else None
        if release_id is None:
            return None
        key = (code, release_id)
        if key in self._by_release:
            return self._by_release[key]
        if len(self._by_release) >= self.max_entries:
            self._by_release.clear()
        record: HcpcsRecord | None = self._source.record_in(code, release_id)  # type: ignore[attr-defined]
        self._by_release[key] = record
        return record

    def is_partial_on(self, day: date) -> bool:
        """Whether the release in force on ``day`` is a subset (the embedded default): a code missing from it
        may still exist, so absence is not evidence."""
        partial = self._partial.get(day)
        if partial is None:
            release_on = getattr(self._source, "release_on", None)
            release = release_on(day) if release_on is not None else None
            partial = release is not None and getattr(release, "source_format", "") == "embedded"
            self._partial[day] = partial
        return partial

    def _oldest_release_record(self, code: str, day: date) -> HcpcsRecord | None:
        """For a date before every loaded release, the oldest release's record: its added and termination dates
        still say whether the code existed that day (an HcpcsReference knows its releases; others do not)."""
        release_on = getattr(self._source, "release_on", None)
        releases = getattr(self._source, "releases", None)
        record_in = getattr(self._source, "record_in", None)
        if release_on is None or releases is None or record_in is None or release_on(day) is not None:
            return None
        loaded = releases()
        if not loaded:
            return None
        found: HcpcsRecord | None = record_in(code, loaded[0].id)
        return found


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem (or note) the scrubber found. ``line`` is the 0-based index into ``claim.lines`` or None."""

    id: str
    severity: str
    message: str
    fix: str
    citation: str
    reason_code: str | None
    line: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": self.severity,
            "message": self.message,
            "fix": self.fix,
            "citation": self.citation,
            "reason_code": self.reason_code,
            "line": self.line,
        }


@dataclass(slots=True)
class CheckResult:
    """The findings for one claim, errors first."""

    findings: list[Finding]
    type_of_bill: str = ""
    edits_run: int = 0

    @property
    def ok(self) -> bool:
        """True when nothing would make the MAC return or reject the claim."""
        return not any(f.severity == "error" for f in self.findings)

    def ids(self) -> set[str]:
        return {f.id for f in self.findings}

    def by_severity(self, severity: str) -> list[Finding]:
        return [f for f in self.findings if f.severity == severity]

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(SEVERITIES, 0)
        for finding in self.findings:
            counts[finding.severity] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "type_of_bill": self.type_of_bill,
            "ok": self.ok,
            "counts": self.counts(),
            "edits_run": self.edits_run,
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass(slots=True)
class CheckContext:
    """What the edits may consult besides the claim. Every part is optional; edits needing a missing part skip.

    ``codes``: HCPCS records by date (wrap an ``HcpcsReference``; it is cached automatically).
    ``ledger``: the claim history (duplicates, overlapping periods). ``case_mix``: PDGM tables by year.
    ``today``: the day the check runs (NOA dates in the future). ``late_noa_day_count``: see LATE_NOA_DAY_COUNTS.
    ``fee_schedule``: prices 034X lines for the KX threshold (``hhbill.claims._pricing.FeeSchedulePricer``);
    without it the threshold counts charges and a warning says so.
    """

    codes: HcpcsSource | None = None
    ledger: Any = None  # hhbill.claims._ledger.ClaimLedger
    case_mix: Any = None  # hhbill.claims._pdgm.CaseMixTables
    today: date = field(default_factory=date.today)
    late_noa_day_count: str = "admission_to_day_before_receipt"
    fee_schedule: Any = None  # hhbill.claims._pricing.TherapyFeeSchedule

    def parts(self) -> frozenset[str]:
        """Which optional parts this context has (edits needing a missing part do not run)."""
        return _PARTS[(self.codes is not None, self.ledger is not None, self.case_mix is not None)]

    def __post_init__(self) -> None:
        from .._errors import ConfigError

        if self.late_noa_day_count not in LATE_NOA_DAY_COUNTS:
            raise ConfigError(
                f"unknown late-NOA day count {self.late_noa_day_count!r} (choose {', '.join(LATE_NOA_DAY_COUNTS)})"
            )
        if self.codes is not None and not isinstance(self.codes, CachedHcpcsSource):
            self.codes = CachedHcpcsSource(self.codes)


CONTEXT_PARTS = ("codes", "ledger", "case_mix")
_PARTS = {
    (codes, ledger, case_mix): frozenset(
        name for name, present in zip(CONTEXT_PARTS, (codes, ledger, case_mix), strict=True) if present
    )
    for codes in (False, True)
    for ledger in (False, True)
    for case_mix in (False, True)
}

#: what an edit function yields: the line index (or None) and the values for the message/fix templates
Hit = tuple[int | None, dict[str, Any]]
EditFunction = Callable[["ClaimView", CheckContext], Iterable[Hit]]

_EDIT_FUNCTIONS: dict[str, EditFunction] = {}
#: edit id -> the context part it cannot run without ("codes", "ledger", "case_mix")
_EDIT_NEEDS: dict[str, str] = {}


def edit(edit_id: str, *, needs: str | None = None) -> Callable[[EditFunction], EditFunction]:
    """Register an edit function under its catalog id (``needs``: a context part it requires)."""
    if needs is not None and needs not in CONTEXT_PARTS:
        raise ValueError(f"unknown context part {needs!r}")

    def register(function: EditFunction) -> EditFunction:
        _EDIT_FUNCTIONS[edit_id] = function
        if needs is not None:
            _EDIT_NEEDS[edit_id] = needs
        return function

    return register


@dataclass(frozen=True, slots=True)
class EditSpec:
    """One edit of the catalog (data) joined to its function."""

    id: str
    severity: str
    applies_to: str
    kinds: frozenset[str]
    meaning: str
    message: str
    fix: str
    citation: str
    reason_code: str | None
    effective_from: date | None
    effective_through: date | None
    function: EditFunction
    needs: str | None = None

    def finding(self, hit: Hit) -> Finding:
        line, values = hit
        return Finding(
            id=self.id,
            severity=self.severity,
            message=self.message.format(**values),
            fix=self.fix.format(**values),
            citation=self.citation.format(**values),
            reason_code=values.get("reason_code", self.reason_code),
            line=line,
        )

    def in_force(self, day: date | None) -> bool:
        if day is None:
            return True
        if self.effective_from is not None and day < self.effective_from:
            return False
        return not (self.effective_through is not None and day > self.effective_through)


class EditCatalog:
    """The edit catalog, compiled: edits per claim kind in catalog order."""

    def __init__(self) -> None:
        from . import _edits  # noqa: F401  (registers the edit functions)

        data = load_json("edits.json")
        groups: dict[str, list[str]] = data["kinds"]
        self.about: str = data["about"]
        self.edits: list[EditSpec] = []
        seen = set()
        for row in data["edits"]:
            edit_id = row["id"]
            if edit_id in seen:
                raise RuntimeError(f"edit {edit_id} is listed twice in edits.json")
            seen.add(edit_id)
            function = _EDIT_FUNCTIONS.get(edit_id)
            if function is None:
                raise RuntimeError(f"edit {edit_id} in edits.json has no function in hhbill.claims._edits")
            if row["severity"] not in SEVERITIES:
                raise RuntimeError(f"edit {edit_id} has unknown severity {row['severity']!r}")
            kinds = frozenset(k for group in row["applies_to"].split("+") for k in groups[group])
            self.edits.append(
                EditSpec(
                    id=edit_id,
                    severity=row["severity"],
                    applies_to=row["applies_to"],
                    kinds=kinds,
                    meaning=row["meaning"],
                    message=row["message"],
                    fix=row["fix"],
                    citation=row["citation"],
                    reason_code=row["reason_code"],
                    effective_from=date.fromisoformat(row["effective_from"]) if row["effective_from"] else None,
                    effective_through=date.fromisoformat(row["effective_through"])
                    if row["effective_through"]
                    else None,
                    function=function,
                    needs=_EDIT_NEEDS.get(edit_id),
                )
            )
        missing = set(_EDIT_FUNCTIONS) - seen
        if missing:
            raise RuntimeError(f"edit functions without a catalog entry: {', '.join(sorted(missing))}")
        self.by_id = {e.id: e for e in self.edits}
        self._per_kind: dict[str, list[EditSpec]] = {}
        self._in_force: dict[tuple[str, date | None, frozenset[str]], list[EditSpec]] = {}

    def for_kind(self, kind: str) -> list[EditSpec]:
        edits = self._per_kind.get(kind)
        if edits is None:
            # an unknown type of bill gets the edits that apply to every claim (the TOB edit says what is wrong)
            if kind == "unknown":
                edits = [e for e in self.edits if e.applies_to == "all"]
            else:
                edits = [e for e in self.edits if kind in e.kinds]
            self._per_kind[kind] = edits
        return edits

    def in_force(self, kind: str, day: date | None, parts: frozenset[str] = frozenset(CONTEXT_PARTS)) -> list[EditSpec]:
        """The edits for a claim kind in force on a From date that the context ``parts`` allow (memoised)."""
        key = (kind, day, parts)
        edits = self._in_force.get(key)
        if edits is None:
            if len(self._in_force) > 20_000:
                self._in_force.clear()
            edits = [
                spec
                for spec in self.for_kind(kind)
                if spec.in_force(day) and (spec.needs is None or spec.needs in parts)
            ]
            self._in_force[key] = edits
        return edits

    def to_json(self) -> str:
        return json.dumps(
            [
                {
                    "id": e.id,
                    "severity": e.severity,
                    "applies_to": e.applies_to,
                    "meaning": e.meaning,
                    "citation": e.citation,
                    "reason_code": e.reason_code,
                    "effective_from": e.effective_from.isoformat() if e.effective_from else None,
                    "effective_through": e.effective_through.isoformat() if e.effective_through else None,
                }
                for e in self.edits
            ],
            indent=2,
        )


@cache
def edit_catalog() -> EditCatalog:
    return EditCatalog()


class ClaimView:
    """A claim indexed once for the edits: codes by number, lines by what they are."""

    __slots__ = (
        "admission_date",
        "claim",
        "codes",
        "conditions",
        "first_period",
        "from_date",
        "hipps_lines",
        "hospice_site_lines",
        "kind",
        "lines",
        "memo",
        "modifiers",
        "monitoring_lines",
        "occurrence",
        "site_lines",
        "tables",
        "telehealth_lines",
        "through_date",
        "tob",
        "values",
        "visit_lines",
    )

    def __init__(self, claim: Claim, tables: RuleTables) -> None:
        self.claim = claim
        self.tables = tables
        self.tob = tables.types_of_bill.get(claim.type_of_bill)
        self.kind = self.tob.kind if self.tob is not None else "unknown"
        self.from_date = claim.from_date
        self.through_date = claim.through_date
        self.admission_date = claim.admission_date
        self.lines: list[ClaimLine] = claim.lines
        occurrence: dict[str, list[date]] = {}
        for oc in claim.occurrence_codes:
            occurrence.setdefault(oc.code, []).append(oc.date)
        self.occurrence = occurrence
        self.conditions = frozenset(claim.condition_codes)
        values: dict[str, list[Decimal]] = {}
        for vc in claim.value_codes:
            values.setdefault(vc.code, []).append(vc.amount)
        self.values = values
        hipps: list[int] = []
        visits: list[int] = []
        sites: list[int] = []
        hospice: list[int] = []
        telehealth: list[int] = []
        monitoring: list[int] = []
        visit_codes = tables.visit_code_discipline
        site_codes = tables.site_code_set
        hospice_codes = tables.hospice_site_codes
        per_service = tables.telehealth_code_set
        rpm = tables.remote_monitoring_code
        codes: set[str] = set()
        modifiers: set[str] = set()
        for i, line in enumerate(claim.lines):
            code = line.hcpcs
            codes.add(code)
            if line.modifiers:
                modifiers.update(line.modifiers)
            if line.revenue_code == "0023":
                hipps.append(i)
            elif code in visit_codes:
                visits.append(i)
            elif code in site_codes:
                sites.append(i)
            elif code in hospice_codes:
                hospice.append(i)
            elif code == rpm:
                monitoring.append(i)
            elif code in per_service:
                telehealth.append(i)
        #: every HCPCS code and modifier on the claim, for edits that look for a few codes
        self.codes = codes
        self.modifiers = modifiers
        #: per-claim results an edit computes once and others reuse (e.g. HCPCS records of the lines)
        self.memo: dict[str, Any] = {}
        self.hipps_lines = hipps
        self.visit_lines = visits
        self.site_lines = sites
        self.hospice_site_lines = hospice
        self.telehealth_lines = telehealth
        self.monitoring_lines = monitoring
        given = claim_facts(claim).first_period
        if isinstance(given, bool):
            self.first_period = given
        else:
            self.first_period = claim.admission_date is not None and claim.admission_date == claim.from_date

    @property
    def facts(self) -> ClaimFacts:
        """The claim's typed facts (NOA receipt date, telehealth counts, year-to-date therapy spend...)."""
        return self.claim.facts


_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def check_claim(
    claim: Claim, context: CheckContext | None = None, *, skip: frozenset[str] = frozenset()
) -> CheckResult:
    """Run every edit that applies to the claim's type of bill and dates (but those in ``skip``); findings sorted
    errors first."""
    ctx = context if context is not None else CheckContext()
    view = ClaimView(claim, rule_tables())
    day = view.from_date or view.through_date
    findings: list[Finding] = []
    edits = edit_catalog().in_force(view.kind, day, ctx.parts())
    if skip:
        edits = [spec for spec in edits if spec.id not in skip]
    for spec in edits:
        for hit in spec.function(view, ctx):
            findings.append(spec.finding(hit))
    run = len(edits)
    if len(findings) > 1:
        findings.sort(key=lambda f: (_SEVERITY_ORDER[f.severity], -1 if f.line is None else f.line))
    return CheckResult(findings=findings, type_of_bill=claim.type_of_bill, edits_run=run)
