"""The UB-04 and 837I viewer pages over HTTP: same answers as the library, JSON twins, keys required."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from conftest import api_client
from hhbill._store import Store
from hhbill.claims import build_claim, load_claim_input
from hhbill.ub04 import ub04_pages
from hhbill.web import Settings, create_api_key, create_app
from hhbill.x12 import claims_to_x12, load_writer_settings

pytestmark = pytest.mark.anyio

STATIC = Path(__file__).resolve().parent.parent / "src" / "hhbill" / "static"
EXAMPLE = STATIC / "example_period.json"
HTML = {"accept": "text/html"}
JSON = {"accept": "application/json"}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return Store(tmp_path_factory.mktemp("web-surfaces") / "hhbill.db")


@pytest.fixture(scope="module")
def key(store: Store) -> str:
    return create_api_key(store, "surfaces tests")[1]


@pytest.fixture
async def client(store: Store, key: str) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(store, key) as client:
        yield client


@pytest.fixture
async def anonymous(store: Store) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(store, settings=Settings(rate_limit=0))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hhbill.test") as client:
        yield client


def _example_837i() -> bytes:
    claim = build_claim(load_claim_input(EXAMPLE))  # type: ignore[arg-type]
    return claims_to_x12([claim, claim], load_writer_settings(STATIC / "example_x12_settings.json")).encode()


async def test_the_pdf_download_is_the_built_claim_on_the_ub04(client: httpx.AsyncClient) -> None:
    response = await client.post("/claims/ub04.pdf", data={"input_json": EXAMPLE.read_text()})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'attachment; filename="ub04-PCN-0001.pdf"'
    assert response.content.startswith(b"%PDF-") and b"UB-04 0329 PCN-0001" in response.content


async def test_the_print_page_and_its_json_twin(client: httpx.AsyncClient) -> None:
    page = await client.post("/claims/ub04", data={"input_json": EXAMPLE.read_text()}, headers=HTML)
    assert page.status_code == 200 and 'data-fl="4">0329</div>' in page.text
    assert 'href="/claims/ub04.css"' in page.text and "style=" not in page.text
    sheets = (await client.post("/claims/ub04", data={"input_json": EXAMPLE.read_text()}, headers=JSON)).json()
    expected = ub04_pages(build_claim(load_claim_input(EXAMPLE)), created=None)  # type: ignore[arg-type]
    assert [s["form_locators"]["4"] for s in sheets["sheets"]] == [p.values["4"] for p in expected]
    assert sheets["sheets"][0]["form_locators"]["44"][0] == "1FC21"
    css = await client.get("/claims/ub04.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css") and ".fl-4.box" in css.text


async def test_the_visit_table_is_used_like_on_the_claim_page(client: httpx.AsyncClient) -> None:
    period = json.loads(EXAMPLE.read_text())
    period.pop("visits")
    form = {
        "input_json": json.dumps(period),
        "visit_date": "2026-03-03",
        "visit_discipline": "SN",
        "visit_role": "RN",
        "visit_service": "direct",
        "visit_minutes": "45",
        "visit_modality": "in_person",
        "visit_charge": "120.00",
    }
    sheets = (await client.post("/claims/ub04", data=form, headers=JSON)).json()["sheets"]
    assert "G0299" in sheets[0]["form_locators"]["44"]
    assert "030326" in sheets[0]["form_locators"]["45"]


async def test_bad_input_is_an_error_page_not_a_pdf(client: httpx.AsyncClient) -> None:
    response = await client.post("/claims/ub04.pdf", data={"input_json": '{"type_of_bill": '}, headers=HTML)
    assert response.status_code == 422 and "stops before it is complete" in response.text
    response = await client.post("/claims/ub04.pdf", data={"input_json": "{}"}, headers=JSON)
    assert response.status_code == 422 and response.json()["error"]["field"] == "type_of_bill"


async def test_the_837i_viewer_lists_every_claim_with_its_lines_and_input(client: httpx.AsyncClient) -> None:
    files = {"file": ("two.837", io.BytesIO(_example_837i()), "text/plain")}
    body = (await client.post("/x12/view", files=files, headers=JSON)).json()
    assert [c["ordinal"] for c in body["claims"]] == [1, 2]
    first = body["claims"][0]
    assert first["header"]["type_of_bill_meaning"] == "Final claim for an HH PPS period"
    assert [line["hcpcs"] for line in first["lines"]][:2] == ["1FC21", "G0151"]
    assert first["input"]["hipps"] == "1FC21" and first["input"]["patient"]["mbi"] == "1EG4TE5MK73"
    page = await client.post("/x12/view", files={"file": ("two.837", io.BytesIO(_example_837i()))}, headers=HTML)
    assert page.status_code == 200 and "Claim 2" in page.text and "HH PPS (HIPPS)" in page.text
    assert "*******MK73" in page.text


async def test_the_837i_viewer_names_a_file_that_is_no_837i(client: httpx.AsyncClient) -> None:
    files = {"file": ("notes.txt", io.BytesIO(b"hello"), "text/plain")}
    response = await client.post("/x12/view", files=files, headers=HTML)
    assert response.status_code == 422 and 'role="alert"' in response.text


async def test_claim_pages_need_a_key(anonymous: httpx.AsyncClient) -> None:
    # a form post without the page's CSRF token is refused before anything else
    refused = await anonymous.post("/claims/ub04.pdf", data={"input_json": EXAMPLE.read_text()}, headers=JSON)
    assert refused.status_code == 403
    # with the token of a page the browser loaded, the post still needs a signed-in key
    await anonymous.get("/", headers=HTML)
    csrf = {**JSON, "x-csrf-token": anonymous.cookies["hhbill_csrf"], "origin": "http://hhbill.test"}
    response = await anonymous.post("/claims/ub04.pdf", data={"input_json": EXAMPLE.read_text()}, headers=csrf)
    assert response.status_code == 401
    response = await anonymous.post("/x12/view", files={"file": ("a.837", io.BytesIO(b"ISA"))}, headers=csrf)
    assert response.status_code == 401, response.text
    redirect = await anonymous.get("/x12/view", headers=HTML)
    assert redirect.status_code == 303 and redirect.headers["location"].startswith("/login")


def test_created_date_defaults_to_today() -> None:
    pages = ub04_pages(build_claim(load_claim_input(EXAMPLE)), created=date(2026, 4, 1))  # type: ignore[arg-type]
    assert pages[0].values["45"][-1] == "040126"


async def test_the_claim_page_words_broken_json_for_a_biller(client: httpx.AsyncClient) -> None:
    page = await client.post("/claims", data={"input_json": '{"type_of_bill": "0329"\n "from": "2026-03-02"}'},
                             headers=HTML)  # fmt: skip
    assert page.status_code == 422 and "line 2, column 2: a comma is missing between two values" in page.text
    assert "Expecting" not in page.text
