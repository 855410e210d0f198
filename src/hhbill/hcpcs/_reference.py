"""Answers from the versioned HCPCS store: the release in force on a date, a code as of a date, its history
across releases, the meanings a reused code has had, and the differences between two releases.

"As of" resolution: the release in force on a date is the one with the latest effective date on or before it
(for revisions of the same effective date, the last imported). A code is *valid* on a date when that release
holds it, its added date is not after the date and its termination date is not before it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields
from datetime import date
from functools import lru_cache
from typing import Any

from .._errors import NotFoundError
from .._store import Store
from ._codes import normalise_code
from ._record import FIELDS, HcpcsRecord
from ._schema import HCPCS_SCHEMA

__all__ = ["CodeLookup", "HcpcsReference", "Release", "normalise_code"]

_TUPLE_FIELDS = {f.name for f in fields(HcpcsRecord) if str(f.type).startswith("tuple")}
_CODE_SHAPE = re.compile(r"^[A-Z][0-9]{4}$|^[A-Z0-9]{2}$")
#: fields compared by history and diff (the sequence number is a layout artefact)
COMPARED_FIELDS = tuple(f for f in FIELDS if f not in ("code", "kind", "sequence"))


@dataclass(frozen=True)
class Release:
    id: int
    label: str
    effective_date: str
    source_name: str
    source_format: str
    imported_at: str
    procedure_count: int
    modifier_count: int
    warnings: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "effective_date": self.effective_date,
            "source_name": self.source_name,
            "source_format": self.source_format,
            "imported_at": self.imported_at,
            "procedure_count": self.procedure_count,
            "modifier_count": self.modifier_count,
            "warnings": list(self.warnings),
        }

    def brief(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "effective_date": self.effective_date}


@dataclass(frozen=True)
class CodeLookup:
    """A code as of a date: the record, the release it came from, and whether it is valid that day."""

    record: HcpcsRecord
    release: Release
    as_of: date
    status: str  # active | terminated | not_yet_effective
    status_text: str
    note_text: str | None


def _record_from_json(text: str) -> HcpcsRecord:
    data = json.loads(text)
    for name in _TUPLE_FIELDS:
        data[name] = tuple(data.get(name) or ())
    return HcpcsRecord(**data)


_cached_record = lru_cache(maxsize=65536)(_record_from_json)


class HcpcsReference:
    """Read access to the HCPCS releases in a store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        store.ensure_schema("hcpcs", HCPCS_SCHEMA)
        self._version: tuple[int, int] | None = None
        self._releases: list[Release] = []

    # -- releases -------------------------------------------------------------------------------------------
    def releases(self) -> list[Release]:
        """Every loaded release, oldest first."""
        state = self.store.data_version()
        if state != self._version:
            rows = self.store.execute("SELECT * FROM hcpcs_release ORDER BY effective_date, id").fetchall()
            self._releases = [
                Release(
                    r["id"],
                    r["label"],
                    r["effective_date"],
                    r["source_name"],
                    r["source_format"],
                    r["imported_at"],
                    r["procedure_count"],
                    r["modifier_count"],
                    tuple(json.loads(r["warnings"] or "[]")),
                )
                for r in rows
            ]
            self._version = state
        return self._releases

    def active_releases(self) -> list[Release]:
        """The releases answers come from: the imported CMS releases, or the embedded default if none is."""
        releases = self.releases()
        imported = [r for r in releases if r.source_format != "embedded"]
        return imported or releases

    def release_on(self, day: date) -> Release | None:
        """The release in force on ``day``: latest effective date on or before it (last revision wins)."""
        iso = day.isoformat()
        chosen = None
        for release in self.active_releases():
            if release.effective_date <= iso:
                chosen = release
            else:
                break
        return chosen

    def find_release(self, spec: str) -> Release:
        """A release by id, exact label, effective date (YYYY-MM-DD) or year-month (YYYY-MM)."""
        spec = spec.strip()
        releases = self.active_releases()
        matches = [r for r in releases if str(r.id) == spec or r.label.lower() == spec.lower()]
        if not matches:
            matches = [r for r in releases if r.effective_date == spec or r.effective_date[:7] == spec]
        if not matches:
            known = "; ".join(f"{r.id}: {r.label} ({r.effective_date})" for r in releases) or "none loaded"
            raise NotFoundError(f"no release matches {spec!r}; loaded releases: {known}", release=spec)
        return matches[-1]

    # -- codes ----------------------------------------------------------------------------------------------
    def record_in(self, code: str, release_id: int) -> HcpcsRecord | None:
        row = self.store.execute(
            "SELECT record FROM hcpcs_code WHERE code = ? AND release_id = ?", (normalise_code(code), release_id)
        ).fetchone()
        return _cached_record(row[0]) if row is not None else None

    def record_on(self, code: str, day: date) -> HcpcsRecord | None:
        """The record of ``code`` in the release in force on ``day`` (None if that release lacks it)."""
        release = self.release_on(day)
        if release is None:
            return None
        return self.record_in(code, release.id)

    def note(self, number: str, release_id: int) -> str | None:
        if not number:
            return None
        row = self.store.execute(
            "SELECT text FROM hcpcs_note WHERE number = ? AND release_id <= ? ORDER BY release_id DESC LIMIT 1",
            (number, release_id),
        ).fetchone()
        if row is None:  # a release imported without its notes file: take the nearest release's text
            row = self.store.execute(
                "SELECT text FROM hcpcs_note WHERE number = ? ORDER BY release_id LIMIT 1", (number,)
            ).fetchone()
        return row[0] if row is not None else None

    def lookup(self, code: str, as_of: date | None = None) -> CodeLookup:
        """``code`` as of a date (default today). Raises NotFoundError naming the dates it was valid, if any."""
        as_of = as_of or date.today()
        code = normalise_code(code)
        if not _CODE_SHAPE.match(code):
            raise NotFoundError(
                f"{code[:40]!r} is not a HCPCS Level II code (a letter and 4 digits) or a 2-character modifier",
                code=code[:40],
            )
        release = self.release_on(as_of)
        if release is None:
            active = self.active_releases()
            first = active[0].effective_date if active else None
            hint = f"; the earliest loaded release takes effect {first}" if first else "; no release is loaded"
            raise NotFoundError(f"no HCPCS release in force on {as_of.isoformat()}{hint}", code=code)
        record = self.record_in(code, release.id)
        if record is None:
            self.store.verify_once()  # a damaged file must not pass for "no such code"
            raise NotFoundError(self._absent_message(code, as_of, release), code=code)
        status, text = _status(record, as_of)
        return CodeLookup(record, release, as_of, status, text, self.note(record.processing_note, release.id))

    def _absent_message(self, code: str, as_of: date, release: Release) -> str:
        spans = self.validity_spans(code)
        base = f"{code} is not in the {release.label} (in force on {as_of.isoformat()})"
        if not spans:
            return f"{base}, nor in any loaded release"
        described = "; ".join(
            f"valid {s['from'] or 'from an unknown date'} to {s['to'] or 'today'} per the {s['release']}" for s in spans
        )
        return f"{base}; {described}"

    def validity_spans(self, code: str) -> list[dict[str, Any]]:
        """Each loaded release's statement of when the code was valid (added date to termination date)."""
        rows = self.store.execute(
            "SELECT r.label, c.added_date, c.termination_date FROM hcpcs_code c"
            " JOIN hcpcs_release r ON r.id = c.release_id WHERE c.code = ? ORDER BY r.effective_date, r.id",
            (normalise_code(code),),
        ).fetchall()
        active = {r.label for r in self.active_releases()}
        rows = [r for r in rows if r[0] in active]
        return [{"release": r[0], "from": r[1], "to": r[2]} for r in rows]

    # -- history --------------------------------------------------------------------------------------------
    def history(self, code: str) -> list[dict[str, Any]]:
        """Each release's view of ``code``: added, changed (field by field), unchanged, or removed."""
        code = normalise_code(code)
        events: list[dict[str, Any]] = []
        previous: HcpcsRecord | None = None
        for release in self.active_releases():
            record = self.record_in(code, release.id)
            entry: dict[str, Any] = {"release": release.brief()}
            if record is None:
                if previous is None:
                    continue
                entry["change"] = "absent"
                entry["fields"] = []
            elif previous is None:
                entry["change"] = "first_seen" if not events else "reappeared"
                entry["fields"] = []
            else:
                changes = field_changes(previous, record)
                entry["change"] = "changed" if changes else "unchanged"
                entry["fields"] = changes
            if record is not None:
                entry["long_description"] = record.long_description
                entry["termination_date"] = record.termination_date
                entry["action"] = record.action
            events.append(entry)
            previous = record
        if not events:
            raise NotFoundError(f"{code} is in no loaded release", code=code)
        return events

    def meanings(self, code: str) -> list[dict[str, Any]]:
        """The distinct meanings (long descriptions) ``code`` has had, with the releases and dates of each.

        ``reused`` is true when two meanings share few words: CMS reused the code for something else, rather
        than rewording it.
        """
        code = normalise_code(code)
        spans: list[dict[str, Any]] = []
        for release in self.active_releases():
            record = self.record_in(code, release.id)
            if record is None:
                continue
            if spans and spans[-1]["long_description"] == record.long_description:
                spans[-1]["last_release"] = release.brief()
                spans[-1]["termination_date"] = record.termination_date
                continue
            spans.append(
                {
                    "long_description": record.long_description,
                    "short_description": record.short_description,
                    "added_date": record.added_date,
                    "termination_date": record.termination_date,
                    "first_release": release.brief(),
                    "last_release": release.brief(),
                    "reused": bool(spans)
                    and _word_overlap(spans[-1]["long_description"], record.long_description) < 0.5,
                }
            )
        return spans


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def _word_overlap(a: str, b: str) -> float:
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / len(wa | wb)


def _status(record: HcpcsRecord, as_of: date) -> tuple[str, str]:
    iso = as_of.isoformat()
    if record.termination_date and iso > record.termination_date:
        return "terminated", f"terminated: last valid date of service {record.termination_date}"
    if record.added_date and iso < record.added_date:
        return "not_yet_effective", f"not yet effective: valid from {record.added_date}"
    if record.termination_date:
        return "active", f"active until {record.termination_date} (termination date set)"
    return "active", "active"


def field_changes(old: HcpcsRecord, new: HcpcsRecord) -> list[dict[str, Any]]:
    """Field-by-field differences between two versions of a record."""
    changes = []
    for name in COMPARED_FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            changes.append(
                {
                    "field": name,
                    "old": list(before) if isinstance(before, tuple) else before,
                    "new": list(after) if isinstance(after, tuple) else after,
                }
            )
    return changes
