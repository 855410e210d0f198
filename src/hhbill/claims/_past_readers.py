"""Readers of past-claims files for the ledger import, by the file's first bytes. ``hhbill.x12`` adds ``b"ISA"``
(837I) when it is imported; a module of its own so registering a reader does not load the ledger."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._model import Claim

__all__ = ["past_claim_readers"]

#: first bytes of a past-claims file -> (its form, a reader of its claims)
past_claim_readers: dict[bytes, tuple[str, Callable[[Path], Iterable[Claim]]]] = {}
