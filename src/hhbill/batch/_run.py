"""Run a batch: plan the units, map them over an engine, reduce against the ledger in order, write Parquet.

Engines:

* ``local`` — every unit in this process, one after the other (no cluster needed; the reference for tests);
* ``dask`` — on dask.distributed: a LocalCluster of ``workers`` processes, or the cluster whose scheduler is at
  ``scheduler``. The reference snapshot is scattered to every worker once; units are submitted a few per worker
  ahead of the results, so neither the workers nor this process hold more than a window of the run.

Whatever the engine, results are taken in unit order (the order of the sorted file paths), so the cross-claim
edits of the reduce step — duplicates, overlaps and whatever else needs the ledger — see the claims in the same
order on every run, and the output is the same row for row.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._errors import ConfigError
from ..claims import CheckContext, ClaimLedger, Finding
from ..claims._check import _SEVERITY_ORDER, edit_catalog
from ..claims._data import rule_tables
from ._output import BatchOutput
from ._snapshot import ReferenceSnapshot
from ._units import DEFAULT_SPLIT_BYTES, WorkUnit, discover, plan_units
from ._work import (
    ClaimOutcome,
    FileOutcome,
    FindingRow,
    UnitResult,
    UnitRows,
    claim_row,
    finding_row,
    finding_rows,
    scrub_unit,
    severity_counts,
)

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["ENGINES", "BatchProgress", "BatchSummary", "cross_claim_findings", "scrub_to_parquet"]

ENGINES = ("local", "dask")
#: exit statuses, as ``hhbill claim check``: a claim with errors 3; input that cannot be read 1
EXIT_CLAIMS_HAVE_ERRORS = 3
EXIT_UNREADABLE_INPUT = 1


@dataclass(slots=True)
class BatchProgress:
    units_done: int
    units_total: int
    bytes_done: int
    bytes_total: int
    claims: int


@dataclass(slots=True)
class BatchSummary:
    """What a run did. ``exit_status`` is what ``hhbill batch scrub`` exits with."""

    files: int = 0
    files_unreadable: int = 0
    claims: int = 0
    claims_with_errors: int = 0
    findings: dict[str, int] = field(default_factory=lambda: {"error": 0, "warning": 0, "info": 0})
    engine: str = "local"
    workers: int = 1
    outputs: dict[str, str] = field(default_factory=dict)

    @property
    def exit_status(self) -> int:
        if self.files_unreadable:
            return EXIT_UNREADABLE_INPUT
        return EXIT_CLAIMS_HAVE_ERRORS if self.claims_with_errors else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "files_unreadable": self.files_unreadable,
            "claims": self.claims,
            "claims_with_errors": self.claims_with_errors,
            "findings": dict(self.findings),
            "engine": self.engine,
            "workers": self.workers,
            "outputs": dict(self.outputs),
            "exit_status": self.exit_status,
        }


# ----------------------------------------------------------------------------------------------------------------
# the reduce step


def cross_claim_findings(outcome: ClaimOutcome, context: CheckContext) -> list[Finding]:
    """The findings of the edits that need the ledger (duplicates, overlapping periods, and any other edit the
    catalog registers with ``needs="ledger"``), for a claim the map step checked without it."""
    claim = outcome.claim
    if claim is None or context.ledger is None:
        return []
    kind_of = rule_tables().types_of_bill.get(claim.type_of_bill)
    kind = kind_of.kind if kind_of is not None else "unknown"
    day = claim.from_date or claim.through_date
    from ..claims._check import ClaimView

    edits = [spec for spec in edit_catalog().in_force(kind, day, context.parts()) if spec.needs == "ledger"]
    if not edits:
        return []
    view = ClaimView(claim, rule_tables())
    return [spec.finding(hit) for spec in edits for hit in spec.function(view, context)]


@dataclass(frozen=True, slots=True)
class _RecordedFinding:
    """A finding row as the ledger keeps it with a recorded claim (``to_dict`` like ``Finding``'s)."""

    row: FindingRow

    def to_dict(self) -> dict[str, Any]:
        edit_id, severity, reason_code, line, message = self.row
        return {"id": edit_id, "severity": severity, "reason_code": reason_code, "line": line, "message": message}


def _catalog_order() -> dict[str, int]:
    return {spec.id: position for position, spec in enumerate(edit_catalog().edits)}


def _merged(findings: list[FindingRow], extra: list[Finding], order: dict[str, int]) -> list[FindingRow]:
    """Both lists in ``check_claim``'s order: errors first, then by line, then in catalog order."""
    merged = findings + [finding_row(f) for f in extra]
    merged.sort(key=lambda f: (_SEVERITY_ORDER[f[1]], -1 if f[3] is None else f[3], order.get(f[0], 0)))
    return merged


# ----------------------------------------------------------------------------------------------------------------
# engines


def _local(units: list[WorkUnit], snapshot: ReferenceSnapshot, options: dict[str, Any]) -> Iterator[UnitResult]:
    for unit in units:
        yield scrub_unit(unit, snapshot, **options)


def _failed(unit: WorkUnit, why: str) -> UnitResult:
    return UnitResult(unit.index, [FileOutcome(path, unit.kind, error=why) for path in unit.paths], [])


def _dask(
    units: list[WorkUnit],
    snapshot: ReferenceSnapshot,
    options: dict[str, Any],
    *,
    workers: int | None,
    scheduler: str | None,
    on_workers: Callable[[int], None],
) -> Iterator[UnitResult]:
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:  # pragma: no cover - an ordinary dependency
        raise ConfigError("the dask engine needs dask.distributed (pip install 'dask[distributed]')") from None
    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout="30s")
        except (OSError, TimeoutError) as exc:
            raise ConfigError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    else:
        cluster = LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        client = Client(cluster)
    try:
        worker_count = max(1, len(client.scheduler_info().get("workers", {})))
        on_workers(worker_count)
        shared = client.scatter(snapshot, broadcast=True)
        window = 3 * worker_count + 1
        pending = iter(units)
        by_future: dict[Any, WorkUnit] = {}
        completed = as_completed()
        ready: dict[int, UnitResult] = {}
        next_index = units[0].index if units else 0

        def submit_more() -> None:
            while len(by_future) + len(ready) < window:
                unit = next(pending, None)
                if unit is None:
                    return
                future = client.submit(scrub_unit, unit, shared, pure=False, **options)
                by_future[future] = unit
                completed.add(future)

        submit_more()
        for future in completed:
            unit = by_future.pop(future)
            try:
                ready[unit.index] = future.result()
            except Exception:  # a worker died or the task could not run: that unit fails, the run goes on
                ready[unit.index] = _failed(unit, "the worker scrubbing this file failed; run it alone to see why")
            future.release()
            while next_index in ready:
                yield ready.pop(next_index)
                next_index += 1
            submit_more()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# ----------------------------------------------------------------------------------------------------------------
# the run


@dataclass(slots=True)
class _OpenFile:
    outcome: FileOutcome
    claims_before: int = 0


def scrub_to_parquet(
    paths: Iterable[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    snapshot: ReferenceSnapshot,
    *,
    engine: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    ledger: ClaimLedger | None = None,
    record: str | None = None,
    strict: bool = True,
    split_bytes: int = DEFAULT_SPLIT_BYTES,
    progress: Callable[[BatchProgress], None] | None = None,
) -> BatchSummary:
    """Scrub every 837I and claim JSON under ``paths`` into ``out``/claims.parquet, findings.parquet, files.parquet.

    ``ledger``: run the cross-claim edits against it after the map step (None: skip them, like ``claim check``
    of an 837I). ``record``: also add each claim to it ("checked" or "submitted") right after its check, so later
    claims of the run see it. A file that cannot be read is a row in files.parquet, never an exception.
    """
    if engine not in ENGINES:
        raise ConfigError(f"unknown engine {engine!r} (choose {', '.join(ENGINES)})")
    if record is not None and ledger is None:
        raise ConfigError("recording claims needs the ledger")
    entries = discover(paths)
    units = list(plan_units(entries, split_bytes=split_bytes))
    summary = BatchSummary(engine=engine, workers=1 if engine == "local" else (workers or 0))
    options = {"strict": strict, "keep_claims": ledger is not None}
    results: Iterator[UnitResult]
    if engine == "local" or not units:
        results = _local(units, snapshot, options)
    else:

        def note_workers(count: int) -> None:
            summary.workers = count

        results = _dask(units, snapshot, options, workers=workers, scheduler=scheduler, on_workers=note_workers)
    ledger_context = (
        CheckContext(
            codes=snapshot.codes,
            ledger=ledger,
            case_mix=snapshot.case_mix,
            today=snapshot.today,
            late_noa_day_count=snapshot.late_noa_day_count,
        )
        if ledger is not None
        else None
    )
    output = BatchOutput(out)
    reducer = _Reducer(output, summary, ledger_context, record)
    bytes_total = sum(unit.size for unit in units)
    done = bytes_done = 0
    finished = False
    try:
        for unit, result in zip(units, results, strict=True):
            reducer.take(unit, result)
            done += 1
            bytes_done += unit.size
            if progress is not None:
                progress(BatchProgress(done, len(units), bytes_done, bytes_total, summary.claims))
        finished = True
    finally:
        output.close(keep=finished)
    summary.outputs = {name: str(path) for name, path in output.paths().items()}
    return summary


class _Reducer:
    """The reduce step, one unit result at a time, in unit order: cross-claim edits, the ordinals of split
    files, one files.parquet row per file (a split file's row comes with its last piece)."""

    def __init__(
        self, output: BatchOutput, summary: BatchSummary, ledger_context: CheckContext | None, record: str | None
    ) -> None:
        self.output = output
        self.summary = summary
        self.ledger_context = ledger_context
        self.record = record
        self.order = _catalog_order()
        self.open_file: _OpenFile | None = None  # the split file whose pieces are being taken
        self.files_with_error_claims: set[str] = set()  # of the files whose row is not written yet

    def take(self, unit: WorkUnit, result: UnitResult) -> None:
        open_file = self.open_file
        if unit.piece is not None and unit.piece_number > 0 and open_file is not None:
            piece_outcome = result.files[0]
            open_file.outcome.claims += piece_outcome.claims
            open_file.outcome.issues += piece_outcome.issues
            open_file.outcome.error = open_file.outcome.error or piece_outcome.error
            claims_before = open_file.claims_before
        else:
            open_file = self.open_file = _OpenFile(result.files[0]) if unit.piece is not None else None
            claims_before = 0
        if result.rows is not None:
            self._take_rows(result.rows, claims_before)
        for claim in result.claims:
            if _write_claim(self.output, self.summary, claim, claims_before, self.ledger_context, self.record,
                            self.order):  # fmt: skip
                self.files_with_error_claims.add(claim.file)
        finished_files = result.files
        if open_file is not None:
            open_file.claims_before += result.rows.claim_count if result.rows is not None else len(result.claims)
            finished_files = [open_file.outcome] if unit.last_piece else []
        for outcome in finished_files:
            _write_file(self.output, self.summary, outcome, outcome.file in self.files_with_error_claims)
            self.files_with_error_claims.discard(outcome.file)

    def _take_rows(self, rows: UnitRows, claims_before: int) -> None:
        """Tables a worker made: the ordinals move past the claims of the file's earlier pieces."""
        claims, findings = rows.claims, rows.findings
        if claims_before:
            claims = _shifted(claims, claims_before)
            findings = _shifted(findings, claims_before)
        self.output.add_table("claims", claims)
        self.output.add_table("findings", findings)
        self.summary.claims += rows.claim_count
        self.summary.claims_with_errors += rows.claims_with_errors
        for severity, count in rows.findings_by_severity.items():
            self.summary.findings[severity] += count
        self.files_with_error_claims |= rows.files_with_error_claims


def _shifted(table: pa.Table, by: int) -> pa.Table:
    import pyarrow.compute as pc

    where = table.schema.get_field_index("ordinal")
    return table.set_column(where, table.schema.field(where), pc.add(table.column(where), by))


def _write_claim(
    output: BatchOutput,
    summary: BatchSummary,
    claim: ClaimOutcome,
    claims_before: int,
    ledger_context: CheckContext | None,
    record: str | None,
    order: dict[str, int],
) -> bool:
    """Write the claim's row and findings (with the cross-claim ones); True when it has an error finding."""
    findings = claim.findings
    if ledger_context is not None and claim.claim is not None:
        extra = cross_claim_findings(claim, ledger_context)
        if extra:
            findings = _merged(findings, extra, order)
        if record is not None and claim.claim.from_date is not None and claim.claim.through_date is not None:
            # the findings go with the entry, for the patient's timeline
            ledger_context.ledger.record(claim.claim, record, [_RecordedFinding(row) for row in findings])
    counts = severity_counts(findings)
    ordinal = claims_before + claim.ordinal
    for row in finding_rows(claim, ordinal, findings):
        output.add("findings", row)
    output.add("claims", claim_row(claim, ordinal, counts))
    summary.claims += 1
    summary.claims_with_errors += counts["error"] > 0
    for severity, count in counts.items():
        summary.findings[severity] += count
    return counts["error"] > 0


def _write_file(output: BatchOutput, summary: BatchSummary, outcome: FileOutcome, claims_have_errors: bool) -> None:
    summary.files += 1
    if outcome.error is not None:
        status = "error"
        summary.files_unreadable += 1
        message: str | None = outcome.error
        if outcome.claims:
            message = f"{outcome.error} (the {outcome.claims} claim(s) before it were checked)"
    else:
        status = "claims_with_errors" if claims_have_errors else "ok"
        message = "; ".join(outcome.issues[:20]) or None
    output.add("files", (outcome.file, outcome.kind, status, outcome.claims, message))
