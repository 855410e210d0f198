"""Server-rendered pages. Each page's data comes from the same method of the application object as its API twin
and is returned as JSON for ``?format=json`` or ``Accept: application/json``; otherwise it is rendered by a Jinja2
template. Pages are plain ``def`` (run in the thread pool), so none holds the event loop.

Pages that show claims or the procedure log need a signed-in browser: ``/login`` checks an API key and keeps
it in an HttpOnly, SameSite=Strict cookie; state-changing posts must also come from this origin.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from .._dates import parse_day
from .._errors import AuthError, FormInputError, HhbillError
from .._phi import mask_mbi
from ._common import (
    SESSION_COOKIE,
    DataResponse,
    hhbill_of,
    markup,
    page,
    render,
    require_api_key,
    signed_in_redirect,
    status_for,
    store_of,
    upload_bytes,
    upload_name,
    wants_json,
)
from ._security import ApiKey, create_session, csrf_protect, end_session

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
STATIC = Path(__file__).resolve().parent.parent / "static"


def same_origin(request: Request) -> None:
    """Refuse a cross-site form post (the session cookie is SameSite=Strict too; this is the second lock)."""
    origin = request.headers.get("origin")
    if origin and origin != "null":
        expected = f"{request.url.scheme}://{request.url.netloc}"
        if origin != expected:
            raise AuthError("this form must be posted from the hhbill site itself", field="Origin")


def signed_in_user(request: Request, _origin: Annotated[None, Depends(same_origin)]) -> ApiKey | None:
    return require_api_key(request)


def _day(value: str | None, field: str = "as_of") -> date | None:
    return parse_day(value, field, error=FormInputError)


# -- search -------------------------------------------------------------------------------------------------------
@router.get("/")
def home(request: Request, q: str = "", as_of: str | None = None) -> Response:
    hhbill = hhbill_of(request)
    data: dict[str, Any] = {**hhbill.releases(), "query": q, "as_of": as_of}
    if q and data["releases"]:
        data["suggestions"] = hhbill.suggest(q, as_of=_day(as_of)).to_dict()
    return page(request, "home.html", data)


@router.get("/search")
def search_page(
    request: Request,
    q: str = "",
    as_of: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    include_terminated: bool = False,
) -> Response:
    data = hhbill_of(request).search(q, as_of=_day(as_of), limit=limit, include_terminated=include_terminated).to_dict()
    return page(request, "search.html", data, include_terminated=include_terminated)


@router.get("/search/suggest")
def suggest_fragment(request: Request, q: str = "", as_of: str | None = None) -> Response:
    """The search-as-you-type fragment htmx swaps under the search box (JSON twin: the suggest response)."""
    data = hhbill_of(request).suggest(q, as_of=_day(as_of)).to_dict() if q.strip() else {"query": "", "results": []}
    more = "/search?" + urlencode({"q": q, **({"as_of": as_of} if as_of else {})}) if q.strip() else None
    return page(request, "_suggestions.html", data, more_href=more)


# -- HCPCS reference ---------------------------------------------------------------------------------------------
@router.get("/codes/{code}")
def code_page(request: Request, code: str, as_of: str | None = None) -> Response:
    hhbill = hhbill_of(request)
    data = hhbill.code_page(code, _day(as_of))
    shown = {**data, "history": []}  # the timeline below shows the history; the fragment shows the fields
    history = data.get("history")
    timeline = [e for e in history if isinstance(e, dict) and "release" in e and "change" in e] if history else []
    return page(request, "code.html", data, fragment=markup(hhbill.code_fields_html(shown)), timeline=timeline)


@router.get("/codes")
def code_jump(q: str = "") -> Response:
    return RedirectResponse(f"/codes/{quote(q.strip().upper()[:40], safe='')}" if q.strip() else "/", status_code=303)


@router.get("/releases")
def releases_page(request: Request) -> Response:
    return page(request, "releases.html", hhbill_of(request).releases())


@router.get("/diff")
def diff_page(request: Request, old: str | None = None, new: str | None = None) -> Response:
    hhbill = hhbill_of(request)
    releases = hhbill.releases()["releases"]
    data: dict[str, Any] = hhbill.diff(old, new) if old and new else {"releases": releases}
    return page(request, "diff.html", data, releases=releases, old=old, new=new)


# -- signing in ---------------------------------------------------------------------------------------------------
def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/claims"


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", next=_safe_next(next), error=None)


@router.post("/login")
def login(
    request: Request,
    _origin: Annotated[None, Depends(same_origin)],
    api_key: Annotated[str, Form(max_length=200)],
    next: Annotated[str | None, Form(max_length=500)] = None,
) -> Response:
    try:
        _key, session_id = create_session(store_of(request), api_key.strip())
    except HhbillError as exc:
        return render(request, "login.html", status_code=401, next=_safe_next(next), error=exc.message)
    return signed_in_redirect(request, session_id, _safe_next(next))


@router.post("/logout")
def logout(request: Request, _origin: Annotated[None, Depends(same_origin)]) -> Response:
    end_session(store_of(request), request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# -- claims (signed in) --------------------------------------------------------------------------------------------
EXAMPLE_PERIOD = STATIC / "example_period.json"


def _signed_in_or_login(request: Request) -> Response | None:
    """Pages that hold patient data: redirect a browser that is not signed in to /login (JSON clients get 401)."""
    try:
        require_api_key(request)
    except AuthError:
        if wants_json(request):
            raise
        return RedirectResponse("/login?" + urlencode({"next": request.url.path}), status_code=303)
    return None


#: the visit fields of the claim builder's visit table, in CSV column order (``hhbill claim --visits`` CSV)
VISIT_FIELDS = ("date", "discipline", "role", "service", "minutes", "modality", "charge")


def visit_choices(request: Request) -> dict[str, list[str]]:
    """The values the visit table offers (from the claims rule tables, through the application)."""
    choices: dict[str, list[str]] = hhbill_of(request).visit_fields()["choices"]
    return choices


def visit_columns(request: Request) -> tuple[str, ...]:
    columns: tuple[str, ...] = hhbill_of(request).visit_fields()["columns"]
    return columns


def _example() -> tuple[str, list[dict[str, Any]]]:
    """The example period: its header as JSON text, its visits as table rows."""
    period = json.loads(EXAMPLE_PERIOD.read_text(encoding="utf-8"))
    visits = period.pop("visits", [])
    rows = [{name: str(visit.get(name, "")) for name in VISIT_FIELDS} for visit in visits]
    return json.dumps(period, indent=2), rows


@router.get("/claims")
def claims_form(request: Request) -> Response:
    if (redirect := _signed_in_or_login(request)) is not None:
        return redirect
    header, visits = _example()
    data = {"input": header, "visits": visits, "visits_csv": "", "result": None}
    return _claims_page(request, data)


@router.get("/claims/visit-row")
def claims_visit_row(request: Request) -> Response:
    """One blank row of the visit table (htmx appends it when the biller adds a visit)."""
    return render(request, "_visit_row.html", row={}, choices=visit_choices(request))


def _rows_from_form(form: dict[str, list[str]]) -> list[dict[str, str]]:
    counts = {len(values) for values in form.values()}
    if len(counts) > 1:
        raise FormInputError("the visit table arrived incomplete; reload the page", field="visits")
    size = counts.pop() if counts else 0
    return [{name: form[name][index].strip() for name in VISIT_FIELDS} for index in range(size)]


def _filled(row: dict[str, str]) -> bool:
    """A row the biller typed into (service and modality have defaults, so they do not count)."""
    return any(row[name] for name in ("date", "discipline", "role", "minutes", "charge"))


def _rows_as_csv(rows: list[dict[str, str]]) -> str | None:
    """The filled rows of the visit table as the visit CSV the library reads (blank rows are skipped)."""
    filled = [row for row in rows if _filled(row)]
    if not filled:
        return None
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=VISIT_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(filled)
    return out.getvalue()


def _text_of(upload: UploadFile | None, field: str) -> str | None:
    if upload is None or not upload.filename:
        return None
    try:
        return upload_bytes(upload).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FormInputError("the uploaded file is not UTF-8 text", field=field) from None


@router.post("/claims")
def claims_submit(
    request: Request,
    _user: Annotated[ApiKey | None, Depends(signed_in_user)],
    input_json: Annotated[str, Form(max_length=2_000_000)] = "",
    visits_csv: Annotated[str, Form(max_length=2_000_000)] = "",
    input_file: Annotated[UploadFile | None, File()] = None,
    visits_file: Annotated[UploadFile | None, File()] = None,
    action: Annotated[Literal["check", "build"], Form()] = "check",
    under_8_minutes: Annotated[Literal["one_unit", "reject"], Form()] = "one_unit",
    record: Annotated[Literal["", "checked", "submitted"], Form()] = "",
    visit_date: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
    visit_discipline: Annotated[list[str], Form()] = [],  # noqa: B006
    visit_role: Annotated[list[str], Form()] = [],  # noqa: B006
    visit_service: Annotated[list[str], Form()] = [],  # noqa: B006
    visit_minutes: Annotated[list[str], Form()] = [],  # noqa: B006
    visit_modality: Annotated[list[str], Form()] = [],  # noqa: B006
    visit_charge: Annotated[list[str], Form()] = [],  # noqa: B006
    withhold_patient: Annotated[bool, Form()] = False,
) -> Response:
    """Build or check the claim entered or uploaded; the result (lines, UB-04 view, findings) below the form.

    Visits come from, in order: an uploaded visit CSV, the CSV text box, the visit table, the JSON's own list.
    ``withhold_patient``: the claim form keeps the patient's identity in the browser (it sends it only to record
    the claim): the check runs without it (``Hhbill.check_claim(patient_withheld=True)``) and the result leaves
    the patient's boxes for the browser to fill.
    """
    text = _text_of(input_file, "input_file") or input_json
    table = {
        "date": visit_date,
        "discipline": visit_discipline,
        "role": visit_role,
        "service": visit_service,
        "minutes": visit_minutes,
        "modality": visit_modality,
        "charge": visit_charge,
    }
    uploaded = _text_of(visits_file, "visits_file") or visits_csv.strip() or None
    form: dict[str, Any] = {
        "input": text,
        "visits_csv": uploaded or "",
        "action": action,
        "record": record,
        "visits": [],
        "patient_withheld": withhold_patient,
    }
    try:
        rows = _rows_from_form(table)
        form["visits"] = [row for row in rows if _filled(row)]
        visits = uploaded or _rows_as_csv(rows)
        data = _parse_json(text)
        hhbill = hhbill_of(request)
        if action == "build":
            if withhold_patient and isinstance(data, dict):
                from ..claims import without_patient_identity

                data = without_patient_identity(data)
            outcome = hhbill.build_claim(data, visits_csv=visits, under_8=under_8_minutes)
        else:
            outcome = hhbill.check_claim(
                data, visits_csv=visits, under_8=under_8_minutes, record=record or None,
                patient_withheld=withhold_patient,
            )  # fmt: skip
        result = outcome.to_dict()
    except HhbillError as exc:
        if wants_json(request):
            raise
        return _claims_result(request, {**form, "result": None}, error=exc, status_code=status_for(exc))
    if wants_json(request):
        return DataResponse(result)
    return _claims_result(request, {**form, "result": result})


def _claims_page(request: Request, data: dict[str, Any]) -> Response:
    return page(
        request, "claims.html", data, columns=visit_columns(request), choices=visit_choices(request), mask=_mask,
        form=_form_choices(),
    )  # fmt: skip


def _claims_result(
    request: Request, data: dict[str, Any], *, error: HhbillError | None = None, status_code: int = 200
) -> Response:
    template = "_claim_result.html" if request.headers.get("hx-request") == "true" else "claims.html"
    return render(
        request,
        template,
        status_code=status_code,
        data=data,
        error=error,
        columns=visit_columns(request),
        choices=visit_choices(request),
        mask=_mask,
        form=_form_choices(),
    )


def _form_choices() -> dict[str, Any]:
    from ..claim_form import claim_form_choices

    return claim_form_choices()


def _parse_json(text: str) -> Any:
    if not text.strip():
        raise FormInputError("enter the claim or period of care as JSON, or upload a JSON file", field="input_json")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        from .._input_files import json_problem

        raise FormInputError(
            f"the input is not valid JSON: {json_problem(exc, text)}", field="input_json", line=exc.lineno
        ) from None


def _mask(value: str | None) -> str:
    """The MBI as the UB-04 view shows it: last four characters only."""
    return mask_mbi(value, blank="-")


# -- patient timeline (signed in) -------------------------------------------------------------------------------------
@router.get("/claims/timeline")
def timeline_form(request: Request) -> Response:
    if (redirect := _signed_in_or_login(request)) is not None:
        return redirect
    return page(request, "timeline.html", {"timeline": None}, form={"today": "", "npi": ""}, chart=None, error=None)


@router.post("/claims/timeline")
def timeline_page(
    request: Request,
    _user: Annotated[ApiKey | None, Depends(signed_in_user)],
    mbi: Annotated[str, Form(max_length=20)],
    today: Annotated[str, Form(max_length=20)] = "",
    npi: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """The timeline of the patient named in the form (the MBI never goes in a URL: URLs reach access logs)."""
    from ._timeline import timeline_chart

    form = {"today": today, "npi": npi}
    try:
        found = hhbill_of(request).timeline(mbi, today=_day(today or None, "today"), provider_npi=npi.strip() or None)
    except HhbillError as exc:
        if wants_json(request):
            raise
        return render(
            request,
            "timeline.html",
            status_code=status_for(exc),
            data={"timeline": None},
            form=form,
            chart=None,
            error=exc,
        )
    data = {"timeline": found.to_dict()}
    return page(request, "timeline.html", data, form=form, chart=timeline_chart(data["timeline"]), error=None)


# -- 837I upload (signed in) -----------------------------------------------------------------------------------------
@router.get("/x12")
def x12_form(request: Request) -> Response:
    if (redirect := _signed_in_or_login(request)) is not None:
        return redirect
    return page(request, "x12.html", {"report": None})


@router.post("/x12")
def x12_submit(
    request: Request,
    _user: Annotated[ApiKey | None, Depends(signed_in_user)],
    file: Annotated[UploadFile, File()],
    lenient: Annotated[bool, Form()] = False,
) -> Response:
    from ..x12 import with_claims_or_error

    name = upload_name(file)
    try:
        scrubbed = hhbill_of(request).scrub_837i(upload_bytes(file), file_name=name, strict=not lenient)
        report = with_claims_or_error(scrubbed).to_dict()
    except HhbillError as exc:
        if wants_json(request):
            raise
        return render(request, "x12.html", status_code=status_for(exc), data={"report": None}, error=exc, mask=_mask)
    if wants_json(request):
        return DataResponse(report)
    return render(request, "x12.html", data={"report": report}, error=None, mask=_mask)


# -- RVU calculator (open) ---------------------------------------------------------------------------------------------
@router.get("/rvu")
def rvu_page(
    request: Request,
    code: str = "",
    modifier: str = "",
    year: str = "",
    locality: str = "",
    state: str = "",
    zip: str = "",
    facility: bool = False,
) -> Response:
    hhbill = hhbill_of(request)
    form = {
        "code": code,
        "modifier": modifier,
        "year": year,
        "locality": locality,
        "state": state,
        "zip": zip,
        "facility": facility,
    }
    data: dict[str, Any] = {"form": form, "price": None, "releases": [r.to_dict() for r in hhbill.rvu_releases()]}
    if code.strip():
        data["price"] = hhbill.price(
            code,
            modifier=modifier.strip() or None,
            year=_year(year),
            locality=locality.strip() or None,
            state=state.strip() or None,
            zip_code=zip.strip() or None,
            facility=facility,
        ).to_dict()
    return page(request, "rvu.html", data)


def _year(value: str) -> int | None:
    if not value.strip():
        return None
    if not value.strip().isdigit():
        raise FormInputError(f"the year must be a number like 2026, not {value[:10]!r}", field="year")
    return int(value)


# -- procedure log (signed in) ----------------------------------------------------------------------------------------
@router.get("/log")
def log_page(
    request: Request,
    date_from: Annotated[str | None, Query(alias="from")] = None,
    date_to: Annotated[str | None, Query(alias="to")] = None,
    by: str | None = None,
) -> Response:
    if (redirect := _signed_in_or_login(request)) is not None:
        return redirect
    hhbill = hhbill_of(request)
    start, end = _day(date_from, "from"), _day(date_to, "to")
    report = hhbill.log_report(date_from=start, date_to=end, by=by or None).to_dict()
    entries = hhbill.log_entries(date_from=start, date_to=end)
    data = {"entries": [e.to_dict() for e in entries], "report": report}
    form = {"from": date_from or "", "to": date_to or "", "by": report["by"]}
    return page(request, "log.html", data, chart=wrvu_chart(report), form=form)


@router.post("/log")
def log_add_page(
    request: Request,
    _user: Annotated[ApiKey | None, Depends(signed_in_user)],
    code: Annotated[str, Form(max_length=10)],
    performed_on: Annotated[str, Form(max_length=10)] = "",
    units: Annotated[int, Form(ge=1, le=999)] = 1,
    modifier: Annotated[str, Form(max_length=2)] = "",
) -> Response:
    entry = (
        hhbill_of(request)
        .log_add(code, performed_on=_day(performed_on, "performed_on"), units=units, modifier=modifier.strip() or None)
        .to_dict()
    )
    if wants_json(request):
        return DataResponse(entry, status_code=201)
    return RedirectResponse("/log", status_code=303)


@router.post("/log/target")
def log_target_page(
    request: Request,
    _user: Annotated[ApiKey | None, Depends(signed_in_user)],
    work_rvu: Annotated[str, Form(max_length=12)],
    per: Annotated[Literal["day", "week", "month"], Form()],
) -> Response:
    target = hhbill_of(request).log_set_target(work_rvu, per).to_dict()
    if wants_json(request):
        return DataResponse(target)
    return RedirectResponse(f"/log?by={per}", status_code=303)


@router.post("/log/{entry_id}/delete")
def log_delete_page(
    request: Request, _user: Annotated[ApiKey | None, Depends(signed_in_user)], entry_id: int
) -> Response:
    hhbill_of(request).log_remove(entry_id)
    if wants_json(request):
        return Response(status_code=204)
    return RedirectResponse("/log", status_code=303)


def wrvu_chart(report: dict[str, Any], width: int = 720, height: int = 260) -> dict[str, Any] | None:
    """Bar geometry for the wRVU-per-period chart (an inline SVG; the numbers are also in the table below it)."""
    periods = report.get("periods") or []
    if not periods:
        return None
    periods = periods[-36:]  # the most recent 36 periods fit a laptop and a phone
    target = report.get("target")
    target_value = float(target["work_rvu"]) if target and target.get("period") == report.get("by") else None
    values = [float(p["work_rvu"]) for p in periods]
    top = max([*values, target_value or 0.0, 1.0]) * 1.1
    left, bottom, plot_h = 48, 40, height - 60
    slot = (width - left - 10) / len(periods)
    bars = []
    for index, (period, value) in enumerate(zip(periods, values, strict=True)):
        bar_h = plot_h * value / top
        bars.append(
            {
                "x": round(left + index * slot + slot * 0.15, 1),
                "width": round(slot * 0.7, 1),
                "y": round(20 + plot_h - bar_h, 1),
                "height": round(bar_h, 1),
                "label": period["period"],
                "value": period["work_rvu"],
                "met": target_value is not None and value >= target_value,
                "label_x": round(left + index * slot + slot / 2, 1),
                "show_label": len(periods) <= 12 or index % 3 == 0,
            }
        )
    ticks = [
        {"y": round(20 + plot_h - plot_h * t / top, 1), "value": f"{t:g}"}
        for t in (top / 1.1 * f for f in (0, 0.5, 1.0))
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "base": 20 + plot_h,
        "bars": bars,
        "ticks": ticks,
        "label_y": height - bottom + 24,
        "target_y": round(20 + plot_h - plot_h * target_value / top, 1) if target_value is not None else None,
        "target": target_value,
    }
