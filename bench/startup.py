"""Start-up budgets of the command line (issue 13): whole-process wall time of three commands as a ratio to a bare
interpreter that imports what any hhbill process needs (``python -c "import sqlite3, json"``), measured in the
same run, interleaved, median of several runs.

The database holds the real January 2026 HCPCS release, as a user's would after ``hhbill data import``. Each
command runs once before timing (the first search of a database may build what later ones reuse, the first code
page stores the release's facts and keeps the page in the page cache beside the database). A second row times
the first view of a code page, with the page cache emptied before each run. Python's bytecode cache is on (in a
temporary folder, whatever ``PYTHONDONTWRITEBYTECODE`` says), as it is for an installed hhbill: without it each run
would recompile every hhbill module and time the compiler rather than the start-up.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, median, shared, write_section

HCPCS_JAN_2026 = "data/hcpcs/2026_jan/HCPC2026_JAN_ANWEB_01122026.txt"
RUNS = 11
BASELINE = ["-c", "import sqlite3, json"]
#: (label, hhbill arguments, budget as a multiple of the baseline)
COMMANDS = [
    ("`hhbill --help`", ["--help"], 5.0),
    ("`hhbill code G0320 --format json`", ["code", "G0320", "--format", "json"], 5.0),
    ('`hhbill search "home health aide visit"`', ["search", "home health aide visit"], 8.0),
]


#: the same page shown for the first time (the page cache beside the database emptied before each run; the
#: release's facts stay stored): what a code never looked up before costs
COLD_PAGE = ("`hhbill code G0320 --format json`, first view (page not cached)", ["code", "G0320", "--format", "json"])

#: what the command line framework alone costs, for reading the ratios (no budget): typer, and typer with the
#: pydantic-based parameter coercion it loads as soon as a command has an option value to convert
FLOORS = [
    ("`import typer` (floor: the CLI framework)", ["-c", "import typer"]),
    ("`import typer._adapters` (floor: + its pydantic coercion)", ["-c", "import typer._adapters"]),
]


def wall(args: list[str], env: dict[str, str], *, forget: Path | None = None) -> float:
    if forget is not None:  # the first view of a page: nothing cached for it
        for suffix in ("", "-wal", "-shm"):
            Path(f"{forget}{suffix}").unlink(missing_ok=True)
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "hhbill.db"
        env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "HHBILL_DB": str(db), "COLUMNS": "100"}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(folder) / "pycache")
        importer = ["-m", "hhbill.cli", "data", "import", str(shared(HCPCS_JAN_2026))]
        subprocess.run([sys.executable, *importer], check=True, capture_output=True, env=env)
        commands = [(label, ["-m", "hhbill.cli", *args], budget) for label, args, budget in COMMANDS]
        commands += [(COLD_PAGE[0], ["-m", "hhbill.cli", *COLD_PAGE[1]], 0.0)]
        commands += [(label, args, 0.0) for label, args in FLOORS]
        page_cache = Path(f"{db}.pages")
        for label, args, _budget in commands:  # warm: OS file cache, anything a first run builds
            wall(args, env, forget=page_cache if label == COLD_PAGE[0] else None)
        wall(BASELINE, env)
        base: list[float] = []
        times: dict[str, list[float]] = {label: [] for label, _args, _budget in commands}
        for _ in range(RUNS):  # interleaved, so a busy moment of the machine hits every command alike
            base.append(wall(BASELINE, env))
            for label, args, _budget in commands:
                times[label].append(wall(args, env, forget=page_cache if label == COLD_PAGE[0] else None))

    base_s = median(base)
    lines = [
        "## Start-up time of the command line (`bench/startup.py`)",
        "",
        f'Whole-process wall time, median of {RUNS} interleaved runs, against `python -c "import sqlite3, json"`',
        f"in the same run ({base_s * 1000:.0f} ms). The database holds the January 2026 HCPCS release; bytecode is",
        "cached, as for an installed hhbill. A code page shown before comes from the page cache beside the database",
        "(the budgeted row); the first view of a page builds it (the row below it, no budget).",
        "",
        "| command | median | ratio to baseline | budget | verdict |",
        "|---|---:|---:|---:|---|",
    ]
    for label, _args, budget in commands:
        ours = median(times[label])
        ratio = ours / base_s
        if budget:
            verdict = "met" if ratio <= budget else "MISSED"
            lines.append(f"| {label} | {ours * 1000:.0f} ms | {ratio:.1f}× | ≤ {budget:g}× | {verdict} |")
        else:
            lines.append(f"| {label} | {ours * 1000:.0f} ms | {ratio:.1f}× | — | reference |")
    print("\n".join(lines))
    write_section("startup", "\n".join(lines))


if __name__ == "__main__":
    main()
