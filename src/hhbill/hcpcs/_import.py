"""Atomic, versioned import of a HCPCS release into the store.

The file is read completely before the database is touched; the rows are then written in one transaction, so a
failed, interrupted or killed import leaves exactly the releases that were there before. A release is identified by
its effective date and the hash of its normalised content: importing the same content again is a no-op; different
content for an effective date already loaded (a corrected file, or the XLSX edition of a TXT already imported) is
kept as a further revision, which then answers for that date — nothing is overwritten.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from .._errors import ImportFormatError
from .._store import Store
from ._hooks import post_import_hooks
from ._readers import Progress, ReleaseFile, read_release
from ._record import HcpcsRecord
from ._schema import HCPCS_SCHEMA

__all__ = ["ImportResult", "import_release", "import_release_file", "post_import_hooks", "release_label"]


_MONTH_NAMES = {1: "January", 4: "April", 7: "July", 10: "October"}


@dataclass
class ImportResult:
    release_id: int
    label: str
    effective_date: str
    created: bool  # False: the same release was already loaded (no-op)
    procedure_count: int
    modifier_count: int
    note_count: int
    warnings: list[str] = field(default_factory=list)
    revision_of: int | None = None  # id of the earlier release with the same effective date

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def release_label(effective: date) -> str:
    """E.g. "2026 January release"; CMS's January file is the annual update, the others quarterly."""
    month = _MONTH_NAMES.get(effective.month, effective.strftime("%B"))
    kind = "annual" if effective.month == 1 else "quarterly"
    return f"{effective.year} {month} {kind} release"


def _payload(record: HcpcsRecord) -> str:
    return json.dumps(record.content(), separators=(",", ":"), sort_keys=True)


def content_hash(payloads: list[str]) -> str:
    """Hash of a release's records (order-independent), so the same release from any edition is recognised."""
    digest = hashlib.sha256()
    for payload in sorted(payloads):
        digest.update(payload.encode())
    return digest.hexdigest()


def _check_unique(records: list[HcpcsRecord], source: str) -> None:
    seen: dict[tuple[str, str], int | None] = {}
    for record in records:
        key = (record.code, record.kind)
        if key in seen:
            raise ImportFormatError(
                f"{record.kind} {record.code} appears twice (first at line {seen[key]})",
                file=source,
                line=record.source_line,
                field="code",
            )
        seen[key] = record.source_line


def import_release_file(
    store: Store,
    release: ReleaseFile,
    *,
    effective: date | None = None,
    label: str | None = None,
) -> ImportResult:
    """Store a release already read by a reader (used by :func:`import_release` and the embedded default)."""
    store.ensure_schema("hcpcs", HCPCS_SCHEMA)
    effective = effective or release.effective_date
    if effective is None:
        raise ImportFormatError(
            "cannot tell the release's effective date from the file name; pass --effective YYYY-MM-DD",
            file=release.source_name,
        )
    _check_unique(release.records, release.source_name)
    payloads = [_payload(r) for r in release.records]
    digest = content_hash(payloads)
    iso = effective.isoformat()
    procedures = sum(1 for r in release.records if r.kind == "procedure")
    modifiers = len(release.records) - procedures
    existing = store.execute(
        "SELECT id, label FROM hcpcs_release WHERE effective_date = ? AND content_sha256 = ?", (iso, digest)
    ).fetchone()
    if existing is not None:
        return ImportResult(
            existing["id"],
            existing["label"],
            iso,
            False,
            procedures,
            modifiers,
            len(release.notes),
            [*release.warnings, f"release already loaded as {existing['label']!r}; nothing changed"],
        )
    label = label or release_label(effective)
    warnings = list(release.warnings)
    operation = store.begin_operation("HCPCS import", release.source_name)
    try:
        release_id, label, revision_of = _store_release(
            store,
            release,
            iso=iso,
            digest=digest,
            payloads=payloads,
            label=label,
            warnings=warnings,
            counts=(procedures, modifiers),
            operation=operation,
        )
    except BaseException:
        store.fail_operation(operation)
        raise
    if release_id is None:  # another process stored the same release first
        return import_release_file(store, release, effective=effective, label=label)
    return ImportResult(release_id, label, iso, True, procedures, modifiers, len(release.notes), warnings, revision_of)


def _store_release(
    store: Store,
    release: ReleaseFile,
    *,
    iso: str,
    digest: str,
    payloads: list[str],
    label: str,
    warnings: list[str],
    counts: tuple[int, int],
    operation: int | None,
) -> tuple[int | None, str, int | None]:
    """Write one release in one transaction; (None, ...) when the same release is already there."""
    procedures, modifiers = counts
    with store.transaction() as conn:
        if conn.execute(  # checked again under the write lock: two imports of one release may race
            "SELECT 1 FROM hcpcs_release WHERE effective_date = ? AND content_sha256 = ?", (iso, digest)
        ).fetchone():
            store.finish_operation(conn, operation)
            return None, label, None
        earlier = conn.execute(
            "SELECT id, label FROM hcpcs_release WHERE effective_date = ? AND source_format != 'embedded'"
            " ORDER BY id DESC LIMIT 1",
            (iso,),
        ).fetchone()
        revision_of = None
        if earlier is not None:
            revision_of = earlier["id"]
            count = conn.execute(
                "SELECT count(*) FROM hcpcs_release WHERE effective_date = ? AND source_format != 'embedded'", (iso,)
            ).fetchone()[0]
            label = f"{label} (revision {count + 1})"
            warnings.append(
                f"a release effective {iso} was already loaded ({earlier['label']!r}) with different content; "
                "this one is kept as a further revision and answers for that date from now on"
            )
        cursor = conn.execute(
            "INSERT INTO hcpcs_release (label, effective_date, source_name, source_format, content_sha256,"
            " imported_at, procedure_count, modifier_count, warnings) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                label,
                iso,
                release.source_name,
                release.source_format,
                digest,
                datetime.now(UTC).isoformat(timespec="seconds"),
                procedures,
                modifiers,
                json.dumps(warnings),
            ),
        )
        release_id = int(cursor.lastrowid or 0)
        conn.executemany(
            "INSERT INTO hcpcs_code (release_id, code, kind, record, long_description, short_description,"
            " added_date, termination_date) VALUES (?,?,?,?,?,?,?,?)",
            (
                (
                    release_id,
                    r.code,
                    r.kind,
                    payload,
                    r.long_description,
                    r.short_description,
                    r.added_date,
                    r.termination_date,
                )
                for r, payload in zip(release.records, payloads, strict=True)
            ),
        )
        conn.executemany(
            "INSERT INTO hcpcs_note (release_id, number, text) VALUES (?,?,?)",
            ((release_id, number, text) for number, text in release.notes.items()),
        )
        for hook in post_import_hooks:
            hook(conn, release_id)
        store.finish_operation(conn, operation)
    return release_id, label, revision_of


def import_release(
    store: Store,
    path: str | Path,
    *,
    effective: date | None = None,
    notes_path: str | Path | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Read a CMS HCPCS release (zip, TXT, XLSX, XLS) and store it as a new version (or do nothing if loaded)."""
    release = read_release(path, notes_path=notes_path, progress=progress)
    return import_release_file(store, release, effective=effective)
