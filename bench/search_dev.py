"""Plain-language home-care search: hit@1, hit@10 and MRR@10 on hhbill's own development set, latency, and the
time a new process takes to answer its first query with and without the stored index.

The development set (``bench/search_dev_queries.csv``) was written for hhbill by hand: how a nurse, an aide, a
biller or a patient would ask for a home-care code (visits, telehealth, home infusion, DME, supplies, orthotics,
modifiers). It is not taken from the CMS query sets (those are the evaluation in ``bench/search_quality.py``)
nor from any hidden set.

Run: ``python bench/search_dev.py [--out bench/results/search_dev.md] [--misses]``
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from hhbill._store import Store  # noqa: E402
from hhbill.hcpcs import import_release  # noqa: E402
from hhbill.search import search  # noqa: E402

SHARED = Path(os.environ.get("HHBILL_SHARED", REPO.parent / "shared")).resolve()
RELEASE = "data/hcpcs/2026_jan/HCPC2026_JAN_ANWEB_01122026.txt"
QUERIES = REPO / "bench" / "search_dev_queries.csv"
TOP = 10
FIRST_QUERY = """
import sys, time
started = time.perf_counter()
from hhbill._store import Store
from hhbill.search import search
imported = time.perf_counter()
store = Store(sys.argv[1])
search(store, "home health aide visit", as_of="2026-01-01")
answered = time.perf_counter()
print(f"{imported - started:.4f} {answered - imported:.4f}")
"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def first_query_seconds(database: Path, runs: int) -> tuple[float, float]:
    """Median (import seconds, first-search seconds) of ``runs`` new processes on ``database``."""
    imports, searches = [], []
    for _ in range(runs):
        output = subprocess.run(
            [sys.executable, "-c", FIRST_QUERY, str(database)],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO / "src")},
        ).stdout.split()
        imports.append(float(output[0]))
        searches.append(float(output[1]))
    return statistics.median(imports), statistics.median(searches)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "search_dev.md")
    parser.add_argument("--misses", action="store_true", help="print the queries whose first result is wrong")
    parser.add_argument("--runs", type=int, default=5, help="new processes timed for the first query")
    args = parser.parse_args(argv)
    rows = list(csv.DictReader(QUERIES.open(encoding="utf-8")))
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "dev.db"
        store = Store(database)
        result = import_release(store, SHARED / RELEASE)
        day = date.fromisoformat(result.effective_date)
        hits1 = hits10 = 0
        reciprocal = 0.0
        timings: list[float] = []
        misses: list[str] = []
        for row in rows:
            expected = set(row["expected_codes"].split())
            started = time.perf_counter()
            ranked = [r.code for r in search(store, row["query"], as_of=day, limit=TOP).results]
            timings.append(time.perf_counter() - started)
            rank = next((n for n, code in enumerate(ranked, start=1) if code in expected), None)
            if rank is not None:
                hits1 += rank == 1
                hits10 += 1
                reciprocal += 1 / rank
            if rank != 1:
                misses.append(f"{row['query']!r}: expected {sorted(expected)[:4]}, rank {rank}, got {ranked[:3]}")
        best: list[float] = []
        for row in rows:
            runs = []
            for _ in range(3):
                started = time.perf_counter()
                search(store, row["query"], as_of=day, limit=TOP)
                runs.append(time.perf_counter() - started)
            best.append(min(runs))
        store.close()
        stored_import, stored_first = first_query_seconds(database, args.runs)
        without = Path(folder) / "without-index.db"
        shutil.copy(database, without)
        with Store(without) as copy, copy.transaction() as conn:
            conn.execute("DELETE FROM search_release_index")
        rebuilt = []
        for _ in range(args.runs):  # each run rebuilds and stores the index: start again from the copy without it
            trial = Path(folder) / "trial.db"
            shutil.copy(without, trial)
            rebuilt.append(first_query_seconds(trial, 1)[1])
    count = len(rows)
    lines = [
        "## Plain-language home-care search (`bench/search_dev.py`)",
        "",
        f"Development set `bench/search_dev_queries.csv`: {count} queries written for hhbill (nurse, aide, biller and "
        "patient wording for visits, telehealth, home infusion, DME, supplies, orthotics and modifiers), searched in "
        f"the CMS {result.label} release as of {day}.",
        "",
        "| hit@1 | hit@10 | MRR@10 | p50 ms | p95 ms (best of 3) |",
        "|---:|---:|---:|---:|---:|",
        f"| {hits1 / count:.3f} | {hits10 / count:.3f} | {reciprocal / count:.3f} | "
        f"{statistics.median(best) * 1000:.2f} | {percentile(best, 0.95) * 1000:.2f} |",
        "",
        f'First query of a new process (`search("home health aide visit")`, median of {args.runs} processes; '
        f"importing hhbill.search takes {stored_import * 1000:.0f} ms before it):",
        "",
        "| database | first query |",
        "|---|---:|",
        f"| index stored by the import | {stored_first * 1000:.0f} ms |",
        f"| no stored index (a release imported before it existed: built, then stored) | "
        f"{statistics.median(rebuilt) * 1000:.0f} ms |",
        "",
        f"Misses at rank 1 ({len(misses)}):",
        "",
        *[f"- {miss}" for miss in misses],
    ]
    text = "\n".join(lines) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
