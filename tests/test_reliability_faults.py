"""Fault injection: SIGKILL, a full disk, a read-only database and a damaged database file.

The guarantee (docs/RELIABILITY.md): after any of these the store holds exactly the data it held before the
failed operation — compared table by table, row by row, search index included — and the next start opens it
and says what happened in plain words (a :class:`StoreError`, never a ``sqlite3`` exception or a traceback).

Kills happen in a child process: deterministically inside the import transaction (through
``hcpcs.post_import_hooks``), and at random moments (seeded) during HCPCS imports, fee schedule imports and
claim-ledger writes. A kill that lands after COMMIT is fine too: then the store must hold the complete new data.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hhbill import hcpcs
from hhbill._errors import StoreError
from hhbill._store import Store

REPO = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("hhbill_fuzz_seeds", REPO / "fuzz" / "seeds.py")
assert _spec is not None and _spec.loader is not None
seeds = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(seeds)

#: columns whose value is the wall clock of the write (imported_at, indexed_at, recorded_at, ...): blanked when
#: comparing a finished import with a reference import made a moment earlier


def _volatile(column: str) -> bool:
    return column.endswith("_at")


KILL_SEED = 20260415


# -- helpers ---------------------------------------------------------------------------------------------------------
def synthetic_release(count: int, start: int = 0) -> bytes:
    """A made-up HCPCS TXT release of ``count`` procedure records (enough rows for an import to take a while)."""
    lines = []
    for i in range(start, start + count):
        code = f"{'ABCEGJKLQS'[i % 10]}{i % 10000:04d}"
        lines.append(
            seeds.hcpcs_line(
                code,
                f"{i + 1:04d}0",
                "3",
                f"Made up home health service {i} infusion wheelchair skilled nursing visit",
                f"Made up service {i}",
                added="20200101",
                action="N",
            )
        )
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def synthetic_pprrvu(count: int) -> bytes:
    rows = seeds.pprrvu_csv().decode().split("\r\n")[:3]
    for i in range(count):
        row = seeds._pprrvu_row(f"{90000 + i:05d}", "", f"{(i % 500) / 100:.2f}")
        rows.append(",".join(row))
    return ("\r\n".join(rows) + "\r\n").encode()


def snapshot(db: Path, *, blank_volatile: bool = False) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (search index and ledger included), sorted: what "the data" means here."""
    conn = sqlite3.connect(db)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                # hhbill_operation is the journal of import attempts (metadata that says an import was interrupted)
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " AND name != 'hhbill_operation' ORDER BY name"
            )
        ]
        out: dict[str, list[tuple[Any, ...]]] = {}
        for table in tables:
            cursor = conn.execute(f'SELECT * FROM "{table}"')
            names = [d[0] for d in cursor.description]
            rows = []
            for row in cursor:
                if blank_volatile:
                    row = tuple(None if _volatile(n) else v for n, v in zip(names, row, strict=True))
                rows.append(tuple(row))
            out[table] = sorted(rows, key=repr)
        return out
    finally:
        conn.close()


def integrity(db: Path) -> str:
    with Store(db) as store:
        return str(store.execute("PRAGMA integrity_check").fetchone()[0])


def child(script: str, *args: str, **kwargs: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        **kwargs,
    )


def wait_for(proc: subprocess.Popen[str], word: str) -> str:
    """The child's stdout line starting with ``word`` (bounded: the child exits or prints it)."""
    assert proc.stdout is not None
    for _ in range(1000):
        line = proc.stdout.readline()
        if not line:
            raise AssertionError(f"child ended before {word!r}: {proc.stderr.read() if proc.stderr else ''}")
        if line.startswith(word):
            return line.strip()
    raise AssertionError(f"no {word!r} line")


def kill(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


def next_start(db: Path) -> subprocess.CompletedProcess[str]:
    """What a user sees at the next start: the CLI listing the releases."""
    return subprocess.run(
        [sys.executable, "-m", "hhbill.cli", "--db", str(db), "releases", "--format", "json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )


@pytest.fixture
def hcpcs_db(tmp_path: Path) -> tuple[Path, Path]:
    """A database holding one synthetic release (search index built), and a second release file to import."""
    import hhbill.search  # noqa: F401 - registers the search index hook, as the CLI and the service do

    first = tmp_path / "first.txt"
    first.write_bytes(synthetic_release(1500))
    second = tmp_path / "HCPC2026_JAN_second.txt"
    second.write_bytes(synthetic_release(4000, start=2000))
    db = tmp_path / "hhbill.db"
    with Store(db) as store:
        hcpcs.import_release(store, first, effective=date(2025, 1, 1))
    return db, second


_IMPORT = """
    import sys, time
    from datetime import date
    from hhbill import hcpcs
    import hhbill.search
    from hhbill._store import Store

    where = sys.argv[3]
    def stall(conn, release_id):
        print("INSIDE", flush=True)
        time.sleep(120)

    if where == "first":
        hcpcs.post_import_hooks.insert(0, stall)
    elif where == "last":
        hcpcs.post_import_hooks.append(stall)
    store = Store(sys.argv[1])
    print("READY", flush=True)
    started = time.perf_counter()
    hcpcs.import_release(store, sys.argv[2])
    print("DONE", time.perf_counter() - started, flush=True)
"""


# -- SIGKILL: HCPCS import --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("where", ["first", "last"])
def test_import_killed_inside_the_transaction_keeps_exactly_the_previous_data(hcpcs_db, where: str) -> None:
    """Killed before the search index is written (first hook) and after every row is written (last hook)."""
    db, second = hcpcs_db
    before = snapshot(db)
    proc = child(_IMPORT, str(db), str(second), where)
    wait_for(proc, "INSIDE")
    kill(proc)
    assert integrity(db) == "ok"
    assert snapshot(db) == before
    shown = next_start(db)
    assert shown.returncode == 0, shown.stderr
    assert [r["effective_date"] for r in json.loads(shown.stdout)["releases"]] == ["2025-01-01"]
    with Store(db) as store:  # and the same import goes through afterwards
        assert hcpcs.import_release(store, second).created


def test_next_start_says_an_import_was_interrupted(hcpcs_db) -> None:
    db, second = hcpcs_db
    proc = child(_IMPORT, str(db), str(second), "last")
    wait_for(proc, "INSIDE")
    kill(proc)
    shown = next_start(db)
    assert shown.returncode == 0
    said = (shown.stdout + shown.stderr).lower()
    assert second.name.lower() in said and ("did not finish" in said or "interrupted" in said)


def _complete_import_reference(db: Path, second: Path, tmp_path: Path) -> tuple[dict, float]:
    """The state after an uninterrupted import (volatile columns blanked), and how long the import took."""
    reference = tmp_path / "reference.db"
    shutil.copy(db, reference)
    proc = child(_IMPORT, str(reference), str(second), "none")
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    seconds = float(next(line for line in out.splitlines() if line.startswith("DONE")).split()[1])
    return snapshot(reference, blank_volatile=True), seconds


def test_import_killed_at_random_moments_is_all_or_nothing(hcpcs_db, tmp_path: Path) -> None:
    db, second = hcpcs_db
    before = snapshot(db, blank_volatile=True)
    after, seconds = _complete_import_reference(db, second, tmp_path)
    assert after != before
    rng = random.Random(KILL_SEED)
    outcomes = {"before": 0, "after": 0}
    for attempt in range(5):
        target = tmp_path / f"kill{attempt}.db"
        shutil.copy(db, target)
        proc = child(_IMPORT, str(target), str(second), "none")
        wait_for(proc, "READY")
        time.sleep(rng.uniform(0, seconds * 1.3))
        kill(proc)
        state = snapshot(target, blank_volatile=True)
        assert state in (before, after), f"kill {attempt}: the store holds neither the old nor the new data"
        outcomes["before" if state == before else "after"] += 1
        assert integrity(target) == "ok"
    print(f"random kills during HCPCS import: {outcomes}")


# -- SIGKILL: fee schedule import --------------------------------------------------------------------------------------
_RVU_IMPORT = """
    import sys, time
    from hhbill.rvu import import_fee_schedule
    from hhbill._store import Store

    store = Store(sys.argv[1])
    print("READY", flush=True)
    started = time.perf_counter()
    import_fee_schedule(store, sys.argv[2], release="2026A")
    print("DONE", time.perf_counter() - started, flush=True)
"""


def test_fee_schedule_import_killed_at_random_moments_is_all_or_nothing(tmp_path: Path) -> None:
    from hhbill.rvu import import_fee_schedule

    first = tmp_path / "PPRRVU2025_OCT.csv"
    first.write_bytes(synthetic_pprrvu(500).replace(b"2026 National", b"2025 National").replace(b"January", b"October"))
    second = tmp_path / "PPRRVU2026_JAN.csv"
    second.write_bytes(synthetic_pprrvu(8000))
    db = tmp_path / "hhbill.db"
    with Store(db) as store:
        import_fee_schedule(store, first, release="2025D")
    before = snapshot(db, blank_volatile=True)
    reference = tmp_path / "reference.db"
    shutil.copy(db, reference)
    proc = child(_RVU_IMPORT, str(reference), str(second))
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    seconds = float(out.split("DONE")[1].split()[0])
    after = snapshot(reference, blank_volatile=True)
    rng = random.Random(KILL_SEED + 1)
    outcomes = {"before": 0, "after": 0}
    for attempt in range(4):
        target = tmp_path / f"kill{attempt}.db"
        shutil.copy(db, target)
        proc = child(_RVU_IMPORT, str(target), str(second))
        wait_for(proc, "READY")
        time.sleep(rng.uniform(0, seconds * 1.3))
        kill(proc)
        state = snapshot(target, blank_volatile=True)
        assert state in (before, after), f"kill {attempt}: the store holds neither the old nor the new data"
        outcomes["before" if state == before else "after"] += 1
    print(f"random kills during fee schedule import: {outcomes}")


# -- SIGKILL: claim ledger writes --------------------------------------------------------------------------------------
_LEDGER_WRITES = """
    import json, sys
    from datetime import date
    from hhbill._store import Store
    from hhbill.claims import open_ledger, parse_claim_input

    base = json.loads(sys.argv[2])
    ledger = open_ledger(Store(sys.argv[1]))
    print("READY", flush=True)
    for n in range(100000):
        lines = [{**line, "charge": f"{n}.00"} if line["revenue_code"] == "0551" else line for line in base["lines"]]
        claim = parse_claim_input({**base, "lines": lines, "patient_control_number": f"PCN-{n}"})
        entry = ledger.record(claim, "submitted")
        print("REC", entry.id, entry.claim_key, flush=True)
"""


def test_ledger_writes_killed_at_random_moments_lose_nothing_committed(tmp_path: Path) -> None:
    from hhbill.claims import open_ledger

    db = tmp_path / "hhbill.db"
    rng = random.Random(KILL_SEED + 2)
    for _attempt in range(3):
        proc = child(_LEDGER_WRITES, str(db), json.dumps(seeds.CLAIM_LINES))
        wait_for(proc, "REC")  # writing has started
        time.sleep(rng.uniform(0, 0.5))
        kill(proc)
    # every write the child saw committed is there, once, complete; nothing half-written
    with Store(db) as store:
        rows = store.execute("SELECT id, claim_key, total_charge, status FROM claims_ledger ORDER BY id").fetchall()
        entries = open_ledger(store).entries(limit=1_000_000)
    assert len({r["claim_key"] for r in rows}) == len(rows), "duplicate ledger rows"
    assert all(r["status"] == "submitted" and r["total_charge"] for r in rows)
    assert len(entries) == len(rows) > 0
    assert integrity(db) == "ok"


def test_ledger_kill_keeps_every_confirmed_write(tmp_path: Path) -> None:
    """The child prints each id after its COMMIT returned: all of those must survive the kill."""
    db = tmp_path / "hhbill.db"
    proc = child(_LEDGER_WRITES, str(db), json.dumps(seeds.CLAIM_LINES))
    wait_for(proc, "READY")
    seen: dict[int, str] = {}
    for _ in range(40):
        line = wait_for(proc, "REC")
        _, entry_id, key = line.split()
        seen[int(entry_id)] = key
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.stdout is not None
    for line in proc.stdout.read().splitlines():  # what the child printed before it died, still in the pipe
        if line.startswith("REC "):
            _, entry_id, key = line.split()
            seen[int(entry_id)] = key
    kill(proc)
    with Store(db) as store:
        stored = {r["id"]: r["claim_key"] for r in store.execute("SELECT id, claim_key FROM claims_ledger")}
    assert {k: stored.get(k) for k in seen} == seen
    assert len(stored) - len(seen) <= 1  # at most the one committed before its line was printed


# -- a full disk -------------------------------------------------------------------------------------------------------
def _fill_up(store: Store, spare_pages: int = 4) -> None:
    """Cap this connection's database at a few pages more than it has: SQLite then answers SQLITE_FULL."""
    pages = store.execute("PRAGMA page_count").fetchone()[0]
    store.execute(f"PRAGMA max_page_count = {pages + spare_pages}")


def _full_operations() -> dict[str, Any]:
    def hcpcs_import(store: Store, tmp: Path) -> None:
        path = tmp / "HCPC2026_JAN_full.txt"
        path.write_bytes(synthetic_release(3000, start=5000))
        hcpcs.import_release(store, path)

    def rvu_import(store: Store, tmp: Path) -> None:
        from hhbill.rvu import import_fee_schedule

        path = tmp / "PPRRVU2026_JAN.csv"
        path.write_bytes(synthetic_pprrvu(6000))
        import_fee_schedule(store, path, release="2026A")

    def ledger_writes(store: Store, tmp: Path) -> None:
        from hhbill.claims import open_ledger, parse_claim_input

        ledger = open_ledger(store)
        for n in range(2000):
            claim = parse_claim_input(
                {
                    **seeds.CLAIM_LINES,
                    "patient_control_number": f"FULL-{n}",
                    "lines": [{**line, "charge": f"{n}.00"} for line in seeds.CLAIM_LINES["lines"]],
                }
            )
            ledger.record(claim, "submitted")

    return {"hcpcs_import": hcpcs_import, "rvu_import": rvu_import, "ledger_writes": ledger_writes}


@pytest.mark.parametrize("operation", sorted(_full_operations()))
def test_full_database_changes_nothing(hcpcs_db, tmp_path: Path, operation: str) -> None:
    db, _ = hcpcs_db
    with Store(db) as store:  # the ledger's and fee schedule's tables exist before the disk fills
        from hhbill.claims import open_ledger
        from hhbill.rvu import list_releases

        open_ledger(store).entries()
        list_releases(store)
    before = snapshot(db)
    store = Store(db)
    _fill_up(store)
    committed_before_full = len(snapshot(db).get("claims_ledger", []))
    with pytest.raises(Exception) as err:  # the kind of error has its own test below
        _full_operations()[operation](store, tmp_path)
    store.close()
    state = snapshot(db)
    if operation == "ledger_writes":
        # claims recorded before the disk filled stay; the one that failed left nothing behind
        assert len(state["claims_ledger"]) >= committed_before_full
        assert {k: v for k, v in state.items() if k != "claims_ledger"} == {
            k: v for k, v in before.items() if k != "claims_ledger"
        }
    else:
        assert state == before, f"{type(err.value).__name__}: {err.value}"
    assert integrity(db) == "ok"


@pytest.mark.parametrize(
    "operation",
    [
        "hcpcs_import",
        "rvu_import",
        "ledger_writes",  # one small INSERT: SQLite rolls back the statement only, and the handler's ROLLBACK works
    ],
)
def test_full_database_is_reported_in_plain_words(hcpcs_db, tmp_path: Path, operation: str) -> None:
    from hhbill.claims import open_ledger
    from hhbill.rvu import list_releases

    db, _ = hcpcs_db
    store = Store(db)
    open_ledger(store).entries()  # the tables exist before the disk fills: the write itself is what fails
    list_releases(store)
    _fill_up(store)
    with pytest.raises(StoreError, match="full") as err:
        _full_operations()[operation](store, tmp_path)
    assert "nothing was changed" in str(err.value)
    # and the store keeps working once there is room again
    store.execute("PRAGMA max_page_count = 1073741823")
    _full_operations()[operation](store, tmp_path)


_FILE_SIZE_LIMITED = """
    import resource, signal, sys
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead of killing us
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    from hhbill.cli import main
    sys.argv = ["hhbill", *sys.argv[2:]]
    main()
"""


def _import_with_file_size_limit(db: Path, second: Path) -> tuple[int, str]:
    limit = db.stat().st_size + 64 * 1024
    proc = child(_FILE_SIZE_LIMITED, str(limit), "--db", str(db), "data", "import", str(second))
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out + err


def test_file_size_limit_during_import_changes_nothing(hcpcs_db) -> None:
    """RLIMIT_FSIZE in a child: the real "no space left" path through the file system, via the CLI."""
    db, second = hcpcs_db
    before = snapshot(db)
    returncode, _ = _import_with_file_size_limit(db, second)
    assert returncode != 0
    assert snapshot(db) == before
    assert integrity(db) == "ok"
    with Store(db) as store:  # with room again the same import goes through
        assert hcpcs.import_release(store, second).created


def test_file_size_limit_during_import_is_reported_in_plain_words(hcpcs_db) -> None:
    db, second = hcpcs_db
    returncode, output = _import_with_file_size_limit(db, second)
    assert returncode == 1
    assert "Traceback" not in output
    assert "nothing was changed" in output


# -- a read-only database ---------------------------------------------------------------------------------------------
def test_read_only_store_refuses_every_write_and_changes_nothing(hcpcs_db, tmp_path: Path) -> None:
    from hhbill.claims import open_ledger, parse_claim_input
    from hhbill.rvu import import_fee_schedule

    db, second = hcpcs_db
    with Store(db) as store:
        open_ledger(store)
    before = snapshot(db)
    rvu = tmp_path / "PPRRVU2026_JAN.csv"
    rvu.write_bytes(synthetic_pprrvu(50))
    readonly = Store(db, read_only=True)
    with pytest.raises(StoreError, match="read-only"):
        hcpcs.import_release(readonly, second)
    with pytest.raises(StoreError, match="read-only"):
        import_fee_schedule(readonly, rvu, release="2026A")
    with pytest.raises(StoreError, match="read-only"):
        open_ledger(readonly).record(parse_claim_input(seeds.CLAIM_LINES), "submitted")
    readonly.close()
    assert snapshot(db) == before


@pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs util-linux setpriv to drop root's file override")
def test_read_only_file_for_a_user_without_write_permission(hcpcs_db) -> None:
    """chmod 0444, opened by a process that really cannot write (root's DAC override dropped with setpriv)."""
    db, second = hcpcs_db
    before = snapshot(db)
    os.chmod(db, 0o444)
    try:
        prefix = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--inh-caps=-all"]
        done = subprocess.run(
            [*prefix, sys.executable, "-m", "hhbill.cli", "--db", str(db), "data", "import", str(second)],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=120,
        )
    finally:
        os.chmod(db, 0o644)
    assert done.returncode == 1
    assert "read-only" in done.stdout + done.stderr and "Traceback" not in done.stdout + done.stderr
    assert snapshot(db) == before


# -- a damaged database file ------------------------------------------------------------------------------------------
def _damage(db: Path, how: str) -> None:
    size = db.stat().st_size
    with open(db, "r+b") as handle:
        if how == "middle":
            handle.seek(size // 2)
            handle.write(random.Random(KILL_SEED).randbytes(16 * 4096))
        elif how == "truncated":
            handle.truncate(size // 3)
        elif how == "header":
            handle.write(b"not a database at all" * 10)


@pytest.mark.parametrize(
    "how",
    [
        "header",
        "truncated",
        "middle",
    ],
)
def test_damaged_database_is_never_a_silently_wrong_answer(hcpcs_db, how: str) -> None:
    """Every code imported is answered exactly as imported, or the store says, in plain words, it is damaged."""
    db, _ = hcpcs_db
    with Store(db) as store:
        store.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        expected = {r["code"]: r["record"] for r in store.execute("SELECT code, record FROM hcpcs_code")}
    _damage(db, how)
    try:
        store = Store(db)
        reference = hcpcs.HcpcsReference(store)
        for code, record in expected.items():
            found = reference.lookup(code, date(2025, 6, 1))
            assert json.dumps(found.record.content(), separators=(",", ":"), sort_keys=True) == record
    except StoreError as exc:
        assert "damaged" in str(exc)


def test_damaged_database_next_start_says_so_without_a_traceback(hcpcs_db) -> None:
    db, _ = hcpcs_db
    _damage(db, "header")
    shown = next_start(db)
    assert shown.returncode == 1
    assert "damaged" in shown.stdout + shown.stderr and "Traceback" not in shown.stdout + shown.stderr
