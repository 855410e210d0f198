"""How a code a person typed is compared with the release's codes (a module of its own: a page served from the
page cache needs this and nothing else of the reference)."""

from __future__ import annotations

__all__ = ["normalise_code"]


def normalise_code(code: str) -> str:
    return code.strip().upper()
