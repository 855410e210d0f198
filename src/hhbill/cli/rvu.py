"""The fee schedule commands: ``hhbill rvu CODE``, ``hhbill rvu-import PATH`` (also ``hhbill data import-rvu``),
``hhbill rvu-releases`` and the ``hhbill log`` group. Each command parses options, calls one method of the
application object and renders its result."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from ._common import TextOrJson, console, emit, hhbill_from, reported_errors
from ._root import app


class ReportFormat(str, Enum):
    text = "text"
    json = "json"
    csv = "csv"


class PeriodChoice(str, Enum):
    day = "day"
    week = "week"
    month = "month"


log_app = typer.Typer(
    rich_markup_mode=None,
    help="Procedure log: wRVU totals per day, week or month against a target.",
    no_args_is_help=True,
)
app.add_typer(log_app, name="log")


def rvu(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="HCPCS/CPT code, e.g. 99213 or G0320.")],
    modifier: Annotated[str | None, typer.Option("--modifier", "-m", help="26, TC, 53 or another modifier.")] = None,
    year: Annotated[int | None, typer.Option(help="Fee schedule year (default: this year, else the latest).")] = None,
    locality: Annotated[
        str | None,
        typer.Option(help="Payment locality: MAC:LOC (e.g. 10112:00), a locality number or part of its name."),
    ] = None,
    state: Annotated[str | None, typer.Option(help="State, when a locality number is used by several MACs.")] = None,
    zip_code: Annotated[
        str | None, typer.Option("--zip", help="ZIP code; its locality comes from the ZIP5 file.")
    ] = None,
    facility: Annotated[bool, typer.Option("--facility", help="Price with the facility PE RVU.")] = False,
    stats: Annotated[bool, typer.Option("--stats", help="Add statistics of the code's letter group.")] = False,
    fmt: Annotated[TextOrJson, typer.Option("--format")] = TextOrJson.text,
) -> None:
    """RVUs, status and policy indicators decoded, and the payment for a locality with its arithmetic."""
    with reported_errors():
        hhbill = hhbill_from(ctx)
        result = hhbill.price(
            code,
            modifier=modifier,
            year=year,
            locality=locality,
            state=state,
            zip_code=zip_code,
            facility=facility,
        )
        data: dict[str, Any] = result.to_dict()
        text = result.to_text()
        if stats:
            section = hhbill.rvu_statistics(code, year=result.year)
            data["statistics"] = section.to_dict()
            text += "\n" + section.to_text()
        emit(data, fmt.value, lambda _: text)


def rvu_import(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="PPRRVU, GPCI or ZIP5 file (CSV/TXT/XLSX), a release zip or folder.")],
    release: Annotated[
        str | None, typer.Option(help="Release when the file does not say it, e.g. 2025D (A=Jan .. D=Oct).")
    ] = None,
    fmt: Annotated[TextOrJson, typer.Option("--format")] = TextOrJson.text,
) -> None:
    """Import a fee schedule release as a new version (a no-op when already loaded)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with reported_errors():
        hhbill = hhbill_from(ctx)
        columns: list[Any] = [
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,}/{task.total}"),
            TimeRemainingColumn(),
        ]
        with Progress(*columns, console=console(), transient=True) as bar:
            task = bar.add_task(f"importing {path.name}", total=None)
            summary = hhbill.import_fee_schedule(
                path, release=release, progress=lambda done, total: bar.update(task, completed=done, total=total)
            )
        emit(summary.to_dict(), fmt.value, lambda _: summary.to_text())


def rvu_releases(ctx: typer.Context, fmt: Annotated[TextOrJson, typer.Option("--format")] = TextOrJson.text) -> None:
    """List the fee schedule releases loaded (RVU, GPCI, ZIP5), newest first."""
    with reported_errors():
        items = hhbill_from(ctx).rvu_releases()
        lines = [
            f"{r.id:>4}  {r.kind:<6} {r.label:<40} {r.row_count:>7,} rows  "
            + (f"CF {r.conversion_factor}  " if r.conversion_factor else "")
            + r.source_name
            for r in items
        ]
        text = "\n".join(lines) or "no fee schedule release loaded (hhbill rvu-import PATH)"
        emit({"releases": [r.to_dict() for r in items]}, fmt.value, lambda _: text)


@log_app.command("add")
def log_add_command(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="HCPCS/CPT code performed.")],
    day: Annotated[str | None, typer.Option("--date", help="Date of service, YYYY-MM-DD (default: today).")] = None,
    units: Annotated[int, typer.Option(help="Units performed.")] = 1,
    modifier: Annotated[str | None, typer.Option("--modifier", "-m")] = None,
    fmt: Annotated[TextOrJson, typer.Option("--format")] = TextOrJson.text,
) -> None:
    """Log a procedure with its work RVUs."""
    with reported_errors():
        entry = hhbill_from(ctx).log_add(code, performed_on=day, units=units, modifier=modifier)
        text = (
            f"logged #{entry.id}: {entry.performed_on} {entry.code}{'-' + entry.modifier if entry.modifier else ''} "
            f"x{entry.units} = {entry.work_rvu} wRVU ({entry.work_rvu_per_unit} each, {entry.release})"
        )
        text += "".join(f"\nnote: {n}" for n in entry.notes)
        emit(entry.to_dict(), fmt.value, lambda _: text)


@log_app.command("list")
def log_list_command(
    ctx: typer.Context,
    date_from: Annotated[str | None, typer.Option("--from", help="First date, YYYY-MM-DD.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last date, YYYY-MM-DD.")] = None,
    fmt: Annotated[TextOrJson, typer.Option("--format")] = TextOrJson.text,
) -> None:
    """List logged procedures."""
    with reported_errors():
        entries = hhbill_from(ctx).log_entries(date_from=date_from, date_to=date_to)
        text = (
            "\n".join(
                f"#{e.id:<5} {e.performed_on} {e.code:<5} {e.modifier:<2} x{e.units:<3} {e.work_rvu:>7} wRVU"
                for e in entries
            )
            or "no procedures logged"
        )
        emit({"entries": [e.to_dict() for e in entries]}, fmt.value, lambda _: text)


@log_app.command("remove")
def log_remove_command(
    ctx: typer.Context, entry_id: Annotated[int, typer.Argument(help="Entry number (see `hhbill log list`).")]
) -> None:
    """Remove a logged procedure."""
    with reported_errors():
        hhbill_from(ctx).log_remove(entry_id)
        console().print(f"removed #{entry_id}")


@log_app.command("target")
def log_target_command(
    ctx: typer.Context,
    wrvu: Annotated[float | None, typer.Option("--wrvu", help="Target work RVUs per period.")] = None,
    per: Annotated[PeriodChoice, typer.Option("--per", help="Period of the target.")] = PeriodChoice.month,
    fmt: Annotated[TextOrJson, typer.Option("--format")] = TextOrJson.text,
) -> None:
    """Set the wRVU target (or show it, without --wrvu)."""
    with reported_errors():
        hhbill = hhbill_from(ctx)
        target = hhbill.log_set_target(str(wrvu), per.value) if wrvu is not None else hhbill.log_target()
        text = f"target: {target.work_rvu} wRVU per {target.period}" if target else "no target set"
        emit(target.to_dict() if target else {"target": None}, fmt.value, lambda _: text)


@log_app.command("report")
def log_report_command(
    ctx: typer.Context,
    date_from: Annotated[str | None, typer.Option("--from", help="First date, YYYY-MM-DD.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last date, YYYY-MM-DD.")] = None,
    by: Annotated[PeriodChoice | None, typer.Option("--by", help="Group by day, week or month.")] = None,
    fmt: Annotated[ReportFormat, typer.Option("--format")] = ReportFormat.text,
) -> None:
    """wRVU totals per period against the target; --format csv for a spreadsheet."""
    with reported_errors():
        report = hhbill_from(ctx).log_report(date_from=date_from, date_to=date_to, by=by.value if by else None)
        if fmt is ReportFormat.csv:
            sys.stdout.write(report.to_csv())
            return
        emit(report.to_dict(), fmt.value, lambda _: report.to_text())


app.command("rvu")(rvu)
app.command("rvu-import")(rvu_import)
app.command("rvu-releases")(rvu_releases)
