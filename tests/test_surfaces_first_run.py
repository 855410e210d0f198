"""A single user's first run: `hhbill serve` on loopback prints a one-time sign-in link; elsewhere keys only."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from hhbill._store import Store
from hhbill.cli import app as cli_app
from hhbill.web import Settings, create_app
from hhbill.web._first_run import FIRST_RUN_KEY_NAME, OneTimeSignIn, enable_first_run_link, is_loopback
from hhbill.web._security import list_api_keys


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("localhost", True), ("0.0.0.0", False),
     ("192.168.1.10", False), ("::", False), ("example.org", False)],
)  # fmt: skip
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_no_link_off_loopback(tmp_path: Path) -> None:
    store = Store(tmp_path / "hhbill.db")
    app = create_app(store, settings=Settings(rate_limit=0))
    assert enable_first_run_link(app, store, "0.0.0.0", 8000) is None
    assert list_api_keys(store) == []


def test_the_token_works_once_and_expires() -> None:
    link = OneTimeSignIn("tok", "key", expires=100.0)
    assert link.redeem("wrong", now=1.0) is None
    assert link.redeem("tok", now=1.0) == "key"
    assert link.redeem("tok", now=2.0) is None
    assert OneTimeSignIn("tok", "key", expires=100.0).redeem("tok", now=101.0) is None


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, str, Store]]:
    store = Store(tmp_path / "hhbill.db")
    app = create_app(store, settings=Settings(rate_limit=0))
    link = enable_first_run_link(app, store, "127.0.0.1", 8123)
    assert link is not None
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8123") as c:
        yield c, link, store


@pytest.mark.anyio
async def test_the_link_signs_in_once(served: tuple[httpx.AsyncClient, str, Store]) -> None:
    client, link, store = served
    assert link.startswith("http://127.0.0.1:8123/login/once?token=")
    before = await client.get("/claims", headers={"accept": "text/html"})
    assert before.status_code == 303 and before.headers["location"].startswith("/login")
    signed = await client.get(link.removeprefix("http://127.0.0.1:8123"))
    assert signed.status_code == 303 and signed.headers["location"] == "/claims"
    assert (
        "httponly" in signed.headers["set-cookie"].lower() and "samesite=strict" in signed.headers["set-cookie"].lower()
    )
    page = await client.get("/claims", headers={"accept": "text/html"})
    assert page.status_code == 200 and "Claim builder" in page.text
    client.cookies.clear()
    again = await client.get(link.removeprefix("http://127.0.0.1:8123"))
    assert again.status_code == 401 and "has been used or has expired" in again.text
    assert [k.name for k in list_api_keys(store) if k.active] == [FIRST_RUN_KEY_NAME]


def test_a_new_run_revokes_the_previous_runs_key(tmp_path: Path) -> None:
    store = Store(tmp_path / "hhbill.db")
    app = create_app(store, settings=Settings(rate_limit=0))
    enable_first_run_link(app, store, "127.0.0.1", 8000)
    enable_first_run_link(app, store, "::1", 8000)
    keys = list_api_keys(store)
    assert len(keys) == 2 and [k.active for k in keys] == [False, True]


@pytest.mark.parametrize(("host", "printed"), [("127.0.0.1", True), ("0.0.0.0", False)])
def test_serve_prints_the_link_on_loopback_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, host: str, printed: bool
) -> None:
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)  # start, print, do not listen
    result = CliRunner().invoke(cli_app, ["--db", str(tmp_path / "hhbill.db"), "serve", "--host", host])
    assert result.exit_code == 0, result.output
    found = re.search(r"sign in once with this link \(it works one time\): (http://\S+)", result.stderr)
    assert (found is not None) is printed
    if found:
        assert found.group(1).startswith(f"http://{host}:8000/login/once?token=")
