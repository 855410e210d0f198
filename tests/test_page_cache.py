"""The page cache beside the database: a new process shows a page it has shown before without building it, and
never shows a stale one (another release, another day, another hhbill), whatever state the cache file is in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from conftest import shared_path
from hhbill._json import dumps
from hhbill._page_cache import PageCache, _installed_files_key
from hhbill.app import Hhbill

DAY = date(2026, 2, 1)
JAN26_ZIP = "data/hcpcs/2026_jan/january-2026-alpha-numeric-hcpcs-file.zip"
SRC = Path(__file__).resolve().parents[1] / "src"


def _fresh_page(db: Path, code: str, day: date = DAY) -> dict:
    """The page built by a process that has no cache file."""
    from hhbill import open_store
    from hhbill.explain import explain_code
    from hhbill.hcpcs import HcpcsReference

    return json.loads(dumps(explain_code(HcpcsReference(open_store(db)), code, day).to_dict()))


def _page_in_new_process(db: Path, code: str, day: date = DAY) -> tuple[dict, bool]:
    """The page as a new process shows it, and whether that process loaded the explainer."""
    script = (
        "import json, sys; from datetime import date; from hhbill.app import Hhbill; from hhbill._json import dumps; "
        f"app = Hhbill({str(db)!r}); page = app.code_page({code!r}, date.fromisoformat({day.isoformat()!r})); "
        "print(json.dumps({'page': json.loads(dumps(page)), 'explained': 'hhbill.explain' in sys.modules}))"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    answer = json.loads(done.stdout)
    return answer["page"], answer["explained"]


def _shown_once(db: Path, code: str) -> dict:
    """A fresh install that has shown ``code``'s page once (so the cache holds it); the page as JSON data."""
    app = Hhbill(db)
    app.ensure_default()
    page = json.loads(dumps(app.code_page(code, DAY)))
    app.close()
    return page


def test_a_new_process_shows_a_page_shown_before_without_building_it(tmp_path: Path) -> None:
    db = tmp_path / "hhbill.db"
    first = _shown_once(db, "G0320")
    again, explained = _page_in_new_process(db, "G0320")
    assert not explained  # answered from the cache file
    assert again == first == _fresh_page(db, "G0320")
    # a page not shown before is built (and then kept)
    other, explained = _page_in_new_process(db, "S9329")
    assert explained and other == _fresh_page(db, "S9329")
    assert _page_in_new_process(db, "S9329") == (other, False)


def test_text_and_html_of_a_cached_page_are_those_of_the_built_page(tmp_path: Path) -> None:
    db = tmp_path / "hhbill.db"
    built = Hhbill(db)
    built.ensure_default()
    page = built.code_page("G0151", DAY)
    text, html = built.code_page_text(page), built.code_page_html(page)
    built.close()
    cached = Hhbill(db)
    page_again = cached.code_page("G0151", DAY)
    assert page_again is not page
    assert cached.code_page_text(page_again) == text
    assert cached.code_page_html(page_again) == html


def test_another_day_or_another_release_is_never_answered_from_the_cache(tmp_path: Path) -> None:
    db = tmp_path / "hhbill.db"
    embedded = _shown_once(db, "G0320")
    # another day: its own entry
    later = date(2026, 3, 1)
    page, explained = _page_in_new_process(db, "G0320", later)
    assert explained and page == _fresh_page(db, "G0320", later)
    # a release imported since: the page names it, not the embedded default it was first built from
    importer = Hhbill(db)
    importer.import_hcpcs(shared_path(JAN26_ZIP))
    importer.close()
    page, explained = _page_in_new_process(db, "G0320")
    assert explained
    assert page == _fresh_page(db, "G0320")
    assert page["release"] != embedded["release"]


def test_a_page_stored_under_another_fingerprint_is_not_served(tmp_path: Path) -> None:
    app = Hhbill(tmp_path / "hhbill.db")
    app.ensure_default()
    cache = app.page_cache
    current = cache.fingerprint()
    assert current is not None
    cache.put("f" * 64, "G0320", DAY, {"code": "G0320", "stale": True})
    assert cache.get(current, "G0320", DAY) is None
    assert "stale" not in app.code_page("G0320", DAY)
    # storing a page drops the rows of other fingerprints
    assert cache.get("f" * 64, "G0320", DAY) is None


def test_the_fingerprint_follows_hhbills_own_files(tmp_path: Path) -> None:
    package = tmp_path / "package"
    (package / "explain").mkdir(parents=True)
    rules = package / "explain" / "rules.py"
    rules.write_text("A = 1\n")
    before = _installed_files_key(package)
    assert _installed_files_key(package) == before
    rules.write_text("A = 12\n")  # an upgrade or an edit
    assert _installed_files_key(package) != before
    edited = _installed_files_key(package)
    rules.write_text("A = 13\n")  # the same size: the modification time tells
    os.utime(rules, ns=(rules.stat().st_atime_ns, rules.stat().st_mtime_ns + 1_000_000))
    assert _installed_files_key(package) != edited
    (package / "explain" / "new.py").write_text("")  # a file added
    assert len({edited, _installed_files_key(package)}) == 2


def test_a_damaged_or_unwritable_cache_file_only_costs_time(tmp_path: Path) -> None:
    db = tmp_path / "hhbill.db"
    expected = _shown_once(db, "G0320")
    Path(f"{db}.pages").write_bytes(b"this is not a database" * 100)
    for name in (f"{db}.pages-wal", f"{db}.pages-shm"):
        Path(name).unlink(missing_ok=True)
    page, explained = _page_in_new_process(db, "G0320")
    assert explained and page == expected
    # an in-memory database has no cache file
    assert PageCache(Hhbill(":memory:").store).fingerprint() is None


def test_the_cache_file_does_not_grow_without_end(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import hhbill._page_cache as page_cache

    monkeypatch.setattr(page_cache, "MAX_PAGES", 3)
    app = Hhbill(tmp_path / "hhbill.db")
    app.ensure_default()
    cache = app.page_cache
    fingerprint = cache.fingerprint()
    assert fingerprint is not None
    for day in range(1, 5):  # one process stores pages of four days
        cache.put(fingerprint, "G0320", date(2026, 2, day), {"day": day})
    assert all(cache.get(fingerprint, "G0320", date(2026, 2, day)) == {"day": day} for day in range(1, 5))
    # the next process finds more than the limit: it starts again
    later = PageCache(app.store)
    later.put(fingerprint, "G0151", DAY, {"code": "G0151"})
    assert later.get(fingerprint, "G0320", date(2026, 2, 1)) is None
    assert later.get(fingerprint, "G0151", DAY) == {"code": "G0151"}
