"""Run every fuzz target for N seconds each under atheris (coverage-guided), and summarise.

    python fuzz/run.py --seconds 2            # the short run in `make test`
    python fuzz/run.py --seconds 60           # the long run (`make fuzz`); add --grow-corpus to keep new inputs
    python fuzz/run.py --seconds 5 --only x12_837i claim_json

Each target runs in its own process (atheris needs that) with the seeds in ``fuzz/corpus/<target>/``. New
coverage-increasing inputs go to a scratch folder (or, with ``--grow-corpus``, into the corpus). An input that
breaks the invariant (see ``fuzz/targets.py``), hangs longer than ``--timeout`` seconds or pushes the process over
``--rss-mb`` is saved to ``fuzz/findings/<target>/`` (or ``--findings DIR``); the target is then restarted for
the rest of its time, at most ``--max-restarts`` times, so one bug does not hide the next.

The summary prints, per target: inputs tried, seconds, findings; the last line is a JSON object with the totals,
which ``tests/test_reliability_fuzz.py`` and ``docs/RELIABILITY.md`` use. Exit status 1 when there are findings.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from targets import TARGETS  # noqa: E402

_DONE = re.compile(r"Done (\d+) runs in (\d+) second")
_STAT = re.compile(r"#(\d+)\s+(?:pulse|NEW|REDUCE|INITED|DONE)")


@dataclass
class TargetReport:
    target: str
    runs: int = 0
    seconds: float = 0.0
    findings: list[str] = field(default_factory=list)
    restarts: int = 0
    #: known open findings met (see targets.KNOWN_OPEN): counted, not stopping the run
    known_open: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _runs_in(output: str) -> int:
    done = _DONE.findall(output)
    if done:
        return sum(int(runs) for runs, _ in done)
    stats = _STAT.findall(output)  # killed before "Done": the last progress line
    return int(stats[-1]) if stats else 0


def run_target(name: str, seconds: float, args: argparse.Namespace, scratch: Path) -> TargetReport:
    report = TargetReport(name)
    findings = Path(args.findings) / name
    findings.mkdir(parents=True, exist_ok=True)
    seeds = HERE / "corpus" / name
    work_corpus = seeds if args.grow_corpus else scratch / name
    work_corpus.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + seconds
    started = time.monotonic()
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    while True:
        remaining = deadline - time.monotonic()
        if remaining < 1 or report.restarts > args.max_restarts:
            break
        before = set(findings.iterdir())
        command = [
            sys.executable,
            str(HERE / "targets.py"),
            name,
            f"-max_total_time={max(1, int(remaining))}",
            f"-timeout={args.timeout}",
            f"-rss_limit_mb={args.rss_mb}",
            f"-max_len={args.max_len}",
            f"-artifact_prefix={findings}/",
            "-print_final_stats=1",
            str(work_corpus),
        ]
        if work_corpus != seeds:
            command.append(str(seeds))
        proc = None
        try:
            proc = subprocess.run(
                command,
                capture_output=True,
                text=True,
                errors="replace",
                env=env,
                timeout=remaining + args.timeout + 60,
            )
            output = proc.stdout + proc.stderr
        except subprocess.TimeoutExpired as exc:
            output = (exc.stdout or b"").decode(errors="replace") + (exc.stderr or b"").decode(errors="replace")
            report.errors.append("the fuzzer process overran its time and was stopped")
        report.runs += _runs_in(output)
        for line in output.splitlines():
            if line.startswith("KNOWN-OPEN ") and line[11:] not in report.known_open:
                report.known_open.append(line[11:])
        new = sorted(set(findings.iterdir()) - before)
        report.findings += [str(p) for p in new]
        if new:
            (findings / (new[-1].name + ".log")).write_text(output[-20000:])
            report.restarts += 1
            continue
        if "Done" not in output and not new:
            kept = findings / f"incomplete-{int(time.time())}.log"  # the whole output, for diagnosis
            kept.write_text(output[-200000:])
            report.errors.append(f"exit status {getattr(proc, 'returncode', '?')}; log in {kept}: {output[-600:]}")
        break
    report.seconds = round(time.monotonic() - started, 1)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=2, help="fuzzing time per target (default 2)")
    parser.add_argument("--only", nargs="*", choices=sorted(TARGETS), help="only these targets")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="targets run at once")
    parser.add_argument("--timeout", type=int, default=10, help="seconds one input may take (a hang beyond)")
    parser.add_argument("--rss-mb", type=int, default=1536, help="memory limit of a fuzzing process")
    parser.add_argument("--max-len", type=int, default=65536, help="largest input tried, in bytes")
    parser.add_argument("--max-restarts", type=int, default=5, help="restarts after findings, per target")
    parser.add_argument("--findings", default=str(HERE / "findings"), help="where crashing inputs are saved")
    parser.add_argument("--grow-corpus", action="store_true", help="keep new interesting inputs in fuzz/corpus")
    args = parser.parse_args(argv)
    names = args.only or list(TARGETS)
    scratch = Path(tempfile.mkdtemp(prefix="hhbill-fuzz-corpus-"))
    try:
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            reports = list(pool.map(lambda n: run_target(n, args.seconds, args, scratch), names))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"{'target':<16} {'inputs':>10} {'seconds':>8} {'findings':>8} {'known open':>10}")
    for r in reports:
        print(f"{r.target:<16} {r.runs:>10} {r.seconds:>8} {len(r.findings):>8} {len(r.known_open):>10}")
        for known in r.known_open:
            print(f"    known open: {known}")
        for finding in r.findings:
            print(f"    finding: {finding}")
        for error in r.errors:
            print(f"    fuzzer did not finish cleanly: {error[-400:]}")
    totals = {
        "targets": len(reports),
        "inputs": sum(r.runs for r in reports),
        "findings": sum(len(r.findings) for r in reports),
        "errors": sum(len(r.errors) for r in reports),
        "known_open": sorted({k for r in reports for k in r.known_open}),
        "seconds_per_target": args.seconds,
        "per_target": [asdict(r) for r in reports],
    }
    print(json.dumps(totals))
    return 1 if totals["findings"] or totals["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
