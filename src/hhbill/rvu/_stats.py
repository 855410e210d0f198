"""Statistics derived from a loaded relative value file, for the RVU section of the code page.

Everything here is computed by SQL from the release the user imported, with its numerator and denominator, e.g.
"1,072 of 1,268 G codes (85%) in 2025 October (RVU25D) have a work RVU of 0.00". Codes are counted once, by
their global row (no modifier); the letter group is the first character of the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .._errors import RvuInputError
from .._store import Store
from ._pricing import PriceResult, price
from ._releases import choose_release

__all__ = ["CodeRvuSection", "GroupShare", "code_rvu_section", "status_share", "work_rvu_share"]


@dataclass(frozen=True, slots=True)
class GroupShare:
    """How many codes of a letter group in one release share a characteristic."""

    letter: str
    release: str
    characteristic: str  # e.g. "a work RVU of 0.00"
    matching: int
    codes_in_group: int

    @property
    def percent(self) -> int | None:
        if not self.codes_in_group:
            return None
        share = Decimal(100 * self.matching) / Decimal(self.codes_in_group)
        return int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    @property
    def sentence(self) -> str:
        if not self.codes_in_group:
            return f"No {self.letter} codes are in {self.release}."
        return (
            f"{self.matching:,} of {self.codes_in_group:,} {self.letter} codes ({self.percent}%) in {self.release} "
            f"have {self.characteristic}."
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "letter": self.letter,
            "release": self.release,
            "characteristic": self.characteristic,
            "matching": self.matching,
            "codes_in_group": self.codes_in_group,
            "percent": self.percent,
            "sentence": self.sentence,
        }


def _letter(letter: str) -> str:
    text = letter.strip().upper()[:1]
    if not text or not text.isalnum():
        raise RvuInputError(f"{letter!r} is not a code letter group (first character of a code)", field="letter")
    return text


def _group_counts(
    store: Store, release_id: int, letter: str, condition: str, params: tuple[Any, ...]
) -> tuple[int, int]:
    """(codes matching ``condition``, codes in the group), counting each code once by its global row. The range on
    ``code`` uses the (release_id, code, modifier) primary key instead of scanning the release."""
    row = store.execute(
        f"SELECT coalesce(sum({condition}), 0), count(*) FROM rvu_item "
        "WHERE release_id=? AND code >= ? AND code < ? AND modifier=''",
        (*params, release_id, letter, chr(ord(letter) + 1)),
    ).fetchone()
    return int(row[0]), int(row[1])


def work_rvu_share(store: Store, letter: str, year: int | None = None) -> GroupShare:
    """Share of the codes starting with ``letter`` whose work RVU is 0 in the release used for ``year``."""
    group = _letter(letter)
    release = choose_release(store, "pprrvu", year)
    zero, total = _group_counts(store, release.id, group, "work_rvu = 0", ())
    return GroupShare(group, release.label, "a work RVU of 0.00", zero, total)


def status_share(store: Store, letter: str, status: str, year: int | None = None) -> GroupShare:
    """Share of the codes starting with ``letter`` that carry PFS status ``status``."""
    group = _letter(letter)
    release = choose_release(store, "pprrvu", year)
    same, total = _group_counts(store, release.id, group, "status = ?", (status.strip().upper(),))
    return GroupShare(group, release.label, f"PFS status {status.strip().upper()}", same, total)


@dataclass(frozen=True, slots=True)
class CodeRvuSection:
    """The RVU section of a code page: the national fee schedule view plus group statistics."""

    fee_schedule: PriceResult
    work_rvu_zero_share: GroupShare
    same_status_share: GroupShare

    @property
    def summary(self) -> str:
        result = self.fee_schedule
        if result.priced:
            head = (
                f"Work RVU {result.work_rvu}; national non-facility payment ${result.payment} "
                f"({result.release}, CF {result.conversion_factor})."
            )
        else:
            head = (
                f"Work RVU {result.work_rvu}: not priced under the physician fee schedule "
                f"(status {result.status}, {result.status_name})."
            )
        share = self.work_rvu_zero_share if result.work_rvu == 0 else self.same_status_share
        return f"{head} {share.sentence}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "fee_schedule": self.fee_schedule.to_dict(),
            "work_rvu_zero_share": self.work_rvu_zero_share.to_dict(),
            "same_status_share": self.same_status_share.to_dict(),
            "summary": self.summary,
        }

    def to_text(self) -> str:
        return "\n".join(
            [
                self.summary,
                f"- {self.work_rvu_zero_share.sentence}",
                f"- {self.same_status_share.sentence}",
            ]
        )


def code_rvu_section(store: Store, code: str, *, year: int | None = None) -> CodeRvuSection:
    """The code page's RVU section for ``code`` (national amounts; statistics of its letter group)."""
    result = price(store, code, year=year)
    return CodeRvuSection(
        result,
        work_rvu_share(store, result.code[0], result.year),
        status_share(store, result.code[0], result.status, result.year),
    )
