"""Load on the running API over loopback: code lookup, search (autocomplete) and claim check.

The server is ``hhbill serve`` in its own process (the real CMS January 2026 release imported into a fresh
database, rate limit off); the load generator is this process, a minimal HTTP/1.1 keep-alive client on asyncio
streams (cheaper per request than a general-purpose client, so it disturbs the server less on a shared machine).
Each scenario is bounded by a request count and a time limit, with ``--concurrency`` requests in flight.

Baseline, measured in the same run: the same uvicorn configuration serving a bare ASGI app that returns a fixed
JSON body: the floor cost of a Python HTTP server on this machine. Our ratio says what routing, security
middleware, the library call and JSON rendering cost on top.

    python bench/api_load.py [--concurrency 200] [--requests 4000] [--seconds 60]
    python bench/api_load.py --url http://127.0.0.1:8000 --key hhb_...   # drive a server already running
    python bench/api_load.py --mixed [--workers N] [--seconds 10]        # issue 16: the mixed load and its CPU bound
    (HHBILL_BENCH_SERVER_LOG=FILE keeps the bench server's stderr, with its access log: server-side durations)

The mixed load (``--mixed``): 200 concurrent code lookups and 50 concurrent claim checks at once, on one server
that also serves a bare Starlette endpoint (``/bench/bare``, a fixed JSON body) measured in the same run. The
CPU bound comes from the server's own CPU time (``/proc/<pid>/stat`` of the server and its workers) per request,
measured one request at a time: with ``cores`` cores the server cannot answer more than
``cores / (CPU seconds per request of the mix)`` requests per second. The run reports its throughput as a share
of that bound, and the lookups' latency in the mix beside the lookups' latency alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import contextlib

from _common import REPO, median, percentile, shared, write_section

JAN26_ZIP = "data/hcpcs/2026_jan/january-2026-alpha-numeric-hcpcs-file.zip"
EXAMPLE_PERIOD = REPO / "src" / "hhbill" / "static" / "example_period.json"
LOOKUP_CODES = [
    "G0299",
    "G0300",
    "G0151",
    "G0152",
    "G0153",
    "G0155",
    "G0156",
    "G0157",
    "G0158",
    "G0159",
    "G0160",
    "G0162",
    "G0493",
    "G0495",
    "G0320",
    "G0321",
    "G0322",
    "Q5001",
    "Q5002",
    "Q5009",
    "S9123",
    "S9124",
    "E0630",
    "E0250",
    "A4550",
    "J1100",
    "K0001",
    "L3000",
    "GP",
    "GO",
    "GN",
    "KX",
    "XU",
]
SEARCH_QUERIES = [
    "hoyer lift",
    "skilled nursing",
    "physical ther",
    "wheelchair",
    "home infusion",
    "pt assistant",
    "telehealth audio",
    "G03",
    "S9325-S9379",
    "oxygen concentrator",
    "nebulizer",
    "wound care",
]
#: the aim for lookups (issue #7): p99 under 20 ms at 200 concurrent requests, zero errors
LOOKUP_P99_AIM_MS = 20.0


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    elapsed: float = 0.0

    @property
    def done(self) -> int:
        return len(self.latencies)

    def row(self) -> dict[str, float]:
        ms = [x * 1000 for x in self.latencies] or [0.0]
        return {
            "requests": self.done,
            "errors": self.errors,
            "throughput": self.done / self.elapsed if self.elapsed else 0.0,
            "p50": median(ms),
            "p99": percentile(ms, 99),
            "max": max(ms),
        }


# -- a minimal HTTP/1.1 keep-alive client ---------------------------------------------------------------------------
def run_client(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run the load generator on uvloop when installed (uvicorn[standard] brings it): about 40% less client CPU per
    request than asyncio's own loop here, so the client takes less of the machine it shares with the server."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = 0
        close = False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.strip().lower() == "close":
                close = True
        body = await self.reader.readexactly(length) if length else b""
        if close:
            await self.close()
        return status, body

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


def get(host: str, path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n\r\n".encode()


def post_json(host: str, path: str, body: bytes, key: str) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nX-API-Key: {key}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def drive(name: str, url: str, requests: list[bytes], total: int, seconds: float, concurrency: int) -> Result:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    result = Result(name)
    issued = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal issued
        connection = Connection(host, port)
        try:
            while issued < total and time.perf_counter() < deadline:
                raw = requests[issued % len(requests)]
                issued += 1
                start = time.perf_counter()
                try:
                    status, _body = await connection.request(raw)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    result.errors += 1
                    await connection.close()
                    continue
                result.latencies.append(time.perf_counter() - start)
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if status >= 400:
                    result.errors += 1
        finally:
            await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.elapsed = time.perf_counter() - started
    return result


# -- servers -----------------------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    parts = urlsplit(url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with status {process.returncode}")
        try:
            with socket.create_connection((parts.hostname, parts.port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the server at {url} did not start in {timeout:.0f} s")


async def baseline_app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
    """The floor: a bare ASGI app answering every request with the same small JSON body."""
    if scope["type"] != "http":
        return
    body = b'{"code":"G0299","status":"ok"}'
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def serve_baseline(port: int, workers: int) -> None:
    import uvicorn

    options = {"host": "127.0.0.1", "port": port, "access_log": False, "log_level": "warning", "server_header": False}
    if workers == 1:
        uvicorn.run(baseline_app, **options)
    else:
        uvicorn.run("api_load:baseline_app", app_dir=str(Path(__file__).resolve().parent), workers=workers, **options)


def start_hhbill(folder: Path, workers: int) -> tuple[str, str, subprocess.Popen[bytes]]:
    from hhbill import hcpcs
    from hhbill._store import Store
    from hhbill.web import create_api_key

    db = folder / "hhbill.db"
    store = Store(db)
    hcpcs.import_release(store, shared(JAN26_ZIP))
    key = create_api_key(store, "api_load bench")[1]
    store.close()
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hhbill.cli",
            "--db",
            str(db),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--rate-limit",
            "0",
            "--workers",
            str(workers),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "HHBILL_RATE_LIMIT": "0"},
    )
    url = f"http://127.0.0.1:{port}"
    wait_ready(url, process)
    return url, key, process


def start_baseline(workers: int) -> tuple[str, subprocess.Popen[bytes]]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve-baseline", str(port), "--workers", str(workers)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    wait_ready(url, process)
    return url, process


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


# -- scenarios --------------------------------------------------------------------------------------------------------
def scenarios(url: str, key: str, total: int) -> list[tuple[str, list[bytes], int]]:
    host = urlsplit(url).netloc
    lookups = [get(host, f"/api/v1/codes/{code}?as_of=2026-02-01") for code in LOOKUP_CODES]
    searches = []
    for query in SEARCH_QUERIES:
        q = query.replace(" ", "+")
        searches.append(get(host, f"/api/v1/suggest?q={q}&as_of=2026-02-01"))
        searches.append(get(host, f"/api/v1/search?q={q}&as_of=2026-02-01&limit=20"))
    period = EXAMPLE_PERIOD.read_bytes()
    checks = [post_json(host, "/api/v1/claims/check?ledger=false&today=2026-06-01", period, key)]
    return [
        ("code lookup (GET /api/v1/codes/{code})", lookups, total),
        ("search + autocomplete (GET /api/v1/search, /suggest)", searches, max(1, total // 2)),
        ("claim check (POST /api/v1/claims/check)", checks, max(1, total // 4)),
    ]


async def warm(url: str, requests: list[bytes], connections: int = 1) -> None:
    """One pass over each request first: the first search builds the release index, not part of the load.
    Several connections reach every worker process (the kernel spreads them), each with its own caches."""
    parts = urlsplit(url)

    async def one() -> None:
        connection = Connection(parts.hostname or "127.0.0.1", parts.port or 80)
        for raw in requests:
            await connection.request(raw)
        await connection.close()

    await asyncio.gather(*(one() for _ in range(connections)))


#: lookup latency at lower concurrency too: where the p99 aim holds on this machine
SWEEP = (1, 10, 50)


def run(url: str, key: str, args: argparse.Namespace) -> tuple[list[Result], list[tuple[int, Result]]]:
    results = []
    for name, requests, total in scenarios(url, key, args.requests):
        run_client(warm(url, requests))
        results.append(run_client(drive(name, url, requests, total, args.seconds, args.concurrency)))
    lookups = scenarios(url, key, args.requests)[0][1]
    sweep = [
        (
            level,
            run_client(drive(f"lookup x{level}", url, lookups, min(args.requests, 250 * level), args.seconds, level)),
        )
        for level in SWEEP
        if level < args.concurrency
    ]
    return results, sweep


def report(
    results: list[Result], baseline: Result | None, args: argparse.Namespace, sweep: list[tuple[int, Result]]
) -> str:
    lines = [
        "## API under load (`bench/api_load.py`)",
        "",
        f"`hhbill serve` ({args.workers} uvicorn process{'es' if args.workers > 1 else ''}, real Jan 2026 release, "
        "rate limit off) driven over loopback with "
        f"{args.concurrency} requests in flight, each scenario bounded to {args.requests:,} requests "
        f"(search {args.requests // 2:,}, claim check {args.requests // 4:,}) or {args.seconds:.0f} s. "
        "Latency is measured by the client from sending a request to reading its whole response.",
        "",
        "| scenario | requests | errors | throughput | p50 | p99 | max |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    rows = ([baseline] if baseline else []) + results
    for result in rows:
        r = result.row()
        lines.append(
            f"| {result.name} | {r['requests']:,} | {r['errors']} | {r['throughput']:,.0f}/s | {r['p50']:.1f} ms "
            f"| {r['p99']:.1f} ms | {r['max']:.1f} ms |"
        )
    lookup = results[0].row()
    met = lookup["p99"] < LOOKUP_P99_AIM_MS and lookup["errors"] == 0
    lines += [
        "",
        f"Aim for lookups: p99 under {LOOKUP_P99_AIM_MS:.0f} ms at {args.concurrency} concurrent requests "
        f"with zero errors — {'met' if met else 'MISSED'} (p99 {lookup['p99']:.1f} ms, "
        f"{lookup['errors']} errors).",
    ]
    if baseline:
        floor = baseline.row()
        lines.append(
            f"Against the floor (bare ASGI app, same server): lookup throughput {lookup['throughput']:,.0f}/s is "
            f"{lookup['throughput'] / floor['throughput']:.0%} of {floor['throughput']:,.0f}/s; p99 "
            f"{lookup['p99'] / floor['p99']:.1f}× the floor's {floor['p99']:.1f} ms."
        )
    lines += [
        "",
        f"With {args.concurrency} requests in flight, latency is mostly queueing: p50 ≈ concurrency ÷ throughput, "
        "and even the bare ASGI floor is far above 20 ms; the client shares the machine's cores with the server.",
    ]
    if sweep:
        lines += [
            "",
            "Code lookup at lower concurrency (same server):",
            "",
            "| requests in flight | requests | errors | throughput | p50 | p99 |",
            "|---:|---:|---:|---:|---:|---:|",
        ]
        for level, result in sweep:
            r = result.row()
            lines.append(
                f"| {level} | {r['requests']:,} | {r['errors']} | {r['throughput']:,.0f}/s | {r['p50']:.1f} ms "
                f"| {r['p99']:.1f} ms |"
            )
    return "\n".join(lines)


# -- the mixed load (issue 16, item 5) -------------------------------------------------------------------------------
BARE_PATH = "/bench/bare"


def bench_app() -> Any:
    """hhbill's app (database and settings from the environment) plus a bare Starlette endpoint: the floor,
    served by the same process, middleware-free, measured in the same run."""
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Mount, Route

    from hhbill.web._app import create_app

    async def bare(_request: Any) -> JSONResponse:
        return JSONResponse({"code": "G0299", "status": "ok"})

    app = create_app()

    @asynccontextmanager
    async def lifespan(_outer: Any) -> AsyncIterator[None]:
        async with app.router.lifespan_context(app):  # hhbill's own start-up (warm-up), as `hhbill serve` runs it
            yield

    return Starlette(routes=[Route(BARE_PATH, bare), Mount("/", app=app)], lifespan=lifespan)


def serve_bench_app(port: int, workers: int) -> None:
    import uvicorn

    from hhbill.web._server import uvicorn_options
    from hhbill.web._settings import Settings

    os.environ.update(Settings(rate_limit=0).to_env())
    options = uvicorn_options(Settings(rate_limit=0), host="127.0.0.1", port=port, workers=workers)
    uvicorn.run(
        "api_load:bench_app", factory=True, app_dir=str(Path(__file__).resolve().parent), workers=workers, **options
    )


def start_bench_app(folder: Path, workers: int) -> tuple[str, str, subprocess.Popen[bytes]]:
    from hhbill import hcpcs
    from hhbill._store import Store
    from hhbill.web import create_api_key

    db = folder / "hhbill.db"
    store = Store(db)
    hcpcs.import_release(store, shared(JAN26_ZIP))
    key = create_api_key(store, "api_load bench")[1]
    store.close()
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve-bench-app", str(port), "--workers", str(workers)],
        stdout=subprocess.DEVNULL,
        stderr=open(os.environ.get("HHBILL_BENCH_SERVER_LOG", os.devnull), "w"),  # noqa: SIM115
        env={**os.environ, "HHBILL_DB": str(db), "PYTHONPATH": str(REPO / "src")},
    )
    url = f"http://127.0.0.1:{port}"
    wait_ready(url, process)
    return url, key, process


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by ``pid`` and every process under it (uvicorn's workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(entry.name)] = fields
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        if current in stats:
            total += (int(stats[current][11]) + int(stats[current][12])) / tick
        todo.extend(children.get(current, []))
    return total


def wait_idle(pid: int, timeout: float = 180) -> None:
    """Until the server processes stop using CPU: every worker has finished its start-up (each builds its own
    search index, seconds of CPU), so no worker turns up cold in the middle of a measurement."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = process_tree_cpu(pid)
        time.sleep(1.0)
        if process_tree_cpu(pid) - before < 0.05:
            return


def cpu_per_request(url: str, requests: list[bytes], count: int, pid: int) -> tuple[float, int]:
    """Server CPU seconds used and requests answered, one request at a time (no queueing, no contention inside the
    server)."""
    run_client(warm(url, requests, connections=8))
    before = process_tree_cpu(pid)
    result = run_client(drive("serial", url, requests, count, 120, 1))
    return process_tree_cpu(pid) - before, result.done


def machine_cpu() -> tuple[float, float]:
    """CPU seconds the whole machine has spent busy and idle since boot (``/proc/stat``)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    busy = sum(fields[:8]) - idle  # user nice system idle iowait irq softirq steal (guest time is inside user)
    tick = os.sysconf("SC_CLK_TCK")
    return busy / tick, idle / tick


def client_cpu() -> float:
    """CPU seconds this process (the load generator) has used."""
    times = os.times()
    return times.user + times.system


def mixed(args: argparse.Namespace) -> str:
    cores = os.cpu_count() or 1
    workers = args.workers
    with tempfile.TemporaryDirectory() as folder:
        url, key, process = start_bench_app(Path(folder), workers)
        try:
            host = urlsplit(url).netloc
            lookups = scenarios(url, key, args.requests)[0][1]
            checks = scenarios(url, key, args.requests)[2][1]
            bare = [get(host, BARE_PATH)]
            wait_idle(process.pid)
            # every worker's caches filled with the requests of the mix, before anything is measured
            run_client(warm(url, lookups + checks, connections=32))
            # the serial cost is measured before and after the mix and pooled, so a drift in what else the machine
            # runs weighs on the bound and on the mix alike
            serial = {"lookup": [0.0, 0], "check": [0.0, 0], "bare": [0.0, 0]}

            def measure_serial() -> None:
                for kind, requests, count in (("lookup", lookups, 200), ("check", checks, 50), ("bare", bare, 500)):
                    cpu, done = cpu_per_request(url, requests, count, process.pid)
                    serial[kind][0] += cpu
                    serial[kind][1] += done

            async def together() -> tuple[Result, Result]:
                big = 10**9
                return await asyncio.gather(
                    drive("lookups (200 in flight)", url, lookups, big, args.seconds, 200),
                    drive("claim checks (50 in flight)", url, checks, big, args.seconds, 50),
                )

            measure_serial()
            cpu_before, client_before, (busy_before, idle_before) = (
                process_tree_cpu(process.pid),
                client_cpu(),
                machine_cpu(),
            )
            lookup_mix, check_mix = run_client(together())
            cpu_mix = process_tree_cpu(process.pid) - cpu_before
            client_mix = client_cpu() - client_before
            busy_after, idle_after = machine_cpu()
            busy_mix, idle_mix = busy_after - busy_before, idle_after - idle_before
            measure_serial()
            lookup_alone = run_client(drive("lookups alone (200 in flight)", url, lookups, 10**9, args.seconds, 200))
            bare_alone = run_client(drive("bare Starlette (200 in flight)", url, bare, 10**9, args.seconds, 200))
        finally:
            stop(process)
    cpu_lookup, cpu_check, cpu_bare = (
        serial[kind][0] / max(serial[kind][1], 1) for kind in ("lookup", "check", "bare")
    )
    n_lookup, n_check = lookup_mix.done, check_mix.done
    n_mix = max(n_lookup + n_check, 1)
    wall = max(lookup_mix.elapsed, check_mix.elapsed)
    mean_cpu = (n_lookup * cpu_lookup + n_check * cpu_check) / n_mix
    bound = cores / mean_cpu if mean_cpu else 0.0
    achieved = (n_lookup + n_check) / wall if wall else 0.0
    machine = busy_mix + idle_mix or 1.0
    others = max(busy_mix - cpu_mix - client_mix, 0.0)
    lines = [
        "## Mixed load and its CPU bound (`bench/api_load.py --mixed`)",
        "",
        f"One server ({workers} uvicorn worker process{'es' if workers > 1 else ''} on {cores} cores, real Jan 2026 "
        f"release, rate limit off) serving hhbill and a bare Starlette endpoint. 200 concurrent code lookups and 50 "
        f"concurrent claim checks for {args.seconds:.0f} s, then lookups alone and the bare endpoint alone, each "
        f"{args.seconds:.0f} s. The load generator (this script: keep-alive HTTP/1.1 on uvloop) runs on the same "
        "machine.",
        "",
        "Server CPU per request, one at a time (`/proc` CPU time of the server processes ÷ requests; measured before "
        "and after the mix, pooled):",
        "",
        "| request | server CPU per request |",
        "|---|---:|",
        f"| code lookup | {cpu_lookup * 1000:.2f} ms |",
        f"| claim check | {cpu_check * 1000:.2f} ms |",
        f"| bare Starlette endpoint | {cpu_bare * 1000:.2f} ms |",
        "",
        "| run | requests | errors | throughput | p50 | p99 | max |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for result in (lookup_mix, check_mix, lookup_alone, bare_alone):
        r = result.row()
        lines.append(
            f"| {result.name} | {r['requests']:,} | {r['errors']} | {r['throughput']:,.0f}/s | {r['p50']:.1f} ms "
            f"| {r['p99']:.1f} ms | {r['max']:.1f} ms |"
        )
    lines += [
        "",
        f"The mix ({n_lookup:,} lookups, {n_check:,} checks) costs {mean_cpu * 1000:.2f} ms of server CPU per request "
        f"on average, so {cores} cores bound it at {bound:,.0f} requests/s. Reached: {achieved:,.0f}/s, "
        f"**{achieved / bound:.0%} of the bound** (aim: 70%).",
        f"Where the machine's CPU went during the mix ({machine:.1f} CPU-seconds in {wall:.1f} s): the server "
        f"{cpu_mix:.1f} s ({cpu_mix / machine:.0%}), the load generator {client_mix:.1f} s "
        f"({client_mix / machine:.0%}, "
        f"{client_mix / n_mix * 1e6:.0f} µs per request), other processes {others:.1f} s ({others / machine:.0%}), "
        f"idle {idle_mix:.1f} s ({idle_mix / machine:.0%}).",
        f"Given the CPU the server really got ({cpu_mix:.1f} s), the serial cost per request predicts "
        f"{cpu_mix / mean_cpu / wall:,.0f}/s: the server reached {achieved / (cpu_mix / mean_cpu / wall):.0%} of "
        f"that ({cpu_mix / n_mix * 1000:.2f} ms of server CPU per request in the mix against {mean_cpu * 1000:.2f} "
        "ms one at a time: what concurrency, queueing and the two lanes cost on top of serial requests).",
        f"Lookups in the mix: p50 {lookup_mix.row()['p50']:.1f} ms, p99 {lookup_mix.row()['p99']:.1f} ms; alone: "
        f"p50 {lookup_alone.row()['p50']:.1f} ms, p99 {lookup_alone.row()['p99']:.1f} ms.",
    ]
    if others / machine > 0.05:
        lines.append(
            "Other processes took a share of the machine during this run: read the share of the bound from a quiet run."
        )
    if args.note:
        lines += ["", args.note]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="drive a server already running here (loopback only)")
    parser.add_argument("--key", help="API key for the claim check when --url is given")
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--workers", type=int, default=1, help="server processes (hhbill serve --workers)")
    parser.add_argument("--requests", type=int, default=4000, help="lookups per run (search: half, checks: 1/4)")
    parser.add_argument("--seconds", type=float, default=60.0, help="time limit per scenario")
    parser.add_argument("--serve-baseline", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--serve-bench-app", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--mixed", action="store_true", help="the mixed lookup + claim check load and its CPU bound")
    parser.add_argument("--note", default="", help="a sentence added to the mixed report (e.g. machine load)")
    args = parser.parse_args(argv)
    if args.serve_baseline:
        serve_baseline(args.serve_baseline, args.workers)
        return 0
    if args.serve_bench_app:
        serve_bench_app(args.serve_bench_app, args.workers)
        return 0
    if args.mixed:
        text = mixed(args)
        print(text)
        write_section("api_mixed", text)
        return 0
    if args.url:
        host = urlsplit(args.url).hostname
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit("the load benchmark drives loopback servers only")
        results, sweep = run(args.url, args.key or "", args)
        print(report(results, None, args, sweep))
        return 0
    base_url, base_process = start_baseline(args.workers)
    try:
        host = urlsplit(base_url).netloc
        floor_requests = [get(host, "/baseline")]
        run_client(warm(base_url, floor_requests))
        baseline = run_client(
            drive(
                "floor: bare ASGI app, fixed JSON",
                base_url,
                floor_requests,
                args.requests,
                args.seconds,
                args.concurrency,
            )
        )
    finally:
        stop(base_process)
    with tempfile.TemporaryDirectory() as folder:
        url, key, process = start_hhbill(Path(folder), args.workers)
        try:
            results, sweep = run(url, key, args)
        finally:
            stop(process)
    text = report(results, baseline, args, sweep)
    print(text)
    print(f"statuses: {json.dumps({r.name: r.statuses for r in results})}")
    write_section("api_load", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
