"""What kind of input file a user gave, decided by its content (never by its name), and JSON syntax errors in
a biller's words.

    claim_file_kind(path)        -> "x12" | "json"; ClaimInputError for an empty file or anything else
    json_problem(exc, text)      -> "line 3, column 5: a comma is missing between two values" (or "the JSON stops
                                    before it is complete ..." when the file was cut short)
"""

from __future__ import annotations

import json
import os
from typing import Literal

from ._errors import ClaimInputError

__all__ = ["claim_file_kind", "json_problem"]

#: bytes read to decide; an ISA segment or a JSON object starts within them after any BOM and white space
_HEAD_BYTES = 4096
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def claim_file_kind(path: str | os.PathLike[str]) -> Literal["x12", "json"]:
    """``x12`` when the file starts with an ISA segment (an 837I), ``json`` when it starts with ``{`` (claim input);
    a ClaimInputError naming the file otherwise (missing, unreadable, empty, or some other content)."""
    name = str(path)
    try:
        with open(path, "rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except IsADirectoryError:
        raise ClaimInputError(f"{name} is a folder, not a file") from None
    except OSError as exc:
        raise ClaimInputError(f"cannot read {name}: {exc.strerror or exc}") from None
    if not head:
        raise ClaimInputError(f"{name} is empty")
    text = _decoded(head)
    start = text.lstrip(" \t\r\n\ufeff\x00")
    if not start:
        raise ClaimInputError(f"{name} is empty (it holds only white space)")
    if start.startswith("ISA"):
        return "x12"
    if start.startswith("{"):
        return "json"
    raise ClaimInputError(
        f"{name} is not an 837I or claim JSON file: an 837I starts with an ISA segment and claim input "
        "(docs/CLAIMS.md) with '{'"
    )


def _decoded(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="ignore")
    if head.startswith(_BOMS[0]):
        head = head[len(_BOMS[0]) :]
    return head.decode("utf-8", errors="ignore")


#: Python's JSON messages, in a biller's words
_PLAIN = {
    "Expecting value": "a value is expected here (text in double quotes, a number, true/false, a list or an object)",
    "Expecting ',' delimiter": "a comma is missing between two values",
    "Expecting ':' delimiter": "a colon is missing after a field name",
    "Expecting property name enclosed in double quotes": "a field name in double quotes is expected here "
    "(is there a comma after the last field?)",
    "Unterminated string starting at": "a text value is not closed with a double quote",
    "Invalid control character at": "a text value holds a tab or line break; write it as \\t or \\n",
    "Invalid \\escape": "a backslash starts an escape JSON does not know; write \\\\ for a backslash",
    "Extra data": "there is more after the end of the JSON object",
}


def json_problem(exc: json.JSONDecodeError, text: str) -> str:
    """Where the JSON is broken and how, in plain words. A document that stops before it is complete (a file cut
    short, a missing closing brace) is called that, rather than pointing past its last character."""
    last_line = text.rstrip().count("\n") + 1
    if exc.msg.startswith("Unterminated string"):  # Python reports where the text value began; it never ends
        return (
            f"the JSON stops before it is complete (at the end of line {last_line}), inside a text value begun at "
            f"line {exc.lineno}, column {exc.colno}: a closing double quote is missing, or the file was cut short"
        )
    if exc.pos >= len(text.rstrip()) and exc.msg != "Extra data":
        return (
            f"the JSON stops before it is complete (at the end of line {last_line}): a closing }} or ] or a value "
            "is missing, or the file was cut short"
        )
    plain = _PLAIN.get(exc.msg, exc.msg)
    return f"line {exc.lineno}, column {exc.colno}: {plain}"
