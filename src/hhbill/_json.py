"""The one JSON encoding of hhbill's values, shared by the CLI and the web service (so both print the same).

Decimal amounts are strings (no float rounding of money), dates ISO 8601, result objects through their
``to_dict()``, other dataclasses field by field, sets and tuples as lists.
"""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from decimal import Decimal
from typing import Any

__all__ = ["dumps", "json_default", "jsonable"]


def json_default(value: Any) -> Any:
    """``default=`` for :func:`json.dumps`: how a value JSON does not know is written."""
    if isinstance(value, Decimal):
        return str(value)
    iso = getattr(value, "isoformat", None)
    if iso is not None:
        return iso()
    to_dict = getattr(value, "to_dict", None)
    if to_dict is not None:
        return to_dict()
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if isinstance(value, tuple):
        return list(value)
    return str(value)


def dumps(data: Any, *, indent: int | None = None) -> str:
    """``data`` as JSON text: indented for people (the CLI), compact for the wire (the API)."""
    separators = None if indent else (",", ":")
    return json.dumps(data, ensure_ascii=False, indent=indent, separators=separators, default=json_default)


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data (dicts, lists, strings, numbers)."""
    return json.loads(dumps(value))
