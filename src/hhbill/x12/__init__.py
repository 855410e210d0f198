"""X12 837I (005010X223A2): read, structurally validate and write institutional claim files.

Public surface::

    read_claims(source, strict=True)            -> Iterator[ParsedClaim]   streaming reader
    X12Reader(source, strict=..., on_segment=)  iterate for claims; .issues holds recoverable findings
    SegmentStream(source)                       the raw segments, delimiters taken from each ISA
    write_837i(claims, out, settings)           -> number of claims written (streams to a text file)
    claims_to_x12(claims, settings)             -> str
    WriterSettings(...) / WriterSettings.from_envelope(parsed.envelope)
    scrub_file(source, checker, strict=True)    -> FileScrubReport (per claim + structure issues)

See docs/X12.md for what is read and written, the normalisation rules and the mismatched-ISA16 policy.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from .._lazy import lazy_attributes
from ..claims import past_claim_readers
from . import _compiled

# a compiled reader built from an older source must not run in its place (see _compiled.py)
if _compiled.compiled_files_present() and not _compiled.compiled_files_current():
    _compiled.import_interpreted(__name__)

if TYPE_CHECKING:
    from ..claims import Claim
    from ._reader import IMPLEMENTATION_837I, Envelope, ParsedClaim, X12Reader, read_claims
    from ._scrub import (
        ClaimScrubResult,
        FileScrubReport,
        ScrubTotals,
        iter_scrub,
        load_writer_settings,
        looks_like_x12,
        scrub_file,
        scrub_report_text,
        scrub_summary_table,
        with_claims_or_error,
        write_scrub_report,
    )
    from ._tokenizer import Delimiters, Segment, SegmentStream
    from ._view import ViewedClaim, X12View, view_x12, x12_view_text
    from ._writer import WriterSettings, claims_to_x12, write_837i

#: public name -> the submodule that defines it (imported on first use: a scrub needs no writer or viewer)
_WHERE = {
    **dict.fromkeys(["IMPLEMENTATION_837I", "Envelope", "ParsedClaim", "X12Reader", "read_claims"], "_reader"),
    **dict.fromkeys(
        [
            "ClaimScrubResult",
            "FileScrubReport",
            "ScrubTotals",
            "iter_scrub",
            "load_writer_settings",
            "looks_like_x12",
            "scrub_file",
            "scrub_report_text",
            "scrub_summary_table",
            "with_claims_or_error",
            "write_scrub_report",
        ],
        "_scrub",
    ),
    **dict.fromkeys(["Delimiters", "Segment", "SegmentStream"], "_tokenizer"),
    **dict.fromkeys(["ViewedClaim", "X12View", "view_x12", "x12_view_text"], "_view"),
    **dict.fromkeys(["WriterSettings", "claims_to_x12", "write_837i"], "_writer"),
}
__getattr__, __dir__ = lazy_attributes(__name__, _WHERE)


def _past_claims(path: Path) -> Iterator[Claim]:
    """The claims of an 837I file, for the claim ledger's import of past claims."""
    from ._reader import read_claims

    return (parsed.claim for parsed in read_claims(path, file_name=path.name))


# the ledger imports past claims from 837I files through this reader (claims does not import x12)
past_claim_readers.setdefault(b"ISA", ("837I", _past_claims))

__all__ = [
    "IMPLEMENTATION_837I",
    "ClaimScrubResult",
    "Delimiters",
    "Envelope",
    "FileScrubReport",
    "ParsedClaim",
    "ScrubTotals",
    "Segment",
    "SegmentStream",
    "ViewedClaim",
    "WriterSettings",
    "X12Reader",
    "X12View",
    "claims_to_x12",
    "iter_scrub",
    "load_writer_settings",
    "looks_like_x12",
    "read_claims",
    "scrub_file",
    "scrub_report_text",
    "scrub_summary_table",
    "view_x12",
    "with_claims_or_error",
    "write_837i",
    "write_scrub_report",
    "x12_view_text",
]
