"""Text that cannot be stored or shown: lone UTF-16 surrogates.

JSON may spell a character as ``"\\ud800"``, half of a UTF-16 pair with no other half. Python accepts it in a
``str``, but no UTF-8 encoder does: written to a database, a response body or a terminal it fails at the last
step (after a ledger row was committed, or with a traceback in the CLI). So every text that enters hhbill
(claim input, API JSON bodies, CSV visit lists) is checked at the door, and a lone surrogate is refused with
an error naming the field it sits in.
"""

from __future__ import annotations

import re
from typing import Any

from ._errors import ClaimInputError

__all__ = ["find_lone_surrogate", "has_surrogate_escape", "reject_lone_surrogates"]

_SURROGATE = re.compile("[\ud800-\udfff]")
# a JSON escape \uD800-\uDFFF, the only way a surrogate reaches a str from UTF-8 bytes
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def has_surrogate_escape(raw: bytes) -> bool:
    """True when JSON text spells a surrogate (paired or not); a cheap filter before a full check."""
    return _SURROGATE_ESCAPE.search(raw) is not None


def _bad_text(text: str) -> bool:
    return not text.isascii() and _SURROGATE.search(text) is not None


def find_lone_surrogate(value: Any, where: str = "") -> str | None:
    """The path (``patient.name``, ``visits[2].date``) of the first text in ``value`` holding a lone surrogate.

    ``value`` is decoded JSON (dicts, lists, scalars) or a str. A bad key is named by its parent and
    ``(a field name)``. Walks with an explicit stack, so deep input cannot exhaust the recursion limit.
    """
    stack: list[tuple[Any, str]] = [(value, where)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if _bad_text(item):
                return path or "(input)"
        elif isinstance(item, dict):
            children = []
            for key, child in item.items():
                if isinstance(key, str) and _bad_text(key):
                    return f"{path} (a field name)" if path else "(a field name)"
                children.append((child, f"{path}.{key}" if path else str(key)))
            stack.extend(reversed(children))
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{index}]") for index, child in reversed(list(enumerate(item))))
    return None


def reject_lone_surrogates(value: Any, where: str = "") -> None:
    """Raise :class:`ClaimInputError` naming the field when ``value`` holds text that is not valid Unicode."""
    path = find_lone_surrogate(value, where)
    if path is None:
        return
    line = None
    if isinstance(value, str) and "\n" in value:  # a CSV text: name the line as well
        match = _SURROGATE.search(value)
        line = value.count("\n", 0, match.start() if match else 0) + 1
    raise ClaimInputError(
        "holds a character that is not valid text (half of a UTF-16 surrogate pair, U+D800-U+DFFF); "
        "retype or remove it",
        field=path,
        line=line,
    )
