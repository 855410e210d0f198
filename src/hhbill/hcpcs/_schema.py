"""Tables of the versioned HCPCS store. Every release is kept whole; nothing is overwritten."""

from __future__ import annotations

HCPCS_SCHEMA = """
CREATE TABLE IF NOT EXISTS hcpcs_release (
    id              INTEGER PRIMARY KEY,
    label           TEXT NOT NULL,              -- e.g. "2026 January quarterly"
    effective_date  TEXT NOT NULL,              -- ISO date the release takes effect
    source_name     TEXT NOT NULL,              -- file name it was read from
    source_format   TEXT NOT NULL,              -- zip | txt | xlsx | xls | embedded
    content_sha256  TEXT NOT NULL,              -- hash of the normalised records: same content = same release
    imported_at     TEXT NOT NULL,
    procedure_count INTEGER NOT NULL,
    modifier_count  INTEGER NOT NULL,
    warnings        TEXT NOT NULL DEFAULT '[]', -- JSON list of oddities met while reading
    UNIQUE (effective_date, content_sha256)
);
CREATE TABLE IF NOT EXISTS hcpcs_code (
    release_id      INTEGER NOT NULL REFERENCES hcpcs_release(id),
    code            TEXT NOT NULL,              -- 5-character procedure code or 2-character modifier
    kind            TEXT NOT NULL,              -- procedure | modifier
    record          TEXT NOT NULL,              -- JSON of HcpcsRecord.content()
    long_description  TEXT NOT NULL,
    short_description TEXT NOT NULL,
    added_date      TEXT,
    termination_date TEXT,
    PRIMARY KEY (code, release_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS hcpcs_code_by_release ON hcpcs_code (release_id, code);
CREATE TABLE IF NOT EXISTS hcpcs_note (
    release_id      INTEGER NOT NULL REFERENCES hcpcs_release(id),
    number          TEXT NOT NULL,              -- 4 digits, as in the PROCNOTE field
    text            TEXT NOT NULL,
    PRIMARY KEY (release_id, number)
) WITHOUT ROWID;
"""
