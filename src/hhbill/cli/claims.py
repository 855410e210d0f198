"""``hhbill claim ...``: build, check, ledger and case-mix commands. Thin: parse options, call the application
object, render."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from .._errors import InputError
from ._common import TextOrJson, dump_json, emit, hhbill_from, parse_day, reported_errors
from ._root import app

__all__ = ["EXIT_CLAIM_HAS_ERRORS"]

#: exit status of ``claim check`` when the claim has error findings (bad input exits 1)
EXIT_CLAIM_HAS_ERRORS = 3


class BuildFormat(str, Enum):
    json = "json"
    ub04 = "ub04"
    text = "text"
    x12 = "x12"
    pdf = "pdf"
    html = "html"


class Under8(str, Enum):
    one_unit = "one_unit"
    reject = "reject"


class NoaDayCount(str, Enum):
    admission_to_day_before_receipt = "admission_to_day_before_receipt"
    admission_to_receipt_inclusive = "admission_to_receipt_inclusive"


class RecordAs(str, Enum):
    checked = "checked"
    submitted = "submitted"


class ImportAs(str, Enum):
    submitted = "submitted"
    paid = "paid"
    returned = "returned"
    checked = "checked"


InputArg = Annotated[Path, typer.Argument(help="claim input JSON (docs/CLAIMS.md)")]
VisitsOpt = Annotated[Path | None, typer.Option("--visits", help="visit list as CSV (replaces the JSON visits)")]
Under8Opt = Annotated[Under8, typer.Option("--under-8-minutes", help="032X visits of 1-7 minutes: 1 unit or refuse")]
LedgerUrlOpt = Annotated[
    str | None, typer.Option("--ledger-url", help="PostgreSQL ledger URL (default $HHBILL_LEDGER_URL, else SQLite)")
]


claim_app = typer.Typer(
    rich_markup_mode=None, help="Home health claims: build 032X/034X claims and check them before the MAC does."
)
ledger_app = typer.Typer(
    rich_markup_mode=None, help="The local history of checked and submitted claims (duplicates, overlaps)."
)
claim_app.add_typer(ledger_app, name="ledger")
app.add_typer(claim_app, name="claim")


@claim_app.command("build")
def build(
    ctx: typer.Context,
    input_path: InputArg,
    visits: VisitsOpt = None,
    fmt: Annotated[
        BuildFormat,
        typer.Option(
            "--format",
            help="json, ub04 (form locators as text), text, x12 (an 837I interchange), pdf or html (the UB-04 "
            "form to print, docs/UB04.md)",
        ),
    ] = BuildFormat.json,
    under_8: Under8Opt = Under8.one_unit,
    x12_settings: Annotated[
        Path | None,
        typer.Option("--x12-settings", help="837I sender/receiver/submitter settings JSON (docs/X12.md)"),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", help="write here instead of standard output (needed for pdf)")
    ] = None,
) -> None:
    """Build the claim lines for a period of care; every line says why it is there."""
    with reported_errors():
        if fmt is BuildFormat.pdf and output is None:
            raise InputError("a PDF is written to a file: give --output FILE.pdf", option="--output")
        hhbill = hhbill_from(ctx)
        parsed = hhbill.load_claim_input(input_path, visits_csv=visits)
        claim = hhbill.build_claim(parsed, under_8=under_8.value).claim
        if fmt in (BuildFormat.pdf, BuildFormat.html):
            paper = hhbill.claim_pdf(claim) if fmt is BuildFormat.pdf else hhbill.claim_form_html(claim).encode()
            if output is None:
                typer.echo(paper.decode(), nl=False)
            else:
                output.write_bytes(paper)
            return
        if output is not None:
            raise InputError("--output is for --format pdf or html", option="--output")
        if fmt is BuildFormat.json:
            from ..claims import claim_to_dict

            emit(claim_to_dict(claim), "json")
        elif fmt is BuildFormat.x12:
            emit(hhbill.write_837i([claim], x12_settings), "text", str)
        else:
            from ..claims import claim_text, claim_ub04

            emit(claim, "text", claim_ub04 if fmt is BuildFormat.ub04 else claim_text)


@claim_app.command("check")
def check(
    ctx: typer.Context,
    input_path: InputArg,
    visits: VisitsOpt = None,
    fmt: Annotated[TextOrJson, typer.Option("--format", help="text or json")] = TextOrJson.text,
    under_8: Under8Opt = Under8.one_unit,
    ledger: Annotated[bool, typer.Option("--ledger/--no-ledger", help="check against the claim ledger")] = True,
    record: Annotated[
        RecordAs | None, typer.Option("--record", help="add the claim to the ledger as checked or submitted")
    ] = None,
    ledger_url: LedgerUrlOpt = None,
    today: Annotated[str | None, typer.Option("--today", help="the check date (default: today)")] = None,
    noa_day_count: Annotated[
        NoaDayCount, typer.Option("--late-noa-day-count", help="how late-NOA reduction days are counted")
    ] = NoaDayCount.admission_to_day_before_receipt,
) -> None:
    """Check a period (built first), a claim given line by line, or every claim of an 837I file.

    Exit 3 when a claim has errors, 1 on bad input.
    """
    from .._input_files import claim_file_kind

    with reported_errors():
        kind = claim_file_kind(input_path)  # by content: ISA is an 837I, { is claim JSON
    if kind == "x12":
        from .x12 import check_x12_file

        with reported_errors():
            status = check_x12_file(ctx, input_path, fmt.value)
        raise typer.Exit(status)
    with reported_errors():
        hhbill = hhbill_from(ctx)
        outcome = hhbill.check_claim(
            hhbill.load_claim_input(input_path, visits_csv=visits),
            under_8=under_8.value,
            use_ledger=ledger,
            record=record.value if record is not None else None,
            today=parse_day(today, "--today"),
            late_noa_day_count=noa_day_count.value,
            ledger_url=ledger_url,
        )
        if fmt is TextOrJson.json:
            emit(outcome.to_dict(), "json")
        else:
            from ..claims import check_result_text

            emit(outcome.result, "text", check_result_text)
    if not outcome.ok:
        raise typer.Exit(EXIT_CLAIM_HAS_ERRORS)


@ledger_app.command("list")
def ledger_list(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="most recent entries to show")] = 50,
    fmt: Annotated[TextOrJson, typer.Option("--format")] = TextOrJson.text,
    ledger_url: LedgerUrlOpt = None,
) -> None:
    """Show the most recent ledger entries (no patient data is stored)."""
    with reported_errors():
        entries = [e.to_dict() for e in hhbill_from(ctx).ledger_entries(limit, ledger_url=ledger_url)]
        emit(entries, fmt.value, _ledger_text)


def _ledger_text(rows: list[dict[str, str]]) -> str:
    if not rows:
        return "the ledger is empty"
    return "\n".join(
        f"#{r['id']:<5} {r['type_of_bill']} {r['from_date']} to {r['through_date']} "
        f"NPI {r['provider_npi']} "
        f"${r['total_charge']} {r['status']} {r['claim_ref']}"
        for r in rows
    )


@ledger_app.command("record")
def ledger_record(
    ctx: typer.Context,
    input_path: InputArg,
    visits: VisitsOpt = None,
    status: Annotated[RecordAs, typer.Option("--status")] = RecordAs.submitted,
    ledger_url: LedgerUrlOpt = None,
) -> None:
    """Record a claim as checked or submitted without checking it."""
    with reported_errors():
        hhbill = hhbill_from(ctx)
        parsed = hhbill.load_claim_input(input_path, visits_csv=visits)
        entry = hhbill.ledger_record(parsed, status.value, ledger_url=ledger_url)
        typer.echo(dump_json(entry.to_dict()))


@ledger_app.command("import")
def ledger_import(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="past claims: an 837I file, or JSON claim inputs (docs/CLAIMS.md)")],
    status: Annotated[ImportAs, typer.Option("--status", help="status of claims that do not say")] = ImportAs.submitted,
    fmt: Annotated[TextOrJson, typer.Option("--format", help="text or json")] = TextOrJson.text,
    ledger_url: LedgerUrlOpt = None,
) -> None:
    """Load past claims into the ledger, so the edits and the timeline start with your history."""
    with reported_errors():
        result = hhbill_from(ctx).ledger_import(path, status=status.value, ledger_url=ledger_url)
        emit(result.to_dict(), fmt.value, lambda _: result.to_text())


@claim_app.command("timeline")
def timeline(
    ctx: typer.Context,
    mbi: Annotated[str, typer.Argument(help="the patient's MBI (only a keyed hash of it is stored)")],
    fmt: Annotated[TextOrJson, typer.Option("--format", help="text or json")] = TextOrJson.text,
    npi: Annotated[str | None, typer.Option("--npi", help="show one agency's items only")] = None,
    today: Annotated[str | None, typer.Option("--today", help="the date next dates count from (default today)")] = None,
    ledger_url: LedgerUrlOpt = None,
) -> None:
    """The patient's home health timeline: admissions, NOAs, periods, transfers, discharges, 034X claims,
    adjustments and cancels, with status and findings, and the next dates."""
    with reported_errors():
        found = hhbill_from(ctx).timeline(
            mbi, today=parse_day(today, "--today"), provider_npi=npi, ledger_url=ledger_url
        )
        emit(found.to_dict(), fmt.value, lambda _: found.to_text())


@ledger_app.command("status")
def ledger_status(
    ctx: typer.Context,
    entry_id: Annotated[int, typer.Argument(help="ledger entry number")],
    status: Annotated[ImportAs, typer.Argument(help="submitted, paid, returned (or checked)")],
    ledger_url: LedgerUrlOpt = None,
) -> None:
    """Record what happened to a claim (paid, returned ...); the timeline shows each claim's status."""
    with reported_errors():
        entry = hhbill_from(ctx).ledger_set_status(entry_id, status.value, ledger_url=ledger_url)
        typer.echo(dump_json(entry.to_dict()))


@ledger_app.command("remove")
def ledger_remove(
    ctx: typer.Context,
    entry_id: Annotated[int, typer.Argument(help="ledger entry number")],
    ledger_url: LedgerUrlOpt = None,
) -> None:
    """Remove one ledger entry (e.g. a claim recorded by mistake)."""
    with reported_errors():
        hhbill_from(ctx).ledger_remove(entry_id, ledger_url=ledger_url)
        typer.echo(f"removed ledger entry #{entry_id}")


@claim_app.command("edits")
def edits(
    ctx: typer.Context, fmt: Annotated[TextOrJson, typer.Option("--format", help="text or json")] = TextOrJson.text
) -> None:
    """List the scrubber's edits: id, severity, meaning, FISS reason code, effective dates, citation."""
    emit(hhbill_from(ctx).edit_catalog(), fmt.value, _edits_text)


def _edits_text(items: list[dict[str, str | None]]) -> str:
    return "\n".join(f"{r['id']:<32} {r['severity']:<8} {r['reason_code'] or '-':<6} {r['meaning']}" for r in items)


@claim_app.command("case-mix")
def case_mix(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="CMS 'HH PDGM case-mix weights and LUPA thresholds' CSV/XLSX")],
    year: Annotated[int | None, typer.Option(help="calendar year (default: from the file name)")] = None,
) -> None:
    """Load a year's PDGM case-mix weights and LUPA thresholds for the HIPPS and LUPA edits."""
    with reported_errors():
        table = hhbill_from(ctx).load_case_mix(path, year=year)
        typer.echo(f"loaded CY{table.year} case-mix table: {len(table)} HIPPS codes from {table.source}")
