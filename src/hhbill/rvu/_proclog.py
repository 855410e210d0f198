"""Procedure log: what a clinician did, with work RVU (wRVU) totals per day, week or month against a target.

Each entry keeps the work RVU per unit of the fee schedule release in force for its date of service (the latest
loaded quarter of that year, else the latest loaded release), so a later import does not change past totals.
Weeks start on Monday (ISO weeks).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from .._dates import parse_day
from .._errors import NotFoundError, RvuInputError
from .._store import Store
from ._pricing import fee_schedule_row
from ._schema import require_writable, tables_ready

__all__ = [
    "LogEntry",
    "LogReport",
    "PeriodTotal",
    "WorkRvuTarget",
    "log_add",
    "log_entries",
    "log_remove",
    "log_report",
    "log_set_target",
    "log_target",
]

Period = Literal["day", "week", "month"]
PERIODS: tuple[Period, ...] = ("day", "week", "month")
WRVU_PLACES = Decimal("0.01")
#: a report longer than this is a typing mistake in --from/--to, not a question
MAX_PERIODS = 5000


def _wrvu(value: float | Decimal) -> Decimal:
    return Decimal(repr(value) if isinstance(value, float) else value).quantize(WRVU_PLACES)


@dataclass(frozen=True, slots=True)
class LogEntry:
    id: int
    performed_on: date
    code: str
    modifier: str
    units: int
    work_rvu_per_unit: Decimal
    release: str | None
    notes: tuple[str, ...] = ()

    @property
    def work_rvu(self) -> Decimal:
        return (self.work_rvu_per_unit * self.units).quantize(WRVU_PLACES)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "performed_on": self.performed_on.isoformat(),
            "code": self.code,
            "modifier": self.modifier,
            "units": self.units,
            "work_rvu_per_unit": str(self.work_rvu_per_unit),
            "work_rvu": str(self.work_rvu),
            "release": self.release,
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class WorkRvuTarget:
    work_rvu: Decimal
    period: Period
    set_at: str

    def to_dict(self) -> dict[str, Any]:
        return {"work_rvu": str(self.work_rvu), "period": self.period, "set_at": self.set_at}


@dataclass(frozen=True, slots=True)
class PeriodTotal:
    start: date
    end: date  # inclusive
    label: str
    procedures: int
    units: int
    work_rvu: Decimal
    target: Decimal | None

    @property
    def difference(self) -> Decimal | None:
        return None if self.target is None else self.work_rvu - self.target

    @property
    def percent_of_target(self) -> int | None:
        if self.target is None or self.target == 0:
            return None
        return int((self.work_rvu * 100 / self.target).quantize(Decimal(1)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.label,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "procedures": self.procedures,
            "units": self.units,
            "work_rvu": str(self.work_rvu),
            "target": None if self.target is None else str(self.target),
            "difference": None if self.difference is None else str(self.difference),
            "percent_of_target": self.percent_of_target,
        }


@dataclass(slots=True)
class LogReport:
    by: Period
    date_from: date | None
    date_to: date | None
    periods: list[PeriodTotal]
    target: WorkRvuTarget | None
    notes: list[str] = field(default_factory=list)

    @property
    def total_work_rvu(self) -> Decimal:
        return sum((p.work_rvu for p in self.periods), Decimal("0.00"))

    @property
    def total_units(self) -> int:
        return sum(p.units for p in self.periods)

    def to_dict(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "target": self.target.to_dict() if self.target else None,
            "periods": [p.to_dict() for p in self.periods],
            "total_work_rvu": str(self.total_work_rvu),
            "total_units": self.total_units,
            "notes": list(self.notes),
        }

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(
            ["period", "start", "end", "procedures", "units", "work_rvu", "target", "difference", "percent_of_target"]
        )
        for p in self.periods:
            row = p.to_dict()
            writer.writerow(
                [
                    row["period"],
                    row["start"],
                    row["end"],
                    row["procedures"],
                    row["units"],
                    row["work_rvu"],
                    row["target"] or "",
                    row["difference"] or "",
                    "" if row["percent_of_target"] is None else row["percent_of_target"],
                ]
            )
        return out.getvalue()

    def to_text(self) -> str:
        if not self.periods:
            return "No procedures logged in this range."
        head = f"{'period':<12} {'procedures':>10} {'units':>6} {'wRVU':>9}"
        if self.target:
            head += f" {'target':>8} {'diff':>8} {'%':>5}"
        lines = [head]
        for p in self.periods:
            line = f"{p.label:<12} {p.procedures:>10} {p.units:>6} {p.work_rvu:>9}"
            if self.target and p.target is not None:
                line += f" {p.target:>8} {p.difference:>+8} {p.percent_of_target:>4}%"
            lines.append(line)
        lines.append(f"{'total':<12} {'':>10} {self.total_units:>6} {self.total_work_rvu:>9}")
        lines.extend(f"Note: {n}" for n in self.notes)
        return "\n".join(lines)


# -- periods ---------------------------------------------------------------------------------------------------


def _period_start(day: date, by: Period) -> date:
    if by == "day":
        return day
    if by == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def _next_period(start: date, by: Period) -> date:
    if by == "day":
        return start + timedelta(days=1)
    if by == "week":
        return start + timedelta(days=7)
    return date(start.year + (start.month == 12), start.month % 12 + 1, 1)


def _period_label(start: date, by: Period) -> str:
    if by == "day":
        return start.isoformat()
    if by == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    return start.strftime("%Y-%m")


# -- operations ------------------------------------------------------------------------------------------------


def _as_date(value: date | str | None, name: str) -> date | None:
    return parse_day(value, name, error=RvuInputError)


def log_add(
    store: Store,
    code: str,
    *,
    performed_on: date | str | None = None,
    units: int = 1,
    modifier: str | None = None,
) -> LogEntry:
    """Log a procedure; its wRVU comes from the fee schedule release for the date of service."""
    require_writable(store)
    day = _as_date(performed_on, "date") or date.today()
    if not isinstance(units, int) or isinstance(units, bool) or units < 1:
        raise RvuInputError(f"units must be a whole number of 1 or more, not {units!r}", field="units")
    notes: list[str] = []
    loaded_years = {r[0] for r in store.execute("SELECT DISTINCT year FROM rvu_release WHERE kind='pprrvu'")}
    year = day.year if day.year in loaded_years else None
    if year is None and loaded_years:
        notes.append(f"no {day.year} fee schedule is loaded; the work RVU is from the latest loaded release")
    row, release, row_notes = fee_schedule_row(store, code, modifier=modifier, year=year)
    notes.extend(row_notes)
    if row["work_rvu"] == 0:
        notes.append(f"{row['code']} has no work RVU in {release.label} (status {row['status']}); it counts 0 wRVU")
    created = datetime.now(UTC).isoformat(timespec="seconds")
    with store.transaction() as conn:
        cursor = conn.execute(
            "INSERT INTO proclog_entry (performed_on, code, modifier, units, work_rvu_per_unit, rvu_release_id, "
            "created_at) VALUES (?,?,?,?,?,?,?)",
            (day.isoformat(), row["code"], row["modifier"], units, row["work_rvu"], release.id, created),
        )
        entry_id = int(cursor.lastrowid or 0)
    return LogEntry(
        entry_id, day, row["code"], row["modifier"], units, _wrvu(row["work_rvu"]), release.label, tuple(notes)
    )


def log_entries(
    store: Store, *, date_from: date | str | None = None, date_to: date | str | None = None
) -> list[LogEntry]:
    """Logged procedures in a date range (inclusive), oldest first."""
    start, end = _as_date(date_from, "from"), _as_date(date_to, "to")
    if not tables_ready(store, "proclog_entry"):
        return []
    rows = store.execute(
        "SELECT e.*, r.year, r.quarter, r.variant FROM proclog_entry e "
        "LEFT JOIN rvu_release r ON r.id = e.rvu_release_id "
        "WHERE (? IS NULL OR performed_on >= ?) AND (? IS NULL OR performed_on <= ?) "
        "ORDER BY performed_on, e.id",
        (
            start and start.isoformat(),
            start and start.isoformat(),
            end and end.isoformat(),
            end and end.isoformat(),
        ),
    ).fetchall()
    from ._readers import ReleaseId

    return [
        LogEntry(
            r["id"],
            date.fromisoformat(r["performed_on"]),
            r["code"],
            r["modifier"],
            r["units"],
            _wrvu(r["work_rvu_per_unit"]),
            ReleaseId(r["year"], r["quarter"], r["variant"]).label if r["year"] else None,
        )
        for r in rows
    ]


def log_remove(store: Store, entry_id: int) -> None:
    require_writable(store)
    with store.transaction() as conn:
        if conn.execute("DELETE FROM proclog_entry WHERE id=?", (entry_id,)).rowcount == 0:
            raise NotFoundError(f"no procedure log entry {entry_id}", id=entry_id)


def log_set_target(store: Store, work_rvu: float | Decimal | str, per: str) -> WorkRvuTarget:
    """Set the wRVU target per day, week or month (the newest target applies; earlier ones are kept)."""
    require_writable(store)
    if per not in PERIODS:
        raise RvuInputError(f"the target period must be day, week or month, not {per!r}", field="per")
    try:
        value = Decimal(str(work_rvu)).quantize(WRVU_PLACES)
    except ArithmeticError:
        raise RvuInputError(f"{work_rvu!r} is not a number", field="wrvu") from None
    if not value.is_finite() or value <= 0:
        raise RvuInputError("the wRVU target must be more than 0", field="wrvu")
    set_at = datetime.now(UTC).isoformat(timespec="seconds")
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO proclog_target (work_rvu, period, set_at) VALUES (?,?,?)", (float(value), per, set_at)
        )
    return WorkRvuTarget(value, per, set_at)


def log_target(store: Store) -> WorkRvuTarget | None:
    if not tables_ready(store, "proclog_target"):
        return None
    row = store.execute("SELECT work_rvu, period, set_at FROM proclog_target ORDER BY id DESC LIMIT 1").fetchone()
    if row is None:
        return None
    return WorkRvuTarget(_wrvu(row["work_rvu"]), row["period"], row["set_at"])


def log_report(
    store: Store,
    *,
    date_from: date | str | None = None,
    date_to: date | str | None = None,
    by: str | None = None,
) -> LogReport:
    """wRVU totals per period (every period in the range, empty ones included) against the target.

    ``by`` defaults to the target's period (month without a target). The target is compared only when the report
    is by the target's period.
    """
    target = log_target(store)
    period = _report_period(by, target)
    start, end = _as_date(date_from, "from"), _as_date(date_to, "to")
    if start and end and start > end:
        raise RvuInputError(f"the range starts ({start}) after it ends ({end})", field="from")
    entries = log_entries(store, date_from=start, date_to=end)
    notes: list[str] = []
    compare = target is not None and target.period == period
    if target is not None and not compare:
        notes.append(
            f"the target is {target.work_rvu} wRVU per {target.period}; report --by {target.period} to compare"
        )
    if not entries and not (start and end):
        return LogReport(period, start, end, [], target, notes)
    first = _period_start(start or entries[0].performed_on, period)
    last = end or entries[-1].performed_on
    goal = target.work_rvu if (compare and target) else None
    return LogReport(period, start, end, _period_totals(entries, period, first, last, goal), target, notes)


def _report_period(by: str | None, target: WorkRvuTarget | None) -> Period:
    """``by``, else the target's period, else month."""
    if by is None:
        return target.period if target else "month"
    if by in PERIODS:
        return by
    raise RvuInputError(f"--by must be day, week or month, not {by!r}", field="by")


def _period_totals(
    entries: list[LogEntry], period: Period, first: date, last: date, goal: Decimal | None
) -> list[PeriodTotal]:
    """One total per period from ``first`` through ``last``, empty periods included."""
    buckets: dict[date, list[LogEntry]] = {}
    for entry in entries:
        buckets.setdefault(_period_start(entry.performed_on, period), []).append(entry)
    periods: list[PeriodTotal] = []
    cursor = first
    while cursor <= last:
        if len(periods) >= MAX_PERIODS:
            raise RvuInputError(
                f"the range spans more than {MAX_PERIODS:,} {period}s; narrow --from/--to or report by a longer period",
                field="from",
            )
        following = _next_period(cursor, period)
        items = buckets.get(cursor, [])
        periods.append(
            PeriodTotal(
                start=cursor,
                end=following - timedelta(days=1),
                label=_period_label(cursor, period),
                procedures=len(items),
                units=sum(e.units for e in items),
                work_rvu=sum((e.work_rvu for e in items), Decimal("0.00")),
                target=goal,
            )
        )
        cursor = following
    return periods
