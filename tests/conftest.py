"""Shared test fixtures.

Real CMS files and public corpora live in ``../shared`` beside the checkout (override with ``HHBILL_SHARED``).
They are read in place, never copied. Under ``CI=true`` a missing file fails the test instead of skipping it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("HHBILL_SHARED", REPO.parent / "shared")).resolve()


def shared_path(relative: str) -> Path:
    """Path of a file under ../shared; skips the test locally, fails it under CI, when the file is missing."""
    path = SHARED / relative
    if not path.exists():
        message = f"shared test material missing: {path} (set HHBILL_SHARED)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def shared():
    return shared_path


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    """The async web tests run on asyncio (the server's loop), never trio."""
    return "asyncio"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "hhbill.db"
