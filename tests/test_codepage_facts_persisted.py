"""The whole-release facts of code pages are stored in the database on first use and loaded by later processes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from hhbill._store import Store
from hhbill.explain import _facts, explain_code
from hhbill.hcpcs import HcpcsReference, ensure_default

DAY = date(2026, 3, 2)


def _fresh_db(tmp_path: Path) -> Path:
    path = tmp_path / "hhbill.db"
    store = Store(path)
    ensure_default(store)
    store.close()
    return path


def _stored_rows(path: Path) -> list[tuple[int, int, str]]:
    store = Store(path)
    try:
        rows = store.execute("SELECT release_id, pfs_release_id, build_key FROM explain_release_facts").fetchall()
        return [tuple(row) for row in rows]
    finally:
        store.close()


def _comparable(facts: _facts.ReleaseFacts) -> dict[str, object]:
    return {
        "members": facts.members,
        "coverage": {k: dict(v) for k, v in facts.coverage_counts.items()},
        "pricing": {k: dict(v) for k, v in facts.pricing_counts.items()},
        "work_zero": facts.work_zero,
        "pfs": dict(facts.pfs),
        "pfs_codes": facts.pfs_codes,
        "excludes": facts.excludes,
        "excluded_by": facts.excluded_by,
        "cross_referenced_by": facts.cross_referenced_by,
        "pfs_release": facts.pfs_release,
    }


def _facts_of(path: Path, *, read_only: bool = False) -> _facts.ReleaseFacts:
    reference = HcpcsReference(Store(path, read_only=read_only))
    release = reference.release_on(DAY)
    assert release is not None
    return _facts.release_facts(reference, release, DAY.year)


def test_a_new_process_loads_the_stored_facts_and_answers_the_same_page(tmp_path: Path) -> None:
    path = _fresh_db(tmp_path)
    first_page = explain_code(Store(path), "G0151", DAY).to_dict()
    assert len(_stored_rows(path)) == 1
    built = _facts_of(tmp_path / "hhbill.db")  # a new Store stands for a new process: nothing cached for it
    assert isinstance(built.records, _facts.ReleaseRecords)  # loaded, not rebuilt from every record
    reference = HcpcsReference(Store(path))
    release = reference.release_on(DAY)
    assert release is not None
    rebuilt = _facts._build(reference, release, _facts.pfs_release_for(reference.store, DAY.year))
    assert _comparable(built) == _comparable(rebuilt)
    for code in list(rebuilt.records)[:50]:
        assert built.records[code] == rebuilt.records[code]
    with pytest.raises(KeyError):
        built.records["ZZZZZ"]
    assert explain_code(Store(path), "G0151", DAY).to_dict() == first_page


def test_facts_of_another_format_are_rebuilt_and_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _fresh_db(tmp_path)
    _facts_of(path)
    [(_release, _pfs, old_key)] = _stored_rows(path)
    monkeypatch.setattr(_facts, "FACTS_FORMAT", _facts.FACTS_FORMAT + 1)
    _facts_of(path)
    [(_release, _pfs, new_key)] = _stored_rows(path)
    assert new_key != old_key


def test_damaged_stored_facts_are_rebuilt(tmp_path: Path) -> None:
    path = _fresh_db(tmp_path)
    expected = _comparable(_facts_of(path))
    store = Store(path)
    with store.transaction() as conn:
        conn.execute("UPDATE explain_release_facts SET body = ?", (b"not compressed json",))
    store.close()
    assert _comparable(_facts_of(path)) == expected
    store = Store(path)
    body = store.execute("SELECT body FROM explain_release_facts").fetchone()[0]
    store.close()
    assert bytes(body) != b"not compressed json"


def test_a_read_only_database_computes_the_facts_in_memory(tmp_path: Path) -> None:
    path = _fresh_db(tmp_path)
    explain_code(Store(path), "G0151", DAY)  # loads the shipped fee schedule, stores the facts
    store = Store(path)
    with store.transaction() as conn:
        conn.execute("DROP TABLE explain_release_facts")
    store.close()
    facts = _facts_of(path, read_only=True)
    assert not isinstance(facts.records, _facts.ReleaseRecords)  # built from every record, nothing stored
    assert facts.members
    store = Store(path)
    table = store.execute("SELECT 1 FROM sqlite_master WHERE name = 'explain_release_facts'").fetchone()
    store.close()
    assert table is None
