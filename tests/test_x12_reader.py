"""837I reader: the public corpus in ../shared, the expected parse results there, tolerance and broken input."""

from __future__ import annotations

import codecs
import io
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import SHARED, shared_path
from hhbill._errors import X12Error
from hhbill.x12 import Segment, SegmentStream, X12Reader, read_claims

CORPUS_837I = "corpora/x12/837i"
SYNTHETIC = f"{CORPUS_837I}/hh_synthetic_3claims.837"


def _corpus_files(folder: str) -> list[str]:
    root = SHARED / folder
    if not root.is_dir():
        return [f"{folder}/(missing)"]
    return sorted(str(p.relative_to(SHARED)) for p in root.iterdir() if p.is_file())


INSTITUTIONAL_FILES = [f for f in _corpus_files(CORPUS_837I) if not f.endswith(".997")]
PROFESSIONAL_FILES = _corpus_files("corpora/x12/837p") + _corpus_files("corpora/x12/837p/negative")

# Files whose recoverable problems are documented in corpora/PROVENANCE.md (or that pyx12 reports too):
# they read in lenient mode and are refused in strict mode, and each must report the documented problem.
EXPECTED_ISSUES = {
    "dbx_CC_837I_EDI.txt": [],
    "hh_synthetic_3claims.837": [],
    "ims_x223-test.txt": [("ISA", 11), ("SE", 1)],  # ISA11 'U' with 00501; SE01 25 (pyx12 counts 48 too)
    "lfh_institutional-claim.837i": [("ST", 3)],  # ST03 005010X223A3
    "lfh_two-claims-single-provider.837i": [("ST", 3)],
    "lfh_out-of-network-repriced-claim.837i": [("ST", 3), ("CLM", 5)],  # ISA16 ':' but body '>'
    "lfh_ppo-repriced-claim.837i": [("ST", 3), ("CLM", 5)],
    "oop_Spec_3.1.1.txt": [("ST", 3), ("ST", 3), ("CLM", 5), ("DMG", None)],  # ISA16 '^' but body ':'
    "oop_Spec_3.1.2_TwoClaimsForTheSameProvider.txt": [("ST", 3), ("ST", 3)],  # GS08 X222 vs ST03 X223
    "oop_Spec_3.1.3_PPORepricedClaim.txt": [("ST", 3), ("ST", 3), ("CLM", 5), ("DMG", None)],
    "oop_Spec_3.1.4_OutOfNetworkRepricedClaim.txt": [("ST", 3), ("ST", 3), ("CLM", 5)],
}


def _read_all(path: Path | str, *, strict: bool = False) -> tuple[list, X12Reader]:
    reader = X12Reader(path, strict=strict)
    return list(reader), reader


# --------------------------------------------------------------------------------------------------------------
# the corpus


@pytest.mark.parametrize("relative", INSTITUTIONAL_FILES, ids=lambda f: f.rsplit("/", 1)[-1])
def test_every_837i_corpus_file_reads_and_reports_its_documented_problems(relative: str) -> None:
    path = shared_path(relative)
    name = path.name
    parsed, reader = _read_all(path)
    assert parsed, "no claims read"
    for claim in parsed:
        assert claim.claim.type_of_bill[:1] == "0" and len(claim.claim.type_of_bill) == 4
        assert claim.claim.lines and claim.claim.diagnoses and claim.claim.from_date
    if name == "oop_InstitutionalClaim5010.txt":
        # a test file of many quirks: out-of-order segments, DMG in 2320, PRV in 2420A, SE01 43 for 78
        kinds = {(i.location.get("segment_id"), i.location.get("element")) for i in reader.issues}
        assert ("SE", 1) in kinds and ("DMG", None) in kinds and ("DTP", None) in kinds
    else:
        found = [(i.location.get("segment_id"), i.location.get("element")) for i in reader.issues]
        assert found == EXPECTED_ISSUES[name]
    if reader.issues:
        with pytest.raises(X12Error) as raised:
            _read_all(path, strict=True)
        first = reader.issues[0]
        assert raised.value.location == first.location
    else:
        strict_claims, _ = _read_all(path, strict=True)
        assert [p.claim for p in strict_claims] == [p.claim for p in parsed]


@pytest.mark.parametrize("relative", INSTITUTIONAL_FILES, ids=lambda f: f.rsplit("/", 1)[-1])
def test_segments_match_pyx12_tokenizer(relative: str) -> None:
    """An independent tokenizer (pyx12's) sees the same segments and elements in every corpus file."""
    pyx12_file = pytest.importorskip("pyx12.x12file")
    path = shared_path(relative)
    text = path.read_bytes().decode("utf-8-sig")
    ours = list(SegmentStream(path))
    declared_component = text.lstrip()[104]
    # pyx12 keeps tab indentation inside the segment id; we strip all whitespace between segments
    theirs = [s.format("~", "*", declared_component).lstrip() for s in pyx12_file.X12Reader(io.StringIO(text))]

    def formatted(segment: Segment) -> str:
        elements = list(segment.elements)
        while len(elements) > 1 and elements[-1] == "":
            elements.pop()
        if segment.id == "ISA":
            elements = elements[:17]
        return "*".join(elements) + "~"

    assert [formatted(s) for s in ours] == theirs


def test_fields_match_oopfactory_expected_claim_model() -> None:
    """InstitutionalClaim5010.txt against the claim model OopFactory's parser produced (UTF-16 XML)."""
    source = shared_path(f"{CORPUS_837I}/oop_InstitutionalClaim5010.txt")
    expected_xml = shared_path("corpora/x12/expected/oop_InstitutionalClaim5010_ClaimModel.xml")
    ns = {"h": "http://www.oopfactory.com/2011/XSL/Hipaa"}
    root = ET.fromstring(expected_xml.read_bytes().decode("utf-16").split("?>", 1)[1])
    (parsed,) = read_claims(source, strict=False)
    claim = parsed.claim

    assert claim.type_of_bill == "0" + root.get("BillTypeCode", "")
    assert claim.patient_control_number == root.get("PatientControlNumber")
    assert parsed.claim_id == root.get("ClaimNumber")
    assert claim.total_charge == Decimal(root.get("TotalClaimChargeAmount", ""))
    assert claim.facts["medical_record_number"] == root.get("MedicalRecordNumber")
    assert claim.from_date == date.fromisoformat(root.get("StatementFromDate", ""))
    assert claim.through_date == date.fromisoformat(root.get("StatementToDate", ""))
    admission = next(d for d in root.findall("h:Date", ns) if d.get("Qualifier") == "435").get("Date", "")
    assert claim.admission_date == date.fromisoformat(admission[:10])
    assert claim.facts["admission_hour"] == admission[11:16].replace(":", "")
    assert claim.admission_type == root.find("h:AdmissionType", ns).get("Code")  # type: ignore[union-attr]
    assert claim.admission_source == root.find("h:AdmissionSource", ns).get("Code")  # type: ignore[union-attr]
    assert claim.patient_status == root.find("h:PatientStatus", ns).get("Code")  # type: ignore[union-attr]
    assert claim.facts["drg"] == root.find("h:DiagnosisRelatedGroup", ns).get("Code")  # type: ignore[union-attr]
    assert claim.condition_codes == [c.get("Code") for c in root.findall("h:Condition", ns)]
    assert [(o.code, o.date.isoformat()) for o in claim.occurrence_codes] == [
        (o.get("Code"), o.get("Date")) for o in root.findall("h:Occurrence", ns)
    ]
    assert [(s.code, s.start.isoformat(), s.end.isoformat()) for s in claim.occurrence_spans] == [
        (s.get("Code"), s.get("FromDate"), s.get("ThroughDate")) for s in root.findall("h:OccurrenceSpan", ns)
    ]
    assert [(v.code, v.amount) for v in claim.value_codes] == [
        (v.get("Code"), Decimal(v.get("Amount", ""))) for v in root.findall("h:Value", ns)
    ]
    diagnoses = root.findall("h:Diagnosis", ns)
    assert diagnoses[0].get("DiagnosisType") == "Principal"
    assert claim.diagnoses == [d.get("Code") for d in diagnoses]
    assert claim.facts["diagnosis_code_set"].startswith("ICD-9") == (diagnoses[0].get("Version") == "ICD9")
    procedures = root.findall("h:Procedure", ns)
    principal = [p for p in procedures if p.get("IsPrincipal") == "true"]
    others = [p for p in procedures if p.get("IsPrincipal") == "false"]
    assert claim.facts["principal_procedure"] == (
        principal[0].get("Code"),
        date.fromisoformat(principal[0].get("Date", "")),
    )
    assert claim.facts["other_procedures"] == [(p.get("Code"), date.fromisoformat(p.get("Date", ""))) for p in others]
    billing = root.find("h:BillingInfo/h:Provider", ns)
    assert billing is not None
    assert claim.billing_provider.npi == billing.get("Npi")
    assert claim.billing_provider.tax_id == billing.get("TaxId")
    subscriber = root.find("h:Subscriber", ns)
    assert subscriber is not None
    assert claim.patient.mbi == subscriber.get("MemberId")
    assert claim.patient.birth_date == date.fromisoformat(subscriber.get("DateOfBirth", ""))
    assert claim.patient.sex == (subscriber.get("Gender") or "")[:1]
    lines = root.findall("h:ServiceLine", ns)
    assert len(claim.lines) == len(lines)
    for line, expected in zip(claim.lines, lines, strict=True):
        assert line.revenue_code == expected.get("RevenueCode")
        assert line.units == Decimal(expected.get("Quantity", ""))
        assert line.charge == Decimal(expected.get("ChargeAmount", ""))
        assert line.non_covered_charge == Decimal(expected.get("NonCoveredChargeAmount") or "0")
        assert line.service_date == date.fromisoformat(expected.get("ServiceDateFrom", ""))
        procedure = expected.find("h:Procedure", ns)
        assert procedure is not None
        assert line.hcpcs == procedure.get("ProcedureCode")
        assert line.modifiers == tuple(
            procedure.get(f"Modifier{i}") for i in range(1, 5) if procedure.get(f"Modifier{i}")
        )


def test_home_health_synthetic_claims() -> None:
    parsed = list(read_claims(shared_path(SYNTHETIC)))  # strict: the file is clean
    assert [p.patient_control_number for p in parsed] == ["PCN0000000", "PCN0000001", "PCN0000002"]
    assert [p.ordinal for p in parsed] == [1, 2, 3]
    first = parsed[0].claim
    assert first.type_of_bill == "0329" and first.tob_type == "32" and first.frequency == "9"
    assert (first.from_date, first.through_date) == (date(2026, 1, 5), date(2026, 2, 3))
    assert first.admission_date == date(2026, 1, 5)
    assert (first.admission_type, first.admission_source, first.patient_status) == ("", "1", "30")
    assert first.diagnoses == ["I5032", "E119"]
    assert [(o.code, o.date) for o in first.occurrence_codes] == [("50", date(2026, 1, 5))]
    assert [(v.code, v.amount) for v in first.value_codes] == [("61", Decimal(16974)), ("85", Decimal(17031))]
    assert first.attending_npi == "1245319599"
    assert first.billing_provider.npi == "1234567893" and first.billing_provider.tax_id == "123456789"
    assert first.patient.mbi == "1EG4TE5MK00" and first.patient.birth_date == date(1941, 3, 2)
    assert first.payer_name == "MEDICARE" and first.facts["payer_id"] == "14011"
    hipps = first.lines[0]
    assert (hipps.revenue_code, hipps.hcpcs, hipps.charge, hipps.units) == ("0023", "1FC21", Decimal("0.00"), 1)
    assert [line.hcpcs for line in first.lines] == ["1FC21", "G0493", "G0151", "G0300", "Q5001"]
    assert first.total_charge == first.computed_total() == Decimal("510.01")
    assert parsed[1].segment_number > parsed[0].segment_number
    assert parsed[0].envelope.interchange_control_number == "000000001"


def test_claims_are_yielded_while_reading() -> None:
    """Streaming: the first claim arrives before the reader has consumed the rest of the file."""
    reader = X12Reader(shared_path(SYNTHETIC))
    iterator = iter(reader)
    first = next(iterator)
    assert first.patient_control_number == "PCN0000000"
    assert reader.claims_read == 1
    assert len(list(iterator)) == 2


# --------------------------------------------------------------------------------------------------------------
# tolerance: the same claims whatever the layout, delimiters or encoding


def _synthetic_text() -> str:
    return shared_path(SYNTHETIC).read_text()


def _claims_of(text_or_bytes: str | bytes, **kwargs: object) -> list:
    source = io.BytesIO(text_or_bytes) if isinstance(text_or_bytes, bytes) else io.StringIO(text_or_bytes)
    return [p.claim for p in read_claims(source, **kwargs)]  # type: ignore[arg-type]


def test_layout_variants_read_the_same_claims() -> None:
    text = _synthetic_text()
    baseline = _claims_of(text)
    segments = [s for s in text.replace("\n", "").split("~") if s]
    one_line = "~".join(segments) + "~"
    crlf_indented = "".join(f"{'  ' * (i % 4)}{s}~  \r\n" for i, s in enumerate(segments))
    two_per_line = "".join(s + ("~ " if i % 2 else "~\n") for i, s in enumerate(segments))
    assert _claims_of(one_line) == baseline
    assert _claims_of(codecs.BOM_UTF8 + crlf_indented.encode()) == baseline
    assert _claims_of(two_per_line) == baseline
    assert _claims_of(crlf_indented.encode("utf-16")) == baseline
    assert _claims_of(crlf_indented.encode("utf-16-le")) == baseline  # no BOM


def test_delimiters_come_from_the_isa() -> None:
    text = _synthetic_text()
    baseline = _claims_of(text)
    table = str.maketrans({"*": "|", ":": "<", "^": "{", "~": "!"})
    assert _claims_of(text.translate(table)) == baseline
    # segment terminator = line break (ISA106 is CR LF)
    crlf_terminated = text.replace("~\n", "\r\n")
    assert _claims_of(crlf_terminated) == baseline


def test_several_interchanges_with_different_delimiters_in_one_file() -> None:
    text = _synthetic_text()
    second = text.replace("000000001", "000000002").translate(str.maketrans({"*": "|", ":": ">", "~": "\n"}))
    second = second.replace("\n\n", "\n")
    parsed = list(read_claims(io.StringIO(text + second)))
    assert len(parsed) == 6
    assert [p.envelope.interchange_control_number for p in parsed] == ["000000001"] * 3 + ["000000002"] * 3
    assert [p.claim for p in parsed[:3]] == [p.claim for p in parsed[3:]]
    assert [p.ordinal for p in parsed] == [1, 2, 3, 4, 5, 6]


def test_several_groups_and_transactions() -> None:
    text = _synthetic_text()
    body_start, body_end = text.index("ST*837"), text.index("GE*1")
    transaction = text[body_start:body_end]
    second = transaction.replace("ST*837*0001", "ST*837*0002").replace("SE*110*0001", "SE*110*0002")
    doubled = text[:body_start] + transaction + second + "GE*2*1~\n" + text[text.index("IEA") :]
    parsed = list(read_claims(io.StringIO(doubled)))
    assert [p.envelope.transaction_control_number for p in parsed] == ["0001"] * 3 + ["0002"] * 3


# --------------------------------------------------------------------------------------------------------------
# broken input: a precise error


def _mutated(old: str, new: str, count: int = 1) -> str:
    text = _synthetic_text()
    assert old in text, old
    return text.replace(old, new, count)


def _error_of(text: str | bytes, strict: bool = True) -> X12Error:
    with pytest.raises(X12Error) as raised:
        _claims_of(text, strict=strict)
    return raised.value


def _segment_number_of(text: str, startswith: str) -> int:
    segments = [s.strip() for s in text.split("~") if s.strip()]
    return next(i for i, s in enumerate(segments, 1) if s.startswith(startswith))


@pytest.mark.parametrize(
    ("old", "new", "segment_id", "element", "words"),
    [
        ("SE*110*0001", "SE*109*0001", "SE", 1, "SE01"),
        ("ISA*00", "ISA*00", "CLM", 5, "ISA16"),  # the body uses '>' while ISA16 declares ':' (see below)
        ("SE*110*0001", "SE*110*0009", "SE", 2, "ST02"),
        ("GE*1*1", "GE*2*1", "GE", 1, "GE01"),
        ("GE*1*1", "GE*1*7", "GE", 2, "GS06"),
        ("IEA*1*000000001", "IEA*3*000000001", "IEA", 1, "IEA01"),
        ("IEA*1*000000001", "IEA*1*000000002", "IEA", 2, "ISA13"),
        ("ST*837*0001*005010X223A2", "ST*837*0001*005010X223A1", "ST", 3, "005010X223A2"),
        ("LX*2~", "LX*7~", "LX", 1, "LX01"),
        ("N4*CHICAGO*IL*606011234~\nDMG", "N4*CHICAGO*IL*606011234~\nN3*2 ELM ST~\nDMG", "N3", None, "out of order"),
        ("DTP*435*D8*20260105~\nCL1**1*30~", "CL1**1*30~\nDTP*435*D8*20260105~", "DTP", None, "order"),
        ("NM1*71*1*SMITH*JOHN****XX*1245319599~", "NM1*71*1*SMITH*JOHN****XX*1245319599~\nDMG*D8*19400101*F~",
         "DMG", None, "not expected"),
    ],
)  # fmt: skip
def test_recoverable_problems_raise_in_strict_and_are_reported_in_lenient_mode(
    old: str, new: str, segment_id: str, element: int | None, words: str
) -> None:
    text = _mutated(old, new)
    if words == "ISA16":
        header, body = text.split("GS*", 1)
        text = header + "GS*" + body.replace(":", ">")
    error = _error_of(text)
    assert error.location["segment_id"] == segment_id
    assert error.location.get("element") == element
    assert words in error.message
    segments = [s.strip() for s in text.split("~") if s.strip()]
    assert segments[error.location["segment_number"] - 1].startswith(segment_id + "*")
    reader = X12Reader(io.StringIO(text), strict=False)
    assert len(list(reader)) == 3
    assert reader.issues[0].location == error.location


@pytest.mark.parametrize(
    ("old", "new", "segment_id", "element", "words"),
    [
        ("N3*100 MAIN ST~\n", "", "NM1", None, "no N3"),
        ("SBR*P*18*******MA~\n", "", "HL", None, "no SBR"),
        ("NM1*IL*1*DOE0*JANE****MI*1EG4TE5MK00~\nN3*1 ELM ST~\nN4*CHICAGO*IL*606011234~\nDMG*D8*19410302*F~\n",
         "", "HL", None, "2010BA"),

        ("NM1*PR*2*MEDICARE*****PI*14011~\nCLM*PCN0000000", "CLM*PCN0000000", "HL", None, "2010BB"),
        ("HL*2*1*22*0", "HL*2*5*22*0", "HL", 2, "HL02"),
        ("HL*3*1*22*0", "HL*4*1*22*0", "HL", 1, "HL01"),
        ("HL*2*1*22*0", "HL*2*1*22*1", "CLM", None, "HL04 = 1"),
        ("HL*1**20*1", "HL*1**20*0", "HL", 4, "HL04"),
        ("DTP*434*RD8*20260105-20260203", "DTP*434*RD8*20260105-20260231", "DTP", 3, "not a date"),
        ("DTP*434*RD8*20260105-20260203", "DTP*434*RD8*20260203-20260105", "DTP", 3, "ends before"),
        ("DTP*434*RD8*20260105-20260203~\n", "", "CLM", None, "DTP*434"),
        ("HI*ABK:I5032~\n", "", "CLM", None, "principal diagnosis"),
        ("SV2*0551*HC:G0493*180.00*UN*5", "SV2*0551*HC:G0493*1B0.00*UN*5", "SV2", 3, "not a number"),
        ("SV2*0551*HC:G0493*180.00*UN*5~\n", "", "LX", None, "no SV2"),
        ("CLM*PCN0000000*510.01***32:A:9", "CLM*PCN0000000*510.01***329", "CLM", 5, "CLM05"),
        ("CLM*PCN0000000*", "CLM**", "CLM", 1, "CLM01"),
        ("DMG*D8*19410302*F", "DMG*D8*19411302*F", "DMG", 2, "not a date"),
        ("HI*BE:61:::16974", "HI*BE:61", "HI", 1, "no amount"),
        ("HI*BH:50:D8:20260105", "HI*BH:50", "HI", 1, "D8"),
        ("GS*HC", "GS*FA", "GS", 1, "HC"),
        ("ST*837*0001*005010X223A2", "ST*837*0001*005010X222A1", "ST", 3, "837P"),
        ("ST*837", "ST*835", "ST", 1, "ST01"),
        ("BHT*0019*00*0123*20260210*1200*CH~\n", "", "ST", None, "BHT"),
        ("SE*110*0001~\n", "", "GE", None, "inside transaction set"),
        ("LX*1~", "Lx*1~", None, None, "segment id"),
    ],
)  # fmt: skip
def test_fatal_problems_give_a_precise_error_in_both_modes(
    old: str, new: str, segment_id: str | None, element: int | None, words: str
) -> None:
    text = _mutated(old, new)
    for strict in (True, False):
        error = _error_of(text, strict)
        assert error.location.get("segment_id") == segment_id, error
        assert error.location.get("element") == element, error
        assert words in error.message, error
        assert isinstance(error.location["segment_number"], int)


def test_error_points_at_the_loop_that_misses_a_required_segment() -> None:
    text = _mutated("N3*100 MAIN ST~\n", "")
    error = _error_of(text)
    assert error.location["segment_number"] == _segment_number_of(text, "NM1*85")
    assert "2010AA" in error.message


def test_truncated_and_envelope_less_files() -> None:
    text = _synthetic_text()
    cut = text[: text.index("SV2*0421*HC:G0151") + 10]
    error = _error_of(cut)
    assert "truncated" in error.message and error.location["segment_id"] == "SV2"
    without_trailers = text[: text.index("GE*1*1")]
    assert "GE" in _error_of(without_trailers).message
    assert "empty" in _error_of("").message
    assert "ISA" in _error_of("   \n").message or "empty" in _error_of("   \n").message
    assert "truncated" in _error_of(text[:60]).message
    malformed = shared_path(f"{CORPUS_837I}/negative/dbx_malformed_CC_837I_EDI.txt")
    with pytest.raises(X12Error) as raised:
        list(read_claims(malformed))
    assert raised.value.location["segment_number"] == 1 and "ISA" in raised.value.message


def test_acknowledgment_file_is_refused() -> None:
    with pytest.raises(X12Error) as raised:
        list(read_claims(shared_path(f"{CORPUS_837I}/hh_synthetic_3claims.837.997")))
    assert raised.value.location["segment_id"] == "GS" and raised.value.location["element"] == 1


def test_invalid_utf8_and_missing_file() -> None:
    data = _synthetic_text().encode().replace(b"DOE0", b"D\xff\xfeE")
    assert "encoding" in _error_of(data).message
    assert len(_claims_of(data, encoding="latin-1")) == 3
    with pytest.raises(X12Error, match="cannot open"):
        list(read_claims("/nonexistent/file.837"))


@pytest.mark.parametrize("relative", PROFESSIONAL_FILES, ids=lambda f: f.rsplit("/", 1)[-1])
def test_837p_files_are_refused_with_a_located_error(relative: str) -> None:
    path = shared_path(relative)
    with pytest.raises(X12Error) as raised:
        list(read_claims(path, strict=False))
    location = raised.value.location
    assert isinstance(location.get("segment_number"), int)
    assert location.get("segment_id") in {"ST", "ISA", "GS", None}


# --------------------------------------------------------------------------------------------------------------
# whatever the damage: an X12Error or claims, never another exception, never a hang

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_SYNTHETIC_TEXT = (SHARED / SYNTHETIC).read_text() if (SHARED / SYNTHETIC).exists() else "ISA"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cuts=st.lists(st.tuples(st.integers(0, len(_SYNTHETIC_TEXT)), st.integers(0, 40)), max_size=4),
    insertions=st.lists(
        st.tuples(st.integers(0, len(_SYNTHETIC_TEXT)), st.text(alphabet="*:~^\n ABC019HLSECLMXDTP", max_size=8)),
        max_size=4,
    ),
    strict=st.booleans(),
)
def test_damaged_input_raises_only_x12error(cuts: list[tuple[int, int]], insertions: list[tuple[int, str]],
                                            strict: bool) -> None:  # fmt: skip
    text = _SYNTHETIC_TEXT
    for at, length in cuts:
        text = text[:at] + text[at + length :]
    for at, extra in insertions:
        text = text[:at] + extra + text[at:]
    try:
        for parsed in read_claims(io.StringIO(text), strict=strict):
            assert parsed.claim.type_of_bill
    except X12Error as error:
        assert error.message


def test_a_file_without_its_segment_terminator_stops_early() -> None:
    """Memory stays bounded when the declared terminator never comes (here: ISA says '~', the body uses '!')."""
    text = _synthetic_text()
    isa_end = text.index("~") + 1
    body = text[isa_end:].replace("~", "!") * 400  # about 1 MB without a single '~'
    error = _error_of(text[:isa_end] + body)
    assert "no segment terminator" in error.message
    assert error.location["segment_number"] == 2


def test_errors_do_not_echo_patient_data() -> None:
    bad_birth_date = _error_of(_mutated("DMG*D8*19410302*F", "DMG*D8*19411302*F"))
    assert "19411302" not in str(bad_birth_date) and bad_birth_date.location["element"] == 2
    wrong_delimiter = _error_of(_mutated("NM1*IL*1*DOE0*JANE", "NM1|IL|1|DOE0|JANE"))
    assert "DOE0" not in str(wrong_delimiter) and "JANE" not in str(wrong_delimiter)
