"""``hhbill batch scrub``: options in, one library call (:func:`hhbill.batch.scrub_to_parquet`), a summary out.

Heavy imports (dask, pyarrow, the claims package) happen inside the command, so other commands never load them.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from ._common import TextOrJson, emit, err_console, hhbill_from, parse_day, reported_errors
from ._root import app

__all__ = ["Engine", "RecordAs"]


class Engine(str, Enum):
    local = "local"
    dask = "dask"


class RecordAs(str, Enum):
    checked = "checked"
    submitted = "submitted"


def _summary_text(data: dict[str, Any]) -> str:
    findings = data["findings"]
    lines = [
        f"{data['files']} file(s), {data['files_unreadable']} unreadable; {data['claims']:,} claim(s), "
        f"{data['claims_with_errors']:,} with errors; {findings['error']:,} error(s), {findings['warning']:,} "
        f"warning(s), {findings['info']:,} note(s) ({data['engine']}, {data['workers']} worker(s))",
    ]
    lines += [f"  {name}: {path}" for name, path in data["outputs"].items()]
    return "\n".join(lines)


batch_app = typer.Typer(help="Scrub folders of 837I files and claim JSON at scale, into Parquet.")
app.add_typer(batch_app, name="batch")


@batch_app.command("scrub")
def scrub(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="837I files, claim JSON files, or folders holding them")],
    out: Annotated[Path, typer.Option("--out", help="folder for claims/findings/files.parquet")],
    engine: Annotated[Engine, typer.Option("--engine", help="local (this process) or dask")] = Engine.local,
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="Dask LocalCluster workers (default: the cores)")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="address of a running Dask scheduler, e.g. tcp://host:8786")
    ] = None,
    ledger: Annotated[bool, typer.Option("--ledger/--no-ledger", help="run the cross-claim edits")] = True,
    record: Annotated[
        RecordAs | None, typer.Option("--record", help="add each claim to the ledger, in file order")
    ] = None,
    ledger_url: Annotated[
        str | None, typer.Option("--ledger-url", help="PostgreSQL ledger URL (default $HHBILL_LEDGER_URL)")
    ] = None,
    today: Annotated[str | None, typer.Option("--today", help="the check date (default: today)")] = None,
    lenient: Annotated[bool, typer.Option("--lenient", help="report 837I envelope/order problems and read on")] = False,
    fmt: Annotated[TextOrJson, typer.Option("--format", help="summary as text or json")] = TextOrJson.text,
) -> None:
    """Check every claim of every 837I and claim JSON under PATHS, as `claim check` does; write Parquet.

    Exit 3 when a claim has errors, 1 when a file could not be read (it is listed in files.parquet).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from ..batch import scrub_to_parquet, snapshot_from_store

    with reported_errors():
        if scheduler and engine is not Engine.dask:
            engine = Engine.dask
        hhbill = hhbill_from(ctx)
        snapshot = snapshot_from_store(hhbill.store, today=parse_day(today, "--today"))
        claim_ledger = hhbill.open_ledger(ledger_url) if ledger or record else None
        bar = Progress(
            TextColumn("scrubbing"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("units, {task.fields[claims]:,} claims"),
            TimeRemainingColumn(),
            console=err_console(),
            transient=True,
        )
        try:
            with bar:
                task = bar.add_task("scrub", total=None, claims=0)

                def progress(done: object) -> None:
                    bar.update(
                        task,
                        completed=getattr(done, "units_done", 0),
                        total=getattr(done, "units_total", None),
                        claims=getattr(done, "claims", 0),
                    )

                summary = scrub_to_parquet(
                    paths,
                    out,
                    snapshot,
                    engine=engine.value,
                    workers=workers,
                    scheduler=scheduler,
                    ledger=claim_ledger,
                    record=record.value if record is not None else None,
                    strict=not lenient,
                    progress=progress,
                )
        finally:
            if claim_ledger is not None:
                claim_ledger.close()
        emit(summary.to_dict(), fmt.value, _summary_text)
    raise typer.Exit(summary.exit_status)
