"""What a home health HIPPS code says, position by position (PDGM, periods from 2020-01-01).

The table is data (``hhbill/data/hipps_pdgm.json``, with its sources: Pub. 100-04 Ch.10 §10.1.9 and 84 FR 60478).
Used by the 837I viewer and the claim form to show a HIPPS code's meaning next to it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["HippsPart", "decode_hipps", "hipps_meaning"]


@dataclass(frozen=True, slots=True)
class HippsPart:
    position: int
    name: str
    value: str
    meaning: str | None  # None: not a valid value at this position

    def to_dict(self) -> dict[str, Any]:
        return {"position": self.position, "name": self.name, "value": self.value, "meaning": self.meaning}


@cache
def _table() -> dict[str, Any]:
    text = resources.files("hhbill").joinpath("data").joinpath("hipps_pdgm.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def decode_hipps(code: str) -> list[HippsPart]:
    """Each position of a PDGM HIPPS code with its meaning (None where the character is not valid there).

    A code that is not 5 characters decodes to as many positions as it has (at most 5)."""
    code = code.strip().upper()
    parts = []
    for spec, char in zip(_table()["positions"], code, strict=False):
        parts.append(HippsPart(spec["position"], spec["name"], char, spec["values"].get(char)))
    return parts


def hipps_meaning(code: str) -> str:
    """A one-line reading of a HIPPS code, e.g. ``community admission, early period; wounds; ...``; "" when the
    code is not a valid PDGM HIPPS code."""
    parts = decode_hipps(code)
    if len(code.strip()) != 5 or len(parts) != 5 or any(p.meaning is None for p in parts):
        return ""
    first, group, function, comorbidity, _ = parts
    return (
        f"{first.meaning}; {group.meaning}; {function.meaning} functional impairment; "
        f"{comorbidity.meaning} comorbidity adjustment"
    )
