"""Shared bits of the benchmarks: where ../shared is, timing helpers, and writing a results section."""

from __future__ import annotations

import os
import platform
import sqlite3
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("HHBILL_SHARED", REPO.parent / "shared")).resolve()
RESULTS = REPO / "bench" / "results"


def shared(relative: str) -> Path:
    path = SHARED / relative
    if not path.exists():
        raise SystemExit(f"benchmark input missing: {path} (set HHBILL_SHARED)")
    return path


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    """Best wall time of ``repeat`` runs, in seconds (the least disturbed run)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def per_call(fn: Callable[[], object], n: int) -> list[float]:
    """Latency of each of ``n`` calls, in seconds."""
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def median(values: list[float]) -> float:
    return statistics.median(values)


def raw_line_import(path: Path, db: Path) -> None:
    """The floor cost of getting a file into SQLite: insert its raw lines in one transaction, no parsing."""
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE IF NOT EXISTS raw (line BLOB)")
    with conn:
        conn.executemany("INSERT INTO raw VALUES (?)", ((line,) for line in path.read_bytes().splitlines()))
    conn.close()


def write_section(name: str, body: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    path = RESULTS / f"{name}.md"
    path.write_text(f"{body.rstrip()}\n\n_Run {stamp} on {machine}._\n")
    return path
