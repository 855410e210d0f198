"""Concurrency: readers during an import, two imports at once, concurrent claim-ledger writes.

Guarantees (docs/RELIABILITY.md): a reader never fails and never sees half a release while an import runs;
imports running at the same time all land, each exactly once; concurrent ledger writes lose nothing and record
the same claim once. Writers are separate processes (as two CLI runs or two service workers would be), started
together through a "go" file so their critical sections really overlap.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hhbill import hcpcs
from hhbill._store import Store

REPO = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("hhbill_fuzz_seeds_c", REPO / "fuzz" / "seeds.py")
assert _spec is not None and _spec.loader is not None
seeds = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(seeds)


def synthetic_release(count: int, start: int = 0, words: str = "infusion wheelchair") -> bytes:
    lines = []
    for i in range(start, start + count):
        code = f"{'ABCEGJKLQS'[i % 10]}{i % 10000:04d}"
        lines.append(
            seeds.hcpcs_line(
                code,
                f"{i + 1:04d}0",
                "3",
                f"Made up home health service {i} {words} skilled nursing visit",
                f"Made up service {i}",
                added="20200101",
                action="N",
            )
        )
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


_WRITER = """
    import json, sys, time
    from pathlib import Path
    from datetime import date
    import hhbill.search
    from hhbill import hcpcs
    from hhbill._store import Store

    db, go, job = sys.argv[1], Path(sys.argv[2]), json.loads(sys.argv[3])
    pause = job.get("pause", 0)  # fault injection: widen the gap between a check and the write that follows
    if pause and job["kind"] == "hcpcs":
        plain_transaction = Store.transaction
        def slow_transaction(self):
            time.sleep(pause)
            return plain_transaction(self)
        Store.transaction = slow_transaction
    store = Store(db)
    if job["kind"] == "ledger":
        from hhbill.claims import open_ledger, parse_claim_input
        ledger = open_ledger(store, job.get("url"))  # SQLite in the store, or PostgreSQL at url
        claims = [parse_claim_input(c) for c in job["claims"]]
        if pause and hasattr(ledger, "_same_claim"):
            plain_check = ledger._same_claim
            def slow_check(claim):
                found = plain_check(claim)
                time.sleep(pause)
                return found
            ledger._same_claim = slow_check
    print("READY", flush=True)
    for _ in range(3000):  # wait (bounded) for the go file, so every writer starts at once
        if go.exists():
            break
        time.sleep(0.01)
    if job["kind"] == "hcpcs":
        result = hcpcs.import_release(store, job["path"])
        print("RESULT", json.dumps({"created": result.created, "id": result.release_id}), flush=True)
    elif job["kind"] == "rvu":
        from hhbill.rvu import import_fee_schedule
        summary = import_fee_schedule(store, job["path"], release=job["release"])
        print("RESULT", json.dumps([f.status for f in summary.files]), flush=True)
    else:
        ids = [ledger.record(claim, "submitted").id for claim in claims]
        print("RESULT", json.dumps(ids), flush=True)
"""


def run_together(db: Path, jobs: list[dict[str, Any]], tmp_path: Path) -> list[Any]:
    """Start one writer process per job, release them at once, and return each one's RESULT."""
    go = tmp_path / f"go-{time.monotonic_ns()}"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(_WRITER), str(db), str(go), json.dumps(job)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        for job in jobs
    ]
    for proc in procs:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "READY", proc.stderr.read() if proc.stderr else ""
    go.touch()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-3000:]
        results.append(json.loads(next(line for line in out.splitlines() if line.startswith("RESULT"))[7:]))
    return results


@pytest.fixture
def base_db(tmp_path: Path) -> Path:
    import hhbill.search  # noqa: F401 - the search index hook, as in the CLI and the service

    first = tmp_path / "first.txt"
    first.write_bytes(synthetic_release(1500))
    db = tmp_path / "hhbill.db"
    with Store(db) as store:
        hcpcs.import_release(store, first, effective=date(2025, 1, 1))
    return db


# -- readers during an import ---------------------------------------------------------------------------------------
def test_readers_during_an_import_never_fail_and_never_see_half_a_release(base_db: Path, tmp_path: Path) -> None:
    from hhbill.search import search

    second = tmp_path / "HCPC2025_JUL_second.txt"
    second.write_bytes(synthetic_release(6000, start=3000, words="oxygen concentrator"))
    importer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(_WRITER),
            str(base_db),
            str(tmp_path / "go-now"),
            json.dumps({"kind": "hcpcs", "path": str(second)}),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    finished = threading.Event()
    problems: list[str] = []
    reads_while_importing = [0] * 6

    def reader(n: int) -> None:
        store = Store(base_db)  # a connection per reader, as each service worker / CLI has
        reference = hcpcs.HcpcsReference(store)
        for _ in range(20_000):  # bounded; ends when the import has finished
            if finished.is_set():
                break
            try:
                releases = [r.effective_date for r in reference.releases()]
                if releases not in (["2025-01-01"], ["2025-01-01", "2025-07-01"]):
                    problems.append(f"releases {releases}")
                i = (n * 37 + reads_while_importing[n]) % 1500
                code = f"{'ABCEGJKLQS'[i % 10]}{i:04d}"
                found = reference.lookup(code, date(2025, 3, 1))
                if found.record.code != code:
                    problems.append(f"lookup {code} -> {found.record.code}")
                if len(releases) == 2:
                    # once the new release is visible its whole search index is: 6000 of its codes match
                    hits = search(store, "oxygen concentrator", as_of="2025-08-01", limit=500).results
                    if sum("concentrator" in h.long_description.lower() for h in hits) != 500:
                        problems.append(f"partial search index: {len(hits)} hits")
                reads_while_importing[n] += 1
            except Exception as exc:  # any failure of a reader is what this test looks for
                problems.append(f"{type(exc).__name__}: {exc}")
        store.close()

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(6)]
    assert importer.stdout is not None
    assert importer.stdout.readline().strip() == "READY"
    (tmp_path / "go-now").touch()
    for thread in threads:
        thread.start()
    _out, err = importer.communicate(timeout=300)
    finished.set()
    for thread in threads:
        thread.join(timeout=120)
    assert importer.returncode == 0, err
    assert not problems, problems[:5]
    assert sum(reads_while_importing) >= 6, "the readers never ran while the import did"
    with Store(base_db) as store:
        assert [r.effective_date for r in hcpcs.HcpcsReference(store).releases()] == ["2025-01-01", "2025-07-01"]


# -- two imports at once --------------------------------------------------------------------------------------------
def test_two_imports_of_different_releases_at_once_both_land_completely(base_db: Path, tmp_path: Path) -> None:
    from hhbill.search import search

    april = tmp_path / "HCPC2025_APR_a.txt"
    april.write_bytes(synthetic_release(3000, start=2000, words="nebulizer"))
    july = tmp_path / "HCPC2025_JUL_b.txt"
    july.write_bytes(synthetic_release(3500, start=6000, words="glucose monitor"))
    results = run_together(
        base_db, [{"kind": "hcpcs", "path": str(april)}, {"kind": "hcpcs", "path": str(july)}], tmp_path
    )
    assert all(r["created"] for r in results) and len({r["id"] for r in results}) == 2
    with Store(base_db) as store:
        counts = dict(
            store.execute(
                "SELECT r.effective_date, count(c.code) FROM hcpcs_release r JOIN hcpcs_code c ON c.release_id = r.id "
                "GROUP BY r.id ORDER BY r.effective_date"
            ).fetchall()
        )
        assert counts == {"2025-01-01": 1500, "2025-04-01": 3000, "2025-07-01": 3500}
        assert store.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert len(search(store, "nebulizer", as_of="2025-05-01", limit=500).results) == 500
        assert len(search(store, "glucose monitor", as_of="2025-08-01", limit=500).results) == 500


def test_two_fee_schedule_imports_at_once_both_land_completely(tmp_path: Path) -> None:
    from test_reliability_faults import synthetic_pprrvu

    db = tmp_path / "hhbill.db"
    Store(db).close()
    jobs = []
    for release, count in (("2026A", 4000), ("2026B", 5000)):
        path = tmp_path / f"PPRRVU{release}.csv"
        path.write_bytes(synthetic_pprrvu(count))
        jobs.append({"kind": "rvu", "path": str(path), "release": release})
    assert run_together(db, jobs, tmp_path) == [["imported"], ["imported"]]
    with Store(db) as store:
        counts = dict(
            store.execute(
                "SELECT r.quarter, count(i.release_id) FROM rvu_release r JOIN rvu_item i ON i.release_id = r.id "
                "GROUP BY r.id ORDER BY r.quarter"
            ).fetchall()
        )
    assert counts == {"A": 4000, "B": 5000}


def test_the_same_release_imported_twice_at_once_is_stored_once(base_db: Path, tmp_path: Path) -> None:
    april = tmp_path / "HCPC2025_APR_a.txt"
    april.write_bytes(synthetic_release(3000, start=2000))
    # a pause between the "already loaded?" check and the write makes the two imports' checks overlap every time
    results = run_together(base_db, [{"kind": "hcpcs", "path": str(april), "pause": 0.5}] * 2, tmp_path)
    assert sorted(r["created"] for r in results) == [False, True]
    with Store(base_db) as store:
        assert store.execute("SELECT count(*) FROM hcpcs_release").fetchone()[0] == 2


# -- concurrent claim checks writing to the ledger --------------------------------------------------------------------
def _claims(prefix: str, count: int) -> list[dict[str, Any]]:
    out = []
    for n in range(count):
        lines = [
            {**line, "charge": f"{n + 1}.00"} if line["revenue_code"] == "0551" else line
            for line in seeds.CLAIM_LINES["lines"]
        ]
        out.append(
            {
                **seeds.CLAIM_LINES,
                "lines": lines,
                "patient_control_number": f"{prefix}-{n}",
                "patient": {**seeds.CLAIM_LINES["patient"], "mbi": f"1EG4TE5MK{len(prefix) % 10}{n % 10}"},
            }
        )
    return out


def test_concurrent_ledger_writes_lose_nothing(tmp_path: Path) -> None:
    from hhbill.claims import open_ledger

    db = tmp_path / "hhbill.db"
    with Store(db) as store:
        open_ledger(store)  # the tables and the beneficiary key exist before the writers start
    jobs = [{"kind": "ledger", "claims": _claims("W" * (w + 1), 25)} for w in range(4)]
    results = run_together(db, jobs, tmp_path)
    written = [entry_id for ids in results for entry_id in ids]
    with Store(db) as store:
        rows = store.execute("SELECT id, claim_key FROM claims_ledger").fetchall()
    assert sorted(written) == sorted(r["id"] for r in rows)
    assert len(rows) == len({r["claim_key"] for r in rows}) == 4 * 25


def test_the_same_claim_recorded_at_once_is_recorded_once(tmp_path: Path) -> None:
    from hhbill.claims import open_ledger

    db = tmp_path / "hhbill.db"
    with Store(db) as store:
        open_ledger(store)
    same = _claims("SAME", 10)
    # a pause after the "recorded already?" check makes the writers' checks overlap every time
    results = run_together(db, [{"kind": "ledger", "claims": same, "pause": 0.1}] * 4, tmp_path)
    with Store(db) as store:
        rows = store.execute("SELECT claim_key FROM claims_ledger").fetchall()
    assert len(rows) == len({r["claim_key"] for r in rows}) == 10
    assert all(ids == results[0] for ids in results)
