"""RVU pricing and the procedure log over HTTP, and their pages (calculator, log with the wRVU chart), on the
real CMS RVU26C fee schedule files."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from conftest import api_client, shared_path
from hhbill import hcpcs, rvu
from hhbill._store import Store
from hhbill.web import create_api_key
from hhbill.web._pages import wrvu_chart

pytestmark = pytest.mark.anyio

HTML = {"accept": "text/html"}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(tmp_path_factory.mktemp("web-rvu") / "hhbill.db")
    hcpcs.ensure_default(store)
    rvu.import_fee_schedule(store, shared_path("data/mpfs/rvu26c"))
    return store


@pytest.fixture(scope="module")
def key(store: Store) -> str:
    return create_api_key(store, "rvu tests")[1]


@pytest.fixture
async def client(store: Store, key: str) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(store, key) as client:
        yield client


async def test_price_is_the_library_price(client: httpx.AsyncClient, store: Store) -> None:
    response = await client.get("/api/v1/rvu/99213")
    assert response.status_code == 200
    assert response.json() == rvu.price(store, "99213").to_dict()
    facility = (await client.get("/api/v1/rvu/99213", params={"facility": "true", "locality": "13202:01"})).json()
    assert facility == rvu.price(store, "99213", facility=True, locality="13202:01").to_dict()
    assert facility["setting"] != response.json()["setting"]


async def test_price_errors(client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/v1/rvu/ZZZZZ")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    bad_year = await client.get("/api/v1/rvu/99213", params={"year": "1800"})
    assert bad_year.status_code == 422 and bad_year.json()["error"]["field"] == "year"


async def test_rvu_releases_and_code_page_rvu_section(client: httpx.AsyncClient, store: Store) -> None:
    releases = (await client.get("/api/v1/rvu/releases")).json()["releases"]
    imported = [r for r in releases if not r["embedded"]]  # no ZIP5 was imported: the embedded one answers
    assert imported and all(r["year"] == 2026 for r in imported)
    assert [r["kind"] for r in releases if r["embedded"]] == ["zip5"]
    page = (await client.get("/api/v1/codes/G0299", params={"as_of": "2026-02-01"})).json()
    assert page["rvu"]["fee_schedule"] == rvu.price(store, "G0299", year=2026).to_dict()
    assert page["rvu"]["status"]["code"] == page["rvu"]["fee_schedule"]["status"]["code"]
    html = (await client.get("/codes/G0299", params={"as_of": "2026-02-01"}, headers=HTML)).text
    assert page["rvu"]["summary"].split(" ")[0] in html and "Work RVU" in html


async def test_rvu_calculator_page_and_twin(client: httpx.AsyncClient, store: Store) -> None:
    html = (await client.get("/rvu", params={"code": "99213", "locality": "13202:01"}, headers=HTML)).text
    expected = rvu.price(store, "99213", locality="13202:01")
    assert f"${expected.payment:,.2f}" in html and '<label for="code">' in html
    twin = (await client.get("/rvu", params={"code": "99213", "locality": "13202:01", "format": "json"})).json()
    assert twin["price"] == expected.to_dict()
    empty = (await client.get("/rvu", params={"format": "json"})).json()
    assert empty["price"] is None and empty["releases"]
    bad = await client.get("/rvu", params={"code": "99213", "year": "next"}, headers=HTML)
    assert bad.status_code == 422


async def test_procedure_log_add_list_report_target_delete(client: httpx.AsyncClient, store: Store) -> None:
    added = await client.post("/api/v1/log", json={"code": "99213", "performed_on": "2026-07-06", "units": 2})
    assert added.status_code == 201
    entry = added.json()
    per_unit = rvu.price(store, "99213").to_dict()["rvus"]["work"]
    assert entry["code"] == "99213" and entry["units"] == 2 and entry["work_rvu_per_unit"] == per_unit
    await client.post("/api/v1/log", json={"code": "99214", "performed_on": "2026-07-20"})
    listed = (await client.get("/api/v1/log", params={"from": "2026-07-01", "to": "2026-07-31"})).json()
    assert [e["code"] for e in listed["entries"]] == ["99213", "99214"]
    target = await client.put("/api/v1/log/target", json={"work_rvu": "10", "per": "week"})
    assert target.status_code == 200 and target.json()["period"] == "week"
    report = (await client.get("/api/v1/log/report", params={"from": "2026-07-06", "to": "2026-07-26"})).json()
    assert report["by"] == "week" and len(report["periods"]) == 3
    assert report == rvu.log_report(store, date_from="2026-07-06", date_to="2026-07-26").to_dict()
    deleted = await client.delete(f"/api/v1/log/{entry['id']}")
    assert deleted.status_code == 204
    again = await client.delete(f"/api/v1/log/{entry['id']}")
    assert again.status_code == 404
    bad = await client.post("/api/v1/log", json={"code": "99213", "units": 0})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "units"
    unknown = await client.post("/api/v1/log", json={"code": "99213", "patient": "someone"})
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "patient"


async def test_log_page_adds_entries_and_draws_the_chart(client: httpx.AsyncClient, key: str) -> None:
    from test_web_security import sign_in_browser

    await sign_in_browser(client, key)
    added = await client.post("/log", data={"code": "99215", "performed_on": "2026-08-03", "units": "1"})
    assert added.status_code == 303 and added.headers["location"] == "/log"
    page = await client.get("/log", params={"from": "2026-08-01", "to": "2026-08-31", "by": "week"}, headers=HTML)
    assert page.status_code == 200
    assert '<svg class="chart"' in page.text and 'role="img"' in page.text and "<desc" in page.text
    # weeks start on Monday: Jul 27 (holding Aug 1-2), Aug 3, 10, 17, 24 and 31
    assert page.text.count('<rect class="bar') == 6
    assert "99215" in page.text
    twin = (await client.get("/log", params={"from": "2026-08-01", "to": "2026-08-31", "format": "json"})).json()
    assert [e["code"] for e in twin["entries"]] == ["99215"]
    target = await client.post("/log/target", data={"work_rvu": "5", "per": "week"})
    assert target.status_code == 303
    html = (await client.get("/log", params={"from": "2026-08-01", "to": "2026-08-31"}, headers=HTML)).text
    assert '<line class="target"' in html
    entry_id = twin["entries"][0]["id"]
    removed = await client.post(f"/log/{entry_id}/delete")
    assert removed.status_code == 303


def test_chart_geometry_scales_bars_to_the_largest_value_and_marks_the_target() -> None:
    report = {
        "by": "week",
        "target": {"work_rvu": "4.00", "period": "week"},
        "periods": [
            {"period": "W1", "work_rvu": "2.00"},
            {"period": "W2", "work_rvu": "8.00"},
            {"period": "W3", "work_rvu": "0.00"},
        ],
    }
    chart = wrvu_chart(report)
    assert chart is not None
    heights = [bar["height"] for bar in chart["bars"]]
    assert heights[1] == pytest.approx(heights[0] * 4, abs=0.5) and heights[2] == 0
    assert [bar["met"] for bar in chart["bars"]] == [False, True, False]
    assert chart["bars"][1]["y"] < chart["target_y"] < chart["base"]
    assert wrvu_chart({"by": "week", "periods": []}) is None
