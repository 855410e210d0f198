"""What an attack on hhbill found (issue 16), one test per guarantee.

Each test drives the real surface an attacker or a careless user meets: the API in-process (httpx.ASGITransport)
or a real uvicorn on 127.0.0.1 when the socket matters (header size, slow clients), the CLI through its runner,
the library where the fault is in the library. Fictitious data only.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from hhbill import claims, hcpcs
from hhbill._errors import ClaimInputError, StoreError
from hhbill._store import Store
from hhbill._text import find_lone_surrogate, reject_lone_surrogates
from hhbill.web import Settings, create_api_key, create_app

REPO = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("hhbill_fuzz_seeds_attack", REPO / "fuzz" / "seeds.py")
assert _spec is not None and _spec.loader is not None
seeds = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(seeds)

LONE = "\ud800"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(tmp_path_factory.mktemp("attack") / "hhbill.db")
    hcpcs.ensure_default(store)
    return store


@pytest.fixture(scope="module")
def api_key(store: Store) -> str:
    return create_api_key(store, "attack")[1]


@pytest.fixture
async def client(store: Store) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(store, settings=Settings(rate_limit=0))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # a crash must show as a 500 here
    async with httpx.AsyncClient(transport=transport, base_url="http://hhbill.test") as client:
        yield client


def ledger_rows(store: Store) -> int:
    try:
        return int(store.execute("SELECT count(*) FROM claims_ledger").fetchone()[0])
    except Exception:  # no ledger table yet
        return 0


# -- 3. lone surrogates ---------------------------------------------------------------------------------------------
def _with_surrogate(where: str) -> tuple[dict[str, Any], str]:
    """The example period with a lone surrogate at ``where``; returns it and the field path the error must name."""
    period = json.loads(json.dumps(seeds.PERIOD))
    if where == "patient.last_name":
        period["patient"]["last_name"] = "Fuzz" + LONE
    elif where == "claim_id":
        period["claim_id"] = "C-" + LONE
    elif where == "remarks":
        period["remarks"] = LONE + " late"
    elif where == "diagnoses[1]":
        period["diagnoses"][1] = "E11" + LONE
    elif where == "visits[1].discipline":
        period["visits"][1]["discipline"] = LONE
    elif where == "unknown key":
        period["x" + LONE] = "1"
        return period, "(a field name)"
    return period, where


SURROGATE_FIELDS = ["patient.last_name", "claim_id", "remarks", "diagnoses[1]", "visits[1].discipline", "unknown key"]


@pytest.mark.parametrize("where", SURROGATE_FIELDS)
def test_lone_surrogate_is_refused_by_the_claim_reader_naming_the_field(where: str) -> None:
    period, field = _with_surrogate(where)
    with pytest.raises(ClaimInputError) as caught:
        claims.parse_claim_input(period)
    assert caught.value.location["field"] == field


def test_lone_surrogate_in_a_visit_csv_names_the_line() -> None:
    text = seeds.VISITS_CSV.replace("PTA", "PT" + LONE)
    with pytest.raises(ClaimInputError) as caught:
        reject_lone_surrogates(text, "visits")
    assert caught.value.location == {"field": "visits", "line": 3}


def test_surrogate_pairs_and_other_unicode_pass() -> None:
    assert find_lone_surrogate({"name": "Zoë 😀 ñandú", "list": ["\u2028", "\ufeff", "\U0010ffff"]}) is None
    deep: Any = "x"
    for _ in range(50_000):  # deeper than the recursion limit: the walk must not recurse
        deep = [deep]
    assert find_lone_surrogate(deep) is None


@pytest.mark.anyio
@pytest.mark.parametrize("where", SURROGATE_FIELDS)
async def test_api_refuses_a_lone_surrogate_with_422_and_keeps_no_ledger_row(
    client: httpx.AsyncClient, store: Store, api_key: str, where: str
) -> None:
    period, field = _with_surrogate(where)
    before = ledger_rows(store)
    body = json.dumps(period)  # ensure_ascii: the surrogate travels as the escape \ud800, as an attacker sends it
    response = await client.post(
        "/api/v1/claims/check?record=checked",
        content=body,
        headers={"X-API-Key": api_key, "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert field in (error.get("field") or "") + error["message"]
    assert ledger_rows(store) == before
    # the corrected claim is then new, not an exact duplicate of the refused one
    fixed = await client.post("/api/v1/claims/check?record=checked", json=seeds.PERIOD, headers={"X-API-Key": api_key})
    assert fixed.status_code == 200, fixed.text


def test_cli_claim_check_with_a_lone_surrogate_prints_the_field_and_no_traceback(tmp_path: Path) -> None:
    from hhbill.cli import app

    period, _ = _with_surrogate("patient.last_name")
    claim_file = tmp_path / "claim.json"
    claim_file.write_text(json.dumps(period), encoding="utf-8")
    result = CliRunner().invoke(app, ["--db", str(tmp_path / "db.sqlite"), "claim", "check", str(claim_file)])
    output = result.output
    assert result.exit_code == 1, output
    assert "patient.last_name" in output
    assert "Traceback" not in output and "UnicodeEncodeError" not in output
    assert not isinstance(result.exception, UnicodeError)


# -- 6. damaged pages in the middle of the database -----------------------------------------------------------------
def run_cli(*args: str, db: Path, user: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "COLUMNS": "200"}
    return subprocess.run(
        [*(user or []), sys.executable, "-m", "hhbill.cli", "--db", str(db), *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        env=env,
    )


def _damage_table_pages(db: Path, table: str) -> None:
    """Overwrite the middle leaf pages of one table (the file header and schema stay readable)."""
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = [row[0] for row in conn.execute("SELECT pageno FROM dbstat WHERE name = ? ORDER BY pageno", (table,))]
    middle = pages[len(pages) // 3 : len(pages) // 3 + 8]
    with open(db, "r+b") as handle:
        for page in middle:
            handle.seek((page - 1) * page_size)
            handle.write(b"\xa5" * page_size)


@pytest.fixture
def damaged_db(tmp_path: Path) -> Path:
    return _damaged(tmp_path, ("hcpcs_code", "search_release_index"))


def _damaged(tmp_path: Path, tables: tuple[str, ...]) -> Path:
    import hhbill.search  # noqa: F401  (its import hook stores the search index too: the same file in any test order)

    db = tmp_path / "damaged.db"
    with Store(db) as fresh:
        hcpcs.ensure_default(fresh)
    for table in tables:
        _damage_table_pages(db, table)
    return db


def test_search_over_damaged_pages_prints_plain_words_not_a_traceback(damaged_db: Path) -> None:
    done = run_cli("search", "wheelchair", db=damaged_db)
    shown = done.stdout + done.stderr
    assert done.returncode == 1, shown
    assert "damaged" in shown
    assert "Traceback" not in shown and "sqlite3." not in shown


def test_every_read_goes_through_the_store_error_handling(damaged_db: Path) -> None:
    with Store(damaged_db) as store:
        with pytest.raises(StoreError, match="damaged"):
            store.execute("SELECT * FROM hcpcs_code").fetchall()
        with pytest.raises(StoreError, match="damaged"):
            for _row in store.execute("SELECT * FROM hcpcs_code"):
                pass
        with pytest.raises(StoreError, match="damaged"):
            store.fetchall("SELECT * FROM hcpcs_code")


@pytest.mark.parametrize(
    "tables",
    [("hcpcs_code", "search_release_index"), ("hcpcs_code",)],
    ids=["index-damaged", "index-readable"],  # index readable: search answers from it, code pages can't
)
def test_serve_starts_over_damaged_pages_and_serves_what_is_readable(tmp_path: Path, tables: tuple[str, ...]) -> None:
    from starlette.testclient import TestClient

    damaged_db = _damaged(tmp_path, tables)
    app = create_app(Store(damaged_db), settings=Settings(rate_limit=0))
    with TestClient(app, raise_server_exceptions=False) as client:  # runs the start-up (search warm-up)
        assert client.get("/api/v1/health").status_code == 200
        assert client.get("/api/v1/releases").status_code == 200
        searched = client.get("/api/v1/search", params={"q": "wheelchair"})
        assert searched.status_code in (200, 503), searched.text
        if searched.status_code == 503:
            assert "damaged" in searched.json()["error"]["message"]


# -- 8. full disk, read-only folder: say what is really wrong ------------------------------------------------------
NOT_ROOT = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--inh-caps=-all"]
needs_setpriv = pytest.mark.skipif(
    os.geteuid() == 0 and shutil.which("setpriv") is None, reason="root needs util-linux setpriv to drop its override"
)


@pytest.fixture
def intact_db(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "hhbill.db"
    with Store(db) as fresh:
        hcpcs.ensure_default(fresh)
    return db


@needs_setpriv
@pytest.mark.parametrize("command", [["releases"], ["code", "G0299"]])
def test_read_only_folder_is_not_called_damage(intact_db: Path, command: list[str]) -> None:
    folder = intact_db.parent
    for leftover in folder.glob("*-*"):  # a clean close: no -wal/-shm; SQLite must create them to open
        leftover.unlink()
    folder.chmod(0o555)
    try:
        done = run_cli(*command, db=intact_db, user=NOT_ROOT if os.geteuid() == 0 else None)
    finally:
        folder.chmod(0o755)
    shown = " ".join((done.stdout + done.stderr).split())
    if done.returncode == 0:
        return  # answered from the file as it is: nothing misleading was said
    assert "damaged" not in shown and "move it aside" not in shown, shown
    assert "read-only" in shown and str(folder) in shown, shown
    assert "integrity check ok" in shown
    assert "Traceback" not in shown


@needs_setpriv
def test_leftover_read_only_journal_files_are_named(intact_db: Path) -> None:
    with sqlite3.connect(intact_db) as conn:  # leave -wal and -shm behind, as a killed process does
        conn.execute("PRAGMA journal_mode=WAL")
        keep = sqlite3.connect(intact_db)
        keep.execute("CREATE TABLE IF NOT EXISTS leftover (x)")
    journals = [Path(f"{intact_db}-wal"), Path(f"{intact_db}-shm")]
    assert all(j.exists() for j in journals)
    for journal in journals:
        journal.chmod(0o444)
    try:
        done = run_cli("log", "add", "G0299", db=intact_db, user=NOT_ROOT if os.geteuid() == 0 else None)
    finally:
        for journal in journals:
            journal.chmod(0o644)
        keep.close()
    shown = " ".join((done.stdout + done.stderr).split())
    assert done.returncode == 1, shown
    assert "damaged" not in shown and "move it aside" not in shown, shown
    assert "-wal" in shown or "-shm" in shown, shown
    assert "Traceback" not in shown


def test_store_open_errors_are_classified() -> None:
    from hhbill._store import _why_not_open

    assert "damaged" in _why_not_open("/nonexistent/x.db", sqlite3.DatabaseError("file is not a database"))
    full = _why_not_open("/nonexistent/x.db", sqlite3.OperationalError("database or disk is full"))
    assert "full" in full and "damaged" not in full and "move it aside" not in full


# -- 10. a small zip that inflates to hundreds of MB ----------------------------------------------------------------
def test_a_small_zip_inflating_to_150_mb_is_refused_without_reading_it(tmp_path: Path) -> None:
    import tracemalloc
    import zipfile

    from hhbill._errors import ImportFormatError
    from hhbill._zip import read_member

    path = tmp_path / "january-2026-alpha-numeric-hcpcs-file.zip"
    line = b"G0299 " + b" " * 314 + b"\r\n"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("HCPC2026_JAN_ANWEB.txt", "w", force_zip64=True) as member:
            block = line * 3200
            for _ in range(150 * 1024 * 1024 // len(block)):
                member.write(block)
    assert path.stat().st_size < 4 * 1024 * 1024  # a few MB on disk
    tracemalloc.start()
    try:
        with zipfile.ZipFile(path) as archive, pytest.raises(ImportFormatError, match=r"zip bomb|size") as caught:
            read_member(archive, "HCPC2026_JAN_ANWEB.txt", str(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.location["file"] == str(path)
    assert peak < 32 * 1024 * 1024, f"peak {peak / 2**20:.0f} MB while refusing the zip"


# -- 10. smaller items ----------------------------------------------------------------------------------------------
@pytest.mark.anyio
async def test_deleting_a_log_entry_beyond_64_bits_is_not_a_500(client: httpx.AsyncClient, api_key: str) -> None:
    from test_web_security import sign_in_browser

    await sign_in_browser(client, api_key)
    for entry in ("9223372036854775808", "99999999999999999999999999"):
        response = await client.post(f"/log/{entry}/delete", headers={"accept": "application/json"})
        assert response.status_code in (404, 422), response.text
        assert response.json()["error"]["message"]


@pytest.mark.anyio
async def test_an_unexpected_500_still_carries_the_security_headers(store: Store) -> None:
    app = create_app(store, settings=Settings(rate_limit=0))

    def boom() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/api/v1/boom", boom)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://hhbill.test") as client:
        response = await client.get("/api/v1/boom")
    assert response.status_code == 500
    for header in ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy"):
        assert header in response.headers, header
    assert response.json()["error"]["code"] == "internal" and "a bug" not in response.text


# -- a real server on 127.0.0.1 -------------------------------------------------------------------------------------
@contextlib.contextmanager
def real_server(store: Store, settings: Settings, parser: str = "") -> Iterator[int]:
    """hhbill under uvicorn with the options ``hhbill serve`` uses, in a thread, on a free loopback port
    (``parser="h11"``: the pure-Python protocol served when httptools is not installed)."""
    import threading

    import uvicorn

    from hhbill.web._server import CappedH11Protocol, capped_protocol, uvicorn_options

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    options = uvicorn_options(settings, host="127.0.0.1", port=port)
    if parser == "h11":
        options["http"] = capped_protocol(settings.max_header_bytes, CappedH11Protocol)
    config = uvicorn.Config(create_app(store, settings=settings), **options)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(300):
        if server.started:
            break
        time.sleep(0.05)
    assert server.started, "the server did not start"
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def raw_request(port: int, head: bytes, body: bytes = b"", timeout: float = 30) -> bytes:
    """Send bytes on a fresh connection and read the whole answer (the server closes, or Content-Length ends it)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        # the server may answer and close before taking everything: then read what it said
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            conn.sendall(head + body)
        chunks = []
        with contextlib.suppress(ConnectionResetError):
            while chunk := conn.recv(65536):
                chunks.append(chunk)
                if _complete(b"".join(chunks)):
                    break
    return b"".join(chunks)


def _complete(data: bytes) -> bool:
    head, found, body = data.partition(b"\r\n\r\n")
    if not found:
        return False
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":", 1)[1])
    return False


# -- 2. header size -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("parser", ["httptools", "h11"])
def test_an_oversized_header_gets_431_and_the_server_stays_up(store: Store, parser: str) -> None:
    settings = Settings(rate_limit=0, max_header_bytes=32 * 1024)
    with real_server(store, settings, parser) as port:
        huge = b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Junk: " + b"a" * (4 * 1024 * 1024) + b"\r\n\r\n"
        answer = raw_request(port, huge)
        assert answer.startswith(b"HTTP/1.1 431"), answer[:200]
        assert b"x-content-type-options: nosniff" in answer.lower()
        many = b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-A: b\r\n" * 20_000 + b"\r\n"
        assert raw_request(port, many).startswith(b"HTTP/1.1 431")
        # a normal request, and one with a large body but small headers, are answered as before
        fine = raw_request(port, b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        assert fine.startswith(b"HTTP/1.1 200"), fine[:200]
        body = json.dumps({"code": "G0299", "pad": "x" * 200_000}).encode()
        head = (
            b"POST /api/v1/log HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n"
        )
        assert raw_request(port, head, body).startswith(b"HTTP/1.1 401")  # reached the app: no key
        # the count spans reads: a head sent in 1 KiB pieces is refused once it passes the limit
        with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
            conn.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                for _ in range(64):
                    conn.sendall(b"X-Piece: " + b"p" * 1000 + b"\r\n")
                    time.sleep(0.005)
            assert conn.recv(65536).startswith(b"HTTP/1.1 431")
        # and restarts with each request: on one kept-alive connection, heads of 20 KiB each all pass
        with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
            for _ in range(6):
                conn.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + b"q" * 20_000 + b"\r\n\r\n")
                answer = b""
                while not _complete(answer):
                    answer += conn.recv(65536)
                assert answer.startswith(b"HTTP/1.1 200"), answer[:200]


# -- 4. rate limiter ------------------------------------------------------------------------------------------------
@pytest.mark.anyio
async def test_a_forged_x_forwarded_for_changes_nothing(store: Store) -> None:
    app = create_app(store, settings=Settings(rate_limit=5))
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 5555))
    async with httpx.AsyncClient(transport=transport, base_url="http://hhbill.test") as client:
        statuses = [
            (await client.get("/api/v1/health", headers={"X-Forwarded-For": f"198.51.100.{n}"})).status_code
            for n in range(20)
        ]
    assert statuses.count(200) == 5 and statuses.count(429) == 15


@pytest.mark.anyio
async def test_x_forwarded_for_counts_clients_behind_a_configured_proxy(store: Store) -> None:
    app = create_app(store, settings=Settings(rate_limit=2, trusted_proxies=("10.0.0.0/8",)))
    transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 5555))
    async with httpx.AsyncClient(transport=transport, base_url="http://hhbill.test") as client:

        async def get(forwarded: str) -> int:
            return (await client.get("/api/v1/health", headers={"X-Forwarded-For": forwarded})).status_code

        assert [await get("198.51.100.1") for _ in range(3)] == [200, 200, 429]
        assert await get("198.51.100.2") == 200  # another client behind the same proxy has its own count
        # a client cannot escape by prepending forged hops: the proxy appends the real address last
        assert [await get(f"192.0.2.{n}, 198.51.100.1") for n in range(3)] == [429, 429, 429]


def test_rate_table_is_bounded_and_expiry_does_not_scan_it() -> None:
    from hhbill.web import RateLimiter

    now = [0.0]
    limiter = RateLimiter(10, window=60, clock=lambda: now[0], max_clients=1000)
    for n in range(5000):
        limiter.hit(f"client-{n}")
    assert len(limiter) == 1000  # the least recently seen were forgotten
    assert limiter.hit("client-4999") is None and len(limiter) == 1000
    now[0] = 200.0  # two windows later every entry is idle: they go from the front, a few per request
    table = limiter._counts
    limiter.hit("late")
    assert len(limiter) == 1 and limiter._counts is table  # dropped in place, not a rebuilt copy per request


# -- 1. the server keeps answering while one request works ------------------------------------------------------------
def _heavy_837i() -> bytes:
    """An 837I of 3,000 claims (about 2.4 MB): seconds of scrubbing on one core."""
    sys.path.insert(0, str(REPO / "tests"))
    from _x12_support import final_claim
    from hhbill.x12 import WriterSettings, claims_to_x12
    from test_x12_writer import SETTINGS

    return claims_to_x12([final_claim(n) for n in range(3000)], WriterSettings(**SETTINGS)).encode()


def _multipart(name: str, data: bytes) -> tuple[bytes, bytes]:
    boundary = b"hhbillattackboundary"
    body = (
        b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="' + name.encode() + b'"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n" + data + b"\r\n--" + boundary + b"--\r\n"
    )
    return b"multipart/form-data; boundary=" + boundary, body


def test_health_answers_while_a_heavy_837i_upload_and_a_slow_client_are_served(
    store: Store, api_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Order, not time: /health must be answered while the big upload is still being processed and while a slow
    client is still dribbling its body in. A route that held the event loop would answer /health only after."""
    import threading

    from hhbill.app import Hhbill

    content_type, body = _multipart("big.837", _heavy_837i())
    finished: dict[str, float] = {}
    answers: dict[str, bytes] = {}
    scrubbing, health_answered = threading.Event(), threading.Event()
    scrub_837i = Hhbill.scrub_837i

    def noted_scrub_837i(*args: Any, **kwargs: Any) -> Any:
        scrubbing.set()
        # the check goes on only once /health has answered (or 30 s have passed): were it run on the event loop,
        # /health could not answer meanwhile, whatever the speed of the check
        health_answered.wait(30)
        try:
            return scrub_837i(*args, **kwargs)
        finally:
            finished["scrubbed"] = time.monotonic()

    monkeypatch.setattr(Hhbill, "scrub_837i", noted_scrub_837i)

    def upload(port: int) -> None:
        head = (
            b"POST /api/v1/claims/837i HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + api_key.encode() + b"\r\n"
            b"Content-Type: " + content_type + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n"
            b"Connection: close\r\n\r\n"
        )
        answers["upload"] = raw_request(port, head, body, timeout=300)
        finished["upload"] = time.monotonic()

    def slow_client(port: int, stop: threading.Event) -> None:
        payload = json.dumps(seeds.PERIOD).encode()
        head = (
            b"POST /api/v1/claims/check HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + api_key.encode() + b"\r\n"
            b"Content-Type: application/json\r\nContent-Length: " + str(len(payload)).encode() + b"\r\n"
            b"Connection: close\r\n\r\n"
        )
        with socket.create_connection(("127.0.0.1", port), timeout=300) as conn:
            conn.sendall(head)
            for byte in payload[:-1]:  # one byte at a time until told to finish
                if stop.is_set():
                    break
                conn.sendall(bytes([byte]))
                time.sleep(0.01)
            stop.wait(300)
        finished["slow"] = time.monotonic()

    settings = Settings(rate_limit=0)
    with real_server(store, settings) as port:
        stop = threading.Event()
        slow = threading.Thread(target=slow_client, args=(port, stop), daemon=True)
        slow.start()
        uploading = threading.Thread(target=upload, args=(port,), daemon=True)
        uploading.start()
        assert scrubbing.wait(120), "the upload never reached the 837I check"
        health = raw_request(port, b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        finished["health"] = time.monotonic()
        health_answered.set()
        stop.set()
        uploading.join(timeout=300)
        slow.join(timeout=60)
    assert health.startswith(b"HTTP/1.1 200"), health[:200]
    assert answers["upload"].startswith(b"HTTP/1.1 200"), answers["upload"][:300]
    assert b'"claims":3000' in answers["upload"].replace(b" ", b"")
    # causal, not timed: a route holding the event loop lets /health be answered only after its check returned
    assert finished["health"] < finished["scrubbed"], "/health waited for the 837I check to finish"
    assert finished["health"] < finished["slow"]


# -- 10. the ledger's MBI key is not in the database ------------------------------------------------------------------
def test_ledger_key_lives_in_an_owner_only_file_not_in_the_database(tmp_path: Path) -> None:
    import stat

    from hhbill.claims import open_ledger, parse_claim_input

    db = tmp_path / "hhbill.db"
    with Store(db) as store:
        ledger = open_ledger(store)
        claim = parse_claim_input(seeds.CLAIM_LINES)
        ledger.record(claim, "submitted")
        hashed = ledger.beneficiary_key(claim)
        ledger.close()
        assert store.execute("SELECT count(*) FROM claims_ledger_meta").fetchone()[0] == 0
    key_file = Path(f"{db}.ledger-key")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key_hex = key_file.read_text().strip()
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert key_hex.encode() not in db.read_bytes() and bytes.fromhex(key_hex) not in db.read_bytes()
    with Store(db) as store:  # the next open matches the same beneficiary
        assert open_ledger(store).beneficiary_key(claim) == hashed
        assert open_ledger(store).find_duplicate(claim) is not None


def test_a_key_left_in_an_older_database_moves_to_the_file_and_still_matches(tmp_path: Path) -> None:
    from hhbill.claims import open_ledger, parse_claim_input

    db = tmp_path / "old.db"
    with Store(db) as store:
        open_ledger(store).close()
        key = Path(f"{db}.ledger-key").read_text().strip()
        Path(f"{db}.ledger-key").unlink()  # as an older hhbill left it: the key in the database
        with store.transaction() as conn:
            conn.execute("INSERT INTO claims_ledger_meta (name, value) VALUES ('beneficiary_hmac_key', ?)", (key,))
    with Store(db) as store:
        claim = parse_claim_input(seeds.CLAIM_LINES)
        ledger = open_ledger(store)
        import hashlib
        import hmac

        assert (
            ledger.beneficiary_key(claim)
            == hmac.new(bytes.fromhex(key), claim.patient.mbi.encode(), hashlib.sha256).hexdigest()
        )
        assert store.execute("SELECT count(*) FROM claims_ledger_meta").fetchone()[0] == 0
    assert Path(f"{db}.ledger-key").read_text().strip() == key


# -- 5. lookups never queue behind claim checks ----------------------------------------------------------------------
@pytest.mark.anyio
async def test_claim_lane_admits_few_claim_checks_and_lets_lookups_through() -> None:
    import anyio

    from hhbill.web._lanes import ClaimLaneMiddleware

    release = anyio.Event()
    inside = {"claims": 0, "most": 0, "lookups": 0}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["path"].startswith("/api/v1/claims"):
            inside["claims"] += 1
            inside["most"] = max(inside["most"], inside["claims"])
            await release.wait()
            inside["claims"] -= 1
        else:
            inside["lookups"] += 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    lane = ClaimLaneMiddleware(app, slots=2)

    async def call(path: str, method: str) -> None:
        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(_message: Any) -> None:
            return None

        await lane({"type": "http", "path": path, "method": method, "headers": []}, receive, send)

    async with anyio.create_task_group() as group:
        for _ in range(50):
            group.start_soon(call, "/api/v1/claims/check", "POST")
        await anyio.sleep(0.05)
        with anyio.fail_after(5):
            for _ in range(20):  # answered while all 50 checks are still held
                await call("/api/v1/codes/G0299", "GET")
        assert inside["lookups"] == 20 and inside["most"] == 2
        release.set()
    assert inside["claims"] == 0


@pytest.mark.anyio
async def test_stalled_claim_uploads_hold_no_lane_slot() -> None:
    import anyio

    from hhbill.web._lanes import ClaimLaneMiddleware

    never = anyio.Event()
    answered: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        while (await receive()).get("more_body"):
            pass
        answered.append(scope["path"])

    lane = ClaimLaneMiddleware(app, slots=2)

    async def stalled() -> None:
        async def receive() -> dict[str, Any]:
            await never.wait()  # a body that never arrives
            return {"type": "http.disconnect"}

        await lane({"type": "http", "path": "/api/v1/claims/check", "method": "POST"}, receive, None)

    async def complete() -> None:
        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"{}", "more_body": False}

        await lane({"type": "http", "path": "/api/v1/claims/check", "method": "POST"}, receive, None)

    async with anyio.create_task_group() as group:
        for _ in range(10):
            group.start_soon(stalled)
        await anyio.sleep(0.05)
        with anyio.fail_after(5):
            await complete()
        assert answered == ["/api/v1/claims/check"]
        group.cancel_scope.cancel()
