"""Test data: real CMS files come from ../shared, else a verified cache, else CMS's download URL (here a loopback
server standing in for CMS); offline and without a copy the test fails saying what to fetch."""

from __future__ import annotations

import functools
import hashlib
import http.server
import io
import re
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import _cms_files
from _cms_files import CmsFile, NotInCatalog, Unavailable, catalog, locate
from conftest import SHARED

TESTS = Path(__file__).resolve().parent

RELEASE_TXT = b"G0151 physical therapy, home health, per 15 minutes\r\n" * 50
NOTES_TXT = b"0082 processing note\r\n"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@pytest.fixture
def cms(tmp_path: Path) -> Iterator[tuple[str, dict[str, bytes]]]:
    """A loopback server standing in for CMS: a zip with two members and a loose file."""
    www = tmp_path / "www"
    www.mkdir()
    served = {
        "release.zip": _zip({"inner/RELEASE.txt": RELEASE_TXT, "NOTES.txt": NOTES_TXT}),
        "layout.txt": b"record layout\n",
    }
    for name, content in served.items():
        (www / name).write_bytes(content)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(www)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", served
    finally:
        server.shutdown()
        server.server_close()


def _files(base: str, served: dict[str, bytes], *, zip_verified: bool = True) -> dict[str, CmsFile]:
    zip_key = "data/rel/release.zip" if zip_verified else None
    entries = [
        CmsFile("data/rel/RELEASE.txt", _sha(RELEASE_TXT), len(RELEASE_TXT), f"{base}/release.zip", "RELEASE.txt",
                zip_key),
        CmsFile("data/rel/NOTES.txt", _sha(NOTES_TXT), len(NOTES_TXT), f"{base}/release.zip", "NOTES.txt", zip_key),
        CmsFile("data/layout/layout.txt", _sha(served["layout.txt"]), 14, f"{base}/layout.txt"),
    ]  # fmt: skip
    if zip_verified:
        entries.append(CmsFile("data/rel/release.zip", _sha(served["release.zip"]), 0, f"{base}/release.zip"))
    return {e.relative: e for e in entries}


def test_a_missing_file_is_downloaded_verified_and_then_served_from_the_cache(
    cms: tuple[str, dict[str, bytes]], tmp_path: Path
) -> None:
    base, served = cms
    files = _files(base, served)
    shared, cache = tmp_path / "no-shared", tmp_path / "cache"
    calls: list[str] = []

    def fetch(url: str) -> bytes:
        calls.append(url)
        return _cms_files._download(url)

    path = locate("data/rel/RELEASE.txt", shared=shared, cache=cache, fetch=fetch, files=files)
    assert path == cache / "data/rel/RELEASE.txt" and path.read_bytes() == RELEASE_TXT
    assert (cache / "data/rel/release.zip").read_bytes() == served["release.zip"]  # the zip is kept and verified
    assert calls == [f"{base}/release.zip"]
    assert (
        locate("data/layout/layout.txt", shared=shared, cache=cache, fetch=fetch, files=files).read_bytes()
        == (served["layout.txt"])
    )

    def offline(url: str) -> bytes:
        raise OSError("network is unreachable")

    # the cache answers without the network
    again = locate("data/rel/RELEASE.txt", shared=shared, cache=cache, fetch=offline, files=files)
    assert again == path
    assert locate("data/rel/NOTES.txt", shared=shared, cache=cache, fetch=offline, files=files).read_bytes() == (
        NOTES_TXT
    )


def test_a_folder_is_every_catalogued_file_under_it(cms: tuple[str, dict[str, bytes]], tmp_path: Path) -> None:
    base, served = cms
    files = _files(base, served, zip_verified=False)
    folder = locate("data/rel", shared=tmp_path / "none", cache=tmp_path / "cache", files=files)
    assert sorted(p.name for p in folder.iterdir()) == ["NOTES.txt", "RELEASE.txt"]


def test_shared_is_a_prefilled_cache_and_is_verified(cms: tuple[str, dict[str, bytes]], tmp_path: Path) -> None:
    base, served = cms
    files = _files(base, served)
    shared = tmp_path / "shared"
    (shared / "data/layout").mkdir(parents=True)
    (shared / "data/layout/layout.txt").write_bytes(served["layout.txt"])

    def offline(url: str) -> bytes:
        raise OSError("network is unreachable")

    found = locate("data/layout/layout.txt", shared=shared, cache=tmp_path / "cache", fetch=offline, files=files)
    assert found == shared / "data/layout/layout.txt"
    (shared / "data/layout/layout.txt").write_bytes(b"edited by hand\n")
    with pytest.raises(Unavailable, match="is not the CMS file the tests expect: sha256"):
        locate("data/layout/layout.txt", shared=shared, cache=tmp_path / "cache", fetch=offline, files=files)


def test_offline_without_a_copy_says_what_to_fetch(cms: tuple[str, dict[str, bytes]], tmp_path: Path) -> None:
    base, served = cms
    files = _files(base, served)
    cache = tmp_path / "cache"
    closed = "http://127.0.0.1:9"  # the discard port: nothing listens on loopback
    files["data/layout/layout.txt"] = CmsFile(
        "data/layout/layout.txt", _sha(b"x"), 1, f"{closed}/layout.txt", listed_on="https://example.invalid/list"
    )
    with pytest.raises(Unavailable) as raised:
        locate("data/layout/layout.txt", shared=tmp_path / "none", cache=cache, files=files)
    message = str(raised.value)
    assert f"fetch {closed}/layout.txt" in message
    assert str(cache / "data/layout/layout.txt") in message and _sha(b"x") in message
    assert "HHBILL_SHARED" in message and "listed on https://example.invalid/list" in message
    assert not (cache / "data/layout/layout.txt").exists()


def test_a_download_that_does_not_verify_is_not_kept(cms: tuple[str, dict[str, bytes]], tmp_path: Path) -> None:
    base, served = cms
    files = _files(base, served)
    files["data/layout/layout.txt"] = CmsFile("data/layout/layout.txt", "0" * 64, 14, f"{base}/layout.txt")
    cache = tmp_path / "cache"
    with pytest.raises(Unavailable, match=r"does not verify \(sha256 [0-9a-f]{64}, expected 0{64}"):
        locate("data/layout/layout.txt", shared=tmp_path / "none", cache=cache, files=files)
    assert not (cache / "data/layout/layout.txt").exists()
    assert not list(cache.rglob(".part-*"))


def test_a_member_missing_from_the_zip_is_reported(cms: tuple[str, dict[str, bytes]], tmp_path: Path) -> None:
    base, served = cms
    files = _files(base, served, zip_verified=False)
    files["data/rel/GONE.txt"] = CmsFile("data/rel/GONE.txt", "0" * 64, 1, f"{base}/release.zip", "GONE.txt")
    with pytest.raises(Unavailable, match=r"holds no 'GONE\.txt'.*the member 'GONE\.txt' of http"):
        locate("data/rel/GONE.txt", shared=tmp_path / "none", cache=tmp_path / "cache", files=files)


def test_corpus_files_are_not_in_the_catalog() -> None:
    with pytest.raises(NotInCatalog):
        locate("corpora/x12/837i/hh_synthetic_3claims.837", shared=SHARED)


def test_every_cms_file_a_test_names_is_catalogued() -> None:
    """A CMS file used by a test but missing from the catalog would skip instead of being fetched."""
    named = set()
    for source in TESTS.glob("*.py"):
        named.update(re.findall(r'"(data/(?:hcpcs|mpfs)/[^"]+)"', source.read_text(encoding="utf-8")))
    files = catalog()
    for relative in sorted(named):
        assert relative in files or any(key.startswith(relative + "/") for key in files), relative


def test_the_catalog_matches_the_shared_copies() -> None:
    """Each catalogued sha256 is that of the file in ../shared (when ../shared is here)."""
    files = catalog()
    present = [entry for entry in files.values() if (SHARED / entry.relative).is_file()]
    if not present:
        pytest.skip(f"no ../shared at {SHARED}: nothing to compare")
    for entry in present:
        path = SHARED / entry.relative
        assert (_cms_files.sha256_of(path), path.stat().st_size) == (entry.sha256, entry.size), entry.relative
