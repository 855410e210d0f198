"""Fee schedule import time per file and RVU/price lookup latency (in-process).

Baselines measured in the same run:
* import: a naive load of the same CSV — ``csv.DictReader`` over the data rows, every row inserted as-is in one
  transaction (no header discovery, no validation, no typed columns, no content hash); for TXT/XLSX/zip inputs the
  floor of inserting the file's raw lines. The ratio says what reading the file properly costs on top.
* lookup: a linear scan of the file's rows held in memory (what a script without an index does), and the raw
  indexed SELECT of the stored row (the floor). ``price()`` also chooses the release, resolves the locality,
  decodes the indicators and does the Decimal arithmetic.
"""

from __future__ import annotations

import csv
import io
import itertools
import sqlite3
import tempfile
from datetime import date, timedelta
from pathlib import Path

from _common import best_of, median, per_call, percentile, raw_line_import, shared, write_section
from hhbill._store import Store
from hhbill.rvu import import_fee_schedule, log_add, log_report, price, work_rvu_share

FILES = [
    ("PPRRVU 2025 Oct (CSV)", "data/mpfs/rvu25d/PPRRVU2025_Oct.csv"),
    ("PPRRVU 2025 Oct (TXT)", "data/mpfs/rvu25d/PPRRVU2025_Oct.txt"),
    ("PPRRVU 2025 Oct (XLSX)", "data/mpfs/rvu25d/PPRRVU2025_Oct.xlsx"),
    ("PPRRVU 2026 Jul non-QP (CSV)", "data/mpfs/rvu26c/PPRRVU2026_Jul_nonQPP.csv"),
    ("RVU25A.zip (PPRRVU + GPCI CSVs inside)", "data/mpfs/rvu25a/RVU25A.zip"),
    ("GPCI 2025 (CSV)", "data/mpfs/rvu25d/GPCI2025.csv"),
    ("ZIP5 Oct 2025 (TXT)", "data/mpfs/zip_locality_oct2025/ZIP5_OCT2025.txt"),
]
RELEASE_HINT = {"data/mpfs/rvu25d/GPCI2025.csv": "2025D"}


def naive_csv_import(path: Path, db: Path) -> None:
    """csv.DictReader over the rows after the 'HCPCS,...' header (or the first row), inserted untyped."""
    text = path.read_text(encoding="latin-1")
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("HCPCS,")), 0)
    columns = len(next(csv.reader([lines[start]])))
    # positional field names: the PPRRVU header repeats names (PE RVU, INDICATOR, TOTAL ...)
    reader = csv.DictReader(io.StringIO("\n".join(lines[start + 1 :])), fieldnames=[f"c{i}" for i in range(columns)])
    conn = sqlite3.connect(db)
    conn.execute(f"CREATE TABLE raw ({', '.join(f'c{i}' for i in range(columns))})")
    with conn:
        conn.executemany(
            f"INSERT INTO raw VALUES ({','.join('?' * columns)})",
            ([row.get(f"c{i}") for i in range(columns)] for row in reader),
        )
    conn.close()


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        fresh = itertools.count()
        for label, relative in FILES:
            path = shared(relative)

            def ours(path: Path = path, relative: str = relative) -> None:
                store = Store(Path(folder) / f"ours-{next(fresh)}.db")
                import_fee_schedule(store, path, release=RELEASE_HINT.get(relative))
                store.close()

            def baseline(path: Path = path) -> None:
                target = Path(folder) / f"base-{next(fresh)}.db"
                if path.suffix.lower() == ".csv":
                    naive_csv_import(path, target)
                else:
                    raw_line_import(path, target)

            kind = "csv.DictReader" if path.suffix.lower() == ".csv" else "raw lines"
            rows.append((label, best_of(ours, 3), best_of(baseline, 3), kind))

        db = Path(folder) / "lookup.db"
        store = Store(db)
        for relative in ("data/mpfs/rvu25d", "data/mpfs/rvu26c", "data/mpfs/zip_locality_oct2025/ZIP5_OCT2025.txt"):
            import_fee_schedule(store, shared(relative))
        release_id = store.execute(
            "SELECT id FROM rvu_release WHERE kind='pprrvu' AND year=2025 ORDER BY id DESC"
        ).fetchone()[0]
        codes = [
            r[0] for r in store.execute("SELECT code FROM rvu_item WHERE release_id=? AND modifier=''", (release_id,))
        ]
        n = 5000
        sample = [codes[(i * 7919) % len(codes)] for i in range(n)]
        zips = [r[0] for r in store.execute("SELECT zip FROM rvu_zip_locality")]
        zip_sample = [zips[(i * 104729) % len(zips)] for i in range(n)]

        with shared("data/mpfs/rvu25d/PPRRVU2025_Oct.csv").open(encoding="latin-1", newline="") as handle:
            file_rows = list(csv.reader(handle))[10:]

        def linear(code: str) -> list[str]:
            return next(r for r in file_rows if r[0] == code and r[1] == "")

        it = iter(sample)
        linear_lat = per_call(lambda: linear(next(it)), 1000)
        it = iter(sample)
        raw = store.conn
        raw_lat = per_call(
            lambda: raw.execute(
                "SELECT * FROM rvu_item WHERE release_id=? AND code=? AND modifier=''", (release_id, next(it))
            ).fetchone(),
            n,
        )
        price(store, "99213", year=2025)  # warm
        it = iter(sample)
        national_lat = per_call(lambda: price(store, next(it), year=2025), n)
        it = iter(sample)
        locality_lat = per_call(lambda: price(store, next(it), year=2025, locality="13202:01"), n)
        it, zit = iter(sample), iter(zip_sample)
        zip_lat = per_call(lambda: price(store, next(it), year=2025, zip_code=next(zit)), n)
        share_lat = per_call(lambda: work_rvu_share(store, "G", 2025), 500)

        entries = 3000
        day = date(2025, 1, 1)
        add_lat = per_call(
            lambda: log_add(store, sample[next(fresh) % n], performed_on=day + timedelta(days=next(fresh) % 365)),
            entries,
        )
        report_s = best_of(lambda: log_report(store, by="week"), 3)

    lines = [
        "## RVU import and lookup (`bench/rvu.py`)",
        "",
        "Import of one file into a fresh database (best of 3) against a naive load of the same file in the same run",
        "(`csv.DictReader` rows inserted untyped for CSVs; raw lines inserted for TXT/XLSX/zip). hhbill also finds",
        "the stacked header, validates and types every value, checks duplicates and the conversion factor, hashes the",
        "normalised content (so the CSV/TXT/XLSX copies of a release are recognised as one) and indexes the rows:",
        "",
        "| file | hhbill import | naive load | baseline | ratio |",
        "|---|---:|---:|---|---:|",
    ]
    for label, ours_s, base_s, kind in rows:
        lines.append(f"| {label} | {ours_s:.2f} s | {base_s:.3f} s | {kind} | {ours_s / base_s:.1f}× |")

    def row(name: str, values: list[float], base: float) -> str:
        med = median(values) * 1e6
        return f"| {name} | {med:.1f} µs | {percentile(values, 95) * 1e6:.1f} µs | {med / base:.2f}× |"

    linear_med = median(linear_lat) * 1e6
    lines += [
        "",
        f"In-process lookup, RVU25D + RVU26C + ZIP5 loaded ({n:,} codes spread over the 2025 file; the linear scan",
        "over 1,000 of them). Ratio to the linear scan of the file's rows held in memory:",
        "",
        "| call | median | p95 | ratio to linear scan |",
        "|---|---:|---:|---:|",
        row("linear scan of the CSV rows in memory (baseline)", linear_lat, linear_med),
        row("raw indexed SELECT of the stored row (floor)", raw_lat, linear_med),
        row("`price(code, year=2025)` national", national_lat, linear_med),
        row("`price(code, year=2025, locality='13202:01')`", locality_lat, linear_med),
        row("`price(code, year=2025, zip_code=Z)` (ZIP5 → GPCI)", zip_lat, linear_med),
        row("`work_rvu_share('G', 2025)` (SQL count over the release)", share_lat, linear_med),
        row("`log_add(code, date)` (one transaction each)", add_lat, linear_med),
        "",
        f"`log_report(by='week')` over {entries:,} logged procedures spread over 2025: {report_s * 1000:.0f} ms.",
    ]
    path = write_section("rvu", "\n".join(lines))
    print(path.read_text())


if __name__ == "__main__":
    main()
