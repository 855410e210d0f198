"""Tables of the fee schedule store and the procedure log. Every release is kept; nothing is overwritten."""

from __future__ import annotations

from .._errors import StoreError
from .._store import Store

RVU_SCHEMA = """
CREATE TABLE IF NOT EXISTS rvu_release (
    id                INTEGER PRIMARY KEY,
    kind              TEXT NOT NULL,            -- pprrvu | gpci | zip5
    year              INTEGER NOT NULL,
    quarter           TEXT NOT NULL,            -- A=Jan B=Apr C=Jul D=Oct
    variant           TEXT NOT NULL DEFAULT '', -- '' | nonQPP | QPP (PPRRVU files of qualifying APM participants)
    source_name       TEXT NOT NULL,            -- file (or zip :: member) it was read from
    source_format     TEXT NOT NULL,            -- csv | txt | xlsx
    content_sha256    TEXT NOT NULL,            -- hash of the normalised rows: same content = same release
    conversion_factor REAL,                     -- PPRRVU only, read from the file
    released_on       TEXT,                     -- 'RELEASED mm/dd/yyyy' line of the CSV/XLSX, ISO
    row_count         INTEGER NOT NULL,
    imported_at       TEXT NOT NULL,
    UNIQUE (kind, year, quarter, variant, content_sha256)
);
CREATE TABLE IF NOT EXISTS rvu_item (
    release_id        INTEGER NOT NULL REFERENCES rvu_release(id),
    code              TEXT NOT NULL,
    modifier          TEXT NOT NULL,            -- '' = global service; 26, TC, 53
    description       TEXT NOT NULL,            -- from the user's own file (AMA copyright for CPT)
    status            TEXT NOT NULL,
    not_used_for_medicare TEXT NOT NULL,        -- '+' = RVUs not used for Medicare payment
    work_rvu          REAL NOT NULL,
    pe_nonfacility_rvu REAL NOT NULL,
    nonfacility_na    TEXT NOT NULL,            -- 'NA' or ''
    pe_facility_rvu   REAL NOT NULL,
    facility_na       TEXT NOT NULL,
    mp_rvu            REAL NOT NULL,
    total_nonfacility REAL NOT NULL,
    total_facility    REAL NOT NULL,
    pctc              TEXT NOT NULL,
    global_days       TEXT NOT NULL,
    pre_op            REAL NOT NULL,
    intra_op          REAL NOT NULL,
    post_op           REAL NOT NULL,
    multiple_procedure TEXT NOT NULL,
    bilateral_surgery TEXT NOT NULL,
    assistant_at_surgery TEXT NOT NULL,
    co_surgeons       TEXT NOT NULL,
    team_surgery      TEXT NOT NULL,
    pricing_indicator TEXT NOT NULL,            -- 'PRIC IND' (2026 files on); '' before
    endoscopic_base   TEXT NOT NULL,
    physician_supervision TEXT NOT NULL,
    calculation_flag  TEXT NOT NULL,
    imaging_family    TEXT NOT NULL,
    opps_pe_nonfacility REAL NOT NULL,
    opps_pe_facility  REAL NOT NULL,
    opps_mp           REAL NOT NULL,
    source_line       INTEGER NOT NULL,
    PRIMARY KEY (release_id, code, modifier)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rvu_gpci (
    release_id        INTEGER NOT NULL REFERENCES rvu_release(id),
    mac               TEXT NOT NULL,            -- Medicare Administrative Contractor number, 5 digits
    state             TEXT NOT NULL,
    locality          TEXT NOT NULL,            -- 2 characters
    locality_name     TEXT NOT NULL,
    work_gpci         REAL NOT NULL,
    pe_gpci           REAL NOT NULL,
    mp_gpci           REAL NOT NULL,
    source_line       INTEGER NOT NULL,
    PRIMARY KEY (release_id, mac, locality, state)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rvu_zip_locality (
    release_id        INTEGER NOT NULL REFERENCES rvu_release(id),
    zip               TEXT NOT NULL,
    state             TEXT NOT NULL,
    carrier           TEXT NOT NULL,            -- MAC number, matches rvu_gpci.mac
    locality          TEXT NOT NULL,
    rural_indicator   TEXT NOT NULL,            -- '' urban, R rural, B super rural
    plus_four         TEXT NOT NULL,            -- '1' = some ZIP+4 ranges map elsewhere (ZIP9 file)
    PRIMARY KEY (release_id, zip)
) WITHOUT ROWID;
"""

PROCLOG_SCHEMA = """
CREATE TABLE IF NOT EXISTS proclog_entry (
    id                INTEGER PRIMARY KEY,
    performed_on      TEXT NOT NULL,            -- ISO date of service
    code              TEXT NOT NULL,
    modifier          TEXT NOT NULL,
    units             INTEGER NOT NULL CHECK (units > 0),
    work_rvu_per_unit REAL NOT NULL,            -- from the fee schedule release used when the entry was added
    rvu_release_id    INTEGER REFERENCES rvu_release(id),
    created_at        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS proclog_entry_by_date ON proclog_entry (performed_on);
CREATE TABLE IF NOT EXISTS proclog_target (
    id                INTEGER PRIMARY KEY,
    work_rvu          REAL NOT NULL CHECK (work_rvu > 0),
    period            TEXT NOT NULL CHECK (period IN ('day', 'week', 'month')),
    set_at            TEXT NOT NULL
);
"""


def ensure_rvu_schema(store: Store) -> None:
    store.ensure_schema("rvu", RVU_SCHEMA)
    store.ensure_schema("proclog", PROCLOG_SCHEMA)


def tables_ready(store: Store, table: str) -> bool:
    """Whether ``table`` exists (a read-only store opened on a database that never had an import has none)."""
    ensure_rvu_schema(store)
    row = store.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (table,)).fetchone()
    return row is not None


def require_writable(store: Store) -> None:
    ensure_rvu_schema(store)
    if store.read_only:
        raise StoreError("the database is open read-only; nothing was changed", path=store.path)
