"""The HCPCS reference and search over HTTP: /api/v1 routes and their page twins, on the real CMS releases.

Every page is checked in both renderings: the JSON twin carries the same data as the API route, the HTML
carries the decoded fields. Tests drive the app in-process through httpx.ASGITransport.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from conftest import shared_path
from hhbill import hcpcs
from hhbill._store import Store
from hhbill.explain import explain_code
from hhbill.web import Settings, create_app

pytestmark = pytest.mark.anyio

JAN26_ZIP = "data/hcpcs/2026_jan/january-2026-alpha-numeric-hcpcs-file.zip"
OCT25_XLSX = "data/hcpcs/2025_oct_xlsx_only/HCPC2025_OCT_ANWEB.xlsx"
HTML = {"accept": "text/html"}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """October 2025 (XLSX) and January 2026 (zip): two real releases, so history and diff have content."""
    store = Store(tmp_path_factory.mktemp("web-hcpcs") / "hhbill.db")
    hcpcs.import_release(store, shared_path(OCT25_XLSX))
    hcpcs.import_release(store, shared_path(JAN26_ZIP))
    return store


@pytest.fixture(scope="module")
def app(store: Store):
    return create_app(store, settings=Settings(rate_limit=0))


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hhbill.test") as client:
        yield client


async def test_health_and_releases(client: httpx.AsyncClient) -> None:
    health = (await client.get("/api/v1/health")).json()
    assert health["status"] == "ok" and health["releases"] == 2
    releases = (await client.get("/api/v1/releases")).json()["releases"]
    assert [r["effective_date"] for r in releases] == ["2025-10-01", "2026-01-01"]
    assert releases[1]["procedure_count"] == 8623 and releases[1]["modifier_count"] == 383


async def test_code_as_of_a_date_is_the_library_code_page(client: httpx.AsyncClient, store: Store) -> None:
    response = await client.get("/api/v1/codes/g0151", params={"as_of": "2026-02-01"})
    assert response.status_code == 200
    page = response.json()
    day = __import__("datetime").date(2026, 2, 1)
    assert page == json.loads(json.dumps(explain_code(store, "G0151", day).to_dict()))
    record = hcpcs.code_page(store, "G0151", day)  # the decoded record is the page's first part
    assert {k: v for k, v in page.items() if k in record} == record
    assert page["code"] == "G0151" and page["release"]["effective_date"] == "2026-01-01"
    assert page["processing_note"]["number"] == "0082"
    # no fee schedule imported in this store: the one shipped with hhbill answers
    assert page["rvu"]["fee_schedule"]["release"].endswith("embedded default")


async def test_code_before_any_release_is_404_naming_the_earliest(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/codes/G0151", params={"as_of": "2019-01-01"})
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "not_found" and "2025-10-01" in error["message"]


async def test_bad_date_and_unknown_code_are_4xx_json(client: httpx.AsyncClient) -> None:
    bad_date = await client.get("/api/v1/codes/G0151", params={"as_of": "2026-13-45"})
    assert bad_date.status_code == 422
    assert bad_date.json()["error"]["field"] == "as_of"
    unknown = await client.get("/api/v1/codes/Z9999")
    assert unknown.status_code == 404 and unknown.json()["error"]["field"] == "code"
    garbage = await client.get("/api/v1/codes/%3Cscript%3E")
    assert garbage.status_code == 404 and set(garbage.json()["error"]) >= {"code", "message", "field"}


async def test_history_and_diff(client: httpx.AsyncClient) -> None:
    history = (await client.get("/api/v1/codes/G0151/history")).json()
    assert history["code"] == "G0151"
    assert [e["release"]["effective_date"] for e in history["history"]] == ["2025-10-01", "2026-01-01"]
    diff = (await client.get("/api/v1/diff", params={"old": "2025-10", "new": "2026-01"})).json()
    assert diff["old"]["effective_date"] == "2025-10-01" and diff["new"]["effective_date"] == "2026-01-01"
    assert diff["summary"]["added"] == len(diff["added"]) > 0
    changed = {item["code"] for item in diff["changed"]}
    assert {"J1572", "J3290"} <= changed  # real Jan 2026 payment changes (see test_hcpcs_import.py)
    missing = await client.get("/api/v1/diff", params={"old": "1999-01", "new": "2026-01"})
    assert missing.status_code == 404 and missing.json()["error"]["field"] == "release"


async def test_search_and_suggest(client: httpx.AsyncClient) -> None:
    found = (await client.get("/api/v1/search", params={"q": "hoyer lift", "as_of": "2026-02-01", "limit": 5})).json()
    assert found["results"] and found["results"][0]["code"].startswith("E06")
    assert len(found["results"]) <= 5 and found["release"]["effective_date"] == "2026-01-01"
    typed = await client.get("/api/v1/suggest", params={"q": "physical therapist home heal", "as_of": "2026-02-01"})
    assert "G0151" in [r["code"] for r in typed.json()["results"]]  # "heal" completed as a prefix
    assert (
        typed.json()
        == (
            await client.get("/api/v1/suggest", params={"q": "physical therapist home heal", "as_of": "2026-02-01"})
        ).json()
    )
    bad = await client.get("/api/v1/search", params={"q": "x", "limit": 0})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "limit"
    bad_prefix = await client.get("/api/v1/search", params={"q": "x", "prefix": "G-1"})
    assert bad_prefix.status_code == 422 and bad_prefix.json()["error"]["field"] == "prefix"


# -- pages and their JSON twins --------------------------------------------------------------------------------------
async def test_home_page_has_search_as_you_type(client: httpx.AsyncClient) -> None:
    page = await client.get("/", headers=HTML)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'hx-get="/search/suggest"' in page.text and '<label for="q">' in page.text
    assert '<script src="/static/htmx.min.js"' in page.text
    twin = (await client.get("/", params={"format": "json"})).json()
    assert [r["effective_date"] for r in twin["releases"]] == ["2025-10-01", "2026-01-01"]


async def test_suggest_fragment_lists_links_to_code_pages(client: httpx.AsyncClient) -> None:
    fragment = await client.get("/search/suggest", params={"q": "G015", "as_of": "2026-02-01"}, headers=HTML)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'href="/codes/G0151?as_of=2026-02-01"' in fragment.text
    twin = await client.get(
        "/search/suggest", params={"q": "G015", "as_of": "2026-02-01"}, headers={"accept": "application/json"}
    )
    assert "G0151" in [r["code"] for r in twin.json()["results"]]


async def test_search_page_and_twin_match_the_api(client: httpx.AsyncClient) -> None:
    params = {"q": "skilled nursing", "as_of": "2026-02-01", "limit": 50}
    api = (await client.get("/api/v1/search", params=params)).json()
    twin = (await client.get("/search", params={**params, "format": "json"})).json()
    assert twin == api
    html = (await client.get("/search", params=params, headers=HTML)).text
    assert f'<code class="hcpcs-code">{api["results"][0]["code"]}</code>' in html


async def test_code_page_html_shows_decoded_fields_timeline_and_json_link(client: httpx.AsyncClient) -> None:
    html = (await client.get("/codes/G0151", params={"as_of": "2026-02-01"}, headers=HTML)).text
    assert "Hhcp-serv of pt,ea 15 min" in html
    assert "Processing note" in html and "MAY BE BILLED ONLY FOR HOME HEALTH CARE" in html
    assert "Release timeline" in html and 'datetime="2025-10-01"' in html
    for heading in ("Physician fee schedule", "In plain language", "How it compares", "Billing", "Questions"):
        assert f">{heading}</h3>" in html
    twin = await client.get("/codes/G0151", params={"as_of": "2026-02-01"}, headers={"accept": "application/json"})
    api = await client.get("/api/v1/codes/G0151", params={"as_of": "2026-02-01"})
    assert twin.json() == api.json()


async def test_missing_code_page_is_an_html_404_for_browsers(client: httpx.AsyncClient) -> None:
    page = await client.get("/codes/Z9999", headers=HTML)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "Z9999" in page.text and 'role="alert"' in page.text
    twin = await client.get("/codes/Z9999", params={"format": "json"})
    assert twin.status_code == 404 and twin.json()["error"]["code"] == "not_found"


async def test_releases_and_diff_pages(client: httpx.AsyncClient) -> None:
    releases = (await client.get("/releases", headers=HTML)).text
    assert "8,623" in releases
    diff_html = (await client.get("/diff", params={"old": "1", "new": "2"}, headers=HTML)).text
    assert "J1572" in diff_html and "added" in diff_html
    diff_twin = (await client.get("/diff", params={"old": "1", "new": "2", "format": "json"})).json()
    api = (await client.get("/api/v1/diff", params={"old": "1", "new": "2"})).json()
    assert diff_twin == api
    chooser = (await client.get("/diff", headers=HTML)).text
    assert '<select id="old" name="old">' in chooser


async def test_code_jump_redirects_to_the_code_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/codes", params={"q": " g0151 "})
    assert response.status_code == 303 and response.headers["location"] == "/codes/G0151"


async def test_unknown_route_and_method(client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    wrong = await client.delete("/api/v1/releases")
    assert wrong.status_code == 405 and wrong.json()["error"]["code"] == "method_not_allowed"


async def test_static_assets_are_served(client: httpx.AsyncClient) -> None:
    for asset in ("/static/htmx.min.js", "/static/hhbill.js", "/static/hhbill.css", "/static/example_period.json"):
        response = await client.get(asset)
        assert response.status_code == 200 and len(response.content) > 100, asset


async def test_htmx_errors_are_fragments_swapped_in_place(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/search/suggest", params={"q": "nursing", "as_of": "someday"}, headers={**HTML, "hx-request": "true"}
    )
    assert response.status_code == 422
    assert "<html" not in response.text and 'role="alert"' in response.text and "as_of" in response.text


async def test_code_page_shows_do_not_use_with_exclusions(client: httpx.AsyncClient) -> None:
    api = (await client.get("/api/v1/codes/S9208", params={"as_of": "2026-02-01"})).json()
    assert api["exclusions"] and api["exclusions"][0]["category"] == "home_infusion_per_diem"
    html = (await client.get("/codes/S9208", params={"as_of": "2026-02-01"}, headers=HTML)).text
    assert "Do not use with" in html and "any home infusion per diem code" in html
