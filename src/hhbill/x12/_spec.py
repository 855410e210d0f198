"""The loop structure of the 837I transaction set (005010X223A2) that the reader enforces.

Each loop lists the segments that may follow its first ("trigger") segment, in TR3 order, and its child loops in
TR3 order. This is the structural part of the implementation guide: which loop a segment opens, what must be
present, what may repeat. Element-level code lists are the scrubber's job (and pyx12's, in our tests).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["LOOPS", "TRANSACTION", "LoopSpec"]


@dataclass(frozen=True, slots=True)
class LoopSpec:
    loop_id: str
    name: str
    trigger: str  # segment id that opens the loop ("" for the transaction header)
    qualifier_element: int = 0  # element whose value tells loops with the same trigger apart (NM101, HL03)
    qualifiers: frozenset[str] = frozenset()
    body: tuple[str, ...] = ()
    children: tuple[str, ...] = ()
    required_body: tuple[str, ...] = ()
    required_children: tuple[str, ...] = ()
    max_repeat: int = 1
    #: set by _index(): segment id -> TR3 position in the body
    body_index: dict[str, int] = field(default_factory=dict, compare=False, hash=False)
    #: set by _index(): trigger segment id -> (TR3 position among the children, child loop) candidates
    child_triggers: dict[str, list[tuple[int, LoopSpec]]] = field(default_factory=dict, compare=False, hash=False)

    def opens_with(self, elements: list[str]) -> bool:
        if not self.qualifiers:
            return True
        position = self.qualifier_element
        return position < len(elements) and elements[position] in self.qualifiers


def _nm1(loop_id: str, name: str, entity: str, body: tuple[str, ...], **extra: object) -> LoopSpec:
    return LoopSpec(loop_id, name, "NM1", 1, frozenset(entity.split()), body, **extra)  # type: ignore[arg-type]


TRANSACTION = "ST"

_SPECS = [
    LoopSpec(
        TRANSACTION,
        "transaction set header",
        "",
        body=("BHT",),
        children=("1000A", "1000B", "2000A"),
        required_body=("BHT",),
        required_children=("1000A", "1000B", "2000A"),
    ),
    _nm1("1000A", "submitter name", "41", ("PER",), required_body=("PER",)),
    _nm1("1000B", "receiver name", "40", ()),
    LoopSpec(
        "2000A",
        "billing provider hierarchical level",
        "HL",
        3,
        frozenset({"20"}),
        body=("PRV", "CUR"),
        children=("2010AA", "2010AB", "2010AC", "2000B"),
        required_children=("2010AA", "2000B"),
        max_repeat=10**9,
    ),
    _nm1("2010AA", "billing provider name", "85", ("N3", "N4", "REF", "PER"), required_body=("N3", "N4", "REF")),
    _nm1("2010AB", "pay-to address", "87", ("N3", "N4")),
    _nm1("2010AC", "pay-to plan name", "PE", ("N3", "N4", "REF")),
    LoopSpec(
        "2000B",
        "subscriber hierarchical level",
        "HL",
        3,
        frozenset({"22"}),
        body=("SBR", "PAT"),
        children=("2010BA", "2010BB", "2300", "2000C"),
        required_body=("SBR",),
        required_children=("2010BA", "2010BB"),
        max_repeat=10**9,
    ),
    _nm1("2010BA", "subscriber name", "IL", ("N3", "N4", "DMG", "REF")),
    _nm1("2010BB", "payer name", "PR", ("N3", "N4", "REF")),
    LoopSpec(
        "2000C",
        "patient hierarchical level",
        "HL",
        3,
        frozenset({"23"}),
        body=("PAT",),
        children=("2010CA", "2300"),
        required_body=("PAT",),
        required_children=("2010CA", "2300"),
        max_repeat=10**9,
    ),
    _nm1("2010CA", "patient name", "QC", ("N3", "N4", "DMG", "REF"), required_body=("N3", "N4", "DMG")),
    LoopSpec(
        "2300",
        "claim information",
        "CLM",
        body=("DTP", "CL1", "PWK", "CN1", "AMT", "REF", "K3", "NTE", "CRC", "HI", "HCP"),
        children=("2310A", "2310B", "2310C", "2310D", "2310E", "2310F", "2320", "2400"),
        required_body=("DTP", "CL1", "HI"),
        required_children=("2400",),
        max_repeat=100,
    ),
    _nm1("2310A", "attending provider name", "71", ("PRV", "REF")),
    _nm1("2310B", "operating physician name", "72", ("REF",)),
    _nm1("2310C", "other operating physician name", "ZZ", ("REF",)),
    _nm1("2310D", "rendering provider name", "82", ("REF",)),
    _nm1("2310E", "service facility location name", "77", ("N3", "N4", "REF")),
    _nm1("2310F", "referring provider name", "DN", ("REF",)),
    LoopSpec(
        "2320",
        "other subscriber information",
        "SBR",
        body=("CAS", "AMT", "OI", "MIA", "MOA"),
        children=tuple(f"2330{x}" for x in "ABCDEFGHI"),
        required_body=("OI",),
        required_children=("2330A", "2330B"),
        max_repeat=10,
    ),
    _nm1("2330A", "other subscriber name", "IL", ("N3", "N4", "REF")),
    _nm1("2330B", "other payer name", "PR", ("N3", "N4", "DTP", "REF")),
    _nm1("2330C", "other payer attending provider", "71", ("REF",)),
    _nm1("2330D", "other payer operating physician", "72", ("REF",)),
    _nm1("2330E", "other payer other operating physician", "ZZ", ("REF",)),
    _nm1("2330F", "other payer service facility location", "77", ("REF",)),
    _nm1("2330G", "other payer rendering provider name", "82", ("REF",)),
    _nm1("2330H", "other payer referring provider", "DN", ("REF",)),
    _nm1("2330I", "other payer billing provider", "85", ("REF",)),
    LoopSpec(
        "2400",
        "service line number",
        "LX",
        body=("SV2", "PWK", "DTP", "REF", "AMT", "NTE", "HCP"),
        children=("2410", "2420A", "2420B", "2420C", "2420D", "2430"),
        required_body=("SV2",),
        max_repeat=999,
    ),
    LoopSpec("2410", "drug identification", "LIN", body=("CTP", "REF"), required_body=("CTP",)),
    _nm1("2420A", "operating physician name", "72", ("REF",)),
    _nm1("2420B", "other operating physician name", "ZZ", ("REF",)),
    _nm1("2420C", "rendering provider name", "82", ("REF",)),
    _nm1("2420D", "referring provider name", "DN", ("REF",)),
    LoopSpec("2430", "line adjudication information", "SVD", body=("CAS", "DTP", "AMT"), max_repeat=15),
]


def _index(specs: list[LoopSpec]) -> dict[str, LoopSpec]:
    loops = {}
    for spec in specs:
        spec.body_index.update({segment_id: i for i, segment_id in enumerate(spec.body)})
        loops[spec.loop_id] = spec
    for spec in specs:
        for position, child_id in enumerate(spec.children):
            child = loops[child_id]
            spec.child_triggers.setdefault(child.trigger, []).append((position, child))
    return loops


LOOPS: dict[str, LoopSpec] = _index(_SPECS)
