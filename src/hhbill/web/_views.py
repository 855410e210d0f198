"""The data behind each API route and page: one call into the library per view, shared by both renderings.

Nothing here decides billing or coding questions; it picks the library function, passes the parsed arguments
and shapes nothing but the envelope (e.g. ``{"releases": [...]}``).
"""

from __future__ import annotations

import io
from collections import OrderedDict
from datetime import date
from typing import IO, Any
from weakref import WeakKeyDictionary

from .. import hcpcs, search
from .._errors import ClaimInputError, HhbillError
from .._store import Store


def releases(store: Store) -> dict[str, Any]:
    return {"releases": [r.to_dict() for r in _reference(store).releases()]}


def code_page(store: Store, code: str, as_of: date | None) -> dict[str, Any]:
    """The decoded code page (``hhbill.hcpcs.code_page``) plus its RVU section when a fee schedule is loaded.

    Pages are kept (up to :data:`PAGE_CACHE_SIZE`) until the database changes: the key holds SQLite's
    ``data_version`` and the connection's change count, so an import or any write starts afresh. Treat the
    returned dict as read-only.
    """
    reference = _reference(store)
    day = as_of or date.today()
    key = (hcpcs.normalise_code(code)[:40], day.isoformat(), reference_state(reference))
    cache = _page_cache(store)
    page = cache.get(key)
    if page is not None:
        cache.move_to_end(key)
        return page
    page = hcpcs.code_page(reference, code, day)
    page["rvu"] = rvu_section(store, page["code"], day)
    cache[key] = page
    if len(cache) > PAGE_CACHE_SIZE:
        cache.popitem(last=False)
    return page


#: code pages kept per store (a page is a few kB)
PAGE_CACHE_SIZE = 4096
_REFERENCES: WeakKeyDictionary[Store, hcpcs.HcpcsReference] = WeakKeyDictionary()
_PAGES: WeakKeyDictionary[Store, OrderedDict[tuple[str, str, tuple[int, int]], dict[str, Any]]] = WeakKeyDictionary()


def _reference(store: Store) -> hcpcs.HcpcsReference:
    """One HcpcsReference per store: it keeps the release list until the database changes."""
    reference = _REFERENCES.get(store)
    if reference is None:
        reference = _REFERENCES[store] = hcpcs.HcpcsReference(store)
    return reference


def reference_state(reference: hcpcs.HcpcsReference) -> tuple[int, int]:
    return reference.store.data_version()


def _page_cache(store: Store) -> OrderedDict[tuple[str, str, tuple[int, int]], dict[str, Any]]:
    cache = _PAGES.get(store)
    if cache is None:
        cache = _PAGES[store] = OrderedDict()
    return cache


def rvu_section(store: Store, code: str, as_of: date | None) -> dict[str, Any] | None:
    from .. import rvu

    try:
        return rvu.code_rvu_section(store, code, year=as_of.year if as_of else None).to_dict()
    except HhbillError:  # no fee schedule loaded, or the code is not in it: the page simply has no RVU section
        return None


def history(store: Store, code: str) -> dict[str, Any]:
    reference = _reference(store)
    return {
        "code": hcpcs.normalise_code(code)[:40],
        "history": reference.history(code),
        "meanings": reference.meanings(code),
    }


def diff(store: Store, old: str, new: str) -> dict[str, Any]:
    """``hhbill diff``; the last few diffs are kept until the database changes (a diff reads two releases)."""
    reference = _reference(store)
    key = (old.strip()[:100], new.strip()[:100], reference_state(reference))
    cache = _DIFFS.setdefault(store, OrderedDict())
    found = cache.get(key)
    if found is None:
        found = cache[key] = hcpcs.diff_releases(reference, old, new)
        if len(cache) > 8:
            cache.popitem(last=False)
    return found


_DIFFS: WeakKeyDictionary[Store, OrderedDict[tuple[str, str, tuple[int, int]], dict[str, Any]]] = WeakKeyDictionary()


def find_codes(
    store: Store,
    query: str,
    *,
    as_of: date | None = None,
    limit: int = 20,
    kind: str | None = None,
    prefix: str | None = None,
    include_terminated: bool = False,
) -> dict[str, Any]:
    return search.search(
        store, query, as_of=as_of, limit=limit, kind=kind, prefix=prefix, include_terminated=include_terminated
    ).to_dict()


def suggest(
    store: Store, text: str, *, as_of: date | None = None, limit: int = 8, kind: str | None = None
) -> dict[str, Any]:
    return search.suggest(store, text, as_of=as_of, limit=limit, kind=kind).to_dict()


def health(store: Store, version: str) -> dict[str, Any]:
    return {"status": "ok", "releases": len(_reference(store).releases()), "version": version}


# -- claims --------------------------------------------------------------------------------------------------------
def build_claim(store: Store, data: Any, *, visits_csv: str | None = None, under_8: str = "one_unit") -> dict[str, Any]:
    """Build the claim of a period of care (``hhbill claim build``): the claim JSON and its UB-04 view."""
    from .. import claims

    parsed = claims.parse_claim_input(data, visits_csv=visits_csv)
    if not isinstance(parsed, claims.PeriodOfCare):
        raise ClaimInputError("this input is already a claim (it has lines); check it instead", field="lines")
    claim = claims.build_claim(parsed, claims.BuildSettings(under_8_minute_policy=under_8))
    return {"claim": claims.claim_to_dict(claim), "ub04": claims.claim_ub04(claim)}


def check_claim(
    store: Store,
    data: Any,
    *,
    visits_csv: str | None = None,
    under_8: str = "one_unit",
    use_ledger: bool = True,
    record: str | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """Check a period (built first) or a claim given line by line (``hhbill claim check``)."""
    from .. import claims

    settings = claims.BuildSettings(under_8_minute_policy=under_8)
    ledger = claims.open_ledger(store) if use_ledger or record else None
    try:
        context = claims.context_for_store(store, ledger=ledger if use_ledger else None, today=today)
        claim, result = claims.check_input(data, context, settings, visits_csv=visits_csv)
        # the whole answer is made before the ledger row is written: a check that fails leaves no row
        checked = {**result.to_dict(), "claim": claims.claim_to_dict(claim), "ub04": claims.claim_ub04(claim)}
        if record and ledger is not None:
            checked["ledger_entry"] = ledger.record(claim, record).to_dict()
    finally:
        if ledger is not None:
            ledger.close()
    return checked


def check_837i(
    store: Store,
    stream: IO[bytes],
    *,
    file_name: str | None = None,
    lenient: bool = False,
    today: date | None = None,
) -> dict[str, Any]:
    """Scrub every claim of an 837I file (``hhbill x12 check``): a per-claim report; nothing is stored.

    A file that is not a readable 837I at all raises its X12Error; one that breaks after some claims is
    reported with those claims and ``summary.structure_error``."""
    from .. import claims, x12

    context = claims.context_for_store(store, today=today)
    named = _NamedStream(stream, file_name)
    report = x12.scrub_file(named, lambda claim: claims.check_claim(claim, context), strict=not lenient)
    if report.error is not None and not report.claims:
        raise report.error
    return report.to_dict()


class _NamedStream(io.BufferedReader):
    """An uploaded file's bytes under the name the browser gave it (the X12 reader reports file names)."""

    def __init__(self, raw: IO[bytes], name: str | None) -> None:
        super().__init__(raw)  # type: ignore[arg-type]
        self._upload_name = name

    @property
    def name(self) -> Any:
        return self._upload_name


# -- RVU and the procedure log ---------------------------------------------------------------------------------------
def rvu_releases(store: Store) -> dict[str, Any]:
    from .. import rvu

    return {"releases": [r.to_dict() for r in rvu.list_releases(store)]}


def rvu_price(
    store: Store,
    code: str,
    *,
    modifier: str | None = None,
    year: int | None = None,
    locality: str | None = None,
    state: str | None = None,
    zip_code: str | None = None,
    facility: bool = False,
) -> dict[str, Any]:
    """``hhbill rvu price``: RVUs, indicators and the payment for a locality (national when none is given)."""
    from .. import rvu

    return rvu.price(
        store,
        code,
        modifier=modifier,
        year=year,
        locality=locality,
        state=state,
        zip_code=zip_code,
        facility=facility,
    ).to_dict()


def log_entries(store: Store, *, date_from: date | None = None, date_to: date | None = None) -> dict[str, Any]:
    from .. import rvu

    return {"entries": [e.to_dict() for e in rvu.log_entries(store, date_from=date_from, date_to=date_to)]}


def log_add(
    store: Store, code: str, *, performed_on: date | None = None, units: int = 1, modifier: str | None = None
) -> dict[str, Any]:
    from .. import rvu

    return rvu.log_add(store, code, performed_on=performed_on, units=units, modifier=modifier).to_dict()


def log_remove(store: Store, entry_id: int) -> None:
    from .. import rvu

    rvu.log_remove(store, entry_id)


def log_set_target(store: Store, work_rvu: str, per: str) -> dict[str, Any]:
    from .. import rvu

    return rvu.log_set_target(store, work_rvu, per).to_dict()


def log_report(
    store: Store, *, date_from: date | None = None, date_to: date | None = None, by: str | None = None
) -> dict[str, Any]:
    from .. import rvu

    return rvu.log_report(store, date_from=date_from, date_to=date_to, by=by).to_dict()


def warm_up(store: Store) -> None:
    """Build what the first requests would otherwise build (the search index and tables of the release in force)."""
    try:
        search.suggest(store, "home health")
    except HhbillError:  # no release loaded: nothing to build
        return
