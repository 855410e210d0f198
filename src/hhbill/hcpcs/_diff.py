"""Differences between two loaded HCPCS releases: codes added, removed, terminated and changed field by field."""

from __future__ import annotations

from typing import Any

from ._record import HcpcsRecord
from ._reference import HcpcsReference, Release, _cached_record, field_changes

__all__ = ["diff_releases"]


def _records(reference: HcpcsReference, release: Release) -> dict[tuple[str, str], HcpcsRecord]:
    rows = reference.store.execute("SELECT record FROM hcpcs_code WHERE release_id = ?", (release.id,)).fetchall()
    records = (_cached_record(row[0]) for row in rows)
    return {(r.kind, r.code): r for r in records}


def _brief(record: HcpcsRecord) -> dict[str, Any]:
    return {
        "code": record.code,
        "kind": record.kind,
        "short_description": record.short_description,
        "long_description": record.long_description,
        "added_date": record.added_date,
        "termination_date": record.termination_date,
        "action": record.action,
    }


def diff_releases(reference: HcpcsReference, old_spec: str, new_spec: str) -> dict[str, Any]:
    """Compare two releases (by id, label, effective date or YYYY-MM).

    * ``added``: in the new release, not in the old one;
    * ``removed``: in the old release, gone from the new one;
    * ``terminated``: in both, and the new release sets (or moves) a termination date;
    * ``changed``: in both, with the fields that differ (old and new value each), termination excluded.
    """
    old_release = reference.find_release(old_spec)
    new_release = reference.find_release(new_spec)
    old = _records(reference, old_release)
    new = _records(reference, new_release)
    added = [_brief(new[k]) for k in sorted(new.keys() - old.keys())]
    removed = [_brief(old[k]) for k in sorted(old.keys() - new.keys())]
    terminated: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for key in sorted(old.keys() & new.keys()):
        before, after = old[key], new[key]
        if before == after:
            continue
        changes = field_changes(before, after)
        if after.termination_date and after.termination_date != before.termination_date:
            terminated.append({**_brief(after), "previous_termination_date": before.termination_date})
        rest = [c for c in changes if c["field"] != "termination_date"]
        if rest:
            changed.append({**_brief(after), "changes": rest})
    return {
        "old": old_release.brief(),
        "new": new_release.brief(),
        "summary": {
            "added": len(added),
            "removed": len(removed),
            "terminated": len(terminated),
            "changed": len(changed),
            "unchanged": len(old.keys() & new.keys())
            - len({c["code"] for c in changed} | {t["code"] for t in terminated}),
        },
        "added": added,
        "removed": removed,
        "terminated": terminated,
        "changed": changed,
    }
