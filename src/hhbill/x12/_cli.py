"""``hhbill x12 ...`` and the helpers the ``hhbill claim`` commands call for 837I files. Thin: options in,
one library call, a rendering out.

For ``hhbill claim check FILE.837``: ``if looks_like_x12(path): raise typer.Exit(check_x12_file(ctx, path, fmt))``.
For ``hhbill claim build INPUT --format x12``: ``sys.stdout.write(claims_as_x12([claim], settings_path))``.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from .._cli_support import reported_errors, store_from
from ..claims._model import Claim
from ._scrub import load_writer_settings, looks_like_x12, write_scrub_report
from ._writer import claims_to_x12

__all__ = ["SETTINGS_ENV", "ScrubFormat", "check_x12_file", "claims_as_x12", "looks_like_x12", "register"]

#: environment variable naming the default X12 writer settings JSON (see docs/X12.md)
SETTINGS_ENV = "HHBILL_X12_SETTINGS"
#: exit status when a claim of the file has error findings (as ``hhbill claim check``)
EXIT_CLAIMS_HAVE_ERRORS = 3
#: exit status when the file is not a readable 837I (or, strict, not conformant)
EXIT_STRUCTURE_ERROR = 1


class ScrubFormat(str, Enum):
    text = "text"
    json = "json"
    table = "table"


def check_x12_file(ctx: typer.Context, path: Path, fmt: str = "text", *, strict: bool = True) -> int:
    """Scrub every claim of an 837I file with the claim checker of the store; print; return the exit status."""
    from ..claims import check_claim
    from ..claims._service import context_for_store

    context = context_for_store(store_from(ctx))
    # streamed: peak memory does not depend on the number of claims in the file
    totals = write_scrub_report(path, lambda claim: check_claim(claim, context), sys.stdout, fmt, strict=strict)
    if totals.error is not None:
        return EXIT_STRUCTURE_ERROR
    if totals.claims_with_errors:
        return EXIT_CLAIMS_HAVE_ERRORS
    return EXIT_STRUCTURE_ERROR if totals.issues and strict else 0


def claims_as_x12(claims: list[Claim], settings_path: str | Path | None = None) -> str:
    """The 837I for ``claims`` with the writer settings JSON given (or named by $HHBILL_X12_SETTINGS)."""
    path = settings_path or os.environ.get(SETTINGS_ENV) or None
    return claims_to_x12(claims, load_writer_settings(path))


def register(app: typer.Typer) -> None:
    """Add the ``x12`` command group."""
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
        inputs: Annotated[list[Path], typer.Argument(help="claim inputs (docs/CLAIMS.md): periods are built first")],
        settings: Annotated[
            Path | None, typer.Option("--settings", help=f"writer settings JSON (default ${SETTINGS_ENV})")
        ] = None,
        out: Annotated[Path | None, typer.Option("--out", help="write here instead of standard output")] = None,
    ) -> None:
        """Write one 837I interchange holding the claims of the inputs."""
        from ..claims import PeriodOfCare, build_claim, load_claim_input

        with reported_errors():
            claims = []
            for input_path in inputs:
                parsed = load_claim_input(input_path)
                claims.append(build_claim(parsed) if isinstance(parsed, PeriodOfCare) else parsed)
            text = claims_as_x12(claims, settings)
            if out is None:
                sys.stdout.write(text)
            else:
                out.write_text(text)
