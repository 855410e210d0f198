"""``hhbill search``: parse options, call :meth:`hhbill.app.Hhbill.search`, render."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

import typer

from ._common import TextOrJson, emit, hhbill_from, reported_errors
from ._root import app


class CodeKind(str, Enum):
    procedure = "procedure"
    modifier = "modifier"


def _as_text(response: dict[str, Any]) -> str:
    release = response["release"]
    lines = [f"{release['label']} (in force on {response['as_of']}): {response['total']:,} matching codes"]
    for wrong, right in response["corrections"].items():
        lines.append(f"  searched {right!r} for {wrong!r}")
    lines += [f"  note: {note}" for note in response["notes"]]
    for result in response["results"]:
        flag = "" if result["status"] == "active" else f" [{result['status']}]"
        lines.append(f"{result['code']:<6} {result['long_description']}{flag}")
        if result["matched"]:
            lines.append(f"       matched: {'; '.join(result['matched'])}")
    if not response["results"]:
        lines.append("no code found")
    return "\n".join(lines)


@app.command("search")
def search_command(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="words, a code (G0151), a code start (G03), a range or a modifier")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="date of service YYYY-MM-DD (default today)")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500, help="at most this many results")] = 20,
    kind: Annotated[CodeKind | None, typer.Option("--kind", help="procedure or modifier")] = None,
    prefix: Annotated[str | None, typer.Option("--prefix", help="only codes starting with this letter")] = None,
    include_terminated: Annotated[
        bool, typer.Option("--include-terminated", help="also list codes not valid on the date")
    ] = False,
    fmt: Annotated[TextOrJson, typer.Option("--format")] = TextOrJson.text,
) -> None:
    """Find codes and modifiers by code, words, abbreviations or everyday names (ranked)."""
    with reported_errors():
        response = hhbill_from(ctx).search(
            query,
            as_of=as_of,
            limit=limit,
            kind=kind.value if kind else None,
            prefix=prefix,
            include_terminated=include_terminated,
        )
        emit(response.to_dict(), fmt.value, _as_text)
