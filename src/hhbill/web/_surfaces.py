"""Pages for a biller's paper and files: the built claim on the UB-04 form (printable HTML and PDF), the 837I
viewer, and one-field validation for the claim form. Each calls one method of the application object; each page
also answers in JSON.

The UB-04 pages take the same form as ``POST /claims`` (the claim is built from what the browser sends; nothing
is stored). The claim form sends them the claim without the patient's identity (``withhold_patient``, fields in
``hhbill.claims._withheld``): the page leaves the patient boxes for the browser to fill from the draft, the PDF
makes them fillable fields. Field validation never takes patient fields: the form checks those in the browser, so
a draft's patient data stays there until the biller records the claim to the ledger.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from .._errors import FormInputError, HhbillError
from ..claims import Claim
from ._common import DataResponse, hhbill_of, render, status_for, upload_bytes, upload_name, wants_json
from ._pages import VISIT_FIELDS, _mask, _signed_in_or_login, signed_in_user
from ._security import ApiKey, csrf_protect

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

#: the stylesheet of the UB-04 page (generated from the layout; no patient data)
UB04_CSS = "/claims/ub04.css"
#: fills the patient boxes the server left empty from the draft kept in the browser
PATIENT_SCRIPT = "/static/patient_fields.js"


@dataclass
class ClaimForm:
    """What the claim page sends: the JSON (typed or uploaded), the visits (CSV or table rows), the options."""

    text: str
    visits_csv: str | None
    under_8_minutes: str
    #: the browser keeps the patient's identity (any it sent anyway is dropped)
    withhold_patient: bool = False


def _text_of(upload: UploadFile | None, field: str) -> str | None:
    if upload is None or not upload.filename:
        return None
    try:
        return upload_bytes(upload).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FormInputError("the uploaded file is not UTF-8 text", field=field) from None


def claim_form(
    input_json: Annotated[str, Form(max_length=2_000_000)] = "",
    visits_csv: Annotated[str, Form(max_length=2_000_000)] = "",
    input_file: Annotated[UploadFile | None, File()] = None,
    visits_file: Annotated[UploadFile | None, File()] = None,
    under_8_minutes: Annotated[Literal["one_unit", "reject"], Form()] = "one_unit",
    visit_date: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
    visit_discipline: Annotated[list[str], Form()] = [],  # noqa: B006
    visit_role: Annotated[list[str], Form()] = [],  # noqa: B006
    visit_service: Annotated[list[str], Form()] = [],  # noqa: B006
    visit_minutes: Annotated[list[str], Form()] = [],  # noqa: B006
    visit_modality: Annotated[list[str], Form()] = [],  # noqa: B006
    visit_charge: Annotated[list[str], Form()] = [],  # noqa: B006
    withhold_patient: Annotated[bool, Form()] = False,
) -> ClaimForm:
    table = [visit_date, visit_discipline, visit_role, visit_service, visit_minutes, visit_modality, visit_charge]
    if len({len(column) for column in table}) > 1:
        raise FormInputError("the visit table arrived incomplete; reload the page", field="visits")
    rows = [dict(zip(VISIT_FIELDS, values, strict=True)) for values in zip(*table, strict=True)]
    filled = [r for r in rows if any(r[k].strip() for k in ("date", "discipline", "role", "minutes", "charge"))]
    table_csv = None
    if filled:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=VISIT_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: v.strip() for k, v in row.items()} for row in filled)
        table_csv = out.getvalue()
    text = _text_of(input_file, "input_file") or input_json
    uploaded = _text_of(visits_file, "visits_file") or visits_csv.strip() or None
    return ClaimForm(text, uploaded or table_csv, under_8_minutes, withhold_patient)


def _built(request: Request, form: ClaimForm) -> Claim:
    from .._input_files import json_problem

    if not form.text.strip():
        raise FormInputError("enter the claim or period of care, or upload a JSON file", field="input_json")
    try:
        data = json.loads(form.text)
    except json.JSONDecodeError as exc:
        raise FormInputError(
            f"the input is not valid JSON: {json_problem(exc, form.text)}", field="input_json"
        ) from None
    hhbill = hhbill_of(request)
    if form.withhold_patient and isinstance(data, dict):
        from ..claims import without_patient_identity

        data = without_patient_identity(data)
    if isinstance(data, dict) and "lines" in data:
        from ..claims import parse_claim_input

        parsed = parse_claim_input(data)
        if isinstance(parsed, Claim):
            return parsed
    return hhbill.build_claim(data, visits_csv=form.visits_csv, under_8=form.under_8_minutes).claim


def _error_page(request: Request, exc: HhbillError) -> Response:
    return render(request, "error.html", status_code=status_for(exc), error=exc, data={})


@router.get("/claims/ub04.css")
def ub04_stylesheet() -> Response:
    from ..ub04 import ub04_css

    return Response(ub04_css(), media_type="text/css", headers={"cache-control": "public, max-age=3600"})


@router.post("/claims/ub04.pdf")
def ub04_pdf_download(
    request: Request,
    _user: Annotated[ApiKey | None, Depends(signed_in_user)],
    form: Annotated[ClaimForm, Depends(claim_form)],
) -> Response:
    """The claim built from the form, on the UB-04, as a PDF download."""
    try:
        claim = _built(request, form)
        pdf = hhbill_of(request).claim_pdf(claim, patient_withheld=form.withhold_patient)
    except HhbillError as exc:
        if wants_json(request):
            raise
        return _error_page(request, exc)
    # without the patient's account number, the file is named by type of bill and From date
    label = claim.patient_control_number or claim.claim_id or f"{claim.type_of_bill}-{claim.from_date or ''}"
    name = "".join(c for c in label if c.isalnum() or c in "-_")
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "content-disposition": f'attachment; filename="ub04-{name or "claim"}.pdf"',
            "cache-control": "no-store",
        },
    )


@router.post("/claims/ub04")
def ub04_page(
    request: Request,
    _user: Annotated[ApiKey | None, Depends(signed_in_user)],
    form: Annotated[ClaimForm, Depends(claim_form)],
) -> Response:
    """The claim built from the form on the UB-04, as a page to print (JSON: each sheet's form locator values)."""
    try:
        claim = _built(request, form)
        if wants_json(request):
            from ..ub04 import ub04_pages

            return DataResponse({"sheets": [{"number": p.number, "of": p.of, "form_locators": p.values}
                                            for p in ub04_pages(claim)]})  # fmt: skip
        html = hhbill_of(request).claim_form_html(
            claim, stylesheet_href=UB04_CSS, script_href="/static/hhbill.js",
            patient_script_href=PATIENT_SCRIPT if form.withhold_patient else None,
        )  # fmt: skip
    except HhbillError as exc:
        if wants_json(request):
            raise
        return _error_page(request, exc)
    return HTMLResponse(html, headers={"cache-control": "no-store"})


# -- 837I viewer (signed in) ---------------------------------------------------------------------------------------
@router.get("/x12/view")
def x12_view_form(request: Request) -> Response:
    if (redirect := _signed_in_or_login(request)) is not None:
        return redirect
    return render(request, "x12_view.html", data={"view": None}, error=None, mask=_mask)


@router.post("/x12/view")
def x12_view_submit(
    request: Request,
    _user: Annotated[ApiKey | None, Depends(signed_in_user)],
    file: Annotated[UploadFile, File()],
    lenient: Annotated[bool, Form()] = True,
) -> Response:
    """Every claim of the uploaded 837I: decoded header, lines with their findings, and the claim as claim input."""
    from ..x12 import with_claims_or_error

    name = upload_name(file)
    try:
        viewed = hhbill_of(request).view_837i(upload_bytes(file), file_name=name, strict=not lenient)
        data: dict[str, Any] = with_claims_or_error(viewed).to_dict()
    except HhbillError as exc:
        if wants_json(request):
            raise
        return render(request, "x12_view.html", status_code=status_for(exc), data={"view": None}, error=exc, mask=_mask)
    if wants_json(request):
        return DataResponse(data)
    for claim in data["claims"]:
        claim["input_json"] = json.dumps(claim["input"], indent=2)
    return render(request, "x12_view.html", data={"view": data}, error=None, mask=_mask)


# -- claim form: one field checked by the claim input parser ------------------------------------------------------
@router.post("/claims/field")
def claim_field_check(
    request: Request,
    _user: Annotated[ApiKey | None, Depends(signed_in_user)],
    key: Annotated[str, Form(max_length=100)],
    value: Annotated[str, Form(max_length=100_000)] = "",
    context_type_of_bill: Annotated[str, Form(max_length=20)] = "",
    context_from: Annotated[str, Form(max_length=20)] = "",
    context_through: Annotated[str, Form(max_length=20)] = "",
    context_admission_date: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Check one header field of the claim form with the claim input parser (the CLI's own checks). ``value`` is
    the field's value as JSON (text, or a list for diagnoses and code tables). Patient fields are refused: the
    form checks them in the browser. Always JSON."""
    from ..claim_form import check_claim_field

    try:
        parsed: Any = json.loads(value) if value.strip() else ""
    except json.JSONDecodeError:
        parsed = value  # plain text is the field's text
    context = {
        "type_of_bill": context_type_of_bill,
        "from": context_from,
        "through": context_through,
        "admission_date": context_admission_date,
    }
    return DataResponse(check_claim_field(key, parsed, context).to_dict())
