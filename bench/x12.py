"""837I read / scrub throughput against pyx12 validating the same file, and the reader's memory as files grow.

What runs (one process, one run):
* a generated home health 837I (default 50,000 claims of 5-14 lines, written by hhbill's own writer, 5,000
  claims per ST) in a temporary folder;
* hhbill: the segment tokenizer alone, the full reader (envelope + 837I loop structure + mapping into Claim),
  and reader + scrubber (``check_claim`` with an empty CheckContext: edits needing the HCPCS store or the
  ledger skip, so this times the reading plus the claim-only edits);
* pyx12 4 ``x12n_document`` (the 005010X223A2 map, errors collected as JSON) on a slice of the same generated
  claims (default 500 claims: pyx12 is slow), extrapolated per claim to the full file — the ratio compares
  seconds per claim;
* peak resident memory of a fresh process that reads the slice and of one that reads the full file (flat
  memory: the two peaks should be about equal).

Usage: python bench/x12.py [--claims N] [--pyx12-claims M]
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, write_section
from hhbill.claims import CheckContext, check_claim
from hhbill.claims._model import Claim, ClaimLine, CodeAmount, CodeDate, Patient, Provider
from hhbill.x12 import SegmentStream, WriterSettings, read_claims, write_837i

VISITS = [("0551", "G0299"), ("0551", "G0493"), ("0421", "G0151"), ("0431", "G0152"), ("0571", "G0156"),
          ("0421", "G0157"), ("0551", "G0300")]  # fmt: skip
HIPPS = ["1FC21", "2HA11", "3CB31", "4LC21", "1DA11"]


def with_npi_check_digit(first_nine: str) -> str:
    """A fictitious NPI that passes the check digit (Luhn over '80840' + the first nine digits)."""
    digits = [int(d) for d in "80840" + first_nine]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return first_nine + str((10 - total % 10) % 10)


ATTENDING_NPI = with_npi_check_digit("124531959")
CERTIFYING_NPI = with_npi_check_digit("100300012")
AGENCIES = [
    Provider(
        npi=with_npi_check_digit(f"1234567{n:02d}"),
        name=f"BENCH HOME HEALTH {n}",
        tax_id=f"1234567{n:02d}",
        address={"line1": f"{n} MAIN ST", "city": "CHICAGO", "state": "IL", "zip": "606011234"},
    )
    for n in range(5)
]


def generated_claims(count: int) -> Iterator[Claim]:
    """Fictitious 0329 claims with 5-14 lines each (HIPPS line, visits, Q5001), grouped by agency."""
    for number in range(count):
        start = date(2026, 1, 1) + timedelta(days=number % 200)
        visits = [
            ClaimLine(rev, code, (), start + timedelta(days=2 * i), Decimal(1 + (number + i) % 5), Decimal("95.00"))
            for i, (rev, code) in enumerate(VISITS[(number + k) % len(VISITS)] for k in range(3 + number % 10))
        ]
        lines = [ClaimLine("0023", HIPPS[number % len(HIPPS)], (), start, Decimal(1), Decimal("0.00")), *visits]
        lines.append(ClaimLine(visits[0].revenue_code, "Q5001", (), start, Decimal(1), Decimal("0.01")))
        yield Claim(
            type_of_bill="0329",
            from_date=start,
            through_date=start + timedelta(days=29),
            admission_date=start,
            admission_source="1",
            patient_status="30",
            patient_control_number=f"BENCH{number:09d}",
            diagnoses=["I5032", "E119"],
            occurrence_codes=[CodeDate("50", start)],
            value_codes=[CodeAmount("61", Decimal("16974.00")), CodeAmount("85", Decimal("17031.00"))],
            lines=lines,
            patient=Patient(
                mbi=f"1EG4TE5MK{number % 100:02d}",
                last_name=f"BENCHPATIENT{number}",
                first_name="ALEX",
                birth_date=date(1940, 1 + number % 12, 1 + number % 28),
                sex="F",
                address={"line1": "1 ELM ST", "city": "CHICAGO", "state": "IL", "zip": "606011234"},
            ),
            billing_provider=AGENCIES[(number // 1000) % len(AGENCIES)],
            attending_npi=ATTENDING_NPI,
            certifying_npi=CERTIFYING_NPI,
            payer_name="MEDICARE",
        )


SETTINGS = WriterSettings(
    payer_id="14011",
    practitioner_names={ATTENDING_NPI: ("SMITH", "JOHN"), CERTIFYING_NPI: ("JONES", "MARY")},
    created=datetime(2026, 2, 10, 12, 0),
)


def write_file(path: Path, count: int) -> None:
    with path.open("w") as out:
        write_837i(generated_claims(count), out, SETTINGS)


def reader_is_compiled() -> bool:
    """Whether the X12 modules setup.py compiles (mypyc) are the ones running here."""
    from hhbill.x12 import _compiled, _reader  # noqa: F401 - imports the other compiled modules

    return all(_compiled.is_compiled(sys.modules[f"hhbill.x12.{name}"]) for name in _compiled.COMPILED_MODULES)


def timed(fn) -> tuple[float, float, object]:  # type: ignore[no-untyped-def]
    """(CPU seconds of this process, wall seconds, result). Ratios use CPU time: other processes on a shared
    machine slow the wall clock of both sides unevenly, not the CPU time each side needs."""
    cpu, wall = time.process_time(), time.perf_counter()
    value = fn()
    return time.process_time() - cpu, time.perf_counter() - wall, value


def tokenize(path: Path) -> int:
    return sum(1 for _ in SegmentStream(path))


def read(path: Path) -> int:
    return sum(1 for _ in read_claims(path))


def read_and_scrub(path: Path) -> tuple[int, int]:
    context = CheckContext(today=date(2026, 6, 1))
    claims = errors = 0
    for parsed in read_claims(path):
        claims += 1
        errors += not check_claim(parsed.claim, context).ok
    return claims, errors


def pyx12_validate(path: Path) -> int:
    import pyx12.params
    import pyx12.x12n_document

    logging.getLogger("pyx12").setLevel(logging.CRITICAL)
    report = io.StringIO()
    pyx12.x12n_document.x12n_document(pyx12.params.params(), str(path), None, None, None, report)
    doc = json.loads(report.getvalue() or "{}")
    return json.dumps(doc).count('"err_str"')


PEAK_RSS = """
import resource, sys
from hhbill.x12 import read_claims
n = sum(1 for _ in read_claims(sys.argv[1]))
print(n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_rss_kib(path: Path) -> tuple[int, int]:
    output = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, str(path)], check=True, capture_output=True, text=True, cwd=REPO
    ).stdout.split()
    return int(output[0]), int(output[1])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=50_000, help="claims in the large generated file")
    parser.add_argument("--pyx12-claims", type=int, default=500, help="claims in the slice pyx12 validates")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as folder:
        big, small = Path(folder) / "large.837", Path(folder) / "slice.837"
        _, write_seconds, _ = timed(lambda: write_file(big, args.claims))
        write_file(small, args.pyx12_claims)
        size_mb = big.stat().st_size / 1e6
        print(f"wrote {args.claims} claims ({size_mb:.1f} MB) in {write_seconds:.1f} s", flush=True)

        token_cpu, token_wall, segments = timed(lambda: tokenize(big))
        read_cpu, read_wall, claims_read = timed(lambda: read(big))
        scrub_cpu, scrub_wall, scrubbed = timed(lambda: read_and_scrub(big))
        claims_scrubbed, with_errors = scrubbed  # type: ignore[misc]
        assert claims_read == claims_scrubbed == args.claims
        print(f"read {claims_read} claims: {read_cpu:.1f} s CPU; read+scrub {scrub_cpu:.1f} s CPU", flush=True)

        # the same slice, alternately, best of 3 each
        pyx12_runs, slice_runs = [], []
        for _ in range(3):
            pyx12_runs.append(timed(lambda: pyx12_validate(small)))
            slice_runs.append(timed(lambda: read(small)))
        pyx12_cpu, pyx12_wall, pyx12_errors = min(pyx12_runs, key=lambda run: run[0])
        slice_cpu, slice_wall, _ = min(slice_runs, key=lambda run: run[0])
        print(f"pyx12 validated {args.pyx12_claims} claims in {pyx12_cpu:.1f} s CPU ({pyx12_errors} errors)")

        small_claims, small_rss = peak_rss_kib(small)
        big_claims, big_rss = peak_rss_kib(big)

    n, m = args.claims, args.pyx12_claims
    pyx12_per_claim = pyx12_cpu / m

    def row(label: str, cpu: float, wall: float, count: int, mb: float | None) -> str:
        ratio = pyx12_per_claim / (cpu / count)
        rate = f"{mb / cpu:.1f}" if mb else "—"
        return f"| {label} | {cpu:.2f} s | {wall:.2f} s | {count / cpu:,.0f} | {rate} | {ratio:,.0f}x |"

    rows = "\n".join(
        [
            row("tokenize only (segments, delimiters from ISA)", token_cpu, token_wall, n, size_mb),
            row("**read**: envelopes + 837I structure + mapping into Claim", read_cpu, read_wall, n, size_mb),
            row("read + scrub (`check_claim`, claim-only edits)", scrub_cpu, scrub_wall, n, size_mb),
            row(f"hhbill read of the {m:,}-claim slice (best of 3)", slice_cpu, slice_wall, m, None),
            row(f"pyx12 validation of the {m:,}-claim slice (best of 3)", pyx12_cpu, pyx12_wall, m, None),
        ]
    )
    reader = "compiled with mypyc (setup.py)" if reader_is_compiled() else "interpreted (not compiled)"
    body = f"""## X12 837I: read and scrub vs pyx12 (`bench/x12.py`)

X12 tokenizer and reader: {reader}.

Input: a generated home health 837I, {n:,} claims (0329, 5-14 lines each), {size_mb:.1f} MB,
{segments:,} segments, written by hhbill's writer ({write_seconds:.1f} s wall). pyx12 4 (`x12n_document`, the
005010X223A2 map, map loading included) validates a {m:,}-claim slice of the same generator, alternating with
hhbill reading that slice; pyx12's time is extrapolated per claim (about {pyx12_per_claim * n / 60:.0f} min of
CPU for the full file). pyx12 reported {pyx12_errors} error(s) on the slice. Ratios compare CPU seconds per
claim (the machine is shared; wall times are shown for orientation).

| step | CPU | wall | claims/s (CPU) | MB/s (CPU) | vs pyx12 per claim |
|---|---|---|---|---|---|
{rows}

Scrub: {with_errors:,} of {claims_scrubbed:,} generated claims have an error finding (every claim went through
`check_claim`; edits that need the HCPCS store or the ledger skip without a context).

Memory (peak RSS of a fresh process that only reads, interpreter and imports included):
{small_claims:,} claims → {small_rss / 1024:.0f} MiB; {big_claims:,} claims → {big_rss / 1024:.0f} MiB
(the reader streams in 1 MiB chunks and yields each claim when its 2300 loop closes).
Aim of issue #5: ≥ 20x pyx12 for reading, with flat memory.
"""
    path = write_section("x12", body)
    print(body)
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
