"""``hhbill data import|update``, ``releases``, ``history``, ``diff`` and ``code``: the HCPCS reference."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ._common import TextOrJson, console, emit, hhbill_from, parse_day, reported_errors
from ._root import app, data_app
from .rvu import rvu_import

app.add_typer(data_app, name="data")

if TYPE_CHECKING:
    from rich.progress import Progress


class PageFormat(str, Enum):
    text = "text"
    json = "json"
    html = "html"


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
        hhbill = hhbill_from(ctx)
        with _progress() as bar:
            task = bar.add_task(f"reading {path.name}", total=None)
            result = hhbill.import_hcpcs(
                path,
                effective=parse_day(effective, "--effective"),
                notes=notes,
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
    with reported_errors():
        hhbill = hhbill_from(ctx)
        target = hhbill.hcpcs_update_url(url)
        with _progress(download=True) as bar:
            task = bar.add_task(f"downloading {target.rsplit('/', 1)[-1]}", total=None)
            result = hhbill.update_hcpcs(
                target,
                effective=parse_day(effective, "--effective"),
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        emit(result.to_dict(), fmt.value, _import_text)


# the fee schedule import, also under `data` (defined with the fee schedule commands)
data_app.command("import-rvu")(rvu_import)


def _progress(download: bool = False) -> Progress:
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    columns: list[Any] = [TextColumn("{task.description}"), BarColumn()]
    columns.append(DownloadColumn() if download else TextColumn("{task.completed:,}/{task.total}"))
    columns.append(TimeRemainingColumn())
    return Progress(*columns, console=console(), transient=True)


# -- releases, history, diff --------------------------------------------------------------------------------------
@app.command()
def releases(ctx: typer.Context, fmt: Annotated[TextOrJson, typer.Option("--format")] = TextOrJson.text) -> None:
    """List the HCPCS releases loaded, oldest first."""
    with reported_errors():
        data = hhbill_from(ctx).releases()
        if fmt is TextOrJson.json:
            emit(data, "json")
            return
        from rich.table import Table

        items = data["releases"]
        table = Table("id", "release", "effective", "procedures", "modifiers", "source", "imported")
        for r in items:
            table.add_row(
                str(r["id"]),
                r["label"],
                r["effective_date"],
                f"{r['procedure_count']:,}",
                f"{r['modifier_count']:,}",
                r["source_name"],
                r["imported_at"],
            )
        console().print(table if items else "no HCPCS release loaded (hhbill data import PATH)")


@app.command()
def history(
    ctx: typer.Context,
    code: str,
    fmt: Annotated[TextOrJson, typer.Option("--format")] = TextOrJson.text,
) -> None:
    """Show each change of each field of a code across the loaded releases."""
    with reported_errors():
        emit(hhbill_from(ctx).history(code), fmt.value, _history_text)


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
        emit(hhbill_from(ctx).diff(old, new), fmt.value, _diff_text)


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


# -- the code page ------------------------------------------------------------------------------------------------
@app.command()
def code(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="HCPCS code (e.g. G0321) or modifier (e.g. GP).")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date YYYY-MM-DD (default: today).")] = None,
    fmt: Annotated[PageFormat, typer.Option("--format")] = PageFormat.text,
) -> None:
    """Show every field of a code's record with its plain-language meaning (and its RVUs), as of a date."""
    with reported_errors():
        hhbill = hhbill_from(ctx)
        hhbill.ensure_default()
        page = hhbill.code_page(code, parse_day(as_of))
        if fmt is PageFormat.json:
            emit(page, "json")
        else:
            emit(page, "text", hhbill.code_page_html if fmt is PageFormat.html else hhbill.code_page_text)
