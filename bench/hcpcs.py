"""HCPCS import time per release and code lookup latency (in-process and through the CLI).

Baselines measured in the same run:
* import: the floor cost of getting the same file into SQLite — read it and insert every line as-is in one
  transaction (no parsing, no validation). Our ratio says what parsing, checking and indexing cost on top.
* in-process lookup: one raw indexed SELECT of the stored row; our ratio says what as-of resolution and record
  decoding cost on top.
* CLI lookup: starting the Python interpreter and importing nothing (``python -c pass``).
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from _common import best_of, median, per_call, percentile, raw_line_import, shared, write_section
from hhbill import hcpcs
from hhbill._store import Store

RELEASES = [
    ("2020 annual (zip, TXT inside)", "data/hcpcs/2020_annual/2020-Alpha-Numeric-HCPCS-File.zip"),
    ("Oct 2025 (XLSX)", "data/hcpcs/2025_oct_xlsx_only/HCPC2025_OCT_ANWEB.xlsx"),
    ("Jan 2026 (zip, TXT inside)", "data/hcpcs/2026_jan/january-2026-alpha-numeric-hcpcs-file.zip"),
    ("Jan 2026 (TXT)", "data/hcpcs/2026_jan/HCPC2026_JAN_ANWEB_01122026.txt"),
    ("Jan 2026 (XLSX)", "data/hcpcs/2026_jan/HCPC2026_JAN_ANWEB_01122026.xlsx"),
]


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        fresh = itertools.count()  # every run imports into a new, empty database
        for label, relative in RELEASES:
            path = shared(relative)

            def ours(path: Path = path) -> None:
                store = Store(Path(folder) / f"ours-{next(fresh)}.db")
                hcpcs.import_release(store, path)
                store.close()

            def floor(path: Path = path) -> None:
                raw_line_import(path, Path(folder) / f"floor-{next(fresh)}.db")

            ours_s = best_of(ours, 3)
            floor_s = best_of(floor, 3)
            rows.append((label, ours_s, floor_s))

        db = Path(folder) / "lookup.db"
        store = Store(db)
        for _, relative in RELEASES[:3]:
            hcpcs.import_release(store, shared(relative))
        reference = hcpcs.HcpcsReference(store)
        release_id = reference.release_on(date(2026, 3, 1)).id  # type: ignore[union-attr]
        codes = [r[0] for r in store.execute("SELECT code FROM hcpcs_code WHERE release_id = ?", (release_id,))]
        day = date(2026, 3, 1)
        n = 20000
        sample = [codes[(i * 7919) % len(codes)] for i in range(n)]
        it = iter(sample)
        reference.record_on("G0320", day)  # warm
        ours_lat = per_call(lambda: reference.record_on(next(it), day), n)
        it = iter(sample)
        raw = store.conn
        raw_lat = per_call(
            lambda: raw.execute(
                "SELECT record FROM hcpcs_code WHERE code = ? AND release_id = ?", (next(it), release_id)
            ).fetchone(),
            n,
        )
        it = iter(sample)
        page_lat = per_call(lambda: reference.lookup(next(it), day), 5000)

        cli = [sys.executable, "-m", "hhbill.cli", "--db", str(db), "code", "G0320", "--format", "json"]
        cli_times = []
        base_times = []
        for _ in range(5):
            start = time.perf_counter()
            subprocess.run(cli, check=True, capture_output=True)
            cli_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], check=True)
            base_times.append(time.perf_counter() - start)

    lines = [
        "## HCPCS import and lookup (`bench/hcpcs.py`)",
        "",
        "Import of a full release into a fresh database (best of 3), against the floor cost of inserting the",
        "file's raw lines into SQLite with no parsing:",
        "",
        "| release file | hhbill import | floor (raw lines) | ratio | target < 2 s |",
        "|---|---:|---:|---:|---|",
    ]
    for label, ours_s, floor_s in rows:
        verdict = "met" if ours_s < 2 else "MISSED"
        lines.append(f"| {label} | {ours_s:.2f} s | {floor_s:.3f} s | {ours_s / floor_s:.1f}× | {verdict} |")
    ours_med, ours_p95 = median(ours_lat) * 1e6, percentile(ours_lat, 95) * 1e6
    raw_med, raw_p95 = median(raw_lat) * 1e6, percentile(raw_lat, 95) * 1e6
    page_med = median(page_lat) * 1e6
    lines += [
        "",
        f"In-process lookup over 3 loaded releases ({n:,} lookups of codes spread over the Jan 2026 release):",
        "",
        "| call | median | p95 | ratio to raw SELECT (median) |",
        "|---|---:|---:|---:|",
        f"| raw indexed SELECT of the stored row (baseline) | {raw_med:.1f} µs | {raw_p95:.1f} µs | 1.0× |",
        f"| `HcpcsReference.record_on(code, day)` (as-of + decode) | {ours_med:.1f} µs | {ours_p95:.1f} µs | "
        f"{ours_med / raw_med:.1f}× |",
        f"| `HcpcsReference.lookup(code, day)` (+ status, note) | {page_med:.1f} µs | "
        f"{percentile(page_lat, 95) * 1e6:.1f} µs | {page_med / raw_med:.1f}× |",
        "",
        f"Target: in-process lookup under 50 µs — {'met' if ours_med < 50 else 'MISSED'} (median {ours_med:.1f} µs).",
        "",
        f"CLI (`hhbill code G0320 --format json`, whole process): median {median(cli_times) * 1000:.0f} ms "
        f"against {median(base_times) * 1000:.0f} ms for a bare `python -c pass` "
        f"({median(cli_times) / median(base_times):.1f}×);",
        "the difference is importing the CLI's libraries, not the lookup.",
    ]
    path = write_section("hcpcs", "\n".join(lines))
    print(path.read_text())


if __name__ == "__main__":
    main()
