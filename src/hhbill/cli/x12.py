"""``hhbill x12 check|show|write``, and the 837I check that ``hhbill claim check FILE.837`` hands over to."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from .._config import X12_SETTINGS_ENV
from .._errors import InputError
from ._common import dump_json, err_console, hhbill_from, reported_errors
from ._root import app

__all__ = ["EXIT_CLAIMS_HAVE_ERRORS", "EXIT_STRUCTURE_ERROR", "ScrubFormat", "check_x12_file"]

#: exit status when a claim of the file has error findings (as ``hhbill claim check``)
EXIT_CLAIMS_HAVE_ERRORS = 3
#: exit status when the file is not a readable 837I (or, strict, not conformant)
EXIT_STRUCTURE_ERROR = 1


class ShowFormat(str, Enum):
    text = "text"
    json = "json"
    ub04 = "ub04"


class ScrubFormat(str, Enum):
    text = "text"
    json = "json"
    table = "table"


def check_x12_file(ctx: typer.Context, path: Path, fmt: str = "text", *, strict: bool = True) -> int:
    """Scrub every claim of an 837I file; print the report as claims are read (memory does not grow with the
    number of claims); return the exit status."""
    from ..claims import check_claim, context_for_store
    from ..x12 import write_scrub_report

    context = context_for_store(hhbill_from(ctx).store)
    totals = write_scrub_report(path, lambda claim: check_claim(claim, context), sys.stdout, fmt, strict=strict)
    if totals.error is not None:
        return EXIT_STRUCTURE_ERROR
    if totals.claims_with_errors:
        return EXIT_CLAIMS_HAVE_ERRORS
    return EXIT_STRUCTURE_ERROR if totals.issues and strict else 0


x12_app = typer.Typer(
    rich_markup_mode=None,
    help="X12 837I files: show or scrub every claim of a file; write claims (built or edited) as an 837I.",
)
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


@x12_app.command("show")
def show(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="an 837I file (005010X223A2)")],
    fmt: Annotated[
        ShowFormat,
        typer.Option(
            "--format",
            help="text (each claim's header and lines, findings on their lines), json (the claims in the claim "
            "input format, docs/CLAIMS.md) or ub04 (each claim by form locator)",
        ),
    ] = ShowFormat.text,
    claim_number: Annotated[
        int | None, typer.Option("--claim", min=1, help="only the claim with this number (1 = the first)")
    ] = None,
    settings_out: Annotated[
        Path | None,
        typer.Option("--settings-out", help="also write the writer settings that write the claims back (x12 write)"),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", help="with --format ub04: write the claims on the UB-04 form as a PDF")
    ] = None,
) -> None:
    """Show every claim of an 837I file. The JSON is claim input: edit it and write it back with `hhbill x12 write`.

    With --format json the output is a list of claim inputs, or one claim input with --claim N.
    """
    with reported_errors():
        if output is not None and fmt is not ShowFormat.ub04:
            raise InputError(
                "--output is for --format ub04 (the claims on the UB-04 form, as a PDF)", option="--output"
            )
        view = hhbill_from(ctx).view_837i(path)
        if claim_number is not None:
            if claim_number > len(view.claims):
                raise InputError(f"the file holds {len(view.claims)} claim(s), not {claim_number}", option="--claim")
            view.claims = [view.claims[claim_number - 1]]
        if settings_out is not None:
            settings_out.write_text(dump_json(view.writer_settings()) + "\n")
        for viewed in view.claims:
            not_carried = viewed.to_dict()["not_carried"]
            if not_carried and fmt is ShowFormat.json:
                err_console().print(
                    f"note: claim {viewed.ordinal} has {', '.join(not_carried)}, which claim input does not carry",
                    highlight=False,
                )
        if fmt is ShowFormat.json:
            inputs = view.inputs()
            sys.stdout.write(dump_json(inputs[0] if claim_number is not None else inputs) + "\n")
        elif fmt is ShowFormat.ub04 and output is not None:
            output.write_bytes(hhbill_from(ctx).claim_pdf([v.claim for v in view.claims]))
        elif fmt is ShowFormat.ub04:
            from ..claims import claim_ub04

            sys.stdout.write("\n\n".join(claim_ub04(v.claim) for v in view.claims) + "\n")
        else:
            sys.stdout.write(hhbill_from(ctx).x12_view_text(view) + "\n")
    if view.error is not None:
        raise typer.Exit(EXIT_STRUCTURE_ERROR)
