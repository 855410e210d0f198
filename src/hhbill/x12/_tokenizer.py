"""Segment stream: X12 text in, one :class:`Segment` at a time out, delimiters taken from each ISA.

The stream reads in fixed-size chunks, so memory stays flat however large the file. It tolerates what real
files carry between segments: a UTF-8 BOM, CR/LF or LF line breaks, leading indentation, trailing spaces, blank
lines. A file whose segment terminator is itself a line break (ISA106 = CR or LF) is read line by line.

Every interchange re-detects its delimiters from its own ISA, so one file may hold several ISA envelopes with
different separators. Segments are numbered from 1 at the first ISA of the file; that number is what every
:class:`~hhbill.X12Error` reports.
"""

from __future__ import annotations

import codecs
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Union

from .._errors import X12Error

__all__ = ["Delimiters", "Segment", "SegmentStream", "X12Source"]

#: what a caller may hand the reader: a path, or an open text or binary stream
X12Source = Union[str, "os.PathLike[str]", IO[str], IO[bytes]]

_CHUNK_CHARS = 1 << 20
#: no real segment comes near this; more text without a terminator means a wrong terminator or a damaged file
_MAX_SEGMENT_CHARS = 100_000
_ISA_LENGTH = 106  # fixed length of the ISA segment including its terminator
_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}")
_BETWEEN_SEGMENTS = " \t\r\n\ufeff"
_BLANKS = re.compile(r"[ \t\r\n\ufeff]*")
#: how much text after an ISA is examined for its delimiters
_ISA_WINDOW = 1024
#: the text of an interchange is split in windows of this many characters, doubling from the first to the last
_FIRST_WINDOW_CHARS = 512
_MAX_WINDOW_CHARS = 256 * 1024


@dataclass(frozen=True, slots=True)
class Delimiters:
    """The four X12 delimiters of one interchange, as declared in its ISA."""

    element: str = "*"
    component: str = ":"
    repetition: str = "^"  # empty when ISA11 is not a separator (4010-style "U")
    segment: str = "~"


class Segment:
    """One segment: its 1-based number in the file and its elements (``elements[0]`` is the segment id)."""

    __slots__ = ("elements", "id", "number")

    def __init__(self, number: int, elements: list[str]) -> None:
        self.number = number
        self.elements = elements
        self.id = elements[0]

    def get(self, position: int) -> str:
        """Element ``position`` (1-based, as in ``CLM05``); empty string when the segment is shorter."""
        elements = self.elements
        return elements[position] if position < len(elements) else ""

    def __repr__(self) -> str:  # segment content can be PHI: show only id and position
        return f"<Segment {self.id} #{self.number} ({len(self.elements) - 1} elements)>"


def _open_text(source: X12Source, encoding: str) -> tuple[IO[str], bool, str | None]:
    """A text stream over ``source``; whether we opened it (and must close it); the file name if any."""
    if isinstance(source, (str, os.PathLike)):
        name = os.fspath(source)
        try:
            raw: IO[bytes] = open(name, "rb")  # noqa: SIM115 - closed by SegmentStream.close
        except OSError as exc:
            raise X12Error(f"cannot open X12 file: {exc.strerror}", file=name) from None
        return _decode(raw, encoding), True, name
    if isinstance(source, io.TextIOBase):
        return source, False, getattr(source, "name", None)
    probe = source.read(0)
    if isinstance(probe, bytes):
        return _decode(source, encoding), False, getattr(source, "name", None)  # type: ignore[arg-type]
    return source, False, getattr(source, "name", None)  # type: ignore[return-value]


def _decode(raw: IO[bytes], encoding: str) -> IO[str]:
    """Wrap a binary stream, honouring a BOM and spotting BOM-less UTF-16 (every other byte NUL)."""
    buffered: io.BufferedReader = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)  # type: ignore[arg-type]
    head = buffered.peek(4)[:4]
    if head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif len(head) >= 2 and head[0] != 0 and head[1] == 0:
        encoding = "utf-16-le"
    elif len(head) >= 2 and head[0] == 0 and head[1] != 0:
        encoding = "utf-16-be"
    return io.TextIOWrapper(buffered, encoding=encoding, newline="")


class SegmentStream:
    """Iterate over the segments of an X12 file or stream.

    ``delimiters`` are those of the interchange the last yielded segment belongs to (set when its ISA is read).
    """

    def __init__(self, source: X12Source, *, encoding: str = "utf-8", file_name: str | None = None) -> None:
        self._text, self._owned, opened_name = _open_text(source, encoding)
        self.file_name = file_name or opened_name
        self.delimiters = Delimiters()
        self.isa_declared_component = ":"
        self.segments_read = 0
        self._buffer = ""
        self._pos = 0  # where reading goes on in _buffer (text before it is consumed)
        self._eof = False

    # -- plumbing -----------------------------------------------------------------------------------------
    def close(self) -> None:
        if self._owned:
            self._text.close()

    def __enter__(self) -> SegmentStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _error(self, message: str, segment_id: str | None = None, element: int | None = None) -> X12Error:
        return X12Error(
            message,
            file=self.file_name,
            segment_number=self.segments_read + 1,
            segment_id=segment_id,
            element=element,
        )

    def _fill(self) -> bool:
        """Drop what was consumed, append the next chunk; False at end of input (linear: once per chunk)."""
        if self._eof:
            return False
        try:
            chunk = self._text.read(_CHUNK_CHARS)
        except UnicodeDecodeError as exc:
            raise self._error(
                f"the file is not in the UTF-8 encoding ({exc.reason}); an 837I is plain "
                "ASCII text: save it as UTF-8 or ASCII"
            ) from None
        if not chunk:
            self._eof = True
            return False
        self._buffer = self._buffer[self._pos :] + chunk
        self._pos = 0
        return True

    # -- ISA ----------------------------------------------------------------------------------------------
    def _read_isa(self) -> Segment | None:
        """Detect the delimiters from the ISA at the read position; None at a clean end of input."""
        while True:
            self._pos = _BLANKS.match(self._buffer, self._pos).end()  # type: ignore[union-attr]
            if len(self._buffer) - self._pos >= _ISA_WINDOW or not self._fill():
                break
        self._pos = _BLANKS.match(self._buffer, self._pos).end()  # type: ignore[union-attr]
        # only a bounded window is looked at, so a file of many small interchanges stays linear
        buffer = self._buffer[self._pos : self._pos + _ISA_WINDOW]
        if not buffer:
            return None
        if not buffer.startswith("ISA"):
            found = buffer[:3]
            shown = found if _SEGMENT_ID.fullmatch(found.split("*")[0] or "") else repr(buffer[:10])
            raise self._error(
                f"expected an ISA interchange header here, found {shown!s}; "
                "an X12 interchange starts with ISA (no envelope, or text before it)",
                segment_id=found[:3] if _SEGMENT_ID.fullmatch(found[:3]) else None,
            )
        element, component, terminator, component_at, end = self._isa_delimiters(buffer)
        elements = buffer[: component_at + 1].split(element)
        repetition = elements[11] if len(elements[11]) == 1 and not elements[11].isalnum() else ""
        self.delimiters = Delimiters(element, component, repetition, terminator)
        self.isa_declared_component = component
        self._pos += end
        self.segments_read += 1
        return Segment(self.segments_read, elements)

    def _isa_delimiters(self, buffer: str) -> tuple[str, str, str, int, int]:
        """Element separator, component separator, segment terminator of the ISA at the start of ``buffer``,
        where ISA16 is and where the ISA ends (a CR LF terminator is read as LF)."""
        if len(buffer) < _ISA_LENGTH - 1:
            raise self._error(f"the ISA segment is truncated: {len(buffer)} characters, 106 expected", segment_id="ISA")
        element = buffer[3]
        if element.isalnum() or element in _BETWEEN_SEGMENTS:
            raise self._error(
                f"ISA element separator (4th character) is {element!r}: expected a punctuation character",
                segment_id="ISA",
            )
        # ISA16 follows the 16th element separator; the segment terminator follows ISA16.
        position = -1
        for _ in range(16):
            position = buffer.find(element, position + 1)
            if position < 0:
                raise self._error("the ISA segment has fewer than 16 elements", segment_id="ISA")
        component_at = position + 1
        if component_at + 1 >= len(buffer):
            raise self._error("the ISA segment ends before its segment terminator", segment_id="ISA", element=16)
        component = buffer[component_at]
        terminator = buffer[component_at + 1]
        if terminator == "\r":
            terminator = "\n"
            end = component_at + (3 if buffer[component_at + 2 : component_at + 3] == "\n" else 2)
        else:
            end = component_at + 2
        if component.isalnum() or component == element:
            raise self._error(
                f"ISA16 component separator {component!r} is not a usable separator", segment_id="ISA", element=16
            )
        if terminator.isalnum() or terminator in (element, component):
            raise self._error(
                f"segment terminator after ISA16 is {terminator!r}: expected a punctuation character or line break",
                segment_id="ISA",
                element=16,
            )
        return element, component, terminator, component_at, end

    # -- iteration ----------------------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Segment]:
        try:
            yield from self._segments()
        finally:
            self.close()

    def _segments(self) -> Iterator[Segment]:
        """Split the text after each ISA in windows that start small and double up to _MAX_WINDOW_CHARS: a large
        interchange is split in big C-level steps, and an interchange that ends early (IEA) wastes at most its
        first small window, so time stays linear in the input however many interchanges it holds."""
        known_ids: set[str] = set()  # segment ids already checked (a file uses a few dozen)
        while True:
            isa = self._read_isa()
            if isa is None:
                return
            yield isa
            terminator = self.delimiters.segment
            element = self.delimiters.element
            window = _FIRST_WINDOW_CHARS
            while True:
                if len(self._buffer) - self._pos < window and self._fill():
                    continue
                start = self._pos
                text = self._buffer[start : start + window]
                pieces = text.split(terminator)
                # the last piece has no terminator yet: it starts the next window
                carry = pieces.pop()
                if not pieces:
                    if len(carry) > _MAX_SEGMENT_CHARS:
                        raise self._error(
                            f"no segment terminator {terminator!r} within {_MAX_SEGMENT_CHARS:,} characters: "
                            "the terminator declared after ISA16 is not the one the file uses, or the file is damaged",
                            segment_id=None,
                        )
                    if start + window < len(self._buffer) or self._fill():
                        window = min(window * 2, _MAX_WINDOW_CHARS)
                        continue
                    leftover = carry.strip(_BETWEEN_SEGMENTS)
                    if leftover:
                        segment_id = leftover.split(element)[0][:3]
                        raise self._error(
                            f"input ends inside a segment (no segment terminator {terminator!r} after "
                            f"{len(leftover)} characters): the file is truncated",
                            segment_id=segment_id if _SEGMENT_ID.fullmatch(segment_id) else None,
                        )
                    self._pos = len(self._buffer)
                    return
                self._pos = start + len(text) - len(carry)
                window = min(window * 2, _MAX_WINDOW_CHARS)
                interchange_closed = False
                for index, piece in enumerate(pieces):
                    segment_text = piece.strip(_BETWEEN_SEGMENTS)
                    if not segment_text:
                        continue
                    elements = segment_text.split(element)
                    segment_id = elements[0]
                    if segment_id not in known_ids:
                        if not _SEGMENT_ID.fullmatch(segment_id):
                            raise self._error(
                                # show only the start: with a wrong delimiter the "id" can run into patient data
                                f"segment id starting {segment_id[:3]!r} ({len(segment_id)} characters) is not an "
                                "X12 segment id (2-3 upper-case letters/digits); wrong delimiter or a damaged segment",
                            )
                        known_ids.add(segment_id)
                    self.segments_read += 1
                    yield Segment(self.segments_read, elements)
                    if segment_id == "IEA":
                        # the next interchange may use other delimiters: its ISA is read from just after this IEA
                        self._pos = start + sum(map(len, pieces[: index + 1])) + (index + 1) * len(terminator)
                        interchange_closed = True
                        break
                if interchange_closed:
                    break
