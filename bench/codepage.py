"""Code page build time: the explained page with all its sections (``hhbill.explain.explain_code``).

Baseline measured in the same run: the decoded record page alone (``hhbill.hcpcs.code_page``: look-up, every field
decoded, history, other meanings), which the explained page contains. The ratio says what the sections (lay names,
plain language, field definitions, fee schedule entry, comparisons, related codes, billing, edits, FAQ) cost on top.

Every code and modifier of the January 2026 release is built once, in release order shuffled with a fixed seed, so
the per-descriptor caches start cold for each code; the per-release facts (group shares, reverse cross-references
and exclusions) are built once per release and their one-off cost is reported separately. No fee schedule is
imported: the shipped one answers, as on a fresh install.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from datetime import date
from pathlib import Path

from _common import median, percentile, shared, write_section
from hhbill import hcpcs
from hhbill._store import Store
from hhbill.explain import explain_code

RELEASES = (
    "data/hcpcs/2025_oct_xlsx_only/HCPC2025_OCT_ANWEB.xlsx",
    "data/hcpcs/2026_jan/january-2026-alpha-numeric-hcpcs-file.zip",
)
DAY = date(2026, 2, 1)
TARGET_MS = 5.0


def _timed(fn, codes: list[str]) -> tuple[list[float], list[float]]:
    """Wall time and process CPU time of each call (seconds). On a shared machine the wall time includes waiting
    for a core; the CPU time is the work the call itself did."""
    wall, cpu = [], []
    for code in codes:
        start, cpu_start = time.perf_counter(), time.process_time()
        fn(code)
        cpu.append(time.process_time() - cpu_start)
        wall.append(time.perf_counter() - start)
    return wall, cpu


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "codepage.db")
        for relative in RELEASES:
            hcpcs.import_release(store, shared(relative))
        reference = hcpcs.HcpcsReference(store)
        release = reference.release_on(DAY)
        assert release is not None
        codes = sorted(record.code for record in hcpcs.release_records(reference, release))
        random.Random(2026).shuffle(codes)

        start = time.perf_counter()
        explain_code(reference, codes[0], DAY)  # loads the shipped fee schedule and builds the release facts
        first_s = time.perf_counter() - start
        start = time.perf_counter()
        explain_code(reference, codes[1], DAY)
        second_ms = (time.perf_counter() - start) * 1000

        base_wall, base_cpu = _timed(lambda code: hcpcs.code_page(reference, code, DAY), codes)
        ours_wall, ours_cpu = _timed(lambda code: explain_code(reference, code, DAY), codes)
        store.close()

    base_med, base_p95 = median(base_wall) * 1000, percentile(base_wall, 95) * 1000
    ours_med, ours_p95 = median(ours_wall) * 1000, percentile(ours_wall, 95) * 1000
    base_cpu95, ours_cpu95 = percentile(base_cpu, 95) * 1000, percentile(ours_cpu, 95) * 1000
    verdict = "met" if ours_p95 < TARGET_MS else "MISSED"
    cpu_verdict = "met" if ours_cpu95 < TARGET_MS else "MISSED"
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    lines = [
        "## Code page with all sections (`bench/codepage.py`)",
        "",
        f"Every one of the {len(codes):,} codes and modifiers of the January 2026 release (October 2025 also loaded,",
        "for history), built once each in shuffled order, in-process; the shipped fee schedule answers:",
        "",
        "| call | wall median | wall p95 | CPU median | CPU p95 | ratio to baseline (wall median) |",
        "|---|---:|---:|---:|---:|---:|",
        f"| `hcpcs.code_page` (decoded record only, baseline) | {base_med:.2f} ms | {base_p95:.2f} ms | "
        f"{median(base_cpu) * 1000:.2f} ms | {base_cpu95:.2f} ms | 1.0× |",
        f"| `explain.explain_code` (all sections) | {ours_med:.2f} ms | {ours_p95:.2f} ms | "
        f"{median(ours_cpu) * 1000:.2f} ms | {ours_cpu95:.2f} ms | {ours_med / base_med:.1f}× |",
        "",
        f"Target: a code page with all its sections under {TARGET_MS:.0f} ms p95 in-process — wall time {verdict} "
        f"(p95 {ours_p95:.2f} ms), CPU time {cpu_verdict} (p95 {ours_cpu95:.2f} ms). Load average during the run:",
        f"{load} on this machine; wall time includes waiting for a core when other processes hold them.",
        "",
        f"One-off per release: the first page took {first_s:.2f} s (loading the shipped fee schedule into the new",
        f"database and computing the release's facts); the next page {second_ms:.2f} ms.",
    ]
    path = write_section("codepage", "\n".join(lines))
    print(path.read_text())


if __name__ == "__main__":
    main()
