"""Claims over HTTP: build and check (JSON), 837I upload with a per-claim report, the ledger, and the claim
builder and 837I pages, on the real January 2026 HCPCS release and the shared 837I corpus."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from conftest import api_client, shared_path
from hhbill import claims, hcpcs
from hhbill._store import Store
from hhbill.web import create_api_key

pytestmark = pytest.mark.anyio

JAN26_ZIP = "data/hcpcs/2026_jan/january-2026-alpha-numeric-hcpcs-file.zip"
HH_837I = "corpora/x12/837i/hh_synthetic_3claims.837"
WRONG_VERSION_837I = "corpora/x12/837i/lfh_two-claims-single-provider.837i"
EXAMPLE = Path(__file__).resolve().parent.parent / "src" / "hhbill" / "static" / "example_period.json"
HTML = {"accept": "text/html"}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(tmp_path_factory.mktemp("web-claims") / "hhbill.db")
    hcpcs.import_release(store, shared_path(JAN26_ZIP))
    return store


@pytest.fixture(scope="module")
def key(store: Store) -> str:
    return create_api_key(store, "claims tests")[1]


@pytest.fixture
async def client(store: Store, key: str) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(store, key) as client:
        yield client


def period() -> dict:
    return json.loads(EXAMPLE.read_text())


async def test_build_returns_the_library_claim_and_ub04(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/claims/build", json=period())
    assert response.status_code == 200
    body = response.json()
    expected = claims.build_claim(claims.parse_claim_input(period()))
    assert body["claim"] == claims.claim_to_dict(expected)
    assert body["ub04"] == claims.claim_ub04(expected)
    assert [line["hcpcs"] for line in body["claim"]["lines"]][:2] == ["1FC21", "G0151"]


async def test_check_returns_findings_and_the_claim(client: httpx.AsyncClient, store: Store) -> None:
    response = await client.post("/api/v1/claims/check", json=period(), params={"ledger": "false"})
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True and body["counts"]["error"] == 0 and body["edits_run"] > 0
    claim, result = claims.check_input(period(), claims.context_for_store(store))
    assert body["claim"] == claims.claim_to_dict(claim) and body["findings"] == result.to_dict()["findings"]


async def test_a_bad_claim_gets_findings_with_fixes(client: httpx.AsyncClient) -> None:
    bad = period()
    bad["certifying_npi"] = "1234567890"  # fails the NPI check digit
    body = (await client.post("/api/v1/claims/check", json=bad, params={"ledger": "false"})).json()
    assert body["ok"] is False
    finding = next(f for f in body["findings"] if f["id"] == "practitioner-npi")
    assert finding["severity"] == "error" and finding["fix"] and finding["citation"]


async def test_bad_input_is_422_naming_the_field(client: httpx.AsyncClient) -> None:
    bad = period()
    bad["visits"][0]["minutes"] = "an hour"
    response = await client.post("/api/v1/claims/check", json=bad)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "claim_input" and error["field"] == "visits[0].minutes"
    not_json = await client.post("/api/v1/claims/check", content=b"{nope", headers={"content-type": "application/json"})
    assert not_json.status_code == 400 and not_json.json()["error"]["code"] == "bad_request"
    not_object = await client.post("/api/v1/claims/check", json=[1, 2])
    assert not_object.status_code == 422
    bad_option = await client.post("/api/v1/claims/check", json=period(), params={"record": "maybe"})
    assert bad_option.status_code == 422 and bad_option.json()["error"]["field"] == "record"


async def test_recording_in_the_ledger_then_a_duplicate_is_found(client: httpx.AsyncClient) -> None:
    claim = period()
    claim["patient_control_number"] = "PCN-LEDGER"
    recorded = (await client.post("/api/v1/claims/check", json=claim, params={"record": "submitted"})).json()
    assert recorded["ledger_entry"]["status"] == "submitted"
    again = (await client.post("/api/v1/claims/check", json=claim)).json()
    assert "duplicate-claim" in {f["id"] for f in again["findings"]}
    ignored = (await client.post("/api/v1/claims/check", json=claim, params={"ledger": "false"})).json()
    assert "duplicate-claim" not in {f["id"] for f in ignored["findings"]}


async def test_837i_upload_reports_each_claim(client: httpx.AsyncClient) -> None:
    path = shared_path(HH_837I)
    response = await client.post("/api/v1/claims/837i", files={"file": (path.name, path.read_bytes())})
    assert response.status_code == 200
    report = response.json()
    assert report["summary"]["file"] == path.name and report["summary"]["claims"] == 3
    assert [c["claim_id"] for c in report["claims"]] == ["PCN0000000", "PCN0000001", "PCN0000002"]
    assert all(c["type_of_bill"] == "0329" and c["findings"] for c in report["claims"])


async def test_unreadable_837i_is_422_with_its_segment(client: httpx.AsyncClient) -> None:
    garbage = await client.post("/api/v1/claims/837i", files={"file": ("x.837", b"hello, not x12")})
    assert garbage.status_code == 422 and garbage.json()["error"]["code"] == "x12"
    path = shared_path(WRONG_VERSION_837I)
    wrong = await client.post("/api/v1/claims/837i", files={"file": (path.name, path.read_bytes())})
    assert wrong.status_code == 422
    error = wrong.json()["error"]
    assert "005010X223A2" in error["message"] and error["location"]["segment_id"] == "ST"
    missing = await client.post("/api/v1/claims/837i")
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "file"


# -- pages ------------------------------------------------------------------------------------------------------------
@pytest.fixture
async def browser(client: httpx.AsyncClient, key: str) -> httpx.AsyncClient:
    """The same client as a signed-in browser: a session cookie, not the header (and the CSRF token of its pages)."""
    from test_web_security import sign_in_browser

    await sign_in_browser(client, key)
    return client


async def test_claim_builder_page_is_prefilled_with_the_example(browser: httpx.AsyncClient) -> None:
    page = await browser.get("/claims", headers=HTML)
    assert page.status_code == 200
    assert '<label for="input_json">' in page.text and '<label for="visits_csv">' in page.text
    assert "Riverbend Home Health (fictitious)" in page.text
    twin = (await browser.get("/claims", params={"format": "json"})).json()
    example = period()
    visits = example.pop("visits")
    assert json.loads(twin["input"]) == example  # the header in the JSON box, the visits in the table
    assert [(row["date"], row["minutes"]) for row in twin["visits"]] == [(v["date"], str(v["minutes"])) for v in visits]
    assert page.text.count('name="visit_date"') == len(visits) + 2  # and two blank rows


def visit_table(rows: list[dict]) -> dict[str, list[str]]:
    fields = ("date", "discipline", "role", "service", "minutes", "modality", "charge")
    return {f"visit_{name}": [str(row.get(name, "")) for row in rows] for name in fields}


async def test_claim_builder_takes_visits_from_the_table(browser: httpx.AsyncClient) -> None:
    header = period()
    visits = header.pop("visits")
    blank = {"service": "direct", "modality": "in_person"}
    form = {"input_json": json.dumps(header), "action": "check", **visit_table([*visits, blank])}
    body = (await browser.post("/claims", data=form, headers={"accept": "application/json"})).json()
    expected = (
        await browser.post("/claims", data={"input_json": json.dumps(period())}, headers={"accept": "application/json"})
    ).json()
    assert body["claim"]["lines"] == expected["claim"]["lines"]  # the table and the JSON visits build the same claim
    wrong = {**form, **visit_table([{**visits[0], "minutes": "an hour"}])}
    page = await browser.post("/claims", data=wrong, headers=HTML)
    assert page.status_code == 422 and "visits[0].minutes" in page.text
    assert 'value="an hour"' in page.text  # the row is kept for correcting
    row = await browser.get("/claims/visit-row", headers={**HTML, "hx-request": "true"})
    assert row.text.strip().startswith("<tr>") and 'name="visit_minutes"' in row.text


async def test_claim_builder_checks_entered_json_and_shows_lines_ub04_findings(browser: httpx.AsyncClient) -> None:
    bad = period()
    bad["certifying_npi"] = "1234567890"  # fails the NPI check digit
    page = await browser.post("/claims", data={"input_json": json.dumps(bad), "action": "check"}, headers=HTML)
    assert page.status_code == 200
    html = page.text
    assert "This claim would be returned or rejected" in html and "practitioner-npi" in html and "Fix:" in html
    assert "FL 4 Type of bill" in html and "FL 60 Insured" in html
    assert "*******MK73" in html and "1EG4TE5MK73" not in html.split("<textarea")[-1].split("</textarea>")[-1]
    fragment = await browser.post(
        "/claims", data={"input_json": json.dumps(bad)}, headers={**HTML, "hx-request": "true"}
    )
    assert "<html" not in fragment.text and "practitioner-npi" in fragment.text


async def test_claim_builder_takes_uploaded_json_and_visits_csv(browser: httpx.AsyncClient) -> None:
    visits = "date,discipline,role,service,minutes,charge\n2026-03-03,SN,RN,direct,30,75.00\n"
    files = {
        "input_file": ("period.json", json.dumps(period()).encode()),
        "visits_file": ("visits.csv", visits.encode()),
    }
    body = (
        await browser.post("/claims", data={"action": "build"}, files=files, headers={"accept": "application/json"})
    ).json()
    visit_lines = [line for line in body["claim"]["lines"] if line["visit_index"] is not None]
    assert [(line["date"], line["hcpcs"]) for line in visit_lines] == [("2026-03-03", "G0299")]


async def test_claim_builder_shows_input_errors_in_place(browser: httpx.AsyncClient) -> None:
    page = await browser.post("/claims", data={"input_json": "{not json"}, headers=HTML)
    assert page.status_code == 422 and "not valid JSON" in page.text and 'role="alert"' in page.text
    assert "{not json" in page.text  # the biller's input is kept for correcting


async def test_x12_page_reports_each_claim(browser: httpx.AsyncClient) -> None:
    path = shared_path(HH_837I)
    form = await browser.get("/x12", headers=HTML)
    assert '<label for="file">' in form.text
    page = await browser.post("/x12", files={"file": (path.name, path.read_bytes())}, headers=HTML)
    assert page.status_code == 200
    assert page.text.count('class="claim-report"') == 3 and "PCN0000002" in page.text
    bad = await browser.post("/x12", files={"file": ("x.837", b"nothing")}, headers=HTML)
    assert bad.status_code == 422 and "cannot be read" in bad.text
