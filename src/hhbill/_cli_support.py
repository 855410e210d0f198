"""What every CLI command shares: the database option, the ``--format`` option and error reporting.

Feature packages add their commands with a ``register(app)`` function in their own ``_cli.py``; each command
only parses options, calls one library function and renders its result.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from enum import Enum
from typing import Any

import typer
from rich.console import Console

from ._errors import ClaimInputError, HhbillError, NotFoundError
from ._store import Store, open_store

console = Console()
err_console = Console(stderr=True)


class TextOrJson(str, Enum):
    text = "text"
    json = "json"


def parse_day(value: str | None, option: str = "--as-of") -> date | None:
    """A date option (YYYY-MM-DD); a bad one is a ClaimInputError naming the option."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ClaimInputError(f"expected a date YYYY-MM-DD, got {value!r}", field=option) from None


def store_from(ctx: typer.Context) -> Store:
    """The Store for the ``--db`` given to the root command (or ``$HHBILL_DB`` / default)."""
    root = ctx.find_root()
    obj = root.obj if isinstance(root.obj, dict) else {}
    store = obj.get("store")
    if store is None:
        store = open_store(obj.get("db"))
        for notice in store.notices:  # e.g. an import that a killed process left unfinished
            err_console.print(f"[yellow]note:[/] {notice}", highlight=False, soft_wrap=True)
        obj["store"] = store
        root.obj = obj
    return store


def dump_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=_json_default)


def _json_default(value: Any) -> Any:
    iso = getattr(value, "isoformat", None)
    if iso is not None:
        return iso()
    if hasattr(value, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(value)
    return str(value)


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
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True, soft_wrap=True)
        raise typer.Exit(2 if isinstance(exc, NotFoundError) else 1) from None
