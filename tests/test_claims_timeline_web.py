"""The patient timeline over HTTP: the API route (API key, MBI in the body, never the URL) and the signed-in page
(periods as bars, services as marks, findings flagged on their item), both the same data as the CLI."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from claims_scenarios.support import MBI, NOA, PERIOD, THERAPY, fresh
from hhbill import hcpcs
from hhbill._store import Store
from hhbill.cli import app as hhbill_app
from hhbill.web import Settings, create_api_key, create_app

pytestmark = pytest.mark.anyio
HTML = {"accept": "text/html"}


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("web-timeline") / "hhbill.db"
    store = Store(path)
    hcpcs.ensure_default(store)
    store.close()
    return path


@pytest.fixture
async def client(store_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    store = Store(store_path)
    key = create_api_key(store, "timeline tests")[1]
    app = create_app(store, settings=Settings(rate_limit=0))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://hhbill.test", headers={"X-API-Key": key}
    ) as client:
        yield client


async def _history(client: httpx.AsyncClient) -> None:
    """An NOA and its period submitted, then a 034X during the period checked (consolidated billing)."""
    for body, record in ((fresh(NOA), "submitted"), (fresh(PERIOD), "submitted"), (fresh(THERAPY), "checked")):
        response = await client.post("/api/v1/claims/check", json=body, params={"record": record})
        assert response.status_code == 200, response.text


async def test_api_timeline_needs_a_key_and_takes_the_mbi_in_the_body(client: httpx.AsyncClient) -> None:
    await _history(client)
    response = await client.post("/api/v1/timeline", json={"mbi": MBI, "today": "2026-03-20"})
    assert response.status_code == 200
    body = response.json()
    kinds = [i["kind"] for i in body["items"]]
    assert kinds.count("period") == 1 and "therapy" in kinds and "admission" in kinds
    therapy = next(i for i in body["items"] if i["kind"] == "therapy")
    assert therapy["status"] == "checked" and "consolidated-billing" in {f["id"] for f in therapy["findings"]}
    assert MBI not in response.text and body["patient"].endswith(MBI[-4:])
    assert {d["what"] for d in body["next_dates"]} >= {"next_period_start", "recertification"}
    anonymous = await client.post("/api/v1/timeline", json={"mbi": MBI}, headers={"X-API-Key": ""})
    assert anonymous.status_code == 401
    bad = await client.post("/api/v1/timeline", json={"mbi": "1234"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "mbi"
    extra = await client.post("/api/v1/timeline", json={"mbi": MBI, "name": "x"})
    assert extra.status_code == 422


async def test_cli_and_api_give_the_same_timeline(client: httpx.AsyncClient, store_path: Path) -> None:
    await _history(client)
    api = (await client.post("/api/v1/timeline", json={"mbi": MBI, "today": "2026-03-20"})).json()
    result = CliRunner().invoke(
        hhbill_app,
        ["--db", str(store_path), "claim", "timeline", MBI, "--today", "2026-03-20", "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == api


async def test_the_page_draws_periods_marks_and_flags(client: httpx.AsyncClient) -> None:
    from test_web_security import sign_in_browser

    await _history(client)
    await sign_in_browser(client, client.headers["X-API-Key"])
    form = await client.get("/claims/timeline", headers=HTML)
    assert form.status_code == 200 and 'name="mbi"' in form.text
    page = await client.post("/claims/timeline", data={"mbi": MBI, "today": "2026-03-20"}, headers=HTML)
    assert page.status_code == 200
    text = page.text
    assert '<g class="item period' in text and '<rect class="tl-bar"' in text  # the period as a bar
    assert text.count('<line class="mark"') >= 5  # its services as marks (and the 034X's)
    assert '<circle class="flag error"' in text and "consolidated-billing" in text  # the finding on its item
    assert "next period start" in text and MBI not in text
    twin = await client.post(
        "/claims/timeline", data={"mbi": MBI, "today": "2026-03-20"}, headers={"accept": "application/json"}
    )
    assert (
        twin.json()["timeline"]["items"]
        == (
            await client.post("/claims/timeline", data={"mbi": MBI, "today": "2026-03-20"}, params={"format": "json"})
        ).json()["timeline"]["items"]
    )
    wrong = await client.post("/claims/timeline", data={"mbi": "nope"}, headers=HTML)
    assert wrong.status_code == 422 and "field mbi" in wrong.text
    client.cookies.clear()
    signed_out = await client.get("/claims/timeline", headers=HTML, follow_redirects=False)
    assert signed_out.status_code == 303 and signed_out.headers["location"].startswith("/login")
