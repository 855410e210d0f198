"""``hhbill claim ...``: build, check, ledger and case-mix commands. Thin: parse options, call the library, render."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from .._cli_support import TextOrJson, dump_json, emit, parse_day, reported_errors, store_from
from .._errors import ClaimInputError
from ._build import BuildSettings, build_claim
from ._check import check_claim, edit_catalog
from ._input import PeriodOfCare, load_claim_input
from ._ledger import open_ledger
from ._pdgm import load_case_mix
from ._render import check_result_text, claim_text, claim_to_dict, claim_ub04
from ._service import context_for_store

__all__ = ["register"]

#: exit status of ``claim check`` when the claim has error findings (bad input exits 1)
EXIT_CLAIM_HAS_ERRORS = 3


class BuildFormat(str, Enum):
    json = "json"
    ub04 = "ub04"
    text = "text"
    x12 = "x12"


class Under8(str, Enum):
    one_unit = "one_unit"
    reject = "reject"


class NoaDayCount(str, Enum):
    admission_to_day_before_receipt = "admission_to_day_before_receipt"
    admission_to_receipt_inclusive = "admission_to_receipt_inclusive"


class RecordAs(str, Enum):
    checked = "checked"
    submitted = "submitted"


InputArg = Annotated[Path, typer.Argument(help="claim input JSON (docs/CLAIMS.md)")]
VisitsOpt = Annotated[Path | None, typer.Option("--visits", help="visit list as CSV (replaces the JSON visits)")]
Under8Opt = Annotated[Under8, typer.Option("--under-8-minutes", help="032X visits of 1-7 minutes: 1 unit or refuse")]
LedgerUrlOpt = Annotated[
    str | None, typer.Option("--ledger-url", help="PostgreSQL ledger URL (default $HHBILL_LEDGER_URL, else SQLite)")
]


def edit_catalog_rows() -> list[dict[str, str | None]]:
    """The edit catalog as plain rows (what ``claim edits`` prints; also handy for the API)."""
    return [
        {
            "id": e.id,
            "severity": e.severity,
            "applies_to": e.applies_to,
            "meaning": e.meaning,
            "reason_code": e.reason_code,
            "effective_from": e.effective_from.isoformat() if e.effective_from else None,
            "effective_through": e.effective_through.isoformat() if e.effective_through else None,
            "citation": e.citation,
        }
        for e in edit_catalog().edits
    ]


def register(app: typer.Typer) -> None:
    """Add the ``claim`` command group to the root app."""
    claim_app = typer.Typer(help="Home health claims: build 032X/034X claims and check them before the MAC does.")
    ledger_app = typer.Typer(help="The local history of checked and submitted claims (duplicates, overlaps).")
    claim_app.add_typer(ledger_app, name="ledger")
    app.add_typer(claim_app, name="claim")

    @claim_app.command("build")
    def build(
        input_path: InputArg,
        visits: VisitsOpt = None,
        fmt: Annotated[
            BuildFormat, typer.Option("--format", help="json, ub04 (form locators), text or x12 (an 837I interchange)")
        ] = BuildFormat.json,
        under_8: Under8Opt = Under8.one_unit,
        x12_settings: Annotated[
            Path | None,
            typer.Option("--x12-settings", help="837I sender/receiver/submitter settings JSON (docs/X12.md)"),
        ] = None,
    ) -> None:
        """Build the claim lines for a period of care; every line says why it is there."""
        with reported_errors():
            parsed = load_claim_input(input_path, visits_csv=visits)
            if not isinstance(parsed, PeriodOfCare):
                raise ClaimInputError(
                    "this input is already a claim (it has lines); use `hhbill claim check`", field="lines"
                )
            claim = build_claim(parsed, BuildSettings(under_8_minute_policy=under_8.value))
            if fmt is BuildFormat.json:
                emit(claim_to_dict(claim), "json")
            elif fmt is BuildFormat.x12:
                from ..x12._cli import claims_as_x12

                emit(claims_as_x12([claim], x12_settings), "text", str)
            else:
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
        from ..x12 import looks_like_x12

        if looks_like_x12(input_path):
            from ..x12._cli import check_x12_file

            with reported_errors():
                status = check_x12_file(ctx, input_path, fmt.value)
            raise typer.Exit(status)
        with reported_errors():
            parsed = load_claim_input(input_path, visits_csv=visits)
            settings = BuildSettings(under_8_minute_policy=under_8.value)
            claim = build_claim(parsed, settings) if isinstance(parsed, PeriodOfCare) else parsed
            store = store_from(ctx)
            claim_ledger = open_ledger(store, ledger_url) if ledger or record else None
            try:
                context = context_for_store(
                    store,
                    ledger=claim_ledger if ledger else None,
                    today=parse_day(today, "--today"),
                    late_noa_day_count=noa_day_count.value,
                )
                result = check_claim(claim, context)
                if record is not None and claim_ledger is not None:
                    claim_ledger.record(claim, record.value)
            finally:
                if claim_ledger is not None:
                    claim_ledger.close()
            if fmt is TextOrJson.json:
                emit({**result.to_dict(), "claim": claim_to_dict(claim)}, "json")
            else:
                emit(result, "text", check_result_text)
        if not result.ok:
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
            claim_ledger = open_ledger(store_from(ctx), ledger_url)
            try:
                entries = [e.to_dict() for e in claim_ledger.entries(limit)]
            finally:
                claim_ledger.close()

            def text(rows: list[dict[str, str]]) -> str:
                if not rows:
                    return "the ledger is empty"
                return "\n".join(
                    f"#{r['id']:<5} {r['type_of_bill']} {r['from_date']} to {r['through_date']} "
                    f"NPI {r['provider_npi']} "
                    f"${r['total_charge']} {r['status']} {r['claim_ref']}"
                    for r in rows
                )

            emit(entries, fmt.value, text)

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
            parsed = load_claim_input(input_path, visits_csv=visits)
            claim = build_claim(parsed) if isinstance(parsed, PeriodOfCare) else parsed
            claim_ledger = open_ledger(store_from(ctx), ledger_url)
            try:
                entry = claim_ledger.record(claim, status.value)
            finally:
                claim_ledger.close()
            typer.echo(dump_json(entry.to_dict()))

    @ledger_app.command("remove")
    def ledger_remove(
        ctx: typer.Context,
        entry_id: Annotated[int, typer.Argument(help="ledger entry number")],
        ledger_url: LedgerUrlOpt = None,
    ) -> None:
        """Remove one ledger entry (e.g. a claim recorded by mistake)."""
        with reported_errors():
            claim_ledger = open_ledger(store_from(ctx), ledger_url)
            try:
                claim_ledger.remove(entry_id)
            finally:
                claim_ledger.close()
            typer.echo(f"removed ledger entry #{entry_id}")

    @claim_app.command("edits")
    def edits(fmt: Annotated[TextOrJson, typer.Option("--format", help="text or json")] = TextOrJson.text) -> None:
        """List the scrubber's edits: id, severity, meaning, FISS reason code, effective dates, citation."""
        rows = edit_catalog_rows()

        def text(items: list[dict[str, str | None]]) -> str:
            return "\n".join(
                f"{r['id']:<32} {r['severity']:<8} {r['reason_code'] or '-':<6} {r['meaning']}" for r in items
            )

        emit(rows, fmt.value, text)

    @claim_app.command("case-mix")
    def case_mix(
        ctx: typer.Context,
        path: Annotated[Path, typer.Argument(help="CMS 'HH PDGM case-mix weights and LUPA thresholds' CSV/XLSX")],
        year: Annotated[int | None, typer.Option(help="calendar year (default: from the file name)")] = None,
    ) -> None:
        """Load a year's PDGM case-mix weights and LUPA thresholds for the HIPPS and LUPA edits."""
        with reported_errors():
            table = load_case_mix(store_from(ctx), path, year=year)
            typer.echo(f"loaded CY{table.year} case-mix table: {len(table)} HIPPS codes from {table.source}")
