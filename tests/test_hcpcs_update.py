"""``hhbill data update`` against a local HTTP server serving the real CMS zip (loopback only)."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import shared_path
from hhbill import hcpcs
from hhbill._errors import DownloadError
from hhbill._store import Store
from hhbill.cli import app
from hhbill.hcpcs._download import current_release_url, update_release

ZIP = "data/hcpcs/2026_jan/january-2026-alpha-numeric-hcpcs-file.zip"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """A loopback HTTP server over a folder holding the real zip (linked, not copied into the repo)."""
    folder = tmp_path / "www"
    folder.mkdir()
    (folder / "january-2026-alpha-numeric-hcpcs-file.zip").symlink_to(shared_path(ZIP))
    (folder / "broken.zip").write_bytes(shared_path(ZIP).read_bytes()[:100_000])
    shutil.copyfile(shared_path("data/hcpcs/2026_jan/proc_notes_JAN2026.txt"), folder / "notes.zip")
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_update_downloads_verifies_and_imports(served: str, tmp_path: Path):
    store = Store(tmp_path / "db.sqlite")
    seen: list[tuple[int, int | None]] = []
    result = update_release(
        store,
        url=f"{served}/january-2026-alpha-numeric-hcpcs-file.zip",
        progress=lambda done, total: seen.append((done, total)),
    )
    assert result.created and result.effective_date == "2026-01-01" and result.procedure_count == 8623
    assert seen and seen[-1][0] == seen[-1][1] == shared_path(ZIP).stat().st_size
    again = update_release(store, url=f"{served}/january-2026-alpha-numeric-hcpcs-file.zip")
    assert not again.created


@pytest.mark.parametrize(
    ("name", "message"),
    [("broken.zip", "not a zip|CRC|zip"), ("notes.zip", "not a zip"), ("missing.zip", "404")],
)
def test_update_rejects_bad_downloads_and_keeps_the_database(served: str, tmp_path: Path, name: str, message: str):
    store = Store(tmp_path / "db.sqlite")
    hcpcs.HcpcsReference(store)
    with pytest.raises(DownloadError, match=message):
        update_release(store, url=f"{served}/{name}", effective=date(2026, 1, 1))
    assert store.execute("SELECT count(*) FROM hcpcs_release").fetchone()[0] == 0


def test_cli_update_with_url(served: str, tmp_path: Path):
    result = CliRunner().invoke(
        app,
        [
            "--db",
            str(tmp_path / "db.sqlite"),
            "data",
            "update",
            "--url",
            f"{served}/january-2026-alpha-numeric-hcpcs-file.zip",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert '"procedure_count": 8623' in result.output


def test_current_release_url_follows_the_quarter(monkeypatch):
    monkeypatch.delenv("HHBILL_HCPCS_URL", raising=False)
    assert current_release_url(date(2026, 11, 22)).endswith("/october-2026-alpha-numeric-hcpcs-file.zip")
    assert current_release_url(date(2026, 2, 1)).endswith("/january-2026-alpha-numeric-hcpcs-file.zip")
    assert current_release_url(date(2026, 5, 1), "http://mirror/{year}/{month}.zip") == "http://mirror/2026/april.zip"
