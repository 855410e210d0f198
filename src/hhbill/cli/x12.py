"""``hhbill x12 check|write``, and the 837I check that ``hhbill claim check FILE.837`` hands over to."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from .._config import X12_SETTINGS_ENV
from ._common import dump_json, hhbill_from, reported_errors
from ._root import app

__all__ = ["EXIT_CLAIMS_HAVE_ERRORS", "EXIT_STRUCTURE_ERROR", "ScrubFormat", "check_x12_file"]

#: exit status when a claim of the file has error findings (as ``hhbill claim check``)
EXIT_CLAIMS_HAVE_ERRORS = 3
#: exit status when the file is not a readable 837I (or, strict, not conformant)
EXIT_STRUCTURE_ERROR = 1


class ScrubFormat(str, Enum):
    text = "text"
    json = "json"
    table = "table"


def check_x12_file(ctx: typer.Context, path: Path, fmt: str = "text", *, strict: bool = True) -> int:
    """Scrub every claim of an 837I file; print the report; return the exit status."""
    report = hhbill_from(ctx).scrub_837i(path, strict=strict)
    if fmt == "json":
        sys.stdout.write(dump_json(report.to_dict()) + "\n")
    else:
        from ..x12 import scrub_report_text, scrub_summary_table

        sys.stdout.write((scrub_summary_table(report) if fmt == "table" else scrub_report_text(report)) + "\n")
    if report.error is not None:
        return EXIT_STRUCTURE_ERROR
    if not all(c.ok for c in report.claims):
        return EXIT_CLAIMS_HAVE_ERRORS
    return EXIT_STRUCTURE_ERROR if report.issues and strict else 0


x12_app = typer.Typer(help="X12 837I files: scrub every claim of a file; write built claims as an 837I.")
app.add_typer(x12_app, name="x12")


@x12_app.command("check")
def check(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="an 837I file (005010X223A2)")],
    fmt: Annotated[ScrubFormat, typer.Option("--format", help="text, json or table")] = ScrubFormat.text,
    lenient: Annotated[
        bool, typer.Option("--lenient", help="report envelope/order problems and read on instead of stopping")
    ] = False,
) -> None:
    """Check every claim in an 837I file; report per claim (claim id, patient control number)."""
    with reported_errors():
        status = check_x12_file(ctx, path, fmt.value, strict=not lenient)
    raise typer.Exit(status)


@x12_app.command("write")
def write(
    ctx: typer.Context,
    inputs: Annotated[list[Path], typer.Argument(help="claim inputs (docs/CLAIMS.md): periods are built first")],
    settings: Annotated[
        Path | None, typer.Option("--settings", help=f"writer settings JSON (default ${X12_SETTINGS_ENV})")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="write here instead of standard output")] = None,
) -> None:
    """Write one 837I interchange holding the claims of the inputs."""
    with reported_errors():
        hhbill = hhbill_from(ctx)
        text = hhbill.write_837i([hhbill.load_claim_input(path) for path in inputs], settings)
        if out is None:
            sys.stdout.write(text)
        else:
            out.write_text(text)
