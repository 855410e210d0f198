"""Shared test fixtures.

Real CMS files and public corpora live in ``../shared`` beside the checkout (override with ``HHBILL_SHARED``).
They are read in place, never copied. Real CMS files missing there are fetched from CMS into a verified cache
(``tests/_cms_files.py``); a missing corpus file skips the test locally and fails it under ``CI=true``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import _cms_files

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("HHBILL_SHARED", REPO.parent / "shared")).resolve()


def shared_path(relative: str) -> Path:
    """Path of a test file by its place under ../shared.

    A real CMS file (``data/...``, catalogued with its sha256 in tests/cms_files.json) comes from ../shared, else
    from the test cache, else from CMS's download URL into the cache, verified in every case; when none of that
    works the test fails saying what to fetch. A corpus file (``corpora/...``, no public download) is read from
    ../shared only: missing, it skips the test locally and fails it under CI.
    """
    try:
        return _cms_files.locate(relative, shared=SHARED)
    except _cms_files.Unavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    except _cms_files.NotInCatalog:
        pass
    path = SHARED / relative
    if not path.exists():
        message = f"shared test material missing: {path} (set HHBILL_SHARED; README.md says what it holds)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def shared():
    return shared_path


@pytest.fixture(scope="session")
def jan_2026_store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A store holding the CMS January 2026 HCPCS release, imported once per test process and shared, read only,
    by the search ranking tests (an import takes seconds)."""
    from hhbill._store import Store
    from hhbill.hcpcs import import_release

    store = Store(tmp_path_factory.mktemp("jan_2026") / "hhbill.db")
    import_release(store, shared_path("data/hcpcs/2026_jan/HCPC2026_JAN_ANWEB_01122026.txt"))
    return store


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    """The async web tests run on asyncio (the server's loop), never trio."""
    return "asyncio"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "hhbill.db"


@contextlib.asynccontextmanager
async def api_client(store: Any, key: str) -> AsyncIterator[Any]:
    """An httpx client on the real app in-process (rate limit off), signed in with ``key``."""
    import httpx

    from hhbill.web import Settings, create_app

    app = create_app(store, settings=Settings(rate_limit=0))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://hhbill.test", headers={"X-API-Key": key}
    ) as client:
        yield client
