"""Security of the web service: API keys (hashed, revocable), PHI routes closed without a key, reference routes
open, size and rate limits, security headers, strict CORS, a PHI-free access log and the browser sign-in."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator

import httpx
import pytest

from hhbill import hcpcs
from hhbill._errors import AuthError, ConfigError, NotFoundError
from hhbill._store import Store
from hhbill.web import (
    RateLimiter,
    Settings,
    create_api_key,
    create_app,
    list_api_keys,
    revoke_api_key,
    verify_api_key,
)

pytestmark = pytest.mark.anyio

HTML = {"accept": "text/html"}
EXAMPLE = {
    "type_of_bill": "0329",
    "from": "2026-03-02",
    "through": "2026-03-31",
    "admission_date": "2026-03-02",
    "patient": {"mbi": "1EG4TE5MK73", "last_name": "Testpatient"},
    "visits": [],
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(tmp_path_factory.mktemp("web-security") / "hhbill.db")
    hcpcs.ensure_default(store)  # the embedded release is enough here
    return store


@pytest.fixture(scope="module")
def key(store: Store) -> str:
    return create_api_key(store, "tests")[1]


def client_for(app, **kwargs) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hhbill.test", **kwargs)


@pytest.fixture
async def client(store: Store) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(create_app(store, settings=Settings(rate_limit=0))) as client:
        yield client


# -- API keys ----------------------------------------------------------------------------------------------------------
def test_keys_are_stored_salted_and_hashed_never_in_clear(store: Store) -> None:
    stored, text = create_api_key(store, "hash check")
    assert text.startswith(f"hhb_{stored.prefix}_") and len(text) > 40
    row = store.execute("SELECT * FROM api_key WHERE id = ?", (stored.id,)).fetchone()
    secret = text.split("_", 2)[2]
    assert secret not in json.dumps([str(v) for v in tuple(row)])
    assert len(row["secret_hash"]) == 64 and len(row["salt"]) == 16
    assert verify_api_key(store, text).id == stored.id


def test_wrong_malformed_and_revoked_keys_are_refused(store: Store) -> None:
    stored, text = create_api_key(store, "to revoke")
    altered = text[:-1] + ("A" if text[-1] != "A" else "B")
    for bad in (None, "", "nonsense", altered, "hhb_zzzzzzzz_x", "hhb_" + "a" * 300):
        with pytest.raises(AuthError):
            verify_api_key(store, bad)
    revoked = revoke_api_key(store, stored.prefix)
    assert revoked.revoked_at is not None and not revoked.active
    with pytest.raises(AuthError):
        verify_api_key(store, text)
    assert revoke_api_key(store, str(stored.id)).revoked_at == revoked.revoked_at  # revoking twice is harmless
    with pytest.raises(NotFoundError):
        revoke_api_key(store, "nope")
    assert [k.name for k in list_api_keys(store) if k.id == stored.id] == ["to revoke"]


async def test_claim_routes_need_a_key_reference_routes_do_not(client: httpx.AsyncClient, key: str) -> None:
    for method, url in (
        ("POST", "/api/v1/claims/check"),
        ("POST", "/api/v1/claims/build"),
        ("GET", "/api/v1/log"),
        ("GET", "/api/v1/log/report"),
    ):
        refused = await client.request(method, url, json=EXAMPLE)
        assert refused.status_code == 401, url
        assert refused.json()["error"] == {
            "code": "auth",
            "message": refused.json()["error"]["message"],
            "field": "X-API-Key",
        }
        wrong = await client.request(method, url, json=EXAMPLE, headers={"X-API-Key": "hhb_00000000_nope"})
        assert wrong.status_code == 401, url
    upload = await client.post("/api/v1/claims/837i", files={"file": ("a.837", b"ISA*")})
    assert upload.status_code == 401
    accepted = await client.post("/api/v1/claims/build", json=EXAMPLE, headers={"X-API-Key": key})
    assert accepted.status_code in (200, 422)  # authenticated: the claim input decides the rest
    assert (await client.get("/api/v1/codes/G0151")).status_code == 200
    assert (await client.get("/api/v1/search", params={"q": "nursing"})).status_code == 200


async def test_keys_can_be_turned_off_by_settings(store: Store) -> None:
    async with client_for(create_app(store, settings=Settings(require_api_key=False, rate_limit=0))) as client:
        response = await client.get("/api/v1/log")
        assert response.status_code == 200 and "entries" in response.json()


# -- limits ----------------------------------------------------------------------------------------------------------
async def test_bodies_over_the_limit_are_413(store: Store, key: str) -> None:
    app = create_app(store, settings=Settings(max_body_bytes=4096, rate_limit=0))
    big = {"remarks": "x" * 10_000, **EXAMPLE}
    async with client_for(app) as client:
        declared = await client.post("/api/v1/claims/check", json=big, headers={"X-API-Key": key})
        assert declared.status_code == 413 and declared.json()["error"]["code"] == "too_large"

        async def chunks():  # no Content-Length: the limit is enforced while the body streams in
            for _ in range(10):
                yield b" " * 1000

        streamed = await client.post(
            "/api/v1/claims/check",
            content=chunks(),
            headers={"X-API-Key": key, "content-type": "application/json"},
        )
        assert streamed.status_code == 413 and streamed.json()["error"]["code"] == "too_large"
        small = await client.post("/api/v1/claims/check", json=EXAMPLE, headers={"X-API-Key": key})
        assert small.status_code != 413


async def test_rate_limit_answers_429_with_retry_after(store: Store) -> None:
    app = create_app(store, settings=Settings(rate_limit=5, rate_window=3600))
    async with client_for(app) as client:
        statuses = [(await client.get("/api/v1/health")).status_code for _ in range(7)]
        assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]
        limited = await client.get("/api/v1/health")
        assert limited.json()["error"]["code"] == "rate_limited" and int(limited.headers["retry-after"]) >= 1
        assert limited.headers["x-content-type-options"] == "nosniff"


def test_rate_limiter_forgets_after_the_window_and_counts_per_client() -> None:
    now = [1000.0]
    limiter = RateLimiter(2, window=10, clock=lambda: now[0])
    assert limiter.hit("a") is None and limiter.hit("a") is None
    assert limiter.hit("a") is not None
    assert limiter.hit("b") is None  # another client has its own budget
    now[0] += 25  # two windows later: nothing left of the old count
    assert limiter.hit("a") is None
    assert RateLimiter(0).hit("a") is None  # 0 turns the limit off


# -- headers, CORS -----------------------------------------------------------------------------------------------------
async def test_security_headers_on_pages_api_and_errors(client: httpx.AsyncClient) -> None:
    for url in ("/", "/api/v1/health", "/api/v1/codes/Z9999", "/static/hhbill.css"):
        headers = (await client.get(url, headers=HTML)).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"


async def test_pages_use_no_inline_script_or_style(client: httpx.AsyncClient) -> None:
    html = (await client.get("/", headers=HTML)).text
    assert "<script>" not in html and "style=" not in html and "<style" not in html
    assert '"includeIndicatorStyles": false' in html  # htmx must not inject a <style> the CSP would block


async def test_claim_responses_are_not_cached(client: httpx.AsyncClient, key: str) -> None:
    response = await client.post("/api/v1/claims/build", json=EXAMPLE, headers={"X-API-Key": key})
    assert response.headers["cache-control"] == "no-store"


async def test_cors_is_closed_by_default_and_exact_when_configured(store: Store, client: httpx.AsyncClient) -> None:
    preflight = {"origin": "https://evil.example", "access-control-request-method": "POST"}
    closed = await client.options("/api/v1/claims/check", headers=preflight)
    assert "access-control-allow-origin" not in closed.headers
    app = create_app(store, settings=Settings(cors_origins=("https://billing.example",), rate_limit=0))
    async with client_for(app) as open_client:
        allowed = await open_client.options(
            "/api/v1/claims/check",
            headers={
                "origin": "https://billing.example",
                "access-control-request-method": "POST",
                "access-control-request-headers": "x-api-key",
            },
        )
        assert allowed.headers["access-control-allow-origin"] == "https://billing.example"
        refused = await open_client.get("/api/v1/health", headers={"origin": "https://evil.example"})
        assert "access-control-allow-origin" not in refused.headers


def test_wildcard_cors_is_refused() -> None:
    with pytest.raises(ConfigError):
        Settings(cors_origins=("*",))
    with pytest.raises(ConfigError):
        Settings(cors_origins=("https://*.example",))
    assert Settings.from_env({"HHBILL_CORS_ORIGINS": "https://a.example, https://b.example"}).cors_origins == (
        "https://a.example",
        "https://b.example",
    )


# -- logs --------------------------------------------------------------------------------------------------------------
async def test_access_log_has_route_templates_never_query_strings_or_bodies(
    client: httpx.AsyncClient, key: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="hhbill.web.access")
    await client.post("/api/v1/claims/check", json=EXAMPLE, params={"today": "2026-06-01"}, headers={"X-API-Key": key})
    await client.get("/api/v1/codes/G0151", params={"as_of": "2026-02-01"})
    await client.get("/search", params={"q": "Testpatient"}, headers=HTML)
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "POST /api/v1/claims/check 200" in text
    assert "GET /api/v1/codes/{code} 200" in text
    for secret in ("1EG4TE5MK73", "Testpatient", "2026-06-01", "G0151", key):
        assert secret not in text


# -- browser sign-in ---------------------------------------------------------------------------------------------------
SITE = "http://hhbill.test"


def form_token(html: str) -> str:
    """The CSRF token a page put in its forms' hidden field."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF field in its form"
    return found.group(1)


async def sign_in_browser(client: httpx.AsyncClient, key: str) -> None:
    """Sign ``client`` in as a browser does: the login page (CSRF cookie + field), then the form post.

    Afterwards the client sends its own Origin and the CSRF token with every request, as the pages' forms do."""
    client.headers.pop("X-API-Key", None)
    token = form_token((await client.get("/login", headers=HTML)).text)
    client.headers.update({"Origin": SITE, "X-CSRF-Token": token})
    signed = await client.post("/login", data={"api_key": key, "csrf_token": token})
    assert signed.status_code == 303, signed.text


async def test_sign_in_sets_a_strict_httponly_cookie_and_opens_claim_pages(client: httpx.AsyncClient, key: str) -> None:
    closed = await client.get("/claims", headers=HTML)
    assert closed.status_code == 303 and closed.headers["location"].startswith("/login")
    token = form_token((await client.get("/login", headers=HTML)).text)
    form = {"next": "/claims", "csrf_token": token}
    origin = {"Origin": SITE}
    failed = await client.post("/login", data={**form, "api_key": "hhb_00000000_wrong"}, headers={**HTML, **origin})
    assert failed.status_code == 401 and 'role="alert"' in failed.text
    signed = await client.post("/login", data={**form, "api_key": key}, headers=origin)
    assert signed.status_code == 303 and signed.headers["location"] == "/claims"
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert key.lower() not in cookie  # a session id, not the API key
    assert (await client.get("/claims", headers=HTML)).status_code == 200
    await client.post("/logout", data={"csrf_token": token}, headers=origin)
    assert (await client.get("/claims", headers=HTML)).status_code == 303


async def test_logout_ends_the_session_even_for_a_copied_cookie(client: httpx.AsyncClient, key: str) -> None:
    await sign_in_browser(client, key)
    session = client.cookies["hhbill_session"]
    assert session != key and key not in session
    await client.post("/logout")
    client.cookies.set("hhbill_session", session)  # the stolen or kept copy of the cookie
    again = await client.get("/claims", headers=HTML)
    assert again.status_code == 303 and again.headers["location"].startswith("/login")
    assert (await client.get("/log", params={"format": "json"})).status_code == 401


async def test_the_raw_api_key_as_a_cookie_signs_no_one_in(client: httpx.AsyncClient, key: str) -> None:
    client.cookies.set("hhbill_session", key)
    assert (await client.get("/log", params={"format": "json"})).status_code == 401


async def test_revoking_the_key_ends_its_sessions(client: httpx.AsyncClient, store: Store) -> None:
    _, key = create_api_key(store, "to revoke")
    await sign_in_browser(client, key)
    assert (await client.get("/log", params={"format": "json"})).status_code == 200
    revoke_api_key(store, key)
    assert (await client.get("/log", params={"format": "json"})).status_code == 401


async def test_login_never_redirects_off_site(client: httpx.AsyncClient, key: str) -> None:
    await sign_in_browser(client, key)
    for target in ("https://evil.example/", "//evil.example", "/\\evil.example"):
        response = await client.post("/login", data={"api_key": key, "next": target})
        assert response.headers["location"] == "/claims"


async def test_cross_site_form_posts_are_refused(client: httpx.AsyncClient, key: str) -> None:
    await sign_in_browser(client, key)
    form = {"input_json": json.dumps(EXAMPLE)}
    client.headers.pop("Origin", None)
    token = {"X-CSRF-Token": client.headers["X-CSRF-Token"]}
    for origin, fetch_site in [
        ("https://evil.example", None),
        ("https://evil.example", "same-origin"),  # Origin names the other site: that wins
        ("null", None),
        ("null", "cross-site"),  # a cross-site page with Referrer-Policy: no-referrer sends exactly this
        (None, None),
        (None, "same-site"),  # a sibling subdomain is not this site
    ]:
        headers = {**HTML, **token}
        if origin is not None:
            headers["origin"] = origin
        if fetch_site is not None:
            headers["sec-fetch-site"] = fetch_site
        response = await client.post("/claims", data=form, headers=headers)
        assert response.status_code == 403, (origin, fetch_site, response.text)
    same = await client.post("/claims", data=form, headers={"origin": SITE, **HTML, **token})
    assert same.status_code in (200, 422)
    # our own pages (Referrer-Policy: no-referrer) post with Origin: null, attested by the browser
    own = await client.post("/claims", data=form, headers={"origin": "null", "sec-fetch-site": "same-origin", **HTML})
    assert own.status_code in (200, 422), own.text


async def test_form_posts_need_the_csrf_token_of_their_cookie(client: httpx.AsyncClient, key: str) -> None:
    await sign_in_browser(client, key)
    token = client.headers.pop("X-CSRF-Token")
    form = {"code": "G0299", "performed_on": "2026-03-02", "units": "1"}
    assert (await client.post("/log", data=form)).status_code == 403  # no token
    assert (await client.post("/log", data={**form, "csrf_token": "forged"})).status_code == 403
    passed = await client.post("/log", data={**form, "csrf_token": token}, headers={"accept": "application/json"})
    assert passed.status_code in (201, 303), passed.text  # through to the route


async def test_with_keys_off_a_cross_site_null_origin_post_writes_nothing(store: Store) -> None:
    app = create_app(store, settings=Settings(rate_limit=0, require_api_key=False))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=SITE) as client:
        before = (await client.get("/log", params={"format": "json"})).json()["entries"]
        posted = await client.post("/log", data={"code": "G0299", "units": "1"}, headers={"Origin": "null"})
        assert posted.status_code == 403
        posted = await client.post("/log", data={"code": "G0299", "units": "1"}, headers={"Origin": SITE})
        assert posted.status_code == 403  # same site, but no token: a page it did not serve
        assert (await client.get("/log", params={"format": "json"})).json()["entries"] == before


def test_starting_with_api_keys_off_warns_loudly(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    from starlette.testclient import TestClient

    caplog.set_level(logging.WARNING)
    with TestClient(create_app(store, settings=Settings(require_api_key=False))):
        pass
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("API keys are OFF" in r.getMessage() for r in warnings)
    caplog.clear()
    with TestClient(create_app(store, settings=Settings())):
        pass
    assert not any("API keys are OFF" in r.getMessage() for r in caplog.records)
