"""``make bench``: run every benchmark, then merge their sections into bench/RESULTS.md.

Each benchmark is a standalone script that writes ``bench/results/<name>.md``; a failing one is reported and the
others still run. ``api_mixed`` has no script of its own: ``python bench/api_load.py --mixed`` writes it (it needs a
quiet machine), and it is merged like the others.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = [
    "hcpcs",
    "search_quality",
    "search_dev",
    "rvu",
    "codepage",
    "claims",
    "x12",
    "batch",
    "ub04_pdf",
    "api_load",
    "api_mixed",
    "startup",
]


def main(argv: list[str]) -> int:
    wanted = argv or [name for name in ORDER if (HERE / f"{name}.py").exists()]
    failed = []
    for name in wanted:
        print(f"== bench/{name}.py", flush=True)
        if subprocess.call([sys.executable, str(HERE / f"{name}.py")]) != 0:
            failed.append(name)
    merge()
    if failed:
        print("failed:", ", ".join(failed))
    return 1 if failed else 0


def merge() -> None:
    parts = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python -m bench`); each section by its script in `bench/`. Every benchmark",
        "compares against a baseline measured in the same run, so the ratios hold across machines; absolute",
        "times are for orientation only.",
    ]
    for name in ORDER:
        section = HERE / "results" / f"{name}.md"
        if section.exists():
            parts += ["", section.read_text().rstrip()]
    (HERE / "RESULTS.md").write_text("\n".join(parts) + "\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
