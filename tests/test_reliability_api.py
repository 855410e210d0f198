"""The API under abuse and load: oversized bodies, slow clients, malformed JSON and X12, wrong or missing API
keys, path traversal — each rejected with the right status, the service staying up, and no PHI in any log.

Most tests drive the app in-process (httpx.ASGITransport); slow clients need real sockets, so one real
``hhbill serve`` runs on 127.0.0.1 (loopback only, every loop bounded). The claims carry a fictitious patient
whose name and MBI must never appear in a log line, whatever happens to the request.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hhbill import hcpcs
from hhbill._store import Store
from hhbill.web import Settings, create_api_key, create_app, revoke_api_key

pytestmark = pytest.mark.anyio

REPO = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("hhbill_fuzz_seeds_api", REPO / "fuzz" / "seeds.py")
assert _spec is not None and _spec.loader is not None
seeds = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(seeds)

#: a fictitious patient: none of these strings may reach a log
PHI = {"last_name": "Zyxwarbleton", "first_name": "Quentessa", "mbi": "8VW3KP6YT42"}
MAX_BODY = 64 * 1024


def phi_claim(**changes: Any) -> dict[str, Any]:
    return {**seeds.PERIOD, "patient": dict(PHI), "patient_control_number": "PCN-ZYX-1", **changes}


def phi_837i() -> bytes:
    text = seeds.X12_837I.replace("FUZZPATIENT*ALEX", f"{PHI['last_name'].upper()}*{PHI['first_name'].upper()}")
    return text.replace("1EG4TE5MK01", PHI["mbi"]).encode()


def assert_no_phi(text: str) -> None:
    lowered = text.lower()
    for value in PHI.values():
        assert value.lower() not in lowered, f"PHI {value!r} found in the log"


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    #: the test's own HTTP client logs the URLs it requests; that is not the service's log
    CLIENT_SIDE = ("httpx", "httpcore", "hpack", "asyncio")

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(self.CLIENT_SIDE):
            return
        self.lines.append(self.format(record))
        if record.exc_info:
            self.lines.append(logging.Formatter().formatException(record.exc_info))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(tmp_path_factory.mktemp("api-abuse") / "hhbill.db")
    hcpcs.ensure_default(store)
    return store


@pytest.fixture(scope="module")
def api_key(store: Store) -> str:
    return create_api_key(store, "reliability")[1]


@pytest.fixture(scope="module")
def logs() -> Iterator[_Collect]:
    """Every log record of every logger while this module runs (the PHI grep reads them at the end)."""
    handler = _Collect()
    root = logging.getLogger()
    old_level = root.level
    quiet = {name: logging.getLogger(name).level for name in _Collect.CLIENT_SIDE}
    # a real server started earlier in this process (uvicorn applies hhbill's log_config) stops hhbill's records
    # at their own logger: let them reach the root again while this module runs
    hhbill_logger = logging.getLogger("hhbill")
    old_propagate = hhbill_logger.propagate
    hhbill_logger.propagate = True
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in quiet:  # the test client's own chatter would only fill pytest's captured log
        logging.getLogger(name).setLevel(logging.WARNING)
    yield handler
    root.removeHandler(handler)
    root.setLevel(old_level)
    hhbill_logger.propagate = old_propagate
    for name, level in quiet.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture
async def client(store: Store, logs: _Collect) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(store, settings=Settings(rate_limit=0, max_body_bytes=MAX_BODY))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # a crash must show as a 500 here
    async with httpx.AsyncClient(transport=transport, base_url="http://hhbill.test") as client:
        yield client


async def still_up(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/health")
    assert response.status_code == 200 and response.json()["status"] == "ok"


# -- API keys -------------------------------------------------------------------------------------------------------
PROTECTED = [
    ("POST", "/api/v1/claims/check"),
    ("POST", "/api/v1/claims/build"),
    ("POST", "/api/v1/claims/837i"),
    ("GET", "/api/v1/log"),
    ("GET", "/api/v1/log/report"),
]
BAD_KEYS = [
    None,
    "",
    "nope",
    "hhb_",
    "hhb_deadbeef_" + "x" * 43,
    "hhb_deadbeef",
    "hhb_" + "a" * 5000,
    "HHB_DEADBEEF_X",
    "hhb_deadbeef_x\u00e9",
    "hhb_../../etc_passwd",
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
@pytest.mark.parametrize("key", BAD_KEYS, ids=lambda k: "none" if k is None else repr(k)[:20])
async def test_wrong_or_missing_api_key_is_401(client: httpx.AsyncClient, method: str, path: str, key) -> None:
    headers = {} if key is None else {"X-API-Key": key.encode("utf-8")}
    response = await client.request(method, path, headers=headers, json=phi_claim())
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "auth"


async def test_revoked_key_is_401_and_a_good_key_works(client: httpx.AsyncClient, store: Store) -> None:
    _, key = create_api_key(store, "to revoke")
    ok = await client.post("/api/v1/claims/check", headers={"X-API-Key": key}, json=phi_claim())
    assert ok.status_code == 200, ok.text
    revoke_api_key(store, key)
    refused = await client.post("/api/v1/claims/check", headers={"X-API-Key": key}, json=phi_claim())
    assert refused.status_code == 401


# -- oversized bodies --------------------------------------------------------------------------------------------------
async def test_oversized_bodies_are_413_and_the_service_stays_up(client: httpx.AsyncClient, api_key: str) -> None:
    headers = {"X-API-Key": api_key}
    big = json.dumps(phi_claim(note="x" * (MAX_BODY + 1)))
    declared = await client.post(
        "/api/v1/claims/check", headers={**headers, "content-type": "application/json"}, content=big
    )
    assert declared.status_code == 413

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the limit is enforced while streaming
        for _ in range(40):
            yield b" " * 4096
        yield big.encode()

    streamed = await client.post(
        "/api/v1/claims/check", headers={**headers, "content-type": "application/json"}, content=chunks()
    )
    assert streamed.status_code == 413
    upload = await client.post(
        "/api/v1/claims/837i", headers=headers, files={"file": ("big.837", phi_837i() * 60, "application/edi-x12")}
    )
    assert upload.status_code == 413
    unauthenticated = await client.post(
        "/api/v1/claims/check", content=big, headers={"content-type": "application/json"}
    )
    assert unauthenticated.status_code in (401, 413)
    await still_up(client)


# -- malformed JSON ----------------------------------------------------------------------------------------------------
MALFORMED_JSON = {
    "not json": (b"{not json", 400),
    "truncated": (json.dumps(phi_claim()).encode()[:-7], 400),
    "empty": (b"", (400, 422)),
    "a list": (b"[1, 2, 3]", 422),
    "a string": (b'"Zyxwarbleton"', 422),
    "nul bytes": (b'{"type_of_bill": "\x00\x00"}', (400, 422)),
    "invalid utf-8": (b'{"patient": {"last_name": "\xff\xfe"}}', (400, 422)),
    "wrong types": (json.dumps(phi_claim(visits="many", hipps=7)).encode(), 422),
    "huge number": (json.dumps(phi_claim(cbsa=1)).replace('"cbsa": 1', '"cbsa": 1' + "0" * 5000).encode(), (400, 422)),
    "deep nesting": (b"[" * 50_000 + b"]" * 50_000, (400, 413, 422)),
    "deep object": (b'{"a":' * 20_000 + b"1" + b"}" * 20_000, (400, 413, 422)),
}


@pytest.mark.parametrize("name", sorted(MALFORMED_JSON))
async def test_malformed_json_is_4xx_never_500(client: httpx.AsyncClient, api_key: str, name: str) -> None:
    body, expected = MALFORMED_JSON[name]
    for path in ("/api/v1/claims/check", "/api/v1/claims/build"):
        response = await client.post(
            path, content=body, headers={"X-API-Key": api_key, "content-type": "application/json"}
        )
        allowed = expected if isinstance(expected, tuple) else (expected,)
        assert response.status_code in allowed, f"{path}: {response.status_code} {response.text[:300]}"
        assert "error" in response.json()
    await still_up(client)


# -- malformed X12 -----------------------------------------------------------------------------------------------------
MALFORMED_X12 = {
    "empty": b"",
    "random": bytes(range(256)) * 4,
    "truncated": phi_837i()[:700],
    "no ISA": phi_837i()[106:],
    "utf-16": phi_837i().decode().encode("utf-16"),
    "binary zip": b"PK\x03\x04" + b"\x00" * 200,
    "bad segment count": phi_837i().replace(b"SE*38*", b"SE*99*"),
    "json instead": json.dumps(phi_claim()).encode(),
}


@pytest.mark.parametrize("name", sorted(MALFORMED_X12))
async def test_malformed_x12_upload_is_422_never_500(client: httpx.AsyncClient, api_key: str, name: str) -> None:
    for lenient in ("false", "true"):
        response = await client.post(
            "/api/v1/claims/837i",
            params={"lenient": lenient},
            headers={"X-API-Key": api_key},
            files={"file": ("claims.837", MALFORMED_X12[name], "application/edi-x12")},
        )
        assert response.status_code in (200, 422), f"{response.status_code} {response.text[:300]}"
        if response.status_code == 200 and lenient == "false" and name != "utf-16":  # UTF-16 with BOM is readable
            # a file that breaks after its claims were read: reported with them, the break named
            assert response.json()["summary"]["structure_error"], response.text[:300]
    not_multipart = await client.post(
        "/api/v1/claims/837i", headers={"X-API-Key": api_key}, content=MALFORMED_X12[name]
    )
    assert not_multipart.status_code in (400, 415, 422)
    await still_up(client)


# -- path traversal ----------------------------------------------------------------------------------------------------
TRAVERSAL_NAMES = [
    "../../../../etc/passwd",
    "..\\..\\..\\windows\\win.ini",
    "/etc/shadow",
    "....//....//etc/hosts",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "claims.837\x00.txt",
    "C:\\Users\\x\\claims.837",
    "~/.ssh/id_rsa",
]


@pytest.mark.parametrize("name", TRAVERSAL_NAMES)
async def test_path_traversal_in_the_upload_name_reads_and_writes_nothing_else(
    client: httpx.AsyncClient, api_key: str, name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work" / "here"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)  # relative names would land here (or one and two levels up)
    before = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    response = await client.post(
        "/api/v1/claims/837i", headers={"X-API-Key": api_key}, files={"file": (name, phi_837i(), "application/edi-x12")}
    )
    assert response.status_code == 200, response.text[:300]
    body = response.text
    assert "root:" not in body and "/etc/" not in body and "..\\" not in body and "../" not in body
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == before


TRAVERSAL_PATHS = [
    "/static/../../_store.py",
    "/static/%2e%2e/%2e%2e/_store.py",
    "/static/..%2f..%2f_store.py",
    "/static/....//....//pyproject.toml",
    "/static/%252e%252e/%252e%252e/_errors.py",
    "/static//etc/passwd",
    "/static/..\\..\\_store.py",
    "/api/v1/codes/..%2F..%2Fetc%2Fpasswd",
    "/api/v1/codes/%00",
    "/codes/../../etc/passwd",
    "/api/v1/rvu/..%2f..%2fpyproject.toml",
    "/static/" + "../" * 50 + "etc/passwd",
]


@pytest.mark.parametrize("path", TRAVERSAL_PATHS)
async def test_path_traversal_in_urls_serves_no_file_outside(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code in (400, 404, 422), f"{path}: {response.status_code}"
    assert "class StoreError" not in response.text and "root:x:" not in response.text
    assert "[project]" not in response.text


# -- random abuse: any path, query and body ----------------------------------------------------------------------------
PATH_PART = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=0x2FF, exclude_characters="?#"), max_size=20)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    st.sampled_from(
        [
            "/api/v1/codes/",
            "/api/v1/search?q=",
            "/api/v1/suggest?q=",
            "/api/v1/rvu/",
            "/codes/",
            "/search?q=",
            "/api/v1/diff?old=",
            "/api/v1/codes/G0151?as_of=",
            "/api/v1/search?limit=",
        ]
    ),
    PATH_PART,
)
async def test_any_url_is_answered_below_500(client: httpx.AsyncClient, prefix: str, text: str) -> None:
    from urllib.parse import quote

    response = await client.get(prefix + quote(text, safe=""))
    assert response.status_code < 500, f"{prefix}{text!r}: {response.status_code} {response.text[:200]}"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    st.dictionaries(
        st.sampled_from(sorted(seeds.PERIOD)),
        st.none() | st.integers() | st.text(max_size=10) | st.lists(st.integers(), max_size=2),
        max_size=4,
    )
)
async def test_any_claim_body_is_answered_below_500(client: httpx.AsyncClient, api_key: str, changes) -> None:
    response = await client.post("/api/v1/claims/check", headers={"X-API-Key": api_key}, json=phi_claim(**changes))
    assert response.status_code < 500, response.text[:300]


# -- no PHI in the logs (runs last in this module: it reads what every test above logged) ---------------------------
async def test_zz_no_phi_in_any_log_line(client: httpx.AsyncClient, api_key: str, logs: _Collect) -> None:
    headers = {"X-API-Key": api_key}
    # the PHI goes through every path once more: good claim, recorded claim, bad claim, bad query, X12
    await client.post("/api/v1/claims/check", headers=headers, json=phi_claim(), params={"record": "submitted"})
    await client.post("/api/v1/claims/check", headers=headers, json=phi_claim(from_="not a date", hipps=PHI["mbi"]))
    await client.post("/api/v1/claims/build", headers=headers, json={**phi_claim(), "visits": PHI["last_name"]})
    await client.get("/api/v1/search", params={"q": f"{PHI['last_name']} {PHI['mbi']}"})
    await client.get(f"/api/v1/codes/{PHI['mbi']}")
    await client.post("/api/v1/claims/837i", headers=headers, files={"file": ("x.837", phi_837i(), "text/plain")})
    await client.post(
        "/api/v1/claims/837i",
        headers=headers,
        files={"file": (f"{PHI['last_name']}.837", phi_837i()[:900], "text/plain")},
    )
    assert logs.lines, "nothing was logged: the grep would prove nothing"
    assert any("/api/v1/claims/check" in line for line in logs.lines)  # the access log did see these requests
    assert_no_phi("\n".join(logs.lines))


# -- a real server on loopback: slow clients --------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, str]]:
    folder = tmp_path_factory.mktemp("served")
    db = folder / "hhbill.db"
    with Store(db) as store:
        hcpcs.ensure_default(store)
        key = create_api_key(store, "slow-client test")[1]
    port = _free_port()
    log = folder / "server.log"
    env = {**os.environ, "HHBILL_RATE_LIMIT": "0", "HHBILL_MAX_BODY_BYTES": str(MAX_BODY)}
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "hhbill.cli", "--db", str(db), "serve", "--host", "127.0.0.1", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=REPO,
            env=env,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(1200):  # bounded: at most ~2 minutes on a very busy machine
            if proc.poll() is not None:
                pytest.fail(f"the server exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail(f"the server did not start: {log.read_text()[-2000:]}")
        yield base, log, key
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)


def _open(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def test_slow_clients_do_not_stop_the_service(server) -> None:
    base, _log, key = server
    slow: list[socket.socket] = []
    try:
        for n in range(30):  # slowloris: headers that never finish, and bodies that never arrive
            s = _open(base)
            if n % 2:
                s.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            else:
                s.sendall(
                    b"POST /api/v1/claims/check HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
                    b"\r\nContent-Length: 4000\r\nX-API-Key: " + key.encode() + b'\r\n\r\n{"patient": '
                )
            slow.append(s)
        for step in range(5):  # trickle a byte on each, and meanwhile everyone else is served
            for s in slow:
                with contextlib.suppress(OSError):  # the server may close a slow connection: allowed
                    s.sendall(b"a")
            response = httpx.get(
                f"{base}/api/v1/search", params={"q": "skilled nursing", "as_of": "2026-02-01"}, timeout=10
            )
            assert response.status_code == 200, f"step {step}: {response.status_code}"
            claim = httpx.post(f"{base}/api/v1/claims/check", json=phi_claim(), headers={"X-API-Key": key}, timeout=20)
            assert claim.status_code == 200
    finally:
        for s in slow:
            s.close()
    assert httpx.get(f"{base}/api/v1/health", timeout=10).status_code == 200


def test_load_on_the_real_server_every_request_answered(server) -> None:
    """400 requests, 16 at a time, mixing reference reads and claim checks: every one answered correctly."""
    import asyncio

    base, _log, key = server

    async def run() -> list[int]:
        limits = httpx.Limits(max_connections=16)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
            gate = asyncio.Semaphore(16)

            async def one(n: int) -> int:
                async with gate:
                    if n % 4 == 0:
                        response = await client.post(
                            "/api/v1/claims/check", json=phi_claim(), headers={"X-API-Key": key}
                        )
                    elif n % 4 == 1:
                        response = await client.get("/api/v1/search", params={"q": "nursing", "as_of": "2026-02-01"})
                    else:
                        response = await client.get("/api/v1/codes/G0299", params={"as_of": "2026-02-01"})
                    return response.status_code

            return await asyncio.gather(*(one(n) for n in range(400)))

    statuses = asyncio.run(run())
    assert statuses.count(200) == 400, sorted(set(statuses))
    assert httpx.get(f"{base}/api/v1/health", timeout=10).status_code == 200


async def test_rate_limit_answers_429_with_retry_after(store: Store) -> None:
    app = create_app(store, settings=Settings(rate_limit=30, rate_window=3600, max_body_bytes=MAX_BODY))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hhbill.test") as client:
        statuses = [(await client.get("/api/v1/releases")) for _ in range(45)]
    assert [r.status_code for r in statuses].count(200) == 30
    refused = [r for r in statuses if r.status_code == 429]
    assert len(refused) == 15 and all(int(r.headers["retry-after"]) >= 1 for r in refused)


def test_oversized_body_on_a_real_socket_is_refused_before_it_is_read(server) -> None:
    base, _log, key = server
    with _open(base) as s:
        s.sendall(
            b"POST /api/v1/claims/check HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"X-API-Key: " + key.encode() + b"\r\nContent-Length: 1000000000\r\n\r\n"
        )
        answer = s.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413")
    assert httpx.get(f"{base}/api/v1/health", timeout=10).status_code == 200


def test_server_log_holds_no_phi_after_abuse(server) -> None:
    base, log, key = server
    headers = {"X-API-Key": key}
    httpx.post(
        f"{base}/api/v1/claims/check", json=phi_claim(), headers=headers, params={"record": "submitted"}, timeout=20
    )
    httpx.post(
        f"{base}/api/v1/claims/check", json=phi_claim(visits=[{"minutes": PHI["mbi"]}]), headers=headers, timeout=20
    )
    httpx.post(f"{base}/api/v1/claims/check", content=b"{" + PHI["last_name"].encode(), headers=headers, timeout=20)
    httpx.post(f"{base}/api/v1/claims/837i", files={"file": ("a.837", phi_837i()[:800])}, headers=headers, timeout=20)
    httpx.post(f"{base}/api/v1/claims/check", json=phi_claim(), headers={"X-API-Key": PHI["mbi"]}, timeout=20)
    httpx.get(f"{base}/api/v1/search", params={"q": PHI["last_name"]}, timeout=20)
    with _open(base) as s:  # a request the server cannot even parse, carrying PHI
        s.sendall(
            b"POST /api/v1/claims/check?mbi="
            + PHI["mbi"].encode()
            + b" HTTP/1.1\r\nHost: \x00"
            + PHI["last_name"].encode()
            + b"\r\n\r\n"
        )
        s.recv(4096)
    assert httpx.get(f"{base}/api/v1/health", timeout=10).status_code == 200
    time.sleep(0.5)  # let the server flush its log (no assertion depends on timing beyond the flush)
    text = log.read_text(errors="replace")
    assert "/api/v1/claims/check" in text, "the access log is empty: the grep would prove nothing"
    assert_no_phi(text)


def test_multipart_file_is_never_written_to_disk_under_its_name(tmp_path: Path) -> None:
    """The upload's name is only a label: the reader gets the bytes (io.BytesIO), never a path."""
    from hhbill.app import Hhbill

    store = Store(tmp_path / "hhbill.db")
    hcpcs.ensure_default(store)
    target = tmp_path / "victim.txt"
    target.write_text("keep me")
    report = Hhbill(store).scrub_837i(io.BytesIO(phi_837i()), file_name=str(target))
    assert len(report.claims) == 1  # read from the uploaded bytes, not from the file the name points at
    assert target.read_text() == "keep me"


def test_a_served_process_keeps_its_start_up_heap_out_of_the_cyclic_collector(tmp_path: Path) -> None:
    """Under load every full collection would walk the start-up objects again (search tables, caches), and young
    collections every 700 allocations the objects of every request in flight: the app's start-up freezes the first
    and raises the threshold, once per process."""
    script = (
        "import gc, sys\n"
        "from starlette.testclient import TestClient\n"
        "from hhbill.web import create_app\n"
        "app = create_app(sys.argv[1])\n"
        "before = gc.get_freeze_count()\n"
        "with TestClient(app):\n"
        "    after = gc.get_freeze_count()\n"
        "with TestClient(create_app(sys.argv[1])):\n"
        "    again = gc.get_freeze_count()\n"
        "print(before, after, again, gc.get_threshold()[0])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "hhbill.db")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    before, after, again, young_threshold = map(int, out.stdout.split())
    assert before == 0 and after > 10_000 and young_threshold > 10_000
    assert again <= after  # the second app froze nothing more (objects frozen and since freed leave the count)
