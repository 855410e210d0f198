"""Patient data shown to people: the one place that decides how much of an identifier is visible."""

from __future__ import annotations

__all__ = ["mask_mbi"]


def mask_mbi(mbi: str | None, blank: str = "(none)") -> str:
    """The Medicare beneficiary identifier as claim views show it: last four characters only (``*******MK73``)."""
    if not mbi:
        return blank
    return "*" * max(0, len(mbi) - 4) + mbi[-4:]
