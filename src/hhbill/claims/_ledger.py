"""The claim ledger: a local history of claims the user has checked or submitted.

It lets the scrubber catch, across claims, what the MAC would catch against its own history: exact duplicates
(reason 38200: same MBI, TOB, provider, From/Through, total charge, revenue codes, HCPCS with modifiers) and
overlapping periods (U538F another HHA's period / U538G this HHA's period with a different From date).

Claims carry PHI, so the ledger never stores the MBI: only a keyed hash (HMAC-SHA256 with a random key kept in
an owner-only file beside the SQLite database, see ``hhbill._ledger_key``; in the database for PostgreSQL) that
is enough to match a beneficiary's claims. SQLite (the hhbill Store) by default;
PostgreSQL when a ``postgresql://`` URL is configured (``HHBILL_LEDGER_URL`` or ``--ledger-url``).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import secrets
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from .._errors import ConfigError, NotFoundError, StoreError
from .._ledger_key import ledger_key
from .._store import Store
from ._data import rule_tables
from ._model import Claim

__all__ = ["LEDGER_URL_ENV", "ClaimLedger", "LedgerEntry", "claim_key", "open_ledger"]

LEDGER_URL_ENV = "HHBILL_LEDGER_URL"
#: checked: a draft the scrubber saw; submitted: sent to the MAC; paid / returned: what the MAC did with it
LEDGER_STATUSES = ("checked", "submitted", "paid", "returned")
#: statuses of a claim the MAC has accepted into its history: an adjustment or cancel of it then supersedes it,
#: and the cross-claim edits read it (a returned claim is corrected and sent again, not adjusted)
SENT_STATUSES = ("submitted", "paid")

_DDL = (
    """CREATE TABLE IF NOT EXISTS claims_ledger_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS claims_ledger (
        id {serial},
        claim_key TEXT NOT NULL,
        beneficiary_key TEXT NOT NULL,
        provider_npi TEXT NOT NULL,
        type_of_bill TEXT NOT NULL,
        from_date TEXT NOT NULL,
        through_date TEXT NOT NULL,
        total_charge TEXT NOT NULL,
        status TEXT NOT NULL,
        claim_ref TEXT NOT NULL DEFAULT '',
        recorded_at TEXT NOT NULL,
        admission_date TEXT NOT NULL DEFAULT '',
        patient_status TEXT NOT NULL DEFAULT '',
        condition_codes TEXT NOT NULL DEFAULT '',
        details TEXT NOT NULL DEFAULT '',
        superseded_by BIGINT,
        superseded_how TEXT NOT NULL DEFAULT ''
    )""",
    # unique: recording the same claim from several processes at once must leave one row (INSERT ... ON CONFLICT)
    """CREATE UNIQUE INDEX IF NOT EXISTS claims_ledger_key_unique ON claims_ledger (claim_key)""",
    """CREATE INDEX IF NOT EXISTS claims_ledger_beneficiary ON claims_ledger (beneficiary_key, from_date)""",
)
_COLUMNS = (
    "id, claim_key, beneficiary_key, provider_npi, type_of_bill, from_date, through_date, total_charge, status, "
    "claim_ref, recorded_at, admission_date, patient_status, condition_codes, details, superseded_by, superseded_how"
)
#: columns added after the first release of the ledger: (name, SQL type and default), added to older tables on open
_ADDED_COLUMNS = (
    ("admission_date", "TEXT NOT NULL DEFAULT ''"),
    ("patient_status", "TEXT NOT NULL DEFAULT ''"),
    ("condition_codes", "TEXT NOT NULL DEFAULT ''"),
    ("details", "TEXT NOT NULL DEFAULT ''"),
    ("superseded_by", "BIGINT"),
    ("superseded_how", "TEXT NOT NULL DEFAULT ''"),
)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    id: int
    claim_key: str
    provider_npi: str
    type_of_bill: str
    from_date: date
    through_date: date
    total_charge: Decimal
    status: str
    claim_ref: str
    recorded_at: str
    admission_date: date | None = None
    patient_status: str = ""
    condition_codes: tuple[str, ...] = ()
    #: what the timeline shows besides the header: service dates per discipline, findings (no patient data)
    details: dict[str, Any] = field(default_factory=dict)
    #: the adjustment (0327/0347) or cancel (0328/0348) that superseded this claim, and how
    superseded_by: int | None = None
    superseded_how: str = ""

    @property
    def in_force(self) -> bool:
        """Neither replaced nor cancelled."""
        return self.superseded_by is None

    def reference(self) -> str:
        ref = f"ledger #{self.id}"
        return f"{ref}, claim {self.claim_ref}" if self.claim_ref else ref

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "provider_npi": self.provider_npi,
            "type_of_bill": self.type_of_bill,
            "from_date": self.from_date.isoformat(),
            "through_date": self.through_date.isoformat(),
            "total_charge": str(self.total_charge),
            "status": self.status,
            "claim_ref": self.claim_ref,
            "recorded_at": self.recorded_at,
            "admission_date": self.admission_date.isoformat() if self.admission_date else None,
            "patient_status": self.patient_status,
            "condition_codes": list(self.condition_codes),
            "superseded_by": self.superseded_by,
            "superseded_how": self.superseded_how,
        }


class _Backend(Protocol):
    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    def write(self, statements: list[tuple[str, Sequence[Any]]]) -> list[tuple[Any, ...]]: ...

    def close(self) -> None: ...


class _SqliteBackend:
    def __init__(self, store: Store) -> None:
        self.store = store
        store.ensure_schema(
            "claims_ledger", ";\n".join(d.format(serial="INTEGER PRIMARY KEY AUTOINCREMENT") for d in _DDL) + ";"
        )
        if not store.read_only:
            self._add_columns()

    def _add_columns(self) -> None:
        """Columns a ledger made by an older hhbill lacks (two processes may race: a duplicate column is fine)."""
        present = {row[1] for row in self.fetch("PRAGMA table_info(claims_ledger)")}
        for name, kind in _ADDED_COLUMNS:
            if name not in present:
                try:
                    self.write([(f"ALTER TABLE claims_ledger ADD COLUMN {name} {kind}", ())])
                except StoreError:
                    if name not in {row[1] for row in self.fetch("PRAGMA table_info(claims_ledger)")}:
                        raise

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.store.execute(sql, tuple(params)).fetchall()]

    def write(self, statements: list[tuple[str, Sequence[Any]]]) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        with self.store.transaction() as conn:
            for sql, params in statements:
                rows = [tuple(r) for r in conn.execute(sql, tuple(params)).fetchall()]
        return rows

    def close(self) -> None:  # the Store belongs to the caller
        return None


class _PostgresBackend:
    def __init__(self, url: str) -> None:
        try:
            import psycopg
        except ImportError:
            raise ConfigError("a PostgreSQL ledger needs the psycopg package (pip install 'psycopg[binary]')") from None
        self._psycopg = psycopg
        try:
            self.conn = psycopg.connect(url, autocommit=False, connect_timeout=10)
        except psycopg.Error as exc:
            raise ConfigError(f"cannot connect to the PostgreSQL ledger: {exc}".strip()) from None
        # DDL only when the tables are missing, so a read-only database (a replica) can still be read
        present = self.fetch(
            "SELECT to_regclass('claims_ledger') IS NOT NULL AND to_regclass('claims_ledger_meta') IS NOT NULL"
        )
        if not present or not present[0][0]:
            self.write([(d.format(serial="BIGSERIAL PRIMARY KEY"), ()) for d in _DDL])
        else:
            self._add_columns()

    def _add_columns(self) -> None:
        rows = self.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'claims_ledger' "
            "AND table_schema = current_schema()"
        )
        present = {row[0] for row in rows}
        missing = [(name, kind) for name, kind in _ADDED_COLUMNS if name not in present]
        if missing:
            self.write([(f"ALTER TABLE claims_ledger ADD COLUMN IF NOT EXISTS {n} {k}", ()) for n, k in missing])

    def _rollback(self) -> None:
        # after the server went away the connection is closed and rollback() itself would raise
        if not self.conn.closed:
            with contextlib.suppress(self._psycopg.Error):
                self.conn.rollback()

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("?", "%s")

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            with self.conn.cursor() as cur:
                cur.execute(self._sql(sql), tuple(params))
                rows = cur.fetchall()
            self.conn.commit()
            return [tuple(r) for r in rows]
        except self._psycopg.Error as exc:
            self._rollback()
            raise StoreError(f"the PostgreSQL ledger refused the query ({exc})") from None

    def write(self, statements: list[tuple[str, Sequence[Any]]]) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        try:
            with self.conn.transaction(), self.conn.cursor() as cur:
                for sql, params in statements:
                    cur.execute(self._sql(sql), tuple(params))
                    rows = [tuple(r) for r in cur.fetchall()] if cur.description else []
            self.conn.commit()
        except self._psycopg.Error as exc:
            self._rollback()
            raise StoreError(f"the PostgreSQL ledger refused the write ({exc}); nothing was changed") from None
        return rows

    def close(self) -> None:
        self.conn.close()


def claim_key(claim: Claim, beneficiary_key: str) -> str:
    """The 38200 duplicate key: beneficiary, TOB, provider, dates, total charge, revenue codes, HCPCS+modifiers."""
    lines = sorted(f"{line.revenue_code}:{line.hcpcs}:{','.join(line.modifiers)}" for line in claim.lines)
    total = claim.total_charge if claim.total_charge is not None else claim.computed_total()
    parts = [
        beneficiary_key,
        claim.type_of_bill,
        claim.billing_provider.npi,
        claim.from_date.isoformat() if claim.from_date else "",
        claim.through_date.isoformat() if claim.through_date else "",
        f"{total:.2f}",
        *lines,
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


class ClaimLedger:
    """Claims checked or submitted, for cross-claim edits. Open with :func:`open_ledger`."""

    def __init__(self, backend: _Backend, *, key_file: Path | None = None) -> None:
        self._backend = backend
        self._key_file = key_file
        self._secret = self._load_secret()

    @classmethod
    def sqlite(cls, store: Store, *, key_file: Path | None = None) -> ClaimLedger:
        return cls(_SqliteBackend(store), key_file=key_file)

    @classmethod
    def postgres(cls, url: str) -> ClaimLedger:
        return cls(_PostgresBackend(url))

    def close(self) -> None:
        self._backend.close()

    def _load_secret(self) -> bytes:
        if isinstance(self._backend, _SqliteBackend):  # kept in its own 0600 file, not in the database
            return ledger_key(self._backend.store, self._key_file)
        rows = self._backend.fetch("SELECT value FROM claims_ledger_meta WHERE name = 'beneficiary_hmac_key'")
        if rows:
            return bytes.fromhex(rows[0][0])
        key = secrets.token_hex(32)
        # two processes may race to create it: insert-if-absent, then read back whichever won
        self._backend.write(
            [
                (
                    "INSERT INTO claims_ledger_meta (name, value) VALUES ('beneficiary_hmac_key', ?) "
                    "ON CONFLICT (name) DO NOTHING",
                    (key,),
                )
            ]
        )
        rows = self._backend.fetch("SELECT value FROM claims_ledger_meta WHERE name = 'beneficiary_hmac_key'")
        return bytes.fromhex(rows[0][0])

    def beneficiary_key(self, claim: Claim) -> str:
        """A keyed hash of the MBI: matches a beneficiary's claims without storing the MBI."""
        return self.key_for_mbi(claim.patient.mbi)

    def key_for_mbi(self, mbi: str) -> str:
        """The keyed hash the ledger files a beneficiary's claims under."""
        return hmac.new(self._secret, mbi.strip().upper().encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def _entry(row: tuple[Any, ...]) -> LedgerEntry:
        return LedgerEntry(
            id=int(row[0]),
            claim_key=row[1],
            provider_npi=row[3],
            type_of_bill=row[4],
            from_date=date.fromisoformat(row[5]),
            through_date=date.fromisoformat(row[6]),
            total_charge=Decimal(row[7]),
            status=row[8],
            claim_ref=row[9],
            recorded_at=row[10],
            admission_date=date.fromisoformat(row[11]) if row[11] else None,
            patient_status=row[12] or "",
            condition_codes=tuple(c for c in (row[13] or "").split(",") if c),
            details=json.loads(row[14]) if row[14] else {},
            superseded_by=int(row[15]) if row[15] is not None else None,
            superseded_how=row[16] or "",
        )

    def find_duplicate(self, claim: Claim) -> LedgerEntry | None:
        """A claim the MAC has with the same 38200 key, still in force (checked-only entries are drafts)."""
        key = claim_key(claim, self.beneficiary_key(claim))
        rows = self._backend.fetch(
            f"SELECT {_COLUMNS} FROM claims_ledger WHERE claim_key = ? AND status IN ('submitted', 'paid') "
            "AND superseded_by IS NULL ORDER BY id LIMIT 1",
            (key,),
        )
        return self._entry(rows[0]) if rows else None

    def history(self, beneficiary_key: str) -> list[LedgerEntry]:
        """Every claim of one beneficiary (all agencies), by From date then recording order."""
        rows = self._backend.fetch(
            f"SELECT {_COLUMNS} FROM claims_ledger WHERE beneficiary_key = ? ORDER BY from_date, id",
            (beneficiary_key,),
        )
        return [self._entry(row) for row in rows]

    def claim_history(self, claim: Claim) -> list[LedgerEntry]:
        """:meth:`history` of the claim's beneficiary, without the claim itself when it is recorded."""
        beneficiary = self.beneficiary_key(claim)
        own = claim_key(claim, beneficiary)
        return [entry for entry in self.history(beneficiary) if entry.claim_key != own]

    def set_status(self, entry_id: int, status: str) -> LedgerEntry:
        """Record what happened to a claim (paid, returned ...)."""
        if status not in LEDGER_STATUSES:
            raise ConfigError(f"unknown ledger status {status!r} (choose {', '.join(LEDGER_STATUSES)})")
        entry = self.get(entry_id)
        statements: list[tuple[str, Sequence[Any]]] = [
            ("UPDATE claims_ledger SET status = ? WHERE id = ?", (status, entry_id))
        ]
        if status in SENT_STATUSES:
            # an adjustment recorded as a draft supersedes the claim it corrects once it is sent
            beneficiary = self._backend.fetch("SELECT beneficiary_key FROM claims_ledger WHERE id = ?", (entry_id,))
            statements.extend(
                _supersede(entry.claim_key, beneficiary[0][0], entry.provider_npi, entry.type_of_bill, entry.from_date)
            )
        self._backend.write(statements)
        return self.get(entry_id)

    def find_overlaps(self, claim: Claim) -> list[LedgerEntry]:
        """Period claims of the same beneficiary whose dates overlap this one's (not this claim's own period)."""
        if claim.from_date is None or claim.through_date is None:
            return []
        kinds = rule_tables().types_of_bill
        period_tobs = [code for code, tob in kinds.items() if tob.kind in {"period", "replacement"}]
        marks = ", ".join("?" for _ in period_tobs)
        rows = self._backend.fetch(
            f"SELECT {_COLUMNS} FROM claims_ledger WHERE beneficiary_key = ? AND type_of_bill IN ({marks}) "
            "AND from_date <= ? AND through_date >= ? AND superseded_by IS NULL ORDER BY from_date, id",
            (self.beneficiary_key(claim), *period_tobs, claim.through_date.isoformat(), claim.from_date.isoformat()),
        )
        npi = claim.billing_provider.npi
        own_key = claim_key(claim, self.beneficiary_key(claim))
        found = []
        seen_periods = set()
        for row in rows:
            entry = self._entry(row)
            if entry.claim_key == own_key:
                continue  # the same claim again is the duplicate edit's business
            if (
                entry.provider_npi == npi
                and entry.from_date == claim.from_date
                and (claim.frequency == "7" or entry.status != "submitted")
            ):
                continue  # a replacement of this HHA's claim, or an earlier checked draft of the same period
            period = (entry.provider_npi, entry.from_date, entry.through_date)
            if period in seen_periods:
                continue
            seen_periods.add(period)
            found.append(entry)
        return found

    def record(self, claim: Claim, status: str = "checked", findings: Sequence[Any] = ()) -> LedgerEntry:
        """Add a claim (or update the status of the same claim already recorded) and return its entry.

        ``findings`` (the scrubber's, objects with ``to_dict()``) are kept with the entry for the timeline. A sent
        adjustment (0327/0347) replaces, and a sent cancel (0328/0348) cancels, the recorded claim it corrects, in
        the same transaction."""
        if status not in LEDGER_STATUSES:
            raise ConfigError(f"unknown ledger status {status!r} (choose {', '.join(LEDGER_STATUSES)})")
        if claim.from_date is None or claim.through_date is None:
            raise ConfigError("a claim without From and Through dates cannot be recorded in the ledger")
        beneficiary = self.beneficiary_key(claim)
        key = claim_key(claim, beneficiary)
        total = claim.total_charge if claim.total_charge is not None else claim.computed_total()
        now = datetime.now(UTC).replace(microsecond=0).isoformat()
        details = json.dumps(_details(claim, findings), separators=(",", ":"))
        # one write transaction: insert unless the claim is there (unique key), update the status and findings of
        # the same claim, supersede what an adjustment corrects, and read back its id — so writers recording the
        # same claim at once leave one row
        statements: list[tuple[str, Sequence[Any]]] = [
            (
                "INSERT INTO claims_ledger (claim_key, beneficiary_key, provider_npi, type_of_bill, from_date, "
                "through_date, total_charge, status, claim_ref, recorded_at, admission_date, patient_status, "
                "condition_codes, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (claim_key) DO NOTHING",
                (
                    key,
                    beneficiary,
                    claim.billing_provider.npi,
                    claim.type_of_bill,
                    claim.from_date.isoformat(),
                    claim.through_date.isoformat(),
                    f"{total:.2f}",
                    status,
                    claim.claim_id or claim.patient_control_number,
                    now,
                    claim.admission_date.isoformat() if claim.admission_date else "",
                    claim.patient_status,
                    ",".join(claim.condition_codes),
                    details,
                ),
            )
        ]
        if status != "checked":
            # a checked draft becomes what it now is; a sent claim never goes back to a draft
            statements.append(("UPDATE claims_ledger SET status = ? WHERE claim_key = ?", (status, key)))
        if findings:
            statements.append(("UPDATE claims_ledger SET details = ? WHERE claim_key = ?", (details, key)))
        if status in SENT_STATUSES:
            statements.extend(
                _supersede(key, beneficiary, claim.billing_provider.npi, claim.type_of_bill, claim.from_date)
            )
        statements.append(("SELECT id FROM claims_ledger WHERE claim_key = ?", (key,)))
        rows = self._backend.write(statements)
        return self.get(int(rows[0][0]))

    def find_corrected(self, claim: Claim) -> LedgerEntry | None:
        """The recorded claim an adjustment or cancel corrects: same beneficiary, agency and From date, sent."""
        originals = _ORIGINAL_TOBS.get(claim.type_of_bill[1:3], ())
        if claim.from_date is None or not originals:
            return None
        own = claim_key(claim, self.beneficiary_key(claim))
        for entry in self.claim_history(claim):
            if (
                entry.claim_key != own
                and entry.provider_npi == claim.billing_provider.npi
                and entry.from_date == claim.from_date
                and entry.type_of_bill in originals
                and entry.status in SENT_STATUSES
            ):
                return entry
        return None

    def get(self, entry_id: int) -> LedgerEntry:
        rows = self._backend.fetch(f"SELECT {_COLUMNS} FROM claims_ledger WHERE id = ?", (entry_id,))
        if not rows:
            raise NotFoundError(f"no ledger entry #{entry_id}", entry=entry_id)
        return self._entry(rows[0])

    def entries(self, limit: int = 100) -> list[LedgerEntry]:
        rows = self._backend.fetch(f"SELECT {_COLUMNS} FROM claims_ledger ORDER BY id DESC LIMIT ?", (limit,))
        return [self._entry(r) for r in rows]

    def remove(self, entry_id: int) -> None:
        self.get(entry_id)
        self._backend.write([("DELETE FROM claims_ledger WHERE id = ?", (entry_id,))])


#: the frequency digit of an adjustment (7) or cancel (8) -> what it does to the claim it corrects
_SUPERSEDES = {"7": "replaced", "8": "cancelled"}
#: the claims an adjustment or cancel of a kind of bill may correct (an adjustment may correct an adjustment)
_ORIGINAL_TOBS: dict[str, tuple[str, ...]] = {
    "32": ("0329", "0327"),
    "34": ("0341", "0342", "0343", "0344", "0347"),
}


def _supersede(
    key: str, beneficiary: str, npi: str, type_of_bill: str, from_date: date
) -> list[tuple[str, Sequence[Any]]]:
    """The statement by which a sent adjustment (frequency 7) replaces, or a cancel (8) cancels, the claim in the
    MAC's history of the same beneficiary, agency and From date (none for other claims)."""
    how = _SUPERSEDES.get(type_of_bill[-1:])
    originals = _ORIGINAL_TOBS.get(type_of_bill[1:3])
    if how is None or originals is None:
        return []
    marks = ", ".join("?" for _ in originals)
    return [
        (
            f"UPDATE claims_ledger SET superseded_by = (SELECT id FROM claims_ledger WHERE claim_key = ?), "
            f"superseded_how = ? WHERE beneficiary_key = ? AND provider_npi = ? AND from_date = ? "
            f"AND type_of_bill IN ({marks}) AND status IN ('submitted', 'paid') "
            "AND superseded_by IS NULL AND claim_key <> ?",
            (key, how, beneficiary, npi, from_date.isoformat(), *originals, key),
        )
    ]


#: edits whose messages quote the patient's clinical data (a diagnosis code): the ledger keeps the finding, not the text
_MESSAGES_WITH_PATIENT_DATA = frozenset({"principal-diagnosis"})


def _details(claim: Claim, findings: Sequence[Any]) -> dict[str, Any]:
    """What the timeline shows of a claim besides its header: dated service marks and the findings (no PHI)."""
    tables = rule_tables()
    marks = []
    for line in claim.lines:
        discipline = tables.family_discipline.get(line.revenue_code[:3])
        if line.service_date is None or discipline is None or line.hcpcs in tables.site_code_set:
            continue
        marks.append({"date": line.service_date.isoformat(), "discipline": discipline, "code": line.hcpcs})
    kept = []
    for finding in findings:
        row = {k: v for k, v in finding.to_dict().items() if k in ("id", "severity", "message", "reason_code", "line")}
        if row["id"] in _MESSAGES_WITH_PATIENT_DATA:
            row["message"] = "(message not kept in the ledger: it names the patient's diagnosis)"
        kept.append(row)
    return {"marks": marks, "findings": kept}


def open_ledger(store: Store | None = None, url: str | None = None, *, key_file: Path | None = None) -> ClaimLedger:
    """The ledger at ``url`` (``postgresql://...``); otherwise in the SQLite store, its MBI hashing key in
    ``key_file`` (None: beside the database). (The application object passes the configured
    ``HHBILL_LEDGER_URL`` and ``HHBILL_LEDGER_KEY_FILE``: the library reads no environment.)"""
    if url:
        if not url.startswith(("postgresql://", "postgres://")):
            raise ConfigError(f"the ledger URL must start with postgresql:// (got {url.split(':', 1)[0]}:...)")
        return ClaimLedger.postgres(url)
    if store is None:
        raise ConfigError("no store and no ledger URL given")
    try:
        return ClaimLedger.sqlite(store, key_file=key_file)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open the claim ledger ({exc})") from None


@contextmanager
def ledger_session(store: Store | None = None, url: str | None = None) -> Iterator[ClaimLedger]:
    ledger = open_ledger(store, url)
    try:
        yield ledger
    finally:
        ledger.close()
