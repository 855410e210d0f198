"""What a batch reads, cut into units of work: every 837I and claim JSON under the paths, with large 837I files
split between transaction sets so their claims spread over the workers.

A unit is small and picklable: a file name and, for a piece of a large 837I, the byte range of whole ST..SE
transaction sets plus the ISA and GS header bytes to wrap them in. The worker reads the bytes itself (the
files must be reachable from the workers, e.g. on a shared file system); nothing large is sent over the wire.

A file is split only when its envelopes are plain: one-character delimiters that are not line breaks, every
GE and IEA count and control number matching. Anything else is read whole by one worker, so its structural
findings are exactly those of ``hhbill claim check``.
"""

from __future__ import annotations

import mmap
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..x12 import looks_like_x12

__all__ = ["DEFAULT_SPLIT_BYTES", "FileEntry", "WorkUnit", "discover", "plan_units"]

#: a file larger than this is cut into pieces of about this size (whole transaction sets)
DEFAULT_SPLIT_BYTES = 4 * 1024 * 1024
#: claim JSON files are grouped into units of at most this many files
JSON_FILES_PER_UNIT = 200
#: files with these suffixes are expected to be 837I files: one that is not is reported, not skipped
X12_SUFFIXES = frozenset({".837", ".837i", ".x12", ".edi", ".dat"})


@dataclass(frozen=True, slots=True)
class FileEntry:
    """A file found under the paths: ``kind`` is "x12", "json", or "unknown" (an X12-looking name that is not)."""

    path: str
    kind: str
    size: int


@dataclass(frozen=True, slots=True)
class Piece:
    """Whole transaction sets ``[start, end)`` of an 837I, to be wrapped in ``header`` and a closing GE/IEA."""

    start: int
    end: int
    header: bytes
    transactions: int
    element: str
    terminator: str
    group_control: str
    interchange_control: str

    def text(self, body: bytes) -> bytes:
        e, t = self.element.encode(), self.terminator.encode()
        trailer = (
            b"GE" + e + str(self.transactions).encode() + e + self.group_control.encode() + t
            + b"IEA" + e + b"1" + e + self.interchange_control.encode() + t
        )  # fmt: skip
        return self.header + body + trailer


@dataclass(frozen=True, slots=True)
class WorkUnit:
    """One task: a whole 837I file, a piece of one, or a group of claim JSON files. ``index`` orders the output."""

    index: int
    kind: str  # "x12", "json" or "unknown"
    paths: tuple[str, ...]
    size: int
    piece: Piece | None = None
    piece_number: int = 0  # 0 for the first (or only) unit of a file
    last_piece: bool = True


def discover(paths: Iterable[str | os.PathLike[str]]) -> list[FileEntry]:
    """Every 837I and claim JSON under ``paths`` (files or folders, searched recursively), sorted by path so a
    run's order, and so its output, does not depend on the file system."""
    found: dict[str, FileEntry] = {}
    for given in paths:
        root = Path(given)
        if not root.exists():
            found[str(root)] = FileEntry(str(root), "missing", 0)
            continue
        candidates: Iterator[Path] = iter([root]) if root.is_file() else (p for p in root.rglob("*") if p.is_file())
        for path in candidates:
            name = str(path)
            if name in found or path.name.startswith("."):
                continue
            suffix = path.suffix.lower()
            if suffix == ".json":
                kind = "json"
            elif looks_like_x12(path):
                kind = "x12"
            elif suffix in X12_SUFFIXES or root.is_file():
                kind = "unknown"
            else:
                continue
            found[name] = FileEntry(name, kind, path.stat().st_size)
    return [found[name] for name in sorted(found)]


def plan_units(entries: list[FileEntry], *, split_bytes: int = DEFAULT_SPLIT_BYTES) -> Iterator[WorkUnit]:
    """The units for the files, in order. JSON files are grouped; 837I files above ``split_bytes`` are split."""
    index = 0
    group: list[FileEntry] = []

    def flush() -> Iterator[WorkUnit]:
        nonlocal index, group
        if group:
            yield WorkUnit(index, "json", tuple(e.path for e in group), sum(e.size for e in group))
            index += 1
            group = []

    for entry in entries:
        if entry.kind == "json":
            group.append(entry)
            if len(group) >= JSON_FILES_PER_UNIT:
                yield from flush()
            continue
        yield from flush()
        pieces = _pieces(entry.path, split_bytes) if entry.kind == "x12" and entry.size > split_bytes else None
        if not pieces:
            yield WorkUnit(index, entry.kind, (entry.path,), entry.size)
            index += 1
            continue
        for number, piece in enumerate(pieces):
            yield WorkUnit(
                index,
                "x12",
                (entry.path,),
                piece.end - piece.start,
                piece=piece,
                piece_number=number,
                last_piece=number == len(pieces) - 1,
            )
            index += 1
    yield from flush()


@dataclass(slots=True)
class _Group:
    header: bytes
    control: str
    transactions: int = 0
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)


def _pieces(path: str, split_bytes: int) -> list[Piece] | None:
    """The file cut between transaction sets into pieces of about ``split_bytes``; None when it is not plain
    enough to cut safely (then one worker reads it whole and reports whatever is wrong with it)."""
    try:
        with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return _Cutter(data, split_bytes).cut() or None
    except (OSError, ValueError, IndexError, _NotPlain):
        return None


_BLANK = b" \t\r\n"


class _NotPlain(Exception):
    """The file's envelopes are not plain enough to cut it (the reader will say what is wrong, if anything)."""


@dataclass(frozen=True, slots=True)
class _Interchange:
    isa: bytes  # the ISA segment with its terminator
    element: bytes
    terminator: bytes
    control: str  # ISA13
    end: int  # where the ISA ends in the file


def _interchange_at(data: mmap.mmap, position: int) -> _Interchange:
    if data[position : position + 3] != b"ISA":
        raise _NotPlain
    isa = data[position : position + 106]
    element = isa[3:4]
    parts = isa.split(element)
    if len(parts) < 17 or len(parts[16]) < 2 or not element or element.isalnum():
        raise _NotPlain
    terminator = parts[16][1:2]
    if terminator in (b"\r", b"\n"):
        raise _NotPlain
    end = position + len(element.join(parts[:16])) + len(element) + 2
    return _Interchange(bytes(data[position:end]), element, terminator, parts[13].decode("ascii", "replace"), end)


class _Cutter:
    """One pass over the envelope segments (GS, ST, SE, GE, IEA) of a file, checking counts and control numbers
    and collecting where each transaction set starts and ends."""

    def __init__(self, data: mmap.mmap, split_bytes: int) -> None:
        self.data = data
        self.split_bytes = split_bytes
        self.pieces: list[Piece] = []
        self.groups = 0
        self.group: _Group | None = None
        self.in_transaction = False

    def cut(self) -> list[Piece]:
        data = self.data
        position = 3 if data[:3] == b"\xef\xbb\xbf" else 0
        while True:
            while position < len(data) and data[position] in _BLANK:
                position += 1
            if position >= len(data):
                return self.pieces
            position = self._interchange(_interchange_at(data, position))

    def _interchange(self, interchange: _Interchange) -> int:
        """Read one interchange's envelope segments; where the next one may start."""
        element, terminator = interchange.element, interchange.terminator
        envelope = re.compile(re.escape(terminator) + rb"[ \t\r\n]*(GS|ST|SE|GE|IEA)" + re.escape(element))
        self.groups, self.group, self.in_transaction = 0, None, False
        # the segment before the first match ends at end - 1 (the ISA's own terminator)
        for match in envelope.finditer(self.data, interchange.end - 1):
            start = match.start(1)
            end = self.data.find(terminator, start) + 1
            if end <= 0:
                raise _NotPlain
            elements = bytes(self.data[start : end - 1]).split(element)
            segment_id = match.group(1)
            if segment_id == b"IEA":
                self._expect(self.group is None and not self.in_transaction)
                self._expect_counts(elements, self.groups, interchange.control)
                return end
            self._segment(segment_id, start, end, elements, interchange)
        raise _NotPlain  # no IEA: let the reader say what is wrong

    def _segment(self, segment_id: bytes, start: int, end: int, elements: list[bytes], at: _Interchange) -> None:
        group = self.group
        if segment_id == b"GS":
            self._expect(group is None and not self.in_transaction and len(elements) > 6)
            self.groups += 1
            self.group = _Group(at.isa + bytes(self.data[start:end]), elements[6].decode("ascii", "replace"))
        elif segment_id == b"ST":
            self._expect(group is not None and not self.in_transaction)
            assert group is not None
            self.in_transaction = True
            group.transactions += 1
            group.starts.append(start)
        elif segment_id == b"SE":
            self._expect(group is not None and self.in_transaction)
            assert group is not None
            self.in_transaction = False
            group.ends.append(end)
        else:  # GE
            self._expect(group is not None and not self.in_transaction)
            assert group is not None
            self._expect_counts(elements, group.transactions, group.control)
            self.pieces.extend(_group_pieces(group, at.element, at.terminator, at.control, self.split_bytes))
            self.group = None

    @staticmethod
    def _expect(condition: bool) -> None:
        if not condition:
            raise _NotPlain

    @staticmethod
    def _expect_counts(elements: list[bytes], count: int, control: str) -> None:
        """GE/IEA: element 1 is the count, element 2 the control number of the opening GS/ISA."""
        if len(elements) < 3 or elements[1] != str(count).encode() or elements[2].decode("ascii", "replace") != control:
            raise _NotPlain


def _group_pieces(
    group: _Group, element: bytes, terminator: bytes, interchange_control: str, split_bytes: int
) -> Iterator[Piece]:
    first = 0
    for last in range(len(group.starts)):
        end = group.ends[last]
        if end - group.starts[first] >= split_bytes or last == len(group.starts) - 1:
            yield Piece(
                start=group.starts[first],
                end=end,
                header=group.header,
                transactions=last - first + 1,
                element=element.decode("latin-1"),
                terminator=terminator.decode("latin-1"),
                group_control=group.control,
                interchange_control=interchange_control,
            )
            first = last + 1
