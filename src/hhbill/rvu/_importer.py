"""Import of fee schedule releases (PPRRVU, GPCI, ZIP5) into the store.

A path may be one file, a CMS release zip (``RVU25A.zip``) or a folder holding the unzipped release. Every file
read is kept as its own versioned release (kind + year + quarter + variant + content hash). The whole import is one
transaction: a bad row anywhere leaves the database exactly as it was, and importing the same content again
(from the CSV, TXT or XLSX copy alike) changes nothing.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .._errors import ImportFormatError
from .._store import Store
from .._zip import ZIP_ERRORS, read_member
from ._readers import (
    GPCI_FIELDS,
    PPRRVU_FIELDS,
    ZIP5_FIELDS,
    ParsedFile,
    ReleaseId,
    SourceFile,
    detect_kind,
    parse_source,
    release_from_name,
)
from ._schema import require_writable

__all__ = ["ImportSummary", "ImportedFile", "import_fee_schedule"]

Progress = Callable[[int, int], None]

#: when a release ships the same table in several formats, read only the first present
FORMAT_PREFERENCE = ("csv", "xlsx", "xls", "txt", "prn", "")
KIND_TITLES = {"pprrvu": "relative value file (PPRRVU)", "gpci": "GPCI file", "zip5": "ZIP-to-locality file"}
_INSERT_CHUNK = 2000


@dataclass(frozen=True, slots=True)
class ImportedFile:
    kind: str
    source: str
    release: str  # label, e.g. "2025 October (RVU25D)"
    year: int
    quarter: str
    variant: str
    rows: int
    status: str  # imported | already loaded
    conversion_factor: str | None = None
    note: str | None = None


@dataclass(slots=True)
class ImportSummary:
    path: str
    files: list[ImportedFile] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (name, why)

    @property
    def imported_rows(self) -> int:
        return sum(f.rows for f in self.files if f.status == "imported")

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "files": [asdict(f) for f in self.files],
            "skipped": [{"name": n, "reason": r} for n, r in self.skipped],
            "imported_rows": self.imported_rows,
        }

    def to_text(self) -> str:
        lines = []
        for f in self.files:
            extra = f", conversion factor {f.conversion_factor}" if f.conversion_factor else ""
            lines.append(f"{f.status}: {KIND_TITLES[f.kind]} {f.release} from {f.source} ({f.rows:,} rows{extra})")
            if f.note:
                lines.append(f"  note: {f.note}")
        for name, why in self.skipped:
            lines.append(f"skipped: {name} ({why})")
        return "\n".join(lines)


def _sources(path: Path) -> tuple[list[tuple[SourceFile, str]], list[tuple[str, str]]]:
    """Files to read (with their kind) and files passed over (with the reason)."""
    skipped: list[tuple[str, str]] = []
    candidates: list[SourceFile] = []
    if not path.exists():
        raise ImportFormatError("no such file or folder", file=str(path))
    if path.is_dir():
        year, quarter, _ = release_from_name(path.name)
        for child in sorted(path.iterdir()):
            if child.is_file() and child.suffix.lower() != ".zip":
                candidates.append(SourceFile(child.name, str(child), child.read_bytes(), year, quarter))
            elif child.is_file():
                skipped.append((child.name, "zip inside a folder: import the zip itself"))
    elif path.suffix.lower() not in (".xlsx", ".xls") and zipfile.is_zipfile(path):  # an XLSX is a zip too
        year, quarter, _ = release_from_name(path.stem)
        try:
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    if info.is_dir():
                        continue
                    display = f"{path.name} :: {info.filename}"
                    data = read_member(archive, info, str(path))
                    candidates.append(SourceFile(info.filename, display, data, year, quarter))
        except ZIP_ERRORS as exc:
            raise ImportFormatError(f"the zip cannot be read ({exc})", file=str(path)) from None
    else:
        year, quarter, _ = release_from_name(path.parent.name)
        single = SourceFile(path.name, str(path), path.read_bytes(), year, quarter)
        kind = detect_kind(single.name, single.data[:4000])
        if kind is None:
            raise ImportFormatError(
                "not a fee schedule file hhbill reads: expected a PPRRVU relative value file, a GPCI file or a "
                "ZIP5 ZIP-to-locality file (CSV, TXT or XLSX), or a release zip/folder holding them",
                file=str(path),
            )
        return [(single, kind)], skipped

    chosen: dict[str, tuple[SourceFile, str]] = {}
    for source in candidates:
        kind = detect_kind(source.name, source.data[:4000])
        if kind is None:
            skipped.append((source.name, "not a file hhbill imports"))
            continue
        stem = source.name.rsplit("/", 1)[-1].rsplit(".", 1)[0].upper()
        key = f"{kind}:{stem}"
        previous = chosen.get(key)
        if previous is None:
            chosen[key] = (source, kind)
            continue
        rank = FORMAT_PREFERENCE.index
        new_rank = rank(source.extension) if source.extension in FORMAT_PREFERENCE else len(FORMAT_PREFERENCE)
        old = previous[0]
        old_rank = rank(old.extension) if old.extension in FORMAT_PREFERENCE else len(FORMAT_PREFERENCE)
        keep, drop = (source, old) if new_rank < old_rank else (old, source)
        chosen[key] = (keep, kind)
        skipped.append((drop.name, f"same table as {keep.name}, which was read"))
    if not chosen:
        raise ImportFormatError("no PPRRVU, GPCI or ZIP5 file found inside", file=str(path))
    return list(chosen.values()), skipped


def _identity(parsed: ParsedFile, override: ReleaseId | None) -> ReleaseId:
    if override is not None:
        variant = override.variant or parsed.variant
        return ReleaseId(override.year, override.quarter, variant)
    if parsed.year is None or parsed.quarter is None:
        missing = "year and quarter" if parsed.year is None else "quarter"
        raise ImportFormatError(
            f"the {missing} of this {KIND_TITLES[parsed.kind]} is stated neither in the file nor in its name or "
            "folder; give it explicitly, e.g. --release 2025D (A=Jan, B=Apr, C=Jul, D=Oct)",
            file=parsed.source.display,
            field="release",
        )
    return ReleaseId(parsed.year, parsed.quarter, parsed.variant)


def import_fee_schedule(
    store: Store,
    path: str | Path,
    *,
    release: str | ReleaseId | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import a PPRRVU / GPCI / ZIP5 file, a release zip or a folder. Raises :class:`ImportFormatError`."""
    require_writable(store)
    path = Path(path)
    override = ReleaseId.parse(release) if isinstance(release, str) else release
    sources, skipped = _sources(path)
    parsed_files = [parse_source(source, kind) for source, kind in sources]
    identities = [_identity(p, override) for p in parsed_files]
    summary = ImportSummary(str(path), skipped=skipped)
    total = sum(len(p.rows) for p in parsed_files)
    if progress:
        progress(0, total)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    operation = store.begin_operation("fee schedule import", path.name)
    try:
        _store_files(store, parsed_files, identities, summary, progress, now, total, operation)
    except BaseException:
        store.fail_operation(operation)
        raise
    return summary


def _imported_file(
    parsed: ParsedFile, identity: ReleaseId, outcome: str, conversion_factor: str | None, note: str | None = None
) -> ImportedFile:
    return ImportedFile(
        parsed.kind,
        parsed.source.display,
        identity.describe(parsed.kind),
        identity.year,
        identity.quarter,
        identity.variant,
        len(parsed.rows),
        outcome,
        conversion_factor,
        note,
    )


def _store_files(
    store: Store,
    parsed_files: list[ParsedFile],
    identities: list[ReleaseId],
    summary: ImportSummary,
    progress: Progress | None,
    now: str,
    total: int,
    operation: int | None,
) -> None:
    """Write every file of one import in one transaction (all or nothing)."""
    done = 0
    with store.transaction() as conn:
        store.finish_operation(conn, operation)
        for parsed, identity in zip(parsed_files, identities, strict=True):
            existing = conn.execute(
                "SELECT id FROM rvu_release WHERE kind=? AND year=? AND quarter=? AND variant=? AND content_sha256=?",
                (parsed.kind, identity.year, identity.quarter, identity.variant, parsed.content_sha256),
            ).fetchone()
            cf = str(parsed.conversion_factor) if parsed.conversion_factor is not None else None
            if existing is not None:
                done += len(parsed.rows)
                if progress:
                    progress(done, total)
                summary.files.append(_imported_file(parsed, identity, "already loaded", cf))
                continue
            other = conn.execute(
                "SELECT count(*) FROM rvu_release WHERE kind=? AND year=? AND quarter=? AND variant=?",
                (parsed.kind, identity.year, identity.quarter, identity.variant),
            ).fetchone()[0]
            cursor = conn.execute(
                "INSERT INTO rvu_release (kind, year, quarter, variant, source_name, source_format, "
                "content_sha256, conversion_factor, released_on, row_count, imported_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    parsed.kind,
                    identity.year,
                    identity.quarter,
                    identity.variant,
                    parsed.source.display,
                    parsed.source.extension or "txt",
                    parsed.content_sha256,
                    float(parsed.conversion_factor) if parsed.conversion_factor is not None else None,
                    parsed.released_on,
                    len(parsed.rows),
                    now,
                ),
            )
            release_id = cursor.lastrowid
            sql = _insert_sql(parsed.kind)
            for start in range(0, len(parsed.rows), _INSERT_CHUNK):
                chunk = parsed.rows[start : start + _INSERT_CHUNK]
                conn.executemany(sql, [(release_id, *_row_values(parsed.kind, row)) for row in chunk])
                done += len(chunk)
                if progress:
                    progress(done, total)
            note = (
                "another version of this release was loaded before; both are kept and this newer one is used"
                if other
                else None
            )
            summary.files.append(_imported_file(parsed, identity, "imported", cf, note))


_CF_INDEX = PPRRVU_FIELDS.index("conversion_factor")


def _row_values(kind: str, row: tuple[Any, ...]) -> list[Any]:
    """A parsed row (fields + source line) as the values of its table's INSERT."""
    values = list(row)
    if kind == "pprrvu":
        del values[_CF_INDEX]  # a release attribute, stored once on rvu_release
    elif kind == "zip5":
        del values[-1]  # 42,956 one-line records: the line number is not worth a column
    return values


def _insert_sql(kind: str) -> str:
    columns: tuple[str, ...]
    if kind == "pprrvu":
        table, columns = "rvu_item", PPRRVU_FIELDS
    elif kind == "gpci":
        table, columns = "rvu_gpci", GPCI_FIELDS
    else:
        table, columns = "rvu_zip_locality", ZIP5_FIELDS
    names = ["release_id", *columns]
    if kind != "zip5":
        names.append("source_line")
    if kind == "pprrvu":
        # the conversion factor is a release attribute; the row keeps the rest of the file's columns
        names.remove("conversion_factor")
    placeholders = ",".join("?" for _ in names)
    return f"INSERT INTO {table} ({', '.join(names)}) VALUES ({placeholders})"
