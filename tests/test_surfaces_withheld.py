"""A claim checked, built and printed with the patient's identity withheld (the web claim form keeps it in the
browser until the claim is recorded): the one list of identity fields, the check without them, the form routes
and the UB-04 with its patient boxes left for the browser (HTML) or as fillable fields (PDF)."""

from __future__ import annotations

import copy
import io
import json
import logging
import re
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import api_client
from hhbill._errors import ClaimInputError
from hhbill._store import Store
from hhbill.app import Hhbill
from hhbill.claim_form import FIELDS, claim_form_choices
from hhbill.claims import build_claim, parse_claim_input
from hhbill.claims._input import _PATIENT_KEYS
from hhbill.claims._withheld import (
    PATIENT_IDENTITY_FIELDS,
    PATIENT_WITHHELD_FINDING,
    identity_edits,
    is_patient_identity,
    without_patient_identity,
)
from hhbill.ub04 import layout
from hhbill.ub04._layout import PATIENT_BOXES, patient_box_value
from hhbill.ub04._pdf import patient_field_name
from hhbill.web import create_api_key

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "src" / "hhbill" / "static" / "example_period.json"
SCHEMA = ROOT / "docs" / "claim-input.schema.json"
SCENARIOS = Path(__file__).resolve().parent / "claims_scenarios"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
#: the example's patient identity, as it must never come back from a withheld request
IDENTITY_VALUES = ("1EG4TE5MK73", "Testpatient", "TESTPATIENT", "1940-05-06", "05061940", "12 Elm St", "PCN-0001")


def _example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return Store(tmp_path_factory.mktemp("withheld") / "hhbill.db")


@pytest.fixture
def hhbill(store: Store) -> Hhbill:
    return Hhbill(store)


# -- the list of identity fields --------------------------------------------------------------------------------------
def _schema_properties(schema: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The schema of a dotted claim input key in each form of the input (period of care, claim by lines)."""
    found = []
    for form in schema["oneOf"]:
        node: dict[str, Any] | None = form
        for part in key.split("."):
            node = (node or {}).get("properties", {}).get(part)
        if node is not None:
            found.append(node)
    return found


def test_every_identity_field_is_a_field_of_the_claim_input_format() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    for key in PATIENT_IDENTITY_FIELDS:
        assert len(_schema_properties(schema, key)) == len(schema["oneOf"]), f"{key} is not in every input form"
    # the whole patient block is identity: a key added to it is withheld too, or this fails
    patient_keys = {key.removeprefix("patient.") for key in PATIENT_IDENTITY_FIELDS if key.startswith("patient.")}
    assert patient_keys == set(_PATIENT_KEYS)
    assert patient_keys == set(_schema_properties(schema, "patient")[0]["properties"])


def test_every_field_the_form_checks_is_a_field_of_the_claim_input_format() -> None:
    """The form names its fields after claim input keys (claim_form.FIELDS restates some of the parser's): a key
    renamed or dropped in the format fails here instead of drifting."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    missing = [key for key in sorted(FIELDS) if len(_schema_properties(schema, key)) != len(schema["oneOf"])]
    assert missing == []


def test_the_form_and_the_ub04_agree_with_the_list() -> None:
    # the server checks no identity field, and the page gives the browser the same list
    assert not [key for key in FIELDS if is_patient_identity(key)]
    assert claim_form_choices()["patient_identity"] == list(PATIENT_IDENTITY_FIELDS)
    # every patient box of the UB-04 shows identity fields only, and every identity field the form has is shown
    shown = {key for box in PATIENT_BOXES for key in box.fields}
    assert all(is_patient_identity(key) for key in shown)
    assert {key for key in PATIENT_IDENTITY_FIELDS if key not in ("patient.address", "claim_id")} <= shown
    assert {box.box for box in PATIENT_BOXES} <= {box.id for box in layout().boxes}


def test_without_patient_identity_keeps_everything_else() -> None:
    data = _example()
    data["claim_id"] = "C-1"
    kept = without_patient_identity(data)
    assert "patient" not in kept and "patient_control_number" not in kept and "claim_id" not in kept
    assert {k: v for k, v in data.items() if k not in ("patient", "patient_control_number", "claim_id")} == kept
    assert data["patient"]["mbi"] == "1EG4TE5MK73"  # the input itself is not changed
    # not an object: left for the parser to refuse
    assert without_patient_identity({"patient": "x"})["patient"] == "x"


_KEYS = st.sampled_from(["from", "patient_status", "patient_control_number", "claim_id", "remarks", "x"])
_PATIENT_MEMBERS = st.sampled_from(["mbi", "last_name", "first_name", "birth_date", "sex", "address", "other"])


@given(
    st.dictionaries(_KEYS, st.text(max_size=5)),
    st.one_of(st.none(), st.dictionaries(_PATIENT_MEMBERS, st.text(max_size=5)), st.text(max_size=3)),
)
def test_no_identity_field_survives_and_nothing_else_is_lost(header: dict[str, Any], patient: Any) -> None:
    data = dict(header)
    if patient is not None:
        data["patient"] = patient
    kept = without_patient_identity(data)
    assert {k: v for k, v in data.items() if k != "patient" and not is_patient_identity(k)} == {
        k: v for k, v in kept.items() if k != "patient"
    }
    if isinstance(kept.get("patient"), dict):
        assert kept["patient"] == {k: v for k, v in patient.items() if k == "other"} != {}
    else:
        assert kept.get("patient") == (patient if isinstance(patient, str) else None)


# -- the check ----------------------------------------------------------------------------------------------------
def _ids(outcome: Any) -> list[str]:
    return [f.id for f in outcome.result.findings]


def test_a_claim_failing_only_a_patient_edit_passes_the_withheld_check(hhbill: Hhbill) -> None:
    data = _example()
    data["patient"]["mbi"] = "1EG4-TE5-MK73"
    full = hhbill.check_claim(data, use_ledger=False)
    assert not full.ok and [f.id for f in full.result.by_severity("error")] == ["mbi-format"]
    withheld = hhbill.check_claim(data, patient_withheld=True)
    assert withheld.ok
    note = [f for f in withheld.result.findings if f.id == PATIENT_WITHHELD_FINDING]
    assert len(note) == 1 and note[0].severity == "info"
    assert "mbi-format" in note[0].message and "duplicate-claim" in note[0].message
    assert "record the claim" in note[0].fix
    # the claim it checked has no patient identity, and the check ran every other edit
    assert withheld.claim.patient.mbi == "" and withheld.claim.patient_control_number == ""
    assert withheld.result.edits_run == full.result.edits_run - 1  # all but mbi-format (no ledger in either)


def test_a_claim_failing_other_edits_fails_the_same_way(hhbill: Hhbill) -> None:
    data = _example()
    data["certifying_npi"] = "1234567890"
    data["diagnoses"] = ["5022"]
    full = hhbill.check_claim(data, use_ledger=False)
    withheld = hhbill.check_claim(data, patient_withheld=True)
    assert not full.ok and not withheld.ok
    same = [f for f in withheld.result.findings if f.id != PATIENT_WITHHELD_FINDING]
    assert same == full.result.findings
    assert {"practitioner-npi", "principal-diagnosis"} <= set(_ids(withheld))


@pytest.mark.parametrize("scenario", sorted(p.name for p in SCENARIOS.glob("*.json")))
def test_every_other_edit_runs_identically(hhbill: Hhbill, scenario: str) -> None:
    data = json.loads((SCENARIOS / scenario).read_text(encoding="utf-8"))["input"]
    full = hhbill.check_claim(data, use_ledger=False)
    withheld = hhbill.check_claim(data, patient_withheld=True)
    skipped = identity_edits()
    assert [f for f in full.result.findings if f.id not in skipped] == [
        f for f in withheld.result.findings if f.id != PATIENT_WITHHELD_FINDING
    ]


def test_the_withheld_check_writes_no_ledger_row_and_cannot_record(hhbill: Hhbill) -> None:
    before = len(hhbill.ledger_entries(limit=1000))
    hhbill.check_claim(_example(), patient_withheld=True)
    assert len(hhbill.ledger_entries(limit=1000)) == before
    with pytest.raises(ClaimInputError, match="needs the patient's details") as raised:
        hhbill.check_claim(_example(), patient_withheld=True, record="checked")
    assert raised.value.location == {"field": "record"}
    assert len(hhbill.ledger_entries(limit=1000)) == before
    recorded = hhbill.check_claim(_example(), record="checked")  # the whole claim records as before
    assert recorded.ledger_entry is not None and len(hhbill.ledger_entries(limit=1000)) == before + 1


def test_the_ub04_patient_boxes_read_the_same_fields() -> None:
    claim = build_claim(parse_claim_input(_example()))  # type: ignore[arg-type]
    values = {box.box: patient_box_value(box, claim) for box in PATIENT_BOXES}
    assert values["8b"] == values["58"] == "TESTPATIENT, ADA"
    assert values["10"] == "05061940" and values["60"] == "1EG4TE5MK73" and values["3a"] == "PCN-0001"
    assert values["9a"] == "12 ELM ST" and values["9d"] == "12208" and values["11"] == "F"


# -- the form routes ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def key(store: Store) -> str:
    return create_api_key(store, "withheld tests")[1]


@pytest.fixture
async def client(store: Store, key: str) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(store, key) as client:
        yield client


def _without_identity_text(text: str) -> None:
    found = [value for value in IDENTITY_VALUES if value in text]
    assert not found, f"patient identity came back: {found}"


@pytest.mark.anyio
async def test_the_form_routes_need_no_patient_fields_and_echo_none(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sent = without_patient_identity(_example())
    for action in ("check", "build"):
        form = {"input_json": json.dumps(sent), "action": action, "withhold_patient": "true"}
        page = await client.post("/claims", data=form, headers={"accept": "text/html"})
        assert page.status_code == 200, page.text
        assert "MBI is missing" not in page.text and 'data-patient-field="patient.mbi"' in page.text
        assert 'data-patient-field="patient.last_name patient.first_name"' in page.text
        as_json = (await client.post("/claims", data=form, headers={"accept": "application/json"})).json()
        assert as_json["claim"]["patient"]["mbi"] == "" and as_json["claim"]["patient_control_number"] == ""
    checked = await client.post("/claims", data=form | {"action": "check"}, headers={"accept": "application/json"})
    ids = [f["id"] for f in checked.json()["findings"]]
    assert checked.json()["ok"] and PATIENT_WITHHELD_FINDING in ids and "mbi-format" not in ids
    # identity sent anyway (e.g. an old page) is dropped, never echoed: the answers are the same
    whole = {"input_json": json.dumps(_example()), "action": "check", "withhold_patient": "true"}
    again = await client.post("/claims", data=whole, headers={"accept": "application/json"})
    assert again.json()["findings"] == checked.json()["findings"]
    _without_identity_text(again.text)
    sheet = await client.post("/claims/ub04", data=whole, headers={"accept": "text/html"})
    assert sheet.status_code == 200 and 'src="/static/patient_fields.js"' in sheet.text
    _without_identity_text(sheet.text)
    for box in PATIENT_BOXES:
        assert f'data-fl="{box.box}" data-patient-field="{" ".join(box.fields)}" data-form="{box.form}"' in sheet.text
    pdf = await client.post("/claims/ub04.pdf", data=whole)
    assert pdf.status_code == 200 and pdf.headers["content-disposition"].endswith('"ub04-0329-2026-03-02.pdf"')
    _without_identity_text(pdf.content.decode("latin-1"))
    _without_identity_text(caplog.text)
    # recording with the identity withheld is refused in the user's words
    refused = await client.post("/claims", data=whole | {"record": "checked"}, headers={"accept": "text/html"})
    assert refused.status_code == 422 and "needs the patient" in refused.text


@pytest.mark.anyio
async def test_without_the_flag_the_routes_answer_as_before(client: httpx.AsyncClient) -> None:
    whole = {"input_json": EXAMPLE.read_text(encoding="utf-8"), "action": "check"}
    checked = (await client.post("/claims", data=whole, headers={"accept": "application/json"})).json()
    assert checked["claim"]["patient"]["mbi"] == "1EG4TE5MK73"
    assert PATIENT_WITHHELD_FINDING not in [f["id"] for f in checked["findings"]]
    sheet = await client.post("/claims/ub04", data=whole, headers={"accept": "text/html"})
    assert "data-patient-field" not in sheet.text and "TESTPATIENT, ADA" in sheet.text
    pdf = await client.post("/claims/ub04.pdf", data=whole)
    assert _pdf_fields(pdf.content) == {}


# -- the PDF ------------------------------------------------------------------------------------------------------
def _pdf_fields(pdf: bytes) -> dict[str, tuple[float, float, float, float]]:
    """Each text field of the PDF's form: its rectangle in points from the page's top left (as the layout)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    out = {}
    for page in reader.pages:
        height = float(page.mediabox.height)
        for annotation in page.get("/Annots") or []:
            field = annotation.get_object()
            if field.get("/FT") == "/Tx":
                x0, y0, x1, y1 = (float(v) for v in field["/Rect"])
                out[str(field["/T"])] = (x0, height - y1, x1, height - y0)
    return out


def test_the_withheld_pdf_has_a_fillable_field_in_each_patient_box() -> None:
    from hhbill.ub04 import ub04_pdf

    claim = build_claim(parse_claim_input(without_patient_identity(_example())))  # type: ignore[arg-type]
    pdf = ub04_pdf(claim, patient_withheld=True)
    fields = _pdf_fields(pdf)
    assert set(fields) == {patient_field_name(box.box, 1) for box in PATIENT_BOXES}
    form = layout()
    for patient_box in PATIENT_BOXES:
        box = form.box(patient_box.box)
        left, top, right, bottom = box.rect_pt()
        x0, y0, x1, y1 = fields[patient_field_name(box.id, 1)]
        # inside its form locator's box, on the value line, as wide as the value may be
        assert left <= x0 < x1 <= right and top <= y0 < y1 <= bottom, box.id
        assert x1 - x0 >= (box.value_width - 0.5) * 7.2 - 1.5
    # nothing is drawn in the patient boxes; the page renders (kept as an artifact to look at)
    if shutil.which("pdftoppm") and shutil.which("pdftotext"):
        path = ARTIFACTS / "ub04_patient_withheld.pdf"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "100", "-png", "-singlefile", str(path), str(path.with_suffix(""))],
                       check=True)  # fmt: skip
        assert path.with_suffix(".png").stat().st_size > 1000
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert "1FC21" in text and not [value for value in IDENTITY_VALUES if value in text]
    # every sheet of a long claim has its own fields
    long = copy.deepcopy(claim)
    long.lines = claim.lines * 4
    assert {name for name in _pdf_fields(ub04_pdf(long, patient_withheld=True)) if name.endswith("sheet2")}


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed; make test installs it")
def test_filling_the_pdf_fields_puts_each_value_in_its_box(tmp_path: Path) -> None:
    """What a PDF viewer does when the biller types into the fields: pypdf fills them the same way, and poppler
    reads each value back inside its form locator's box."""
    from pypdf import PdfReader, PdfWriter

    from hhbill.ub04 import ub04_pdf

    full = build_claim(parse_claim_input(_example()))  # type: ignore[arg-type]
    withheld = build_claim(parse_claim_input(without_patient_identity(_example())))  # type: ignore[arg-type]
    typed = {patient_field_name(box.box, 1): patient_box_value(box, full) for box in PATIENT_BOXES}
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(ub04_pdf(withheld, patient_withheld=True))))
    writer.update_page_form_field_values(writer.pages[0], typed, auto_regenerate=False)
    path = tmp_path / "filled.pdf"
    writer.write(str(path))
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    words = [
        (float(x0), float(y0), float(x1), float(y1), text)
        for x0, y0, x1, y1, text in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', out
        )
    ]
    form = layout()
    for box_id, value in (("60", "1EG4TE5MK73"), ("10", "05061940"), ("3a", "PCN-0001"), ("8b", "TESTPATIENT,")):
        left, top, right, bottom = form.box(box_id).rect_pt()
        at = [w for w in words if w[4] == value]
        assert at, f"{value} is not on the filled page"
        assert any(left <= (x0 + x1) / 2 <= right and top <= (y0 + y1) / 2 <= bottom for x0, y0, x1, y1, _ in at), (
            box_id
        )
