"""A fee schedule release's identity (year, quarter letter, variant): small, so pages that name a release need not
load the file readers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .._errors import ImportFormatError
from ._indicators import quarter_name

__all__ = ["ReleaseId"]


@dataclass(frozen=True, slots=True, order=True)
class ReleaseId:
    """A fee schedule release: calendar year, quarter letter (A=Jan, B=Apr, C=Jul, D=Oct) and file variant."""

    year: int
    quarter: str
    variant: str = ""

    @property
    def cms_name(self) -> str:
        return f"RVU{self.year % 100:02d}{self.quarter}"

    @property
    def label(self) -> str:
        text = f"{self.year} {quarter_name(self.quarter)} ({self.cms_name})"
        return f"{text} {self.variant}" if self.variant else text

    def describe(self, kind: str) -> str:
        """The label for a file of ``kind``: ZIP5 files are dated by their own quarter stamp (YYYYQ)."""
        if kind == "zip5":
            stamp = f"{self.year}{'ABCD'.index(self.quarter) + 1}"
            return f"{self.year} {quarter_name(self.quarter)} quarter (ZIP5 {stamp})"
        return self.label

    @classmethod
    def parse(cls, text: str) -> ReleaseId:
        """``2025D``, ``2025-D``, ``2025Q4``, ``RVU25D``, optionally followed by ``-nonQPP`` / ``-QPP``."""
        raw = text.strip()
        variant = ""
        found = re.search(r"[-_ ]?(nonQPP|QPP)$", raw, re.IGNORECASE)
        if found:
            variant = "nonQPP" if found.group(1).lower() == "nonqpp" else "QPP"
            raw = raw[: found.start()]
        upper = raw.upper()
        match = re.fullmatch(r"(\d{4})[-_ ]?([A-D])", upper) or re.fullmatch(r"RVU(\d{2})([A-D])R?", upper)
        if match:
            year = int(match.group(1))
            return cls(year + 2000 if year < 100 else year, match.group(2), variant)
        match = re.fullmatch(r"(\d{4})[-_ ]?Q([1-4])", upper)
        if match:
            return cls(int(match.group(1)), "ABCD"[int(match.group(2)) - 1], variant)
        raise ImportFormatError(
            f"release {text!r} not understood: write year and quarter letter, e.g. 2025D (A=Jan, B=Apr, C=Jul, "
            "D=Oct), 2025Q4 or RVU25D",
            field="release",
        )
