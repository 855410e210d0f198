"""The versioned REST API, ``/api/v1``. Each route parses its arguments, calls one method of the application object
(:class:`hhbill.app.Hhbill`) and returns its data as JSON; errors are handled centrally by the app.

Routes are plain ``def``: FastAPI runs them in its thread pool, so a slow query or a large 837I never holds the
event loop."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, File, Path, Query, Request, Security, UploadFile
from fastapi.responses import Response
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from .._errors import AuthError
from ._common import DataResponse, hhbill_of, settings_of, store_of, upload_bytes, upload_name
from ._schemas import (
    ClaimOut,
    CodePage,
    Diff,
    ErrorResponse,
    Health,
    History,
    LogEntries,
    LogEntryOut,
    LogReportOut,
    PriceOut,
    Releases,
    RvuReleases,
    SearchOut,
    TargetOut,
    TimelineOut,
    X12Report,
)
from ._security import ApiKey, verify_api_key

router = APIRouter(prefix="/api/v1")

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Malformed request"},
    404: {"model": ErrorResponse, "description": "No such code, release or record (for the date asked)"},
    413: {"model": ErrorResponse, "description": "Request body over the size limit"},
    422: {"model": ErrorResponse, "description": "A value is invalid; `field` names it"},
    429: {"model": ErrorResponse, "description": "Rate limit exceeded; see Retry-After"},
}
_PRIVATE_ERRORS: dict[int | str, dict[str, Any]] = {
    **_ERRORS,
    401: {"model": ErrorResponse, "description": "Missing, unknown or revoked API key"},
}

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key from `hhbill apikey create`.")


def require_key(request: Request, key: Annotated[str | None, Security(api_key_header)] = None) -> ApiKey | None:
    """The caller's API key; 401 without a valid one (unless the service runs with keys turned off)."""
    if not settings_of(request).require_api_key:
        return None
    if key is None:
        raise AuthError("a valid API key is required: send it in the X-API-Key header", field="X-API-Key")
    return verify_api_key(store_of(request), key)


def _iso_day(value: object) -> object:
    """Dates in queries are YYYY-MM-DD only (pydantic alone would also take "0" or a date-time)."""
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DAY.fullmatch(value)):
        return value
    raise ValueError("expected a date YYYY-MM-DD")


def _flag(value: object) -> object:
    """Booleans in queries are ``true`` or ``false`` (pydantic alone would also take yes/on/1/t)."""
    if isinstance(value, bool) or (isinstance(value, str) and value.lower() in ("true", "false")):
        return value
    raise ValueError("expected true or false")


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
#: a boolean query parameter, strictly true/false
Flag = Annotated[bool, BeforeValidator(_flag)]
#: a calendar date in a query parameter, strictly YYYY-MM-DD
Day = Annotated[date, BeforeValidator(_iso_day)]
AsOf = Annotated[Day | None, Query(description="Date of service (YYYY-MM-DD) the answer is valid for; default today.")]
CodeParam = Annotated[str, Path(description="HCPCS Level II code (e.g. G0299) or a 2-character modifier.")]
Protected = Annotated[ApiKey | None, Depends(require_key)]


# -- service ----------------------------------------------------------------------------------------------------
@router.get("/health", response_model=Health, responses=_ERRORS, tags=["service"])
def health(request: Request) -> DataResponse:
    """Liveness and the number of HCPCS releases loaded."""
    return DataResponse(hhbill_of(request).health(request.app.version))


# -- HCPCS reference ---------------------------------------------------------------------------------------------
@router.get("/releases", response_model=Releases, responses=_ERRORS, tags=["hcpcs"])
def releases(request: Request) -> DataResponse:
    """Every HCPCS release loaded, oldest first."""
    return DataResponse(hhbill_of(request).releases())


@router.get("/codes/{code}", response_model=CodePage, responses=_ERRORS, tags=["hcpcs"])
def code(request: Request, code: CodeParam, as_of: AsOf = None) -> DataResponse:
    """A code as of a date: every field decoded, its status that day, history, exclusions, RVU section."""
    return DataResponse(hhbill_of(request).code_page(code, as_of))


@router.get("/codes/{code}/history", response_model=History, responses=_ERRORS, tags=["hcpcs"])
def code_history(request: Request, code: CodeParam) -> DataResponse:
    """Each loaded release's view of a code (field-by-field changes) and the meanings it has had."""
    return DataResponse(hhbill_of(request).history(code))


@router.get("/diff", response_model=Diff, responses=_ERRORS, tags=["hcpcs"])
def diff(
    request: Request,
    old: Annotated[str, Query(description="Older release: id, label, YYYY-MM-DD or YYYY-MM.")],
    new: Annotated[str, Query(description="Newer release: id, label, YYYY-MM-DD or YYYY-MM.")],
) -> DataResponse:
    """Codes added, removed, terminated and changed (field by field) between two releases."""
    return DataResponse(hhbill_of(request).diff(old, new))


# -- search -------------------------------------------------------------------------------------------------------
Kind = Annotated[Literal["procedure", "modifier"] | None, Query(description="Only procedure codes or modifiers.")]


@router.get("/search", response_model=SearchOut, responses=_ERRORS, tags=["search"])
def search_codes(
    request: Request,
    q: Annotated[str, Query(description="Codes, code ranges, words or plain-language terms.")],
    as_of: AsOf = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
    kind: Kind = None,
    prefix: Annotated[str | None, Query(pattern="^[A-Za-z0-9]{1,5}$", description="Only codes starting so.")] = None,
    include_terminated: Flag = False,
) -> DataResponse:
    """Ranked search of the release in force on ``as_of``."""
    return DataResponse(
        hhbill_of(request)
        .search(q, as_of=as_of, limit=limit, kind=kind, prefix=prefix, include_terminated=include_terminated)
        .to_dict()
    )


@router.get("/suggest", response_model=SearchOut, responses=_ERRORS, tags=["search"])
def suggest(
    request: Request,
    q: Annotated[str, Query(description="What has been typed so far; the last word may be incomplete.")],
    as_of: AsOf = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 8,
    kind: Kind = None,
) -> DataResponse:
    """Search-as-you-type (autocomplete): the last word is completed as a prefix."""
    return DataResponse(hhbill_of(request).suggest(q, as_of=as_of, limit=limit, kind=kind).to_dict())


# -- claims (patient data: API key required) -------------------------------------------------------------------------
Under8 = Annotated[
    Literal["one_unit", "reject"],
    Query(description="032X visits of 1-7 minutes: one unit (default) or refuse the input."),
]
ClaimBody = Annotated[
    dict[str, Any],
    Body(
        description="A period of care (header and visits/therapy services) or a claim given line by line; "
        "see docs/CLAIMS.md."
    ),
]


@router.post("/claims/build", response_model=ClaimOut, responses=_PRIVATE_ERRORS, tags=["claims"])
def claims_build(
    request: Request, _key: Protected, body: ClaimBody, under_8_minutes: Under8 = "one_unit"
) -> DataResponse:
    """Build the claim lines of a period of care; every line says why it is there. Nothing is stored."""
    return DataResponse(hhbill_of(request).build_claim(body, under_8=under_8_minutes).to_dict())


@router.post("/claims/check", response_model=ClaimOut, responses=_PRIVATE_ERRORS, tags=["claims"])
def claims_check(
    request: Request,
    _key: Protected,
    body: ClaimBody,
    under_8_minutes: Under8 = "one_unit",
    ledger: Annotated[Flag, Query(description="Check against the claim ledger (duplicates, overlaps).")] = True,
    record: Annotated[
        Literal["checked", "submitted"] | None, Query(description="Also add the claim to the ledger.")
    ] = None,
    today: Annotated[Day | None, Query(description="The check date (default today).")] = None,
) -> DataResponse:
    """Check a claim (a period of care is built first): findings with severity, message, fix, citation."""
    return DataResponse(
        hhbill_of(request)
        .check_claim(body, under_8=under_8_minutes, use_ledger=ledger, record=record, today=today)
        .to_dict()
    )


@router.post("/claims/837i", response_model=X12Report, responses=_PRIVATE_ERRORS, tags=["claims"])
def claims_837i(
    request: Request,
    _key: Protected,
    file: Annotated[UploadFile, File(description="An X12 837I (005010X223A2) file.")],
    lenient: Annotated[
        Flag, Query(description="Report envelope/order problems and read on instead of stopping.")
    ] = False,
    today: Annotated[Day | None, Query(description="The check date (default today).")] = None,
) -> DataResponse:
    """Read every claim of an 837I file and check each: a per-claim report. Nothing is stored."""
    from ..x12 import with_claims_or_error

    report = hhbill_of(request).scrub_837i(
        upload_bytes(file), file_name=upload_name(file), strict=not lenient, today=today
    )
    return DataResponse(with_claims_or_error(report).to_dict())


class TimelineIn(BaseModel):
    """The patient is named in the body, never in the URL: URLs end up in access logs."""

    model_config = ConfigDict(extra="forbid")

    mbi: str = Field(min_length=1, max_length=20, description="The patient's Medicare Beneficiary Identifier.")
    today: Day | None = Field(None, description="The date next dates count from (YYYY-MM-DD); default today.")
    provider_npi: str | None = Field(None, max_length=10, description="Show one agency's items only.")


@router.post("/timeline", response_model=TimelineOut, responses=_PRIVATE_ERRORS, tags=["claims"])
def claims_timeline(request: Request, _key: Protected, body: TimelineIn) -> DataResponse:
    """The patient's home health timeline from the claim ledger: admissions, NOAs, periods (early/late),
    transfers, discharges, 034X claims, adjustments and cancels with status and findings; the next dates."""
    found = hhbill_of(request).timeline(body.mbi, today=body.today, provider_npi=body.provider_npi)
    return DataResponse(found.to_dict())


# -- RVU (reference data: open) ---------------------------------------------------------------------------------------
@router.get("/rvu/releases", response_model=RvuReleases, responses=_ERRORS, tags=["rvu"])
def rvu_releases(request: Request) -> DataResponse:
    """The fee schedule files loaded (RVU, GPCI, locality, ZIP), latest first."""
    return DataResponse({"releases": [r.to_dict() for r in hhbill_of(request).rvu_releases()]})


@router.get("/rvu/{code}", response_model=PriceOut, responses=_ERRORS, tags=["rvu"])
def rvu_price(
    request: Request,
    code: Annotated[str, Path(description="CPT/HCPCS code in the physician fee schedule.")],
    modifier: Annotated[str | None, Query(max_length=2, description="Fee schedule modifier (26, TC, 53).")] = None,
    year: Annotated[int | None, Query(ge=1990, le=2100, description="Fee schedule year; default latest.")] = None,
    locality: Annotated[str | None, Query(max_length=10, description="MAC locality number.")] = None,
    state: Annotated[str | None, Query(max_length=2, description="State (statewide locality).")] = None,
    zip_code: Annotated[str | None, Query(alias="zip", max_length=10, description="ZIP code of the service.")] = None,
    facility: Annotated[Flag, Query(description="Facility setting (default non-facility).")] = False,
) -> DataResponse:
    """RVUs, decoded indicators and the payment for a locality (national when none is given)."""
    return DataResponse(
        hhbill_of(request)
        .price(
            code,
            modifier=modifier,
            year=year,
            locality=locality,
            state=state,
            zip_code=zip_code,
            facility=facility,
        )
        .to_dict()
    )


# -- procedure log (a practitioner's own record: API key required) -----------------------------------------------------
DateFrom = Annotated[Day | None, Query(alias="from", description="First day (YYYY-MM-DD).")]
DateTo = Annotated[Day | None, Query(alias="to", description="Last day (YYYY-MM-DD).")]


class LogEntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=10, description="CPT/HCPCS code performed.")
    performed_on: Day | None = Field(None, description="Date performed (YYYY-MM-DD); default today.")
    units: int = Field(1, ge=1, le=999, strict=True)
    modifier: str | None = Field(None, max_length=2)


class TargetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    work_rvu: Decimal = Field(gt=0, le=100000, max_digits=9, decimal_places=2, description="wRVU goal per period.")
    per: Literal["day", "week", "month"]


@router.get("/log", response_model=LogEntries, responses=_PRIVATE_ERRORS, tags=["procedure log"])
def log_list(request: Request, _key: Protected, date_from: DateFrom = None, date_to: DateTo = None) -> DataResponse:
    """Logged procedures in a date range, oldest first."""
    entries = hhbill_of(request).log_entries(date_from=date_from, date_to=date_to)
    return DataResponse({"entries": [e.to_dict() for e in entries]})


@router.post("/log", status_code=201, response_model=LogEntryOut, responses=_PRIVATE_ERRORS, tags=["procedure log"])
def log_add(request: Request, _key: Protected, entry: LogEntryIn) -> DataResponse:
    """Log a procedure; its work RVU comes from the fee schedule in force on the date performed."""
    return DataResponse(
        hhbill_of(request)
        .log_add(entry.code, performed_on=entry.performed_on, units=entry.units, modifier=entry.modifier)
        .to_dict(),
        status_code=201,
    )


@router.delete("/log/{entry_id}", status_code=204, responses=_PRIVATE_ERRORS, tags=["procedure log"])
def log_delete(request: Request, _key: Protected, entry_id: Annotated[int, Path(ge=1, le=2**62)]) -> Response:
    """Remove one logged procedure."""
    hhbill_of(request).log_remove(entry_id)
    return Response(status_code=204)


@router.get("/log/report", response_model=LogReportOut, responses=_PRIVATE_ERRORS, tags=["procedure log"])
def log_report_route(
    request: Request,
    _key: Protected,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    by: Annotated[Literal["day", "week", "month"] | None, Query(description="Period; default the target's.")] = None,
) -> DataResponse:
    """wRVU totals per day, week or month against the target."""
    return DataResponse(hhbill_of(request).log_report(date_from=date_from, date_to=date_to, by=by).to_dict())


@router.put("/log/target", response_model=TargetOut, responses=_PRIVATE_ERRORS, tags=["procedure log"])
def log_target_route(request: Request, _key: Protected, target: TargetIn) -> DataResponse:
    """Set the wRVU target per day, week or month."""
    return DataResponse(hhbill_of(request).log_set_target(str(target.work_rvu), target.per).to_dict())
