"""The root ``hhbill`` command and its groups; the command modules add their commands to these."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="hhbill",
    help="Medicare home health coding and billing: HCPCS reference, search, RVUs, claims, X12 837I.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
data_app = typer.Typer(help="Import and update CMS reference data.", no_args_is_help=True)
app.add_typer(data_app, name="data")


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"hhbill {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option("--db", help="Database file (default: $HHBILL_DB or ~/.local/share/hhbill/hhbill.db)."),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the hhbill version and exit."),
    ] = False,
) -> None:
    ctx.obj = {"db": db}
