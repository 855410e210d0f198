"""The claim ledger on PostgreSQL: the same guarantees as on SQLite, against a real server started here.

A throw-away cluster (initdb, loopback only, trust auth for one local user) runs for this module. PostgreSQL
refuses to run as root, so under root the server runs as the ``postgres`` system user. Skipped, with the reason,
where no PostgreSQL binaries are installed.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hhbill._errors import StoreError
from test_reliability_concurrency import _claims, run_together
from test_reliability_faults import seeds, wait_for

REPO = Path(__file__).resolve().parent.parent
BIN_DIRS = ["/usr/local/bin", "/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin"]


def _binary(name: str) -> str | None:
    for folder in BIN_DIRS:
        if Path(folder, name).exists():
            return str(Path(folder, name))
    return shutil.which(name)


class Cluster:
    def __init__(self, folder: Path, port: int, user: str | None) -> None:
        self.folder, self.port, self.user = folder, port, user
        self.data = folder / "data"

    def run(self, *command: str) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        return subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=120, cwd=self.folder)

    def start(self) -> None:
        options = f"-k {self.folder} -c listen_addresses=127.0.0.1 -p {self.port} -c fsync=off"
        done = self.run(
            _binary("pg_ctl") or "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "start",
        )
        assert done.returncode == 0, done.stderr + (self.folder / "server.log").read_text()

    def stop(self, mode: str = "fast") -> None:
        self.run(_binary("pg_ctl") or "pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://hhbill@127.0.0.1:{self.port}/{database}"

    def sql(self, statement: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            conn.execute(statement)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    pytest.importorskip("psycopg", reason="the PostgreSQL ledger needs psycopg")
    if _binary("initdb") is None or _binary("pg_ctl") is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed here")
    user = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run the server as")
        if shutil.which("runuser") is None:
            pytest.skip("running as root and runuser is missing")
        user = "postgres"
    folder = Path(tempfile.mkdtemp(prefix="hhbill-pg-"))
    folder.chmod(0o755)
    if user:
        shutil.chown(folder, user)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    cluster = Cluster(folder, port, user)
    init = cluster.run(
        _binary("initdb") or "initdb", "-D", str(cluster.data), "-A", "trust", "-U", "hhbill", "--no-sync", "-E", "UTF8"
    )
    assert init.returncode == 0, init.stderr
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def ledger_url(cluster: Cluster, request: pytest.FixtureRequest) -> str:
    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:50]
    cluster.sql(f"DROP DATABASE IF EXISTS {name}")
    cluster.sql(f"CREATE DATABASE {name}")
    return cluster.url(name)


def _rows(url: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SELECT id, claim_key, status FROM claims_ledger ORDER BY id").fetchall()


# -- concurrency ------------------------------------------------------------------------------------------------------
def test_concurrent_postgres_ledger_writes_lose_nothing(ledger_url: str, tmp_path: Path) -> None:
    from hhbill.claims import open_ledger

    open_ledger(url=ledger_url).close()  # tables and key exist first
    jobs = [{"kind": "ledger", "url": ledger_url, "claims": _claims("P" * (w + 1), 25)} for w in range(4)]
    results = run_together(tmp_path / "unused.db", jobs, tmp_path)
    rows = _rows(ledger_url)
    assert sorted(i for ids in results for i in ids) == [r[0] for r in rows]
    assert len(rows) == len({r[1] for r in rows}) == 100


def test_the_same_claim_recorded_at_once_on_postgres_is_recorded_once(ledger_url: str, tmp_path: Path) -> None:
    from hhbill.claims import open_ledger

    open_ledger(url=ledger_url).close()
    same = {"kind": "ledger", "url": ledger_url, "claims": _claims("SAME", 10), "pause": 0.1}
    run_together(tmp_path / "unused.db", [same] * 4, tmp_path)
    rows = _rows(ledger_url)
    assert len(rows) == len({r[1] for r in rows}) == 10


# -- SIGKILL of the writer ------------------------------------------------------------------------------------------
_PG_WRITES = """
    import json, sys
    from hhbill.claims import open_ledger, parse_claim_input

    base = json.loads(sys.argv[2])
    ledger = open_ledger(url=sys.argv[1])
    print("READY", flush=True)
    for n in range(100000):
        lines = [{**line, "charge": f"{n}.00"} if line["revenue_code"] == "0551" else line for line in base["lines"]]
        entry = ledger.record(parse_claim_input({**base, "lines": lines, "patient_control_number": f"K-{n}"}),
                              "submitted")
        print("REC", entry.id, entry.claim_key, flush=True)
"""


def test_postgres_ledger_writer_killed_keeps_every_confirmed_write(ledger_url: str) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(_PG_WRITES), ledger_url, json.dumps(seeds.CLAIM_LINES)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    wait_for(proc, "READY")
    seen = {}
    for _ in range(30):
        _, entry_id, key = wait_for(proc, "REC").split()
        seen[int(entry_id)] = key
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.stdout is not None and proc.stderr is not None
    for line in proc.stdout.read().splitlines():  # what the child printed before it died, still in the pipe
        if line.startswith("REC "):
            _, entry_id, key = line.split()
            seen[int(entry_id)] = key
    proc.stdout.close()
    proc.stderr.close()
    stored = {r[0]: r[1] for r in _rows(ledger_url)}
    assert {k: stored.get(k) for k in seen} == seen
    assert len(stored) - len(seen) <= 1
    assert len(set(stored.values())) == len(stored)


# -- read-only database, server gone ----------------------------------------------------------------------------------
def test_read_only_postgres_ledger_refuses_in_plain_words(cluster: Cluster, ledger_url: str) -> None:
    from hhbill.claims import open_ledger, parse_claim_input

    ledger = open_ledger(url=ledger_url)
    ledger.record(parse_claim_input(seeds.CLAIM_LINES), "submitted")
    ledger.close()
    before = _rows(ledger_url)
    database = ledger_url.rsplit("/", 1)[1]
    cluster.sql(f"ALTER DATABASE {database} SET default_transaction_read_only = on")
    claim = parse_claim_input({**seeds.CLAIM_LINES, "patient_control_number": "RO-1"})
    # (opening already fails: the backend runs CREATE TABLE IF NOT EXISTS at every connect, which a read-only
    # database refuses — so a read-only replica cannot even be read for the duplicate check; reported)
    with pytest.raises(StoreError, match="read-only") as err:
        ledger = open_ledger(url=ledger_url)
        try:
            ledger.record(claim, "submitted")
        finally:
            ledger.close()
    assert "nothing was changed" in str(err.value)
    cluster.sql(f"ALTER DATABASE {database} SET default_transaction_read_only = off")
    assert _rows(ledger_url) == before


def test_postgres_server_gone_is_a_store_error_and_committed_claims_survive(cluster: Cluster, ledger_url: str) -> None:
    from hhbill.claims import open_ledger, parse_claim_input

    ledger = open_ledger(url=ledger_url)
    ledger.record(parse_claim_input(seeds.CLAIM_LINES), "submitted")
    before = _rows(ledger_url)
    cluster.stop("immediate")  # the server dies (as with a kill -9), the client connection is left dangling
    try:
        with pytest.raises(StoreError):
            ledger.record(parse_claim_input({**seeds.CLAIM_LINES, "patient_control_number": "GONE"}), "submitted")
    finally:
        cluster.start()
        rows = None
        for _ in range(100):  # bounded wait for the restarted server to accept connections
            try:
                rows = _rows(ledger_url)
                break
            except Exception:
                time.sleep(0.1)
        assert rows == before  # crash recovery kept every committed claim
