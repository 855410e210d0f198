"""What the coded fields of a HCPCS record mean: CMS's value tables, read from package data.

The tables live in ``hhbill/data/hcpcs_value_tables.json`` (transcribed from the CMS record layout, with
source and effective/obsolete dates). A value that is not in our tables decodes to meaning ``None`` and
pages say :data:`UNKNOWN_MEANING` - we never guess. A blank field decodes to ``None`` (absent).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from hhbill._errors import ConfigError, NotFoundError

__all__ = [
    "UNKNOWN_MEANING",
    "decode",
    "decode_all",
    "exclusion_categories",
    "meaning",
    "table_names",
    "value_table",
]

#: what a page shows for a value CMS may use but our tables do not list
UNKNOWN_MEANING = "unknown value (not in our tables)"

#: package data directory (hhbill/data, shipped as package-data)
_PACKAGE_DATA = Path(__file__).resolve().parent.parent / "data"
_DATA_FILE = "hcpcs_value_tables.json"


@cache
def _tables_document() -> dict[str, Any]:
    try:
        text = (_PACKAGE_DATA / _DATA_FILE).read_text(encoding="utf-8")
        document = json.loads(text)
    except (OSError, ValueError) as exc:  # a broken install, not bad user input
        raise ConfigError(f"cannot read package data {_DATA_FILE}: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("tables"), dict):
        raise ConfigError(f"package data {_DATA_FILE} has no 'tables' object")
    return document


def table_names() -> list[str]:
    """Names of the value tables we carry (e.g. ``pricing_indicator``, ``betos``)."""
    return sorted(_tables_document()["tables"])


def value_table(table: str) -> dict[str, Any]:
    """One whole table: ``title``, ``field``, ``source``, ``values`` and optional ``aliases``."""
    tables = _tables_document()["tables"]
    if table not in tables:
        raise NotFoundError(f"no HCPCS value table named {table!r}", table=table)
    found: dict[str, Any] = tables[table]
    return found


def _normalise(table: dict[str, Any], code: str) -> str:
    cleaned = code.strip().upper()
    aliases: dict[str, str] = table.get("aliases", {})
    return aliases.get(cleaned, cleaned)


def _entry(table_name: str, code: str | None) -> tuple[str, dict[str, Any] | None] | None:
    if code is None or not str(code).strip():
        return None
    table = value_table(table_name)
    key = _normalise(table, str(code))
    entry: dict[str, Any] | None = table["values"].get(key)
    return key, entry


def meaning(table: str, code: str | None) -> str | None:
    """CMS's meaning of ``code`` in ``table``; ``None`` when the code is blank or not in our tables."""
    found = _entry(table, code)
    if found is None or found[1] is None:
        return None
    text: str = found[1]["meaning"]
    return text


def decode(table: str, code: str | None) -> dict[str, Any] | None:
    """``{"code", "meaning", ...}`` for a coded field, or ``None`` when the field is blank.

    Extra keys appear when the table says them: ``group`` (pricing indicator family), ``effective`` /
    ``obsolete`` (dates CMS prints beside the value), ``parent`` (lab certification subgroup),
    ``body_system`` (MOG group). An unknown value keeps its code with ``meaning: None``.
    The code is shown as the record carries it (stripped), so ``01L`` stays ``01L`` while decoding as O1L.
    """
    found = _entry(table, code)
    if found is None:
        return None
    _key, entry = found
    decoded: dict[str, Any] = {"code": str(code).strip(), "meaning": None}
    if entry is not None:
        decoded.update(entry)
    return decoded


def decode_all(table: str, codes: tuple[str, ...] | list[str]) -> list[dict[str, Any]]:
    """Decode a repeating field (PRICE1-4, TOS1-5, LABCERT1-8), dropping blank occurrences."""
    decoded = (decode(table, code) for code in codes)
    return [item for item in decoded if item is not None]


def exclusion_categories() -> dict[str, dict[str, Any]]:
    """Category forms of "do not use with any ... code" and the descriptor phrases that define them."""
    categories: dict[str, dict[str, Any]] = _tables_document()["exclusion_categories"]["categories"]
    return categories
