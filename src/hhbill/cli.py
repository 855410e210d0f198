"""The ``hhbill`` command line. Thin: each command parses options, calls one library function, renders.

Feature packages contribute their commands through ``register(app)`` (claims, search, RVU, X12).
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from . import hcpcs
from ._cli_support import TextOrJson, console, emit, parse_day, reported_errors, store_from

app = typer.Typer(
    name="hhbill",
    help="Medicare home health coding and billing: HCPCS reference, search, RVUs, claims, X12 837I.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
data_app = typer.Typer(help="Import and update CMS reference data.", no_args_is_help=True)
app.add_typer(data_app, name="data")


class PageFormat(str, Enum):
    text = "text"
    json = "json"
    html = "html"


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option("--db", help="Database file (default: $HHBILL_DB or ~/.local/share/hhbill/hhbill.db)."),
    ] = None,
) -> None:
    ctx.obj = {"db": db}


# -- data -------------------------------------------------------------------------------------------------------
@data_app.command("import")
def data_import(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="CMS HCPCS release: zip, fixed-width TXT, XLSX or XLS.")],
    effective: Annotated[str | None, typer.Option(help="Override the effective date (YYYY-MM-DD).")] = None,
    notes: Annotated[Path | None, typer.Option(help="Processing-notes file (proc_notes*.txt).")] = None,
    fmt: Annotated[TextOrJson, typer.Option("--format")] = TextOrJson.text,
) -> None:
    """Import a CMS HCPCS release as a new version (a no-op when already loaded)."""
    with reported_errors():
        store = store_from(ctx)
        with _progress() as bar:
            task = bar.add_task(f"reading {path.name}", total=None)
            result = hcpcs.import_release(
                store, path, effective=parse_day(effective, "--effective"), notes_path=notes,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        emit(result.to_dict(), fmt.value, _import_text)


def _import_text(result: dict[str, Any]) -> str:
    verb = "imported" if result["created"] else "already loaded"
    lines = [
        f"{verb}: {result['label']} (effective {result['effective_date']}, id {result['release_id']}): "
        f"{result['procedure_count']:,} procedure codes, {result['modifier_count']:,} modifiers, "
        f"{result['note_count']:,} processing notes"
    ]
    lines += [f"  warning: {w}" for w in result["warnings"]]
    return "\n".join(lines)


@data_app.command("update")
def data_update(
    ctx: typer.Context,
    url: Annotated[
        str | None,
        typer.Option(help="Release zip URL (default: the current quarter's CMS file, or $HHBILL_HCPCS_URL)."),
    ] = None,
    effective: Annotated[str | None, typer.Option(help="Override the effective date (YYYY-MM-DD).")] = None,
    fmt: Annotated[TextOrJson, typer.Option("--format")] = TextOrJson.text,
) -> None:
    """Download the current quarterly HCPCS zip from CMS, verify it and import it."""
    from .hcpcs._download import current_release_url, update_release

    with reported_errors():
        store = store_from(ctx)
        target = url or current_release_url()
        with _progress(download=True) as bar:
            task = bar.add_task(f"downloading {target.rsplit('/', 1)[-1]}", total=None)
            result = update_release(
                store, url=target, effective=parse_day(effective, "--effective"),
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        emit(result.to_dict(), fmt.value, _import_text)


def _progress(download: bool = False) -> Progress:
    columns: list[Any] = [TextColumn("{task.description}"), BarColumn()]
    columns.append(DownloadColumn() if download else TextColumn("{task.completed:,}/{task.total}"))
    columns.append(TimeRemainingColumn())
    return Progress(*columns, console=console, transient=True)


# -- releases, history, diff --------------------------------------------------------------------------------------
@app.command()
def releases(
    ctx: typer.Context, fmt: Annotated[TextOrJson, typer.Option("--format")] = TextOrJson.text
) -> None:
    """List the HCPCS releases loaded, oldest first."""
    with reported_errors():
        items = [r.to_dict() for r in hcpcs.HcpcsReference(store_from(ctx)).releases()]
        if fmt is TextOrJson.json:
            emit({"releases": items}, "json")
            return
        table = Table("id", "release", "effective", "procedures", "modifiers", "source", "imported")
        for r in items:
            table.add_row(
                str(r["id"]), r["label"], r["effective_date"], f"{r['procedure_count']:,}",
                f"{r['modifier_count']:,}", r["source_name"], r["imported_at"],
            )
        console.print(table if items else "no HCPCS release loaded (hhbill data import PATH)")


@app.command()
def history(
    ctx: typer.Context,
    code: str,
    fmt: Annotated[TextOrJson, typer.Option("--format")] = TextOrJson.text,
) -> None:
    """Show each change of each field of a code across the loaded releases."""
    with reported_errors():
        reference = hcpcs.HcpcsReference(store_from(ctx))
        events = reference.history(code)
        emit(
            {"code": hcpcs.normalise_code(code), "history": events, "meanings": reference.meanings(code)},
            fmt.value,
            _history_text,
        )


def _history_text(data: dict[str, Any]) -> str:
    lines = [f"{data['code']} across {len(data['history'])} release(s)"]
    for event in data["history"]:
        release = event["release"]
        lines.append(f"{release['effective_date']}  {release['label']}: {event['change'].replace('_', ' ')}")
        for change in event["fields"]:
            lines.append(f"    {change['field']}: {change['old']!r} -> {change['new']!r}")
    reused = [m for m in data["meanings"] if m["reused"]]
    if reused:
        lines.append("This code was reused for a different meaning:")
        for meaning in data["meanings"]:
            lines.append(
                f"  {meaning['first_release']['effective_date']} .. {meaning['last_release']['effective_date']}: "
                f"{meaning['long_description']}"
            )
    return "\n".join(lines)


@app.command()
def diff(
    ctx: typer.Context,
    old: Annotated[str, typer.Argument(help="Older release: id, label, YYYY-MM-DD or YYYY-MM.")],
    new: Annotated[str, typer.Argument(help="Newer release: id, label, YYYY-MM-DD or YYYY-MM.")],
    fmt: Annotated[TextOrJson, typer.Option("--format")] = TextOrJson.text,
) -> None:
    """List codes added, removed, terminated and changed (field by field) between two releases."""
    with reported_errors():
        result = hcpcs.diff_releases(hcpcs.HcpcsReference(store_from(ctx)), old, new)
        emit(result, fmt.value, _diff_text)


def _diff_text(data: dict[str, Any]) -> str:
    s = data["summary"]
    lines = [
        f"{data['old']['label']} -> {data['new']['label']}: {s['added']} added, {s['removed']} removed, "
        f"{s['terminated']} terminated, {s['changed']} changed, {s['unchanged']} unchanged"
    ]
    for title, key in (("Added", "added"), ("Removed", "removed"), ("Terminated", "terminated")):
        if data[key]:
            lines.append(f"\n{title}:")
            for item in data[key]:
                extra = f" (termination {item['termination_date']})" if key == "terminated" else ""
                lines.append(f"  {item['code']:6} {item['short_description']}{extra}")
    if data["changed"]:
        lines.append("\nChanged:")
        for item in data["changed"]:
            lines.append(f"  {item['code']:6} {item['short_description']}")
            for change in item["changes"]:
                lines.append(f"      {change['field']}: {change['old']!r} -> {change['new']!r}")
    return "\n".join(lines)


@app.command()
def code(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="HCPCS code (e.g. G0321) or modifier (e.g. GP).")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date YYYY-MM-DD (default: today).")] = None,
    fmt: Annotated[PageFormat, typer.Option("--format")] = PageFormat.text,
) -> None:
    """Show every field of a code's record with its plain-language meaning, as of a date."""
    from .hcpcs._page import render_html, render_text

    with reported_errors():
        store = store_from(ctx)
        hcpcs.ensure_default(store)
        page = hcpcs.code_page(store, code, parse_day(as_of))
        if fmt is PageFormat.html:
            emit(page, "text", render_html)
        else:
            emit(page, fmt.value, render_text)


def _register_features() -> None:
    """Mount the commands of the feature packages (each keeps its CLI in its own ``_cli.py``)."""
    from .batch._cli import register as register_batch
    from .claims._cli import register as register_claims
    from .rvu._cli import register as register_rvu
    from .search._cli import register as register_search
    from .web._cli import register as register_web
    from .x12._cli import register as register_x12

    for register in (register_search, register_rvu, register_claims, register_x12, register_batch, register_web):
        register(app)


_register_features()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
