"""What every command shares: the application object of the run, the ``--format`` option, output and errors.

Kept light on purpose (typer and the standard library only): every command imports it, and ``hhbill --help``
must stay fast. Rich is loaded only when a command prints a table, a progress bar or an error.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from enum import Enum
from functools import cache
from typing import TYPE_CHECKING, Any

import typer

from .._errors import HhbillError, NotFoundError

if TYPE_CHECKING:
    from rich.console import Console

    from ..app import Hhbill


class TextOrJson(str, Enum):
    text = "text"
    json = "json"


@cache
def console() -> Console:
    from rich.console import Console

    return Console()


@cache
def err_console() -> Console:
    from rich.console import Console

    return Console(stderr=True)


def parse_day(value: str | None, option: str = "--as-of") -> date | None:
    """A date option (YYYY-MM-DD); a bad one is an input error naming the option."""
    from .._dates import parse_day as parse

    return parse(value, option)


def hhbill_from(ctx: typer.Context) -> Hhbill:
    """The application object of this run, made on first use from ``--db`` and the ``HHBILL_*`` settings."""
    root = ctx.find_root()
    obj = root.obj if isinstance(root.obj, dict) else {}
    hhbill = obj.get("hhbill")
    if hhbill is None:
        from .._config import Settings
        from ..app import Hhbill

        hhbill = Hhbill(settings=Settings.from_env(db_path=obj.get("db")), on_notice=_print_notice)
        obj["hhbill"] = hhbill
        root.obj = obj
    return hhbill


def _print_notice(notice: str) -> None:
    # e.g. an import that a killed process left unfinished
    err_console().print(f"[yellow]note:[/] {notice}", highlight=False, soft_wrap=True)


def dump_json(data: Any) -> str:
    from .._json import dumps

    return dumps(data, indent=2)


def emit(data: Any, fmt: str, text: Callable[[Any], str] | None = None) -> None:
    """Print ``data`` as JSON, or through ``text`` (a renderer returning a string) for ``--format text``."""
    if fmt == "json" or text is None:
        sys.stdout.write(dump_json(data) + "\n")
    else:
        sys.stdout.write(text(data).rstrip("\n") + "\n")


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn an HhbillError into a one-line message on stderr and exit status 1 (2 for not found)."""
    try:
        yield
    except HhbillError as exc:
        err_console().print(f"[bold red]error:[/] {exc}", highlight=False, markup=True, soft_wrap=True)
        raise typer.Exit(2 if isinstance(exc, NotFoundError) else 1) from None
