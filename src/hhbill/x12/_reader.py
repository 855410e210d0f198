"""Streaming 837I reader: envelopes, loop structure, and mapping of each 2300 claim into :class:`Claim`.

One pass over the segment stream does three things at once, so memory stays flat:

* the envelope checks (ISA/GS/ST ... SE/GE/IEA: counts and control numbers),
* the 837I loop structure (:mod:`._spec`): which loop each segment belongs to, required segments and loops,
  loop order, HL parent/child consistency,
* the mapping of every claim (2300 with its 2400 lines, the billing provider, subscriber/patient and payer above
  it) into the claim model shared with the builder and the scrubber.

A claim is yielded as soon as its 2300 loop closes. Two kinds of problems:

* **fatal** — the file cannot be read as an 837I (no ISA, truncated, a required loop or segment missing, an HL
  pointing at the wrong parent, a date or amount that is not one): always raised as :class:`X12Error`.
* **recoverable** — the file can be read but is not conformant (envelope count or control number mismatch, a
  segment out of TR3 order or not part of its loop, a component separator other than the one ISA16 declares,
  an implementation version other than 005010X223A2). ``strict=True`` (the default) raises the first one;
  ``strict=False`` records them in ``issues`` (and on the claim they occurred in) and reads on.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from .._errors import X12Error
from ..claims._model import Claim, ClaimFacts, ClaimLine, CodeAmount, CodeDate, CodeSpan, Patient, Provider
from ._spec import LOOPS, TRANSACTION, LoopSpec
from ._tokenizer import Delimiters, Segment, SegmentStream, X12Source

__all__ = ["Envelope", "ParsedClaim", "X12Reader", "read_claims"]

IMPLEMENTATION_837I = "005010X223A2"
_ENVELOPE_IDS = frozenset({"ISA", "GS", "ST", "SE", "GE", "IEA"})
_NUMBER = re.compile(r"-?(\d+\.?\d*|\.\d+)")

# HI composite qualifiers (C022-01), ICD-10 and ICD-9 flavours
_PRINCIPAL_DX = {"ABK": "ICD-10-CM", "BK": "ICD-9-CM"}
_OTHER_DX = {"ABF", "BF"}
_ADMITTING_DX = {"ABJ", "BJ"}
_REASON_DX = {"APR", "PR"}
_EXTERNAL_CAUSE_DX = {"ABN", "BN"}
_PRINCIPAL_PROCEDURE = {"BBR", "BR", "CAH"}
_OTHER_PROCEDURE = {"BBQ", "BQ"}

_PROVIDER_FACT = {"72": "operating", "ZZ": "other_operating", "82": "rendering", "77": "service_facility"}


@dataclass(slots=True)
class Envelope:
    """The envelope and header of one transaction set: what a writer needs to reproduce it."""

    delimiters: Delimiters
    isa: list[str]
    gs: list[str] = field(default_factory=list)
    st: list[str] = field(default_factory=list)
    bht: list[str] = field(default_factory=list)
    submitter: list[str] = field(default_factory=list)  # NM1*41 elements
    submitter_contacts: list[list[str]] = field(default_factory=list)  # PER elements
    receiver: list[str] = field(default_factory=list)  # NM1*40 elements
    #: the component separator the body actually uses (differs from ISA16 in some TR3 transcriptions)
    component_in_body: str = ""

    @property
    def interchange_control_number(self) -> str:
        return self.isa[13] if len(self.isa) > 13 else ""

    @property
    def transaction_control_number(self) -> str:
        return self.st[2] if len(self.st) > 2 else ""


@dataclass(slots=True)
class ParsedClaim:
    """One claim read from an 837I, with where it was found."""

    claim: Claim
    claim_id: str  # REF*D9 when present, else CLM01
    patient_control_number: str  # CLM01
    segment_number: int  # the CLM segment's number in the file
    ordinal: int  # 1 for the first claim of the file
    envelope: Envelope
    issues: list[X12Error] = field(default_factory=list)

    def location(self) -> dict[str, object]:
        return {
            "claim_id": self.claim_id,
            "patient_control_number": self.patient_control_number,
            "segment_number": self.segment_number,
            "interchange_control_number": self.envelope.interchange_control_number,
            "transaction_control_number": self.envelope.transaction_control_number,
        }


class _OpenLoop:
    __slots__ = ("body_index", "body_position", "child_counts", "child_position", "handlers", "seen_body", "spec",
                 "start")  # fmt: skip

    def __init__(self, spec: LoopSpec, start: Segment, handlers: dict[str, Callable[[Segment], None]]) -> None:
        self.spec = spec
        self.body_index = spec.body_index
        self.handlers = handlers
        self.start = start
        self.body_position = -1
        self.child_position = -1
        self.seen_body: set[str] = set()
        self.child_counts: dict[str, int] = {}


class _HierarchicalLevel:
    __slots__ = ("children", "has_children", "level", "number", "segment")

    def __init__(self, number: str, level: str, has_children: str, segment: Segment) -> None:
        self.number = number
        self.level = level
        self.has_children = has_children
        self.segment = segment
        self.children = 0


def _fact_list(facts: MutableMapping[str, object], key: str) -> list[Any]:
    """The list stored under ``facts[key]``, created on first use."""
    value = facts.setdefault(key, [])
    assert isinstance(value, list)
    return value


@functools.lru_cache(maxsize=8192)
def _parse_amount(text: str) -> Decimal | None:
    """An X12 decimal (R) value; None when the text is not one. Decimals are immutable, so sharing is safe."""
    if not _NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimal literals
        return None


_ZERO = Decimal(0)
#: 005010X223A2 maximum lengths of R elements (digits; sign and decimal point not counted)
_AMOUNT_DIGITS = 18  # monetary amounts (CLM02, SV203, SV207, C022-05)
_QUANTITY_DIGITS = 15  # quantities (SV205)


@functools.lru_cache(maxsize=1024)
def _revenue_code(text: str) -> str | None:
    """SV201 as a 4-digit revenue code; None when it is not one."""
    return text.zfill(4) if text.isdigit() and len(text) in (3, 4) else None


@functools.lru_cache(maxsize=8192)
def _procedure(text: str, component: str) -> tuple[str, str, tuple[str, ...]] | None:
    """SV202: (qualifier, code, modifiers); None when there is no code."""
    parts = text.split(component)
    if len(parts) < 2 or not parts[1]:
        return None
    return parts[0], parts[1], tuple(m for m in parts[2:6] if m)


@functools.lru_cache(maxsize=8192)
def _parse_period(qualifier: str, value: str) -> tuple[date, date] | None:
    """A D8/DT date or an RD8 range as (first, last); None when it is not a valid one (the slow path says why)."""
    if qualifier == "RD8":
        start, _, end = value.partition("-")
        first, last = _parse_date(start), _parse_date(end)
        if first is None or last is None or last < first:
            return None
        return first, last
    if qualifier in ("D8", "DT"):
        single = _parse_date(value[:8])
        return (single, single) if single is not None else None
    return None


@functools.lru_cache(maxsize=8192)
def _parse_date(text: str) -> date | None:
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


class X12Reader:
    """Read the claims of an 837I file or stream, one :class:`ParsedClaim` at a time.

    ``issues`` collects the recoverable problems found so far (only when ``strict=False``).
    """

    def __init__(
        self,
        source: X12Source,
        *,
        strict: bool = True,
        encoding: str = "utf-8",
        file_name: str | None = None,
        on_segment: Callable[[str, Segment], None] | None = None,
    ) -> None:
        """``on_segment(loop_id, segment)`` is called for every segment read, with the 837I loop it was placed
        in (the segment id itself for envelope segments, "" for a segment skipped in lenient mode)."""
        self.strict = strict
        self._on_segment = on_segment
        self.issues: list[X12Error] = []
        self._stream = SegmentStream(source, encoding=encoding, file_name=file_name)
        self.file_name = self._stream.file_name
        self.claims_read = 0
        self.interchanges_read = 0
        self._ready: list[ParsedClaim] = []
        self._handlers: dict[tuple[str, str], Callable[[Segment], None]] = {
            ("ST", "BHT"): self._on_bht,
            ("1000A", "NM1"): self._on_submitter,
            ("1000A", "PER"): self._on_submitter_contact,
            ("1000B", "NM1"): self._on_receiver,
            ("2000A", "HL"): self._on_billing_level,
            ("2000A", "PRV"): self._on_billing_taxonomy,
            ("2010AA", "NM1"): self._on_billing_provider,
            ("2010AA", "N3"): self._on_street,
            ("2010AA", "N4"): self._on_city,
            ("2010AA", "REF"): self._on_billing_reference,
            ("2000B", "HL"): self._on_subscriber_level,
            ("2000B", "SBR"): self._on_subscriber_information,
            ("2010BA", "NM1"): self._on_person_name,
            ("2010BA", "N3"): self._on_street,
            ("2010BA", "N4"): self._on_city,
            ("2010BA", "DMG"): self._on_demographics,
            ("2010BB", "NM1"): self._on_payer,
            ("2000C", "HL"): self._on_patient_level,
            ("2000C", "PAT"): self._on_patient_relationship,
            ("2010CA", "NM1"): self._on_person_name,
            ("2010CA", "N3"): self._on_street,
            ("2010CA", "N4"): self._on_city,
            ("2010CA", "DMG"): self._on_demographics,
            ("2300", "CLM"): self._on_claim,
            ("2300", "DTP"): self._on_claim_date,
            ("2300", "CL1"): self._on_institutional_information,
            ("2300", "REF"): self._on_claim_reference,
            ("2300", "NTE"): self._on_claim_note,
            ("2300", "HI"): self._on_health_care_codes,
            ("2310A", "NM1"): self._on_claim_provider,
            ("2310A", "PRV"): self._on_claim_provider_detail,
            **{
                (loop, "REF"): self._on_claim_provider_detail
                for loop in ("2310A", "2310B", "2310C", "2310D", "2310E", "2310F")
            },
            ("2310B", "NM1"): self._on_claim_provider,
            ("2310C", "NM1"): self._on_claim_provider,
            ("2310D", "NM1"): self._on_claim_provider,
            ("2310E", "NM1"): self._on_claim_provider,
            ("2310F", "NM1"): self._on_claim_provider,
            ("2400", "LX"): self._on_line_number,
            ("2400", "SV2"): self._on_service_line,
            ("2400", "DTP"): self._on_service_date,
        }
        self._loop_handlers: dict[str, dict[str, Callable[[Segment], None]]] = {}
        for (loop_id, segment_id), handler in self._handlers.items():
            self._loop_handlers.setdefault(loop_id, {})[segment_id] = handler
        # per-interchange / per-transaction / per-level state
        self._envelope: Envelope | None = None
        self._component = ":"
        self._component_checked = False
        self._loops: list[_OpenLoop] = []
        #: the HL levels whose loop is open (a closed level is dropped, so memory does not grow with the claims)
        self._levels: dict[str, _HierarchicalLevel] = {}
        #: closed levels that said HL04 = 1 but got no child: reported at SE, as the TR3 count is per transaction
        self._childless_levels: list[_HierarchicalLevel] = []
        self._last_hl_number = 0
        self._provider = Provider()
        self._subscriber = Patient()
        self._subscriber_facts: dict[str, object] = {}
        self._payer_name = ""
        self._payer_id = ""
        self._patient: Patient | None = None
        self._person: Patient = self._subscriber
        #: middle name and suffix (NM105, NM107) of the subscriber and of a patient level's patient
        self._name_extras: dict[str, tuple[str, str]] = {}
        self._address: dict[str, str] = {}
        self._claim: Claim | None = None
        self._claim_segment: Segment | None = None
        self._claim_issues: list[X12Error] = []
        self._line: ClaimLine | None = None
        self._claim_provider_prefix = "attending"
        self._statement_dates_seen = False
        self._principal_diagnosis_seen = False

    # ------------------------------------------------------------------------------------------------------
    # errors
    def _error(self, message: str, segment: Segment, element: int | None = None) -> X12Error:
        return X12Error(
            message, file=self.file_name, segment_number=segment.number, segment_id=segment.id, element=element
        )

    def _issue(self, message: str, segment: Segment, element: int | None = None) -> None:
        error = self._error(message, segment, element)
        if self.strict:
            raise error
        self.issues.append(error)
        if self._claim_segment is not None:
            self._claim_issues.append(error)

    # ------------------------------------------------------------------------------------------------------
    # envelope
    def __iter__(self) -> Iterator[ParsedClaim]:
        segments = iter(self._stream)
        if self._on_segment is not None:
            segments = self._observed(segments, self._on_segment)
        try:
            yield from self._interchanges(segments)
        finally:
            self._stream.close()

    @staticmethod
    def _observed(segments: Iterator[Segment], observer: Callable[[str, Segment], None]) -> Iterator[Segment]:
        for segment in segments:
            if segment.id in _ENVELOPE_IDS:
                observer(segment.id, segment)
            yield segment

    def _next(self, segments: Iterator[Segment], expected: str) -> Segment:
        segment = next(segments, None)
        if segment is None:
            raise X12Error(
                f"input ends before {expected}: the file is truncated",
                file=self.file_name,
                segment_number=self._stream.segments_read + 1,
            )
        return segment

    def _interchanges(self, segments: Iterator[Segment]) -> Iterator[ParsedClaim]:
        for isa in segments:
            if isa.id != "ISA":  # the stream only yields ISA first; defensive for future stream types
                raise self._error("expected ISA", isa)
            self.interchanges_read += 1
            yield from self._interchange(isa, segments)
        if self.interchanges_read == 0:
            raise X12Error("the input holds no X12 interchange (it is empty)", file=self.file_name)

    def _interchange(self, isa: Segment, segments: Iterator[Segment]) -> Iterator[ParsedClaim]:
        delimiters = self._stream.delimiters
        if len(isa.elements) != 17:
            raise self._error(f"ISA has {len(isa.elements) - 1} elements, 16 expected", isa)
        if isa.get(12) != "00501":
            self._issue(f"ISA12 version is {isa.get(12)!r}: expected '00501' (5010)", isa, 12)
        if not delimiters.repetition:
            self._issue(f"ISA11 {isa.get(11)!r} is not a repetition separator, as 00501 requires", isa, 11)
        isa_control = isa.get(13)
        if not (len(isa_control) == 9 and isa_control.isdigit()):
            self._issue(f"ISA13 control number {isa_control!r} is not 9 digits", isa, 13)
        self._component = delimiters.component
        self._component_checked = False
        groups = 0
        while True:
            segment = self._next(segments, f"IEA closing interchange {isa_control}")
            if segment.id == "GS":
                groups += 1
                yield from self._group(isa, segment, segments, delimiters)
            elif segment.id == "IEA":
                if segment.get(1) != str(groups):
                    self._issue(
                        f"IEA01 says {segment.get(1)!r} functional groups, the interchange has {groups}", segment, 1
                    )
                if segment.get(2) != isa_control:
                    self._issue(f"IEA02 {segment.get(2)!r} does not match ISA13 {isa_control!r}", segment, 2)
                return
            else:
                raise self._error(f"{segment.id} outside a functional group: GS or IEA expected", segment)

    def _group(
        self, isa: Segment, gs: Segment, segments: Iterator[Segment], delimiters: Delimiters
    ) -> Iterator[ParsedClaim]:
        if gs.get(1) != "HC":
            raise self._error(f"GS01 functional identifier is {gs.get(1)!r}: an 837 claim group has 'HC'", gs, 1)
        group_control = gs.get(6)
        transactions = 0
        while True:
            segment = self._next(segments, f"GE closing functional group {group_control}")
            if segment.id == "ST":
                transactions += 1
                envelope = Envelope(delimiters, isa.elements, gs.elements, segment.elements)
                yield from self._transaction(segment, segments, envelope)
            elif segment.id == "GE":
                if segment.get(1) != str(transactions):
                    self._issue(
                        f"GE01 says {segment.get(1)!r} transaction sets, the group has {transactions}", segment, 1
                    )
                if segment.get(2) != group_control:
                    self._issue(f"GE02 {segment.get(2)!r} does not match GS06 {group_control!r}", segment, 2)
                return
            else:
                raise self._error(f"{segment.id} outside a transaction set: ST or GE expected", segment)

    def _check_transaction_header(self, st: Segment, envelope: Envelope) -> None:
        if st.get(1) != "837":
            raise self._error(f"ST01 is {st.get(1)!r}: hhbill reads 837 claim transactions", st, 1)
        group_version = envelope.gs[8] if len(envelope.gs) > 8 else ""
        version = st.get(3) or group_version
        if "X222" in version or "X223" not in version:
            kind = "an 837P (professional)" if "X222" in version else f"not an 837I ({version!r})"
            raise self._error(
                f"implementation reference {version!r} is {kind}: hhbill reads 837I ({IMPLEMENTATION_837I})",
                st,
                3,
            )
        if version != IMPLEMENTATION_837I:
            self._issue(f"ST03 {version!r}: expected {IMPLEMENTATION_837I!r}", st, 3)
        if st.get(3) and group_version != st.get(3):
            self._issue(f"GS08 {group_version!r} differs from ST03 {st.get(3)!r}", st, 3)

    def _transaction(self, st: Segment, segments: Iterator[Segment], envelope: Envelope) -> Iterator[ParsedClaim]:
        self._check_transaction_header(st, envelope)
        self._envelope = envelope
        envelope.component_in_body = self._component
        loops = self._loops = [self._new_loop(LOOPS[TRANSACTION], st)]
        self._levels = {}
        self._childless_levels = []
        self._last_hl_number = 0
        count = 1
        ready = self._ready
        observer = self._on_segment
        for segment in segments:
            count += 1
            segment_id = segment.id
            try:
                # fast path: the next segment of the loop we are in, in TR3 order
                open_loop: _OpenLoop | None = loops[-1]
                assert open_loop is not None
                position = open_loop.body_index.get(segment_id)
                if position is not None and open_loop.child_position < 0 and position >= open_loop.body_position:
                    open_loop.body_position = position
                    open_loop.seen_body.add(segment_id)
                else:
                    if segment_id == "SE":
                        yield from self._end_transaction(st, segment, count, envelope)
                        return
                    if segment_id in _ENVELOPE_IDS:
                        raise self._error(
                            f"{segment_id} inside transaction set {st.get(2)}: SE expected first", segment
                        )
                    open_loop = self._place(segment)
                if observer is not None:
                    observer(open_loop.spec.loop_id if open_loop is not None else "", segment)
                if open_loop is not None:
                    handler = open_loop.handlers.get(segment_id)
                    if handler is not None:
                        handler(segment)
            except X12Error:
                # the claims completed before the broken segment are still good: hand them out first
                yield from ready
                ready.clear()
                raise
            if ready:
                yield from ready
                ready.clear()
        raise X12Error(
            f"input ends inside transaction set {st.get(2)}: SE expected",
            file=self.file_name,
            segment_number=self._stream.segments_read + 1,
        )

    def _end_transaction(self, st: Segment, se: Segment, count: int, envelope: Envelope) -> Iterator[ParsedClaim]:
        self._close_loops(0, se)
        yield from self._ready
        self._ready.clear()
        self._check_levels(se)
        if se.get(1) != str(count):
            self._issue(f"SE01 says {se.get(1)!r} segments, the transaction set has {count}", se, 1)
        if se.get(2) != st.get(2):
            self._issue(f"SE02 {se.get(2)!r} does not match ST02 {st.get(2)!r}", se, 2)
        envelope.component_in_body = self._component

    # ------------------------------------------------------------------------------------------------------
    # loop structure
    def _new_loop(self, spec: LoopSpec, start: Segment) -> _OpenLoop:
        return _OpenLoop(spec, start, self._loop_handlers.get(spec.loop_id, {}))

    def _place(self, segment: Segment) -> _OpenLoop | None:
        """Find the loop ``segment`` belongs to, opening/closing loops; None when it is skipped (lenient)."""
        loops = self._loops
        current = loops[-1]
        spec = current.spec
        segment_id = segment.id
        position = spec.body_index.get(segment_id)
        if position is not None and current.child_position < 0:
            if position < current.body_position:
                self._issue(
                    f"{segment_id} is out of order in loop {spec.loop_id} ({spec.name}): TR3 order is "
                    f"{', '.join(spec.body)}",
                    segment,
                )
            else:
                current.body_position = position
            current.seen_body.add(segment_id)
            return current
        # a child loop of the current loop or of an enclosing one?
        for depth in range(len(loops) - 1, -1, -1):
            open_loop = loops[depth]
            for child_position, child in open_loop.spec.child_triggers.get(segment_id, ()):
                if child.opens_with(segment.elements):
                    self._close_loops(depth + 1, segment)
                    self._open_child(open_loop, child, child_position, segment)
                    return self._loops[-1]
        # a body segment of an enclosing loop, within the claim (or level) we are in: out of order
        for depth in range(len(loops) - 1, -1, -1):
            open_loop = loops[depth]
            if segment_id in open_loop.spec.body_index:
                self._issue(
                    f"{segment_id} belongs to loop {open_loop.spec.loop_id} ({open_loop.spec.name}) but comes "
                    f"after its child loops: out of TR3 order",
                    segment,
                )
                self._close_loops(depth + 1, segment)
                open_loop.seen_body.add(segment_id)
                return open_loop
            if open_loop.spec.trigger in ("CLM", "HL"):
                break
        self._issue(
            f"{segment_id} is not expected in loop {spec.loop_id} ({spec.name}); "
            f"expected one of {', '.join(self._expected(current)) or 'a new loop'}",
            segment,
        )
        return None

    def _expected(self, open_loop: _OpenLoop) -> list[str]:
        spec = open_loop.spec
        names = [s for s in spec.body if spec.body_index[s] >= open_loop.body_position]
        if open_loop.child_position >= 0:
            names = []
        for child_id in spec.children[max(open_loop.child_position, 0) :]:
            child = LOOPS[child_id]
            qualifier = "/".join(sorted(child.qualifiers))
            names.append(f"{child.trigger}*{qualifier}" if qualifier and child.trigger == "NM1" else child.trigger)
        return list(dict.fromkeys(names))

    def _open_child(self, parent: _OpenLoop, child: LoopSpec, child_position: int, segment: Segment) -> None:
        if child_position < parent.child_position:
            self._issue(
                f"loop {child.loop_id} ({child.name}) comes after a later loop of {parent.spec.loop_id}: "
                f"TR3 order is {', '.join(parent.spec.children)}",
                segment,
            )
        else:
            parent.child_position = child_position
        repeats = parent.child_counts.get(child.loop_id, 0) + 1
        parent.child_counts[child.loop_id] = repeats
        if repeats > child.max_repeat:
            self._issue(
                f"loop {child.loop_id} ({child.name}) repeats {repeats} times in {parent.spec.loop_id}; "
                f"at most {child.max_repeat} allowed",
                segment,
            )
        self._loops.append(self._new_loop(child, segment))

    def _close_loops(self, keep: int, at: Segment) -> None:
        """Close every open loop deeper than ``keep`` levels, checking what each required."""
        loops = self._loops
        while len(loops) > keep:
            open_loop = loops.pop()
            spec = open_loop.spec
            for segment_id in spec.required_body:
                if segment_id not in open_loop.seen_body:
                    raise self._error(
                        f"loop {spec.loop_id} ({spec.name}) starting here has no {segment_id} segment; it is required",
                        open_loop.start,
                    )
            for child_id in spec.required_children:
                if child_id not in open_loop.child_counts:
                    child = LOOPS[child_id]
                    what = (
                        f"{child.trigger}*{'/'.join(sorted(child.qualifiers))}"
                        if child.trigger == "NM1"
                        else child.trigger
                    )
                    raise self._error(
                        f"loop {spec.loop_id} ({spec.name}) starting here has no loop {child_id} "
                        f"({child.name}, {what}); it is required",
                        open_loop.start,
                    )
            if spec.loop_id == "2000B" and open_loop.start.get(4) == "0" and "2300" not in open_loop.child_counts:
                raise self._error(
                    "subscriber level with HL04 = 0 (the subscriber is the patient) has no claim (CLM); "
                    "one is required",
                    open_loop.start,
                )
            if spec.trigger == "HL":
                self._close_level(open_loop.start)
            if spec.loop_id == "2300":
                self._finish_claim(at)
            elif spec.loop_id == "2400":
                self._line = None

    # ------------------------------------------------------------------------------------------------------
    # HL consistency
    def _open_level(self, segment: Segment, expected_parent_level: str | None) -> _HierarchicalLevel:
        number, parent, level, has_children = segment.get(1), segment.get(2), segment.get(3), segment.get(4)
        if number != str(self._last_hl_number + 1):
            raise self._error(
                f"HL01 is {number!r}: HL numbers start at 1 and go up by one ({self._last_hl_number + 1} expected)",
                segment,
                1,
            )
        self._last_hl_number += 1
        if has_children not in ("0", "1"):
            raise self._error(f"HL04 child code is {has_children!r}: '0' or '1' expected", segment, 4)
        if expected_parent_level is None:
            if parent:
                raise self._error(f"HL02 is {parent!r}: the billing provider level (HL03 20) has no parent", segment, 2)
        else:
            enclosing = self._enclosing_level(expected_parent_level)
            if enclosing is None or parent != enclosing.number:
                actual = self._levels.get(parent)
                reason = (
                    (
                        f"HL {parent} is level {actual.level}, not {expected_parent_level}"
                        if actual
                        else f"HL {parent} is a level that has ended"
                        if parent.isdigit() and len(parent) < 10 and 0 < int(parent) <= self._last_hl_number
                        else f"no earlier HL has number {parent!r}"
                    )
                    if parent
                    else "it is empty"
                )
                raise self._error(
                    f"HL02 parent is {parent!r} but this level {level} must hang under the enclosing level "
                    f"{expected_parent_level} HL {enclosing.number if enclosing else '?'} ({reason})",
                    segment,
                    2,
                )
            if enclosing.has_children != "1":
                raise self._error(
                    f"HL {enclosing.number} (level {enclosing.level}) says HL04 = 0 (no children) "
                    f"but this HL {number} names it as parent",
                    segment,
                    2,
                )
            enclosing.children += 1
        hierarchical_level = _HierarchicalLevel(number, level, has_children, segment)
        self._levels[number] = hierarchical_level
        return hierarchical_level

    def _enclosing_level(self, level: str) -> _HierarchicalLevel | None:
        for open_loop in reversed(self._loops):
            if open_loop.spec.trigger == "HL" and open_loop.start.get(3) == level:
                return self._levels.get(open_loop.start.get(1))
        return None

    def _close_level(self, start: Segment) -> None:
        level = self._levels.pop(start.get(1), None)
        if level is not None and level.has_children == "1" and level.children == 0:
            self._childless_levels.append(level)

    def _check_levels(self, at: Segment) -> None:
        for hierarchical_level in [*self._childless_levels, *self._levels.values()]:
            if hierarchical_level.has_children == "1" and hierarchical_level.children == 0:
                raise self._error(
                    f"HL {hierarchical_level.number} (level {hierarchical_level.level}) says HL04 = 1 "
                    f"but no HL names it as parent",
                    hierarchical_level.segment,
                    4,
                )
        self._levels = {}

    # ------------------------------------------------------------------------------------------------------
    # element helpers
    def _date(self, segment: Segment, position: int, text: str | None = None, *, phi: bool = False) -> date:
        value = segment.get(position) if text is None else text
        parsed = _parse_date(value)
        if parsed is None:
            shown = "the birth date" if phi else repr(value)  # a birth date is PHI: never echo it
            raise self._error(f"{shown} is not a date: CCYYMMDD expected", segment, position)
        return parsed

    def _period(self, segment: Segment, qualifier_position: int, value_position: int) -> tuple[date, date]:
        elements = segment.elements
        if len(elements) > value_position:
            found = _parse_period(elements[qualifier_position], elements[value_position])
            if found is not None:
                return found
        qualifier, value = segment.get(qualifier_position), segment.get(value_position)
        if qualifier == "RD8":
            start, _, end = value.partition("-")
            first = self._date(segment, value_position, start)
            last = self._date(segment, value_position, end)
            if last < first:
                raise self._error(f"date range {value!r} ends before it starts", segment, value_position)
            return first, last
        if qualifier in ("D8", "DT"):
            single = self._date(segment, value_position, value[:8])
            return single, single
        raise self._error(f"date format qualifier {qualifier!r}: D8 or RD8 expected", segment, qualifier_position)

    def _amount(
        self, segment: Segment, position: int, text: str | None = None, *, max_digits: int = 18, part: str = ""
    ) -> Decimal:
        """An R (decimal) element; at most ``max_digits`` digits, as 005010X223A2 bounds it (amounts R 1/18,
        quantities R 1/15: sign and decimal point do not count)."""
        value = segment.get(position) if text is None else text
        if len(value) > max_digits:
            digits = sum(1 for character in value if character.isdigit())
            if digits > max_digits:
                raise self._error(
                    f"{segment.id}{position:02d}{part} has {digits:,} digits: the 837I allows at most {max_digits} "
                    f"(005010X223A2, R 1/{max_digits})",
                    segment,
                    position,
                )
        amount = _parse_amount(value)
        if amount is None:
            shown = repr(value) if len(value) <= 40 else f"{value[:20]!r}… ({len(value):,} characters)"
            raise self._error(f"{shown} is not a number", segment, position)
        return amount

    def _components(self, segment: Segment, position: int) -> list[str]:
        return segment.get(position).split(self._component)

    # ------------------------------------------------------------------------------------------------------
    # header and levels
    def _on_bht(self, segment: Segment) -> None:
        assert self._envelope is not None
        self._envelope.bht = segment.elements

    def _on_submitter(self, segment: Segment) -> None:
        assert self._envelope is not None
        self._envelope.submitter = segment.elements

    def _on_submitter_contact(self, segment: Segment) -> None:
        assert self._envelope is not None
        self._envelope.submitter_contacts.append(segment.elements)

    def _on_receiver(self, segment: Segment) -> None:
        assert self._envelope is not None
        self._envelope.receiver = segment.elements

    def _on_billing_level(self, segment: Segment) -> None:
        self._open_level(segment, None)
        if segment.get(4) != "1":
            raise self._error("HL04 of the billing provider level must be 1: a subscriber level follows", segment, 4)
        self._provider = Provider()

    def _on_billing_taxonomy(self, segment: Segment) -> None:
        if segment.get(1) == "BI":
            self._provider.taxonomy = segment.get(3)

    def _on_billing_provider(self, segment: Segment) -> None:
        provider = self._provider
        provider.name = segment.get(3)
        if segment.get(8) == "XX":
            provider.npi = segment.get(9)
        self._address = provider.address

    def _on_billing_reference(self, segment: Segment) -> None:
        if segment.get(1) in ("EI", "SY"):
            self._provider.tax_id = segment.get(2)

    def _on_street(self, segment: Segment) -> None:
        self._address["line1"] = segment.get(1)
        if segment.get(2):
            self._address["line2"] = segment.get(2)

    def _on_city(self, segment: Segment) -> None:
        address = self._address
        address["city"] = segment.get(1)
        address["state"] = segment.get(2)
        address["zip"] = segment.get(3)
        if segment.get(4):
            address["country"] = segment.get(4)

    def _on_subscriber_level(self, segment: Segment) -> None:
        self._open_level(segment, "20")
        self._subscriber = Patient()
        self._person = self._subscriber
        self._subscriber_facts = {}
        self._patient = None
        self._name_extras = {}
        self._payer_name = self._payer_id = ""

    def _on_subscriber_information(self, segment: Segment) -> None:
        facts = self._subscriber_facts
        facts["payer_responsibility"] = segment.get(1)
        facts["subscriber_relationship"] = segment.get(2)
        if segment.get(3):
            facts["group_number"] = segment.get(3)
        if segment.get(4):
            facts["group_name"] = segment.get(4)
        facts["claim_filing_indicator"] = segment.get(9)

    def _on_person_name(self, segment: Segment) -> None:
        person = self._person
        person.last_name = segment.get(3)
        person.first_name = segment.get(4)
        self._name_extras["patient" if segment.get(1) == "QC" else "subscriber"] = (segment.get(5), segment.get(7))
        if segment.get(9):
            person.mbi = segment.get(9)
        self._address = person.address

    def _on_demographics(self, segment: Segment) -> None:
        if segment.get(1) != "D8":
            raise self._error(f"DMG01 is {segment.get(1)!r}: D8 expected", segment, 1)
        self._person.birth_date = self._date(segment, 2, phi=True)
        self._person.sex = segment.get(3)

    def _on_payer(self, segment: Segment) -> None:
        self._payer_name = segment.get(3)
        self._payer_id = segment.get(9)

    def _on_patient_level(self, segment: Segment) -> None:
        self._open_level(segment, "22")
        self._patient = Patient(mbi=self._subscriber.mbi)
        self._person = self._patient

    def _on_patient_relationship(self, segment: Segment) -> None:
        self._subscriber_facts = {**self._subscriber_facts, "patient_relationship": segment.get(1)}

    # ------------------------------------------------------------------------------------------------------
    # the claim
    def _on_claim(self, segment: Segment) -> None:
        enclosing = self._loops[-2]
        if enclosing.spec.loop_id == "2000B" and enclosing.start.get(4) == "1":
            raise self._error(
                "CLM under a subscriber level whose HL04 = 1: the claim belongs under its patient level (HL 23)",
                segment,
            )
        patient_control_number = segment.get(1)
        if not patient_control_number:
            raise self._error("CLM01 patient control number is empty; it is required", segment, 1)
        self._claim_segment = segment
        self._claim_issues = []
        self._statement_dates_seen = self._principal_diagnosis_seen = False
        type_of_bill = self._type_of_bill(segment)
        facts: dict[str, object] = dict(self._subscriber_facts)
        if self._payer_id:
            facts["payer_id"] = self._payer_id
        extras = self._name_extras
        if self._patient is None:
            extras = {"patient": extras.get("subscriber", ("", ""))}
        for role, (middle, suffix) in extras.items():
            if middle:
                facts[f"{role}_middle_name"] = middle
            if suffix:
                facts[f"{role}_name_suffix"] = suffix
        for position, name in (
            (6, "provider_signature_on_file"),
            (7, "provider_accepts_assignment"),
            (8, "benefits_assigned"),
            (9, "release_of_information"),
        ):
            facts[name] = segment.get(position)
        if segment.get(20):
            facts["delay_reason"] = segment.get(20)
        patient = self._patient if self._patient is not None else self._subscriber
        if self._patient is not None:
            facts["subscriber"] = Patient(
                mbi=self._subscriber.mbi,
                last_name=self._subscriber.last_name,
                first_name=self._subscriber.first_name,
                birth_date=self._subscriber.birth_date,
                sex=self._subscriber.sex,
                address=dict(self._subscriber.address),
            )
        provider = self._provider
        self._claim = Claim(
            type_of_bill=type_of_bill,
            patient_control_number=patient_control_number,
            claim_id=patient_control_number,
            total_charge=self._amount(segment, 2),
            patient=Patient(
                mbi=patient.mbi,
                last_name=patient.last_name,
                first_name=patient.first_name,
                birth_date=patient.birth_date,
                sex=patient.sex,
                address=dict(patient.address),
            ),
            billing_provider=Provider(
                npi=provider.npi,
                name=provider.name,
                tax_id=provider.tax_id,
                address=dict(provider.address),
                taxonomy=provider.taxonomy,
            ),
            payer_name=self._payer_name,
            facts=ClaimFacts.from_mapping(facts),
        )

    def _type_of_bill(self, segment: Segment) -> str:
        value = segment.get(5)
        if not self._component_checked:
            self._component_checked = True
            if self._component not in value:
                candidates = {c for c in value if not c.isalnum() and value.count(c) == 2}
                if len(candidates) == 1:
                    used = candidates.pop()
                    self._issue(
                        f"CLM05 uses {used!r} as component separator but ISA16 declares {self._component!r}; "
                        f"reading this interchange with {used!r}",
                        segment,
                        5,
                    )
                    self._component = used
                    if self._envelope is not None:
                        self._envelope.component_in_body = used
        parts = value.split(self._component)
        if len(parts) < 3 or len(parts[0]) != 2 or not parts[0].isdigit() or len(parts[2]) != 1:
            raise self._error(
                f"CLM05 {value!r}: expected facility type code, 'A', frequency code "
                f"separated by {self._component!r} (e.g. 32{self._component}A{self._component}9)",
                segment,
                5,
            )
        return f"0{parts[0]}{parts[2]}"

    def _on_claim_date(self, segment: Segment) -> None:
        claim = self._claim
        assert claim is not None
        qualifier = segment.get(1)
        if qualifier == "434":
            claim.from_date, claim.through_date = self._period(segment, 2, 3)
            self._statement_dates_seen = True
        elif qualifier == "435":
            claim.admission_date = self._period(segment, 2, 3)[0]
            if segment.get(2) == "DT" and len(segment.get(3)) > 8:
                claim.facts["admission_hour"] = segment.get(3)[8:]
        elif qualifier == "096":
            claim.facts["discharge_hour"] = segment.get(3)

    def _on_institutional_information(self, segment: Segment) -> None:
        claim = self._claim
        assert claim is not None
        claim.admission_type = segment.get(1)
        claim.admission_source = segment.get(2)
        claim.patient_status = segment.get(3)

    def _on_claim_reference(self, segment: Segment) -> None:
        claim = self._claim
        assert claim is not None
        qualifier, value = segment.get(1), segment.get(2)
        if qualifier == "D9":
            claim.claim_id = value
        elif qualifier == "F8":
            claim.facts["payer_claim_control_number"] = value
        elif qualifier == "EA":
            claim.facts["medical_record_number"] = value
        elif qualifier == "G1":
            claim.facts["prior_authorization"] = value
        elif qualifier == "9F":
            claim.facts["referral_number"] = value

    def _on_claim_note(self, segment: Segment) -> None:
        claim = self._claim
        assert claim is not None
        if segment.get(1) == "ADD":
            claim.remarks = segment.get(2)
        else:
            notes = claim.facts.setdefault("claim_notes", [])
            assert isinstance(notes, list)
            notes.append((segment.get(1), segment.get(2)))

    def _on_health_care_codes(self, segment: Segment) -> None:
        claim = self._claim
        assert claim is not None
        for position in range(1, len(segment.elements)):
            if not segment.elements[position]:
                continue
            parts = self._components(segment, position)
            qualifier = parts[0]
            code = parts[1] if len(parts) > 1 else ""
            if not code:
                raise self._error(
                    f"HI{position:02d} qualifier {qualifier[:3]!r}… has no code (C022-02); "
                    "is the component separator right?",
                    segment,
                    position,
                )
            self._health_care_code(claim, segment, position, parts)

    def _health_care_code(self, claim: Claim, segment: Segment, position: int, parts: list[str]) -> None:
        """One HI composite (C022): qualifier, code, and for some qualifiers a date or an amount."""
        facts = claim.facts
        qualifier, code = parts[0], parts[1]

        def part(index: int) -> str:
            return parts[index] if index < len(parts) else ""

        if qualifier in _PRINCIPAL_DX:
            if self._principal_diagnosis_seen:
                raise self._error("a second principal diagnosis (ABK/BK)", segment, position)
            self._principal_diagnosis_seen = True
            facts["diagnosis_code_set"] = _PRINCIPAL_DX[qualifier]
            claim.diagnoses.insert(0, code)
            self._present_on_admission(facts, 0, part(8))
        elif qualifier in _OTHER_DX:
            claim.diagnoses.append(code)
            self._present_on_admission(facts, len(claim.diagnoses) - 1, part(8))
        elif qualifier in _ADMITTING_DX:
            facts["admitting_diagnosis"] = code
        elif qualifier in _REASON_DX:
            _fact_list(facts, "patient_reason_diagnoses").append(code)
        elif qualifier in _EXTERNAL_CAUSE_DX:
            _fact_list(facts, "external_cause_diagnoses").append(code)
        elif qualifier == "BH":
            claim.occurrence_codes.append(CodeDate(code, self._coded_date(segment, position, parts)))
        elif qualifier == "BI":
            start, end = self._coded_span(segment, position, parts)
            claim.occurrence_spans.append(CodeSpan(code, start, end))
        elif qualifier == "BE":
            amount_text = part(4)
            if not amount_text:
                raise self._error(f"value code {code} has no amount (C022-05)", segment, position)
            claim.value_codes.append(
                CodeAmount(code, self._amount(segment, position, amount_text, part="-5 (C022-05)"))
            )
        elif qualifier == "BG":
            claim.condition_codes.append(code)
        elif qualifier in _PRINCIPAL_PROCEDURE or qualifier in _OTHER_PROCEDURE:
            when = self._coded_date(segment, position, parts) if part(3) else None
            key = "principal_procedure" if qualifier in _PRINCIPAL_PROCEDURE else "other_procedures"
            facts["procedure_code_set"] = "ICD-9-CM" if qualifier in ("BR", "BQ") else "ICD-10-PCS"
            if key == "principal_procedure":
                facts[key] = (code, when)
            else:
                _fact_list(facts, key).append((code, when))
        elif qualifier == "DR":
            facts["drg"] = code
        elif qualifier == "TC":
            _fact_list(facts, "treatment_codes").append(code)
        else:
            self._issue(
                f"HI{position:02d} qualifier {qualifier[:3]!r} is not an 837I code list qualifier",
                segment,
                position,
            )

    @staticmethod
    def _present_on_admission(facts: MutableMapping[str, object], index: int, indicator: str) -> None:
        if indicator:
            poa = facts.setdefault("present_on_admission", {})
            assert isinstance(poa, dict)
            poa[index] = indicator

    def _coded_date(self, segment: Segment, position: int, parts: list[str]) -> date:
        if len(parts) < 4 or parts[2] != "D8":
            raise self._error(f"HI{position:02d} {parts[0]} code needs a D8 date (C022-03/04)", segment, position)
        return self._date(segment, position, parts[3])

    def _coded_span(self, segment: Segment, position: int, parts: list[str]) -> tuple[date, date]:
        if len(parts) < 4 or parts[2] != "RD8":
            raise self._error(
                f"HI{position:02d} occurrence span needs an RD8 date range (C022-03/04)", segment, position
            )
        start, _, end = parts[3].partition("-")
        return self._date(segment, position, start), self._date(segment, position, end)

    def _on_claim_provider(self, segment: Segment) -> None:
        claim = self._claim
        assert claim is not None
        entity = segment.get(1)
        npi = segment.get(9) if segment.get(8) == "XX" else ""
        if entity == "71":
            claim.attending_npi = npi
            prefix = "attending"
        elif entity == "DN":
            claim.certifying_npi = npi
            prefix = "certifying"
        else:
            prefix = _PROVIDER_FACT[entity]
            if npi:
                claim.facts[f"{prefix}_npi"] = npi
        if segment.get(2) != ("2" if entity == "77" else "1"):
            claim.facts[f"{prefix}_entity_type"] = segment.get(2)
        if segment.get(3):
            claim.facts[f"{prefix}_last_name"] = segment.get(3)
        if segment.get(4):
            claim.facts[f"{prefix}_first_name"] = segment.get(4)
        if segment.get(5):
            claim.facts[f"{prefix}_middle_name"] = segment.get(5)
        self._claim_provider_prefix = prefix

    def _on_claim_provider_detail(self, segment: Segment) -> None:
        """PRV (taxonomy) and REF (secondary identifiers) of the 2310 provider loops."""
        claim = self._claim
        assert claim is not None
        prefix = self._claim_provider_prefix
        if segment.id == "PRV":
            claim.facts[f"{prefix}_taxonomy"] = (segment.get(1), segment.get(2), segment.get(3))
        else:
            _fact_list(claim.facts, f"{prefix}_secondary_ids").append((segment.get(1), segment.get(2)))

    # ------------------------------------------------------------------------------------------------------
    # lines
    def _on_line_number(self, segment: Segment) -> None:
        claim = self._claim
        assert claim is not None
        expected = str(len(claim.lines) + 1)
        elements = segment.elements
        if (elements[1] if len(elements) > 1 else "") != expected:
            self._issue(f"LX01 is {segment.get(1)!r}: line numbers go 1, 2, 3 … ({expected} expected)", segment, 1)
        self._line = None

    def _on_service_line(self, segment: Segment) -> None:
        claim = self._claim
        assert claim is not None
        # the hot path of the reader: elements read directly, codes and amounts parsed once per distinct text
        elements = segment.elements
        count = len(elements)
        revenue_code = elements[1] if count > 1 else ""
        revenue = _revenue_code(revenue_code)
        if revenue is None:
            raise self._error(f"SV201 revenue code {revenue_code!r}: 4 digits expected", segment, 1)
        hcpcs = ""
        modifiers: tuple[str, ...] = ()
        procedure = elements[2] if count > 2 else ""
        if procedure:
            parsed = _procedure(procedure, self._component)
            if parsed is None:
                raise self._error(
                    f"SV202 {procedure!r}: expected qualifier{self._component}code (e.g. HC{self._component}G0151)",
                    segment,
                    2,
                )
            qualifier, hcpcs, modifiers = parsed
            if qualifier != "HC" and qualifier != "HP":
                self._issue(f"SV202-1 qualifier {qualifier!r}: HC (HCPCS) or HP (HIPPS) expected", segment, 2)
        charge_text = elements[3] if count > 3 else ""
        charge = _parse_amount(charge_text) if len(charge_text) <= _AMOUNT_DIGITS else None
        if charge is None:
            charge = self._amount(segment, 3)
        units_text = elements[5] if count > 5 else ""
        units = _ZERO
        if units_text:
            found = _parse_amount(units_text) if len(units_text) <= _QUANTITY_DIGITS else None
            units = found if found is not None else self._amount(segment, 5, max_digits=_QUANTITY_DIGITS)
        non_covered_text = elements[7] if count > 7 else ""
        non_covered = _ZERO
        if non_covered_text:
            found = _parse_amount(non_covered_text) if len(non_covered_text) <= _AMOUNT_DIGITS else None
            non_covered = found if found is not None else self._amount(segment, 7)
        line = ClaimLine(
            revenue_code=revenue, hcpcs=hcpcs, modifiers=modifiers, units=units, charge=charge,
            non_covered_charge=non_covered,
        )  # fmt: skip
        claim.lines.append(line)
        self._line = line

    def _on_service_date(self, segment: Segment) -> None:
        line = self._line
        claim = self._claim
        elements = segment.elements
        if line is None or claim is None or len(elements) < 2 or elements[1] != "472":
            return
        start, end = self._period(segment, 2, 3)
        line.service_date = start
        if end != start:
            periods = claim.facts.setdefault("line_service_periods", {})
            assert isinstance(periods, dict)
            periods[len(claim.lines) - 1] = (start, end)

    def _finish_claim(self, at: Segment) -> None:
        claim, segment = self._claim, self._claim_segment
        if claim is None or segment is None:
            return
        if not self._statement_dates_seen:
            raise self._error("the claim has no DTP*434 statement dates; they are required", segment)
        if not self._principal_diagnosis_seen:
            raise self._error("the claim has no principal diagnosis (HI*ABK or HI*BK); it is required", segment)
        self.claims_read += 1
        assert self._envelope is not None
        self._ready.append(
            ParsedClaim(
                claim=claim,
                claim_id=claim.claim_id,
                patient_control_number=claim.patient_control_number,
                segment_number=segment.number,
                ordinal=self.claims_read,
                envelope=self._envelope,
                issues=self._claim_issues,
            )
        )
        self._claim = None
        self._claim_segment = None
        self._claim_issues = []
        self._line = None


def read_claims(
    source: X12Source, *, strict: bool = True, encoding: str = "utf-8", file_name: str | None = None
) -> Iterator[ParsedClaim]:
    """Yield every claim of an 837I file or stream (path, text or binary stream), streaming.

    Raises :class:`~hhbill.X12Error` on input that is not a readable 837I. With ``strict=False`` recoverable
    problems are attached to each :class:`ParsedClaim` (``issues``) instead; use :class:`X12Reader` directly to
    also see the envelope-level ones.
    """
    return iter(X12Reader(source, strict=strict, encoding=encoding, file_name=file_name))
