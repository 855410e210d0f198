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
    write_scrub_report,
)
from ._tokenizer import Delimiters, Segment, SegmentStream
from ._writer import WriterSettings, claims_to_x12, write_837i

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
    "WriterSettings",
    "X12Reader",
    "claims_to_x12",
    "iter_scrub",
    "load_writer_settings",
    "looks_like_x12",
    "read_claims",
    "scrub_file",
    "scrub_report_text",
    "scrub_summary_table",
    "write_837i",
    "write_scrub_report",
]
