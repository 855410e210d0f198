"""Package attributes imported on first use (PEP 562), so importing a package does not import all of it.

``from hhbill.claims import edit_catalog`` then loads the scrubber's catalog module and what it imports, not the
ledger, the 837I import or the timeline; a command loads only what it uses. Each package keeps its names in
``__all__`` and the real imports under ``TYPE_CHECKING`` for type checkers.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_attributes(package: str, where: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``: each name of ``where`` comes from the submodule it maps to."""

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(f"{package}.{module}"), name)
        setattr(sys.modules[package], name, value)  # later look-ups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(where))

    return __getattr__, __dir__
