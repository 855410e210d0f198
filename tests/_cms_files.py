"""The real CMS files the tests read: found in ../shared (a pre-filled cache), else in the test cache, else
fetched from CMS's own download URL into the cache; every one verified against the sha256 kept in
``tests/cms_files.json`` before a test sees it.

Offline and without a copy, ``locate`` raises :class:`Unavailable` saying what to fetch from where; a test never
passes (or skips) silently for want of a CMS file. Files with no public download (``corpora/...``) are not in the
catalog: :class:`NotInCatalog` tells the caller to look for them in ../shared only.

The cache is ``$HHBILL_TEST_CACHE``, else ``$XDG_CACHE_HOME/hhbill-tests``, else ``~/.cache/hhbill-tests``; it
has the same layout as ../shared (``data/hcpcs/2026_jan/...``).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CATALOG = Path(__file__).resolve().parent / "cms_files.json"
#: seconds to wait for CMS before calling a download failed
TIMEOUT = 60

Fetch = Callable[[str], bytes]


class Unavailable(Exception):
    """A CMS file the tests need is in neither ../shared nor the cache, and could not be fetched (or did not
    verify). The message says what to fetch, from where, to where, with which sha256."""


class NotInCatalog(KeyError):
    """The path names no CMS file of the catalog (e.g. a corpus file, which has no public download)."""


@dataclass(frozen=True, slots=True)
class CmsFile:
    relative: str  # as under ../shared, e.g. data/hcpcs/2026_jan/HCPC2026_JAN_ANWEB_01122026.txt
    sha256: str
    size: int
    url: str  # CMS's download: the file itself, or the zip holding it
    member: str | None = None  # the file's name inside the zip at ``url``
    zip: str | None = None  # the catalog entry of that zip, when the zip itself is verified too
    listed_on: str = ""


@cache
def catalog(path: Path = CATALOG) -> dict[str, CmsFile]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        relative: CmsFile(
            relative,
            entry["sha256"],
            entry["bytes"],
            entry["url"],
            entry.get("member"),
            entry.get("zip"),
            entry.get("listed_on", ""),
        )
        for relative, entry in data["files"].items()
    }


def cache_dir() -> Path:
    if os.environ.get("HHBILL_TEST_CACHE"):
        return Path(os.environ["HHBILL_TEST_CACHE"])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "hhbill-tests"


def _download(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "hhbill-tests"})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        data: bytes = response.read()
    return data


_verified: dict[tuple[str, int, int], str] = {}
_zips: dict[tuple[int, str], bytes] = {}


def sha256_of(path: Path) -> str:
    """The file's sha256, remembered per (path, size, mtime) so a session hashes each file once."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _verified:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        _verified[key] = digest.hexdigest()
    return _verified[key]


def _what_to_fetch(entry: CmsFile, target: Path) -> str:
    source = f"the member {entry.member!r} of {entry.url}" if entry.member else entry.url
    listed = f" (listed on {entry.listed_on})" if entry.listed_on else ""
    return (
        f"fetch {source}{listed} and save it as {target} (sha256 {entry.sha256}, {entry.size:,} bytes), "
        "or point HHBILL_SHARED at a folder holding it"
    )


def _checked(path: Path, entry: CmsFile) -> Path:
    actual = sha256_of(path)
    if actual != entry.sha256:
        raise Unavailable(
            f"{path} is not the CMS file the tests expect: sha256 {actual}, expected {entry.sha256}; remove it and "
            + _what_to_fetch(entry, path)
        )
    return path


def locate(
    relative: str,
    *,
    shared: Path,
    cache: Path | None = None,
    fetch: Fetch = _download,
    files: dict[str, CmsFile] | None = None,
) -> Path:
    """The verified path of a catalogued CMS file (or of a folder of them, e.g. ``data/mpfs/rvu25d``)."""
    files = catalog() if files is None else files
    cache = cache_dir() if cache is None else cache
    relative = relative.strip("/")
    if relative not in files:
        members = [key for key in files if key.startswith(relative + "/")]
        if not members:
            raise NotInCatalog(relative)
        # a folder: every catalogued file under it, from one place
        if all((shared / key).exists() for key in members):
            for key in members:
                _checked(shared / key, files[key])
            return shared / relative
        for key in members:
            locate(key, shared=shared, cache=cache, fetch=fetch, files=files)
        return cache / relative
    entry = files[relative]
    for place in (shared / relative, cache / relative):
        if place.is_file():
            return _checked(place, entry)
    target = cache / relative
    try:
        content = _fetched(entry, shared=shared, cache=cache, fetch=fetch, files=files)
    except (OSError, urllib.error.URLError, zipfile.BadZipFile, KeyError) as exc:
        raise Unavailable(f"a test needs {relative}, which is not in {shared} nor in the cache, and fetching it "
                          f"failed ({exc}): " + _what_to_fetch(entry, target)) from None  # fmt: skip
    actual = hashlib.sha256(content).hexdigest()
    if actual != entry.sha256:
        raise Unavailable(
            f"the download of {relative} does not verify (sha256 {actual}, expected {entry.sha256}; CMS may have "
            "moved or replaced the file): " + _what_to_fetch(entry, target)
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    # written beside the target and renamed: a concurrent test worker never reads half a file
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".part-", delete=False) as handle:
        handle.write(content)
    os.replace(handle.name, target)
    return target


def _fetched(entry: CmsFile, *, shared: Path, cache: Path, fetch: Fetch, files: dict[str, CmsFile]) -> bytes:
    """The file's bytes from CMS: the download itself, or the member of the zip downloaded (or already held)."""
    if entry.member is None:
        return fetch(entry.url)
    if entry.zip is not None:
        archive: io.BytesIO | Path = locate(entry.zip, shared=shared, cache=cache, fetch=fetch, files=files)
    else:
        key = (id(fetch), entry.url)
        if key not in _zips:  # a folder's files come from one zip: fetch it once
            _zips[key] = fetch(entry.url)
        archive = io.BytesIO(_zips[key])
    with zipfile.ZipFile(archive) as opened:
        names = [n for n in opened.namelist() if n.rsplit("/", 1)[-1] == entry.member]
        if not names:
            raise KeyError(f"{entry.url} holds no {entry.member!r}")
        return opened.read(names[0])
