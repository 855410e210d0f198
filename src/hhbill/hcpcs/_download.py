"""``hhbill data update``: fetch the current quarterly HCPCS zip from CMS, verify it, import it.

The URL is configurable (``--url``, or a template with ``{month}`` and ``{year}`` that the application's settings
take from ``$HHBILL_HCPCS_URL``); the HTTP
transport is injectable so tests serve a real zip from a local server instead of patching.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import httpx

from .._errors import DownloadError, ImportFormatError
from .._store import Store
from ._import import ImportResult, import_release
from ._readers import _pick_release_member, effective_date_from_name

__all__ = ["DEFAULT_URL_TEMPLATE", "current_release_url", "download_release", "update_release"]

DEFAULT_URL_TEMPLATE = "https://www.cms.gov/files/zip/{month}-{year}-alpha-numeric-hcpcs-file.zip"
MAX_BYTES = 200 * 1024 * 1024  # a release zip is ~3 MB; refuse anything absurd
_QUARTER_MONTHS = ((10, "october"), (7, "july"), (4, "april"), (1, "january"))


def current_release_url(today: date | None = None, template: str | None = None) -> str:
    """The URL of the quarterly release in force today (January, April, July or October)."""
    today = today or date.today()
    template = template or DEFAULT_URL_TEMPLATE
    month = next(name for number, name in _QUARTER_MONTHS if today.month >= number)
    return template.format(month=month, year=today.year)


def download_release(
    url: str,
    destination: Path,
    *,
    transport: httpx.BaseTransport | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    timeout: float = 60.0,
) -> Path:
    """Stream ``url`` to ``destination`` and check it is an intact CMS release zip."""
    try:
        with httpx.Client(transport=transport, timeout=timeout, follow_redirects=True) as client:
            with client.stream("GET", url) as response:
                if response.status_code != 200:
                    raise DownloadError(f"the server answered {response.status_code} for {url}", url=url)
                length = response.headers.get("content-length")
                total = int(length) if length and length.isdigit() else None
                done = 0
                with destination.open("wb") as out:
                    for chunk in response.iter_bytes(65536):
                        done += len(chunk)
                        if done > MAX_BYTES:
                            raise DownloadError(f"the download exceeds {MAX_BYTES} bytes; stopped", url=url)
                        out.write(chunk)
                        if progress is not None:
                            progress(done, total)
                if total is not None and done != total:
                    raise DownloadError(f"the download stopped at {done} of {total} bytes", url=url)
    except httpx.HTTPError as exc:
        raise DownloadError(f"download failed: {exc}", url=url) from None
    _verify_zip(destination, url)
    return destination


def _verify_zip(path: Path, url: str) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise DownloadError(f"the file downloaded is not a zip ({exc})", url=url) from None
    if bad is not None:
        raise DownloadError(f"zip member {bad!r} failed its CRC check", url=url)
    if _pick_release_member(names) is None:
        raise DownloadError("the zip holds no HCPCS release file (…ANWEB….txt/.xlsx)", url=url)


def update_release(
    store: Store,
    *,
    url: str | None = None,
    transport: httpx.BaseTransport | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    effective: date | None = None,
) -> ImportResult:
    """Download the current (or given) release zip and import it; the database is untouched on any failure."""
    url = url or current_release_url()
    name = url.rstrip("/").rsplit("/", 1)[-1].split("?")[0] or "hcpcs-release.zip"
    if not name.lower().endswith(".zip"):
        name += ".zip"
    with tempfile.TemporaryDirectory(prefix="hhbill-download-") as folder:
        path = download_release(url, Path(folder) / name, transport=transport, progress=progress)
        if effective is None and effective_date_from_name(name) is None:
            with zipfile.ZipFile(path) as archive:
                member = _pick_release_member(archive.namelist()) or ""
            if effective_date_from_name(member) is None:
                raise ImportFormatError(
                    "cannot tell the release's effective date from the URL or the zip; pass --effective", file=name
                )
        return import_release(store, path, effective=effective)
