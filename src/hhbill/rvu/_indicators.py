"""The fee schedule's value tables (status, PC/TC, global days, policy indicators), read from
``hhbill/data/pfs_indicators.json``. Decoding is a table look-up; an unknown value is shown raw, never guessed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["DecodedIndicator", "decode", "indicator_tables", "quarter_month", "quarter_name", "status_entry"]

#: (table in the JSON file, label shown to users) for the payment policy indicators of a PPRRVU row
POLICY_INDICATORS = (
    ("pctc", "PC/TC indicator"),
    ("global_days", "Global surgery days"),
    ("multiple_procedure", "Multiple procedure (modifier 51)"),
    ("bilateral_surgery", "Bilateral surgery (modifier 50)"),
    ("assistant_at_surgery", "Assistant at surgery (modifiers 80/81/82/AS)"),
    ("co_surgeons", "Co-surgeons (modifier 62)"),
    ("team_surgery", "Team surgery (modifier 66)"),
    ("physician_supervision", "Physician supervision of diagnostic procedures"),
)


@cache
def indicator_tables() -> dict[str, Any]:
    text = resources.files("hhbill").joinpath("data/pfs_indicators.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@dataclass(frozen=True, slots=True)
class DecodedIndicator:
    table: str
    label: str
    value: str
    meaning: str | None  # None: the value is not in our table (shown raw)

    def to_dict(self) -> dict[str, Any]:
        return {"indicator": self.table, "label": self.label, "value": self.value, "meaning": self.meaning}


def decode(table: str, value: str, label: str | None = None) -> DecodedIndicator:
    entries = indicator_tables()[table]
    meaning = entries.get(value)
    if isinstance(meaning, dict):
        meaning = meaning.get("meaning")
    return DecodedIndicator(table, label or table, value, meaning)


def status_entry(status: str) -> dict[str, Any] | None:
    entry: dict[str, Any] | None = indicator_tables()["status"].get(status)
    return entry


def quarter_month(letter: str) -> int:
    return int(indicator_tables()["release_quarters"][letter]["month"])


def quarter_name(letter: str) -> str:
    return str(indicator_tables()["release_quarters"][letter]["name"])
