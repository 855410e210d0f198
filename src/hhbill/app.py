"""The hhbill application: one object that owns what every interface shares, with the use cases as its methods.

The CLI (``hhbill.cli``), the REST API and the web pages (``hhbill.web``) each make one :class:`Hhbill` and call
only its methods, so each question gets the same answer from all three::

    hhbill = Hhbill(settings=Settings.from_env())     # settings read once, at the edge
    hhbill.code_page("G0320")                           # the explained page, with its RVU section
    hhbill.search("home health aide visit")
    outcome = hhbill.check_claim(period_json, record="checked")   # build, check, record to the ledger

The object owns the settings, the Store (opened on first use), the HCPCS reference, the claim ledger's
lifecycle, the code-page and diff caches and the embedded default release. The domain packages (``hcpcs``,
``search``, ``rvu``, ``claims``, ``x12``) are imported by the use case that needs them, so a command loads only
what it uses; they never import this module or an interface.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ._config import Settings
from ._errors import ClaimInputError, HhbillError
from ._store import Store

if TYPE_CHECKING:
    from ._page_cache import PageCache
    from .claims import CaseMixTable, CheckResult, Claim, LedgerEntry, LedgerImport, PeriodOfCare, Timeline
    from .claims._ledger import ClaimLedger
    from .hcpcs import HcpcsReference, ImportResult
    from .rvu import (
        CodeRvuSection,
        ImportSummary,
        LoadedRelease,
        LogEntry,
        LogReport,
        PriceResult,
        WorkRvuTarget,
    )
    from .search import SearchResponse
    from .x12 import FileScrubReport
    from .x12._view import X12View

__all__ = ["ClaimOutcome", "Hhbill", "Settings"]

#: code pages kept per application (a page is a few kB)
PAGE_CACHE_SIZE = 4096
#: release diffs kept per application (a diff reads two whole releases)
DIFF_CACHE_SIZE = 8
Progress = Callable[[int, int | None], None]
#: a claim input: a parsed period of care or claim, or its JSON (a mapping)
ClaimInput = Any


@dataclass
class ClaimOutcome:
    """A built claim and, when it was checked, the scrubber's result and the ledger entry it was recorded as."""

    claim: Claim
    result: CheckResult | None = None
    ledger_entry: LedgerEntry | None = None

    @property
    def ok(self) -> bool:
        return self.result is None or self.result.ok

    def to_dict(self) -> dict[str, Any]:
        """The JSON every interface returns: the check result (if checked), the claim and its UB-04 view."""
        from .claims import claim_to_dict, claim_ub04

        data: dict[str, Any] = self.result.to_dict() if self.result is not None else {}
        data["claim"] = claim_to_dict(self.claim)
        data["ub04"] = claim_ub04(self.claim)
        if self.ledger_entry is not None:
            data["ledger_entry"] = self.ledger_entry.to_dict()
        return data


class Hhbill:
    """The application: settings, the Store, caches; one method per use case."""

    def __init__(
        self,
        store: Store | str | os.PathLike[str] | None = None,
        *,
        settings: Settings | None = None,
        on_notice: Callable[[str], None] | None = None,
    ) -> None:
        """``store``: an open Store, a database path, or None for ``settings.db_path`` (opened on first use).

        ``on_notice`` receives the Store's plain-words notices when it is opened (e.g. an import a killed
        process left unfinished); the CLI prints them.
        """
        self.settings = settings or Settings()
        self._store = store if isinstance(store, Store) else None
        self._db_path = Path(store) if store is not None and not isinstance(store, Store) else self.settings.db_path
        self._on_notice = on_notice
        self._reference: HcpcsReference | None = None
        self._page_cache: PageCache | None = None
        self._pages: OrderedDict[tuple[str, str, tuple[int, int]], dict[str, Any]] = OrderedDict()
        self._diffs: OrderedDict[tuple[str, str, tuple[int, int]], dict[str, Any]] = OrderedDict()

    # -- what the application owns ---------------------------------------------------------------------------
    @property
    def store(self) -> Store:
        """The database, opened on first use."""
        if self._store is None:
            from ._store import open_store

            self._store = open_store(self._db_path)
            if self._on_notice is not None:
                for notice in self._store.notices:
                    self._on_notice(notice)
        return self._store

    @property
    def reference(self) -> HcpcsReference:
        """The versioned HCPCS reference (it keeps the release list until the database changes)."""
        if self._reference is None:
            from .hcpcs import HcpcsReference

            self._reference = HcpcsReference(self.store)
        return self._reference

    @property
    def page_cache(self) -> PageCache:
        """Explained code pages kept beside the database, for the next process."""
        if self._page_cache is None:
            from ._page_cache import PageCache

            self._page_cache = PageCache(self.store)
        return self._page_cache

    def close(self) -> None:
        if self._page_cache is not None:
            self._page_cache.close()
        if self._store is not None:
            self._store.close()

    def _state(self) -> tuple[int, int]:
        """Changes whenever the database does (SQLite's data_version and this connection's change count)."""
        return self.store.data_version()

    def ensure_default(self) -> ImportResult | None:
        """Load the embedded home health release when no HCPCS release was imported (fresh, offline install)."""
        from .hcpcs import ensure_default

        return ensure_default(self.store)

    def warm_up(self) -> None:
        """Build what the first requests would otherwise build (the search tables and the code page facts of the
        release in force)."""
        from .explain import warm_up as warm_up_code_pages
        from .search import suggest

        try:
            suggest(self.store, "home health")
        except HhbillError:  # no release loaded, or its rows unreadable: requests will say so in plain words
            return
        # a damaged table must not stop a server from starting: the pages that need it report it themselves
        with contextlib.suppress(HhbillError):
            warm_up_code_pages(self.reference)

    def health(self, version: str) -> dict[str, Any]:
        return {"status": "ok", "releases": len(self.reference.releases()), "version": version}

    # -- HCPCS reference ----------------------------------------------------------------------------------------
    def import_hcpcs(
        self, path: Path, *, effective: date | None = None, notes: Path | None = None, progress: Progress | None = None
    ) -> ImportResult:
        """Import a CMS HCPCS release file as a new version (a no-op when already loaded)."""
        from . import search as _search  # noqa: F401  (registers the hook that stores the search index in the import)
        from .hcpcs import import_release

        return import_release(self.store, path, effective=effective, notes_path=notes, progress=progress)

    def hcpcs_update_url(self, url: str | None = None) -> str:
        """The release zip ``data update`` fetches: ``url``, else this quarter's CMS file (or the configured one)."""
        from .hcpcs._download import current_release_url

        return url or current_release_url(template=self.settings.hcpcs_url)

    def update_hcpcs(
        self, url: str | None = None, *, effective: date | None = None, progress: Progress | None = None
    ) -> ImportResult:
        """Download the quarterly HCPCS zip from CMS, verify it and import it."""
        from . import search as _search  # noqa: F401  (registers the hook that stores the search index in the import)
        from .hcpcs._download import update_release

        return update_release(self.store, url=self.hcpcs_update_url(url), effective=effective, progress=progress)

    def releases(self) -> dict[str, Any]:
        """Every HCPCS release loaded, oldest first."""
        return {"releases": [r.to_dict() for r in self.reference.releases()]}

    def code_page(self, code: str, as_of: date | None = None) -> dict[str, Any]:
        """The explained code page (:func:`hhbill.explain.explain_code`): every field with its meaning and CMS
        definition, status, history, exclusions, and the sections - lay names, plain language, the fee schedule
        entry, comparisons over the release, related codes, billing, scrubber edits and a FAQ.

        Pages are kept in memory (up to :data:`PAGE_CACHE_SIZE`) until the database changes, and in the page
        cache beside the database (:mod:`hhbill._page_cache`) until a release or hhbill itself changes, so a new
        process shows a page it has shown before without building it. Treat the dict as read-only.
        """
        from .hcpcs import normalise_code

        day = as_of or date.today()
        key = (normalise_code(code)[:40], day.isoformat(), self._state())
        page = self._pages.get(key)
        if page is not None:
            self._pages.move_to_end(key)
            return page
        stored = self.page_cache.fingerprint()
        page = self.page_cache.get(stored, key[0], day) if stored is not None else None
        if page is None:
            from .explain import explain_code  # loaded only to build a page the cache does not hold

            page = explain_code(self.reference, code, day).to_dict()
            # the page may have loaded the shipped fee schedule into the store: keep it under the state after it
            stored = self.page_cache.fingerprint()
            if stored is not None:
                self.page_cache.put(stored, key[0], day, page)
        key = (key[0], key[1], self._state())
        self._pages[key] = page
        if len(self._pages) > PAGE_CACHE_SIZE:
            self._pages.popitem(last=False)
        return page

    def code_page_text(self, page: Mapping[str, Any]) -> str:
        """The explained code page as plain text: the record's fields, then each section with its sources."""
        from .explain import render_text

        return render_text(dict(page))

    def code_page_html(self, page: Mapping[str, Any]) -> str:
        """The explained code page as a standalone HTML fragment (values escaped by the renderer)."""
        from .explain import render_html

        return render_html(dict(page))

    def code_fields_html(self, page: Mapping[str, Any]) -> str:
        """Only the record's fields with their meanings, as HTML (the web page lays the sections out itself)."""
        from .hcpcs._page import render_html

        return render_html(page)

    def rvu_section(self, code: str, as_of: date | None = None) -> dict[str, Any] | None:
        """The fee schedule section of a code page (its ``rvu`` key)."""
        rvu: dict[str, Any] | None = self.code_page(code, as_of).get("rvu")
        return rvu

    def history(self, code: str) -> dict[str, Any]:
        """Each change of each field of a code across the loaded releases, and the meanings it has had."""
        from .hcpcs import normalise_code

        return {
            "code": normalise_code(code)[:40],
            "history": self.reference.history(code),
            "meanings": self.reference.meanings(code),
        }

    def diff(self, old: str, new: str) -> dict[str, Any]:
        """Codes added, removed, terminated and changed between two releases (the last few kept)."""
        from .hcpcs import diff_releases

        key = (old.strip()[:100], new.strip()[:100], self._state())
        found = self._diffs.get(key)
        if found is None:
            found = self._diffs[key] = diff_releases(self.reference, old, new)
            if len(self._diffs) > DIFF_CACHE_SIZE:
                self._diffs.popitem(last=False)
        return found

    # -- search -----------------------------------------------------------------------------------------------
    def search(
        self,
        query: str,
        *,
        as_of: date | str | None = None,
        limit: int = 20,
        kind: str | None = None,
        prefix: str | None = None,
        include_terminated: bool = False,
    ) -> SearchResponse:
        """Ranked search of the release in force on ``as_of`` for codes, modifiers and plain-language words."""
        from .search import search

        return search(
            self.store, query, as_of=as_of, limit=limit, kind=kind, prefix=prefix, include_terminated=include_terminated
        )

    def suggest(
        self, text: str, *, as_of: date | str | None = None, limit: int = 8, kind: str | None = None
    ) -> SearchResponse:
        """Search-as-you-type: the last word is completed as a prefix."""
        from .search import suggest

        return suggest(self.store, text, as_of=as_of, limit=limit, kind=kind)

    # -- claims -----------------------------------------------------------------------------------------------
    def visit_fields(self) -> dict[str, Any]:
        """What a visit table offers: the visit CSV's columns and the values of each coded column, from the claims
        rule tables (never a copy kept by an interface)."""
        from .claims._data import rule_tables
        from .claims._input import MODALITIES, VISIT_CSV_COLUMNS

        tables = rule_tables()
        choices = {
            "discipline": sorted(tables.disciplines),
            "role": sorted(tables.roles),
            "service": sorted(tables.services),
            "modality": list(MODALITIES),
        }
        return {"columns": VISIT_CSV_COLUMNS, "choices": choices}

    def load_claim_input(self, path: Path, *, visits_csv: Path | None = None) -> PeriodOfCare | Claim:
        """A claim input file (docs/CLAIMS.md): a period of care, or a claim given line by line."""
        from .claims import load_claim_input

        return load_claim_input(path, visits_csv=visits_csv)

    def _claim_of(self, data: ClaimInput, visits_csv: str | None, under_8: str) -> Claim:
        from .claims import BuildSettings, PeriodOfCare, build_claim, fee_schedule_for_store, parse_claim_input

        parsed = parse_claim_input(data, visits_csv=visits_csv) if isinstance(data, Mapping) else data
        if isinstance(parsed, PeriodOfCare):
            # 034X: the KX threshold counts allowed amounts when a fee schedule is imported
            pricer = fee_schedule_for_store(self.store) if parsed.therapy_services else None
            return build_claim(parsed, BuildSettings(under_8_minute_policy=under_8), fee_schedule=pricer)
        return parsed

    def build_claim(
        self, data: ClaimInput, *, visits_csv: str | None = None, under_8: str = "one_unit"
    ) -> ClaimOutcome:
        """Build the claim lines of a period of care; every line says why it is there. Nothing is stored."""
        from .claims import PeriodOfCare, parse_claim_input

        parsed = parse_claim_input(data, visits_csv=visits_csv) if isinstance(data, Mapping) else data
        if not isinstance(parsed, PeriodOfCare):
            raise ClaimInputError("this input is already a claim (it has lines); check it instead", field="lines")
        return ClaimOutcome(self._claim_of(parsed, None, under_8))

    def open_ledger(self, url: str | None = None) -> ClaimLedger:
        """The claim ledger: PostgreSQL at ``url`` (or the configured URL), else a table in the store."""
        from .claims import open_ledger

        return open_ledger(self.store, url or self.settings.ledger_url, key_file=self.settings.ledger_key_file)

    def check_claim(
        self,
        data: ClaimInput,
        *,
        visits_csv: str | None = None,
        under_8: str = "one_unit",
        use_ledger: bool = True,
        record: str | None = None,
        today: date | None = None,
        late_noa_day_count: str = "admission_to_day_before_receipt",
        ledger_url: str | None = None,
        patient_withheld: bool = False,
    ) -> ClaimOutcome:
        """Check a claim (a period of care is built first), against the ledger unless ``use_ledger`` is False,
        and record it there as ``record`` ("checked" or "submitted") when asked. Findings carry severity,
        message, fix, citation and reason code.

        ``patient_withheld``: the patient's identity stays with the user (the web claim form): its fields are
        dropped from a JSON input (``claims.PATIENT_IDENTITY_FIELDS``), the edits needing them do not run (one info
        finding lists them) and nothing is read from or written to the ledger."""
        from .claims import check_claim, context_for_store

        if patient_withheld:
            from .claims import check_claim_withheld, without_patient_identity

            if record:
                raise ClaimInputError(
                    "recording a claim needs the patient's details; send the whole claim", field="record"
                )
            given = without_patient_identity(data) if isinstance(data, Mapping) else data
            claim = self._claim_of(given, visits_csv, under_8)
            context = context_for_store(self.store, today=today, late_noa_day_count=late_noa_day_count)
            return ClaimOutcome(claim, check_claim_withheld(claim, context))
        claim = self._claim_of(data, visits_csv, under_8)
        ledger = self.open_ledger(ledger_url) if use_ledger or record else None
        try:
            context = context_for_store(
                self.store,
                ledger=ledger if use_ledger else None,
                today=today,
                late_noa_day_count=late_noa_day_count,
            )
            result = check_claim(claim, context)
            # the findings go with the entry: the patient's timeline shows them on the claim they concern
            entry = ledger.record(claim, record, result.findings) if record and ledger is not None else None
        finally:
            if ledger is not None:
                ledger.close()
        return ClaimOutcome(claim, result, entry)

    def scrub_837i(
        self,
        source: Path | IO[bytes] | bytes,
        *,
        file_name: str | None = None,
        strict: bool = True,
        today: date | None = None,
    ) -> FileScrubReport:
        """Read every claim of an 837I file and check each: a per-claim report (nothing is stored).

        ``source`` is a path, or the uploaded bytes under the name the browser gave them (a label only: the
        bytes are read, never a file of that name)."""
        from .claims import check_claim, context_for_store
        from .x12 import scrub_file

        context = context_for_store(self.store, today=today)
        stream: Path | IO[bytes] = source if isinstance(source, Path) else _NamedStream(source, file_name)
        return scrub_file(stream, lambda claim: check_claim(claim, context), strict=strict)

    def view_837i(
        self,
        source: Path | IO[bytes] | bytes,
        *,
        file_name: str | None = None,
        strict: bool = False,
        today: date | None = None,
    ) -> X12View:
        """Every claim of an 837I with its decoded header and lines, each finding on its line, and each claim in
        the claim input format for editing and writing back (nothing is stored)."""
        from .claims import check_claim, context_for_store
        from .x12._view import view_x12

        context = context_for_store(self.store, today=today)
        stream: Path | IO[bytes] = source if isinstance(source, Path) else _NamedStream(source, file_name)
        return view_x12(stream, lambda claim: check_claim(claim, context), strict=strict)

    def x12_view_text(self, view: X12View) -> str:
        """An 837I file's claims as text: every claim's fields, its UB-04 lines and its findings (MBI masked)."""
        from .x12._view import x12_view_text

        return x12_view_text(view)

    def claim_pdf(
        self, claim: Claim | list[Claim], *, created: date | None = None, patient_withheld: bool = False
    ) -> bytes:
        """The claim (or claims, one after the other) printed on the UB-04 (CMS-1450) form, as a PDF
        (``patient_withheld``: the patient boxes as empty fillable fields)."""
        from .ub04 import ub04_pdf

        return ub04_pdf(claim, created=created or date.today(), patient_withheld=patient_withheld)

    def claim_form_html(
        self,
        claim: Claim,
        *,
        created: date | None = None,
        stylesheet_href: str | None = None,
        script_href: str | None = None,
        patient_script_href: str | None = None,
    ) -> str:
        """The claim on the UB-04 form as a printable HTML page (its stylesheet inside it, or linked).
        ``patient_script_href``: the patient's identity is withheld; this script fills its boxes in the browser."""
        from .ub04 import ub04_html

        return ub04_html(
            claim, created=created or date.today(), stylesheet_href=stylesheet_href, script_href=script_href,
            patient_withheld=patient_script_href is not None, patient_script_href=patient_script_href,
        )  # fmt: skip

    def write_837i(self, claims: Iterable[ClaimInput], settings_path: Path | None = None) -> str:
        """One 837I interchange holding the claims (periods are built first), with the writer settings given,
        else the configured ones (``HHBILL_X12_SETTINGS``), else the example settings."""
        from .x12 import claims_to_x12, load_writer_settings

        built = [self._claim_of(item, None, "one_unit") for item in claims]
        return claims_to_x12(built, load_writer_settings(settings_path or self.settings.x12_settings))

    def ledger_entries(self, limit: int = 50, *, ledger_url: str | None = None) -> list[LedgerEntry]:
        ledger = self.open_ledger(ledger_url)
        try:
            return list(ledger.entries(limit))
        finally:
            ledger.close()

    def ledger_record(self, data: ClaimInput, status: str, *, ledger_url: str | None = None) -> LedgerEntry:
        """Record a claim (a period is built first) as checked or submitted without checking it."""
        claim = self._claim_of(data, None, "one_unit")
        ledger = self.open_ledger(ledger_url)
        try:
            return ledger.record(claim, status)
        finally:
            ledger.close()

    def timeline(
        self,
        mbi: str,
        *,
        today: date | None = None,
        provider_npi: str | None = None,
        ledger_url: str | None = None,
    ) -> Timeline:
        """The patient's home health timeline from the ledger: admissions, NOAs, periods (early/late), transfers,
        discharges, 034X claims, adjustments and cancels, each with its status and findings; the next dates."""
        from .claims import mbi_problem, timeline

        problem = mbi_problem(mbi.strip().upper())
        if problem is not None:
            raise ClaimInputError(f"the MBI is {problem}", field="mbi")
        ledger = self.open_ledger(ledger_url)
        try:
            return timeline(ledger, mbi, today=today, provider_npi=provider_npi or None)
        finally:
            ledger.close()

    def ledger_import(self, path: Path, *, status: str = "submitted", ledger_url: str | None = None) -> LedgerImport:
        """Load past claims (JSON claim inputs or an 837I file) into the ledger; all are read before any is
        recorded, and importing a file again adds nothing."""
        from . import x12  # noqa: F401  (registers the 837I reader of past claims)
        from .claims import fee_schedule_for_store, ledger_import

        ledger = self.open_ledger(ledger_url)
        try:
            return ledger_import(ledger, path, status=status, fee_schedule=fee_schedule_for_store(self.store))
        finally:
            ledger.close()

    def ledger_set_status(self, entry_id: int, status: str, *, ledger_url: str | None = None) -> LedgerEntry:
        """Record what the MAC did with a claim: submitted, paid or returned (the timeline shows it)."""
        ledger = self.open_ledger(ledger_url)
        try:
            return ledger.set_status(entry_id, status)
        finally:
            ledger.close()

    def ledger_remove(self, entry_id: int, *, ledger_url: str | None = None) -> None:
        ledger = self.open_ledger(ledger_url)
        try:
            ledger.remove(entry_id)
        finally:
            ledger.close()

    def edit_catalog(self) -> list[dict[str, str | None]]:
        """The scrubber's edits as rows: id, severity, meaning, reason code, effective dates, citation."""
        from .claims import edit_catalog

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

    def load_case_mix(self, path: Path, *, year: int | None = None) -> CaseMixTable:
        """Load a year's PDGM case-mix weights and LUPA thresholds for the HIPPS and LUPA edits."""
        from .claims import load_case_mix

        return load_case_mix(self.store, path, year=year)

    # -- physician fee schedule and the procedure log ------------------------------------------------------------
    def import_fee_schedule(
        self, path: Path, *, release: str | None = None, progress: Progress | None = None
    ) -> ImportSummary:
        from .rvu import import_fee_schedule

        return import_fee_schedule(self.store, path, release=release, progress=progress)

    def rvu_releases(self) -> list[LoadedRelease]:
        """The fee schedule releases answers come from (the shipped one where nothing was imported)."""
        from .rvu import ensure_embedded_fee_schedule, list_releases

        if not self.store.read_only:
            ensure_embedded_fee_schedule(self.store)
        return list_releases(self.store)

    def price(
        self,
        code: str,
        *,
        modifier: str | None = None,
        year: int | None = None,
        locality: str | None = None,
        state: str | None = None,
        zip_code: str | None = None,
        facility: bool = False,
    ) -> PriceResult:
        """RVUs, decoded indicators and the payment for a locality (national when none is given)."""
        from .rvu import price

        return price(
            self.store,
            code,
            modifier=modifier,
            year=year,
            locality=locality,
            state=state,
            zip_code=zip_code,
            facility=facility,
        )

    def rvu_statistics(self, code: str, *, year: int | None = None) -> CodeRvuSection:
        from .rvu import code_rvu_section

        return code_rvu_section(self.store, code, year=year)

    def log_add(
        self, code: str, *, performed_on: date | str | None = None, units: int = 1, modifier: str | None = None
    ) -> LogEntry:
        from .rvu import log_add

        return log_add(self.store, code, performed_on=performed_on, units=units, modifier=modifier)

    def log_entries(self, *, date_from: date | str | None = None, date_to: date | str | None = None) -> list[LogEntry]:
        from .rvu import log_entries

        return log_entries(self.store, date_from=date_from, date_to=date_to)

    def log_remove(self, entry_id: int) -> None:
        from .rvu import log_remove

        log_remove(self.store, entry_id)

    def log_target(self) -> WorkRvuTarget | None:
        from .rvu import log_target

        return log_target(self.store)

    def log_set_target(self, work_rvu: str, per: str) -> WorkRvuTarget:
        from .rvu import log_set_target

        return log_set_target(self.store, work_rvu, per)

    def log_report(
        self, *, date_from: date | str | None = None, date_to: date | str | None = None, by: str | None = None
    ) -> LogReport:
        from .rvu import log_report

        return log_report(self.store, date_from=date_from, date_to=date_to, by=by)


class _NamedStream(io.BufferedReader):
    """Uploaded bytes under the name the browser gave them (the X12 reader reports file names)."""

    def __init__(self, raw: IO[bytes] | bytes, name: str | None) -> None:
        super().__init__(io.BytesIO(raw) if isinstance(raw, bytes) else raw)  # type: ignore[arg-type]
        self._upload_name = name

    @property
    def name(self) -> Any:
        return self._upload_name
