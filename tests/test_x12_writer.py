"""837I writer: pyx12 validates what we write; read -> write and write -> read round trips."""

from __future__ import annotations

import dataclasses
import io
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from _x12_support import PRACTITIONERS, final_claim, pyx12_errors, replacement_claim, therapy_claim
from conftest import shared_path
from hhbill._errors import ClaimInputError
from hhbill.claims._model import Claim, Patient
from hhbill.x12 import Segment, WriterSettings, X12Reader, claims_to_x12, read_claims, write_837i
from test_x12_reader import INSTITUTIONAL_FILES, SYNTHETIC

SETTINGS = dict(payer_id="14011", practitioner_names=PRACTITIONERS, created=datetime(2026, 2, 10, 12, 0))


def _scenario_claims() -> list[Claim]:
    return [final_claim(0), final_claim(1), therapy_claim(), replacement_claim(), final_claim(4)]


def _comparable(claim: Claim) -> Claim:
    """What an 837I carries of a claim written from scratch: claim id defaults to CLM01, total to the lines;
    the builder's explanations (``because``, ``visit_index``) and who furnished a line (``furnished_by``: only
    its CQ/CO modifier travels) are not part of the 837I."""
    lines = [dataclasses.replace(line, because="", visit_index=None, furnished_by="") for line in claim.lines]
    copy = dataclasses.replace(claim, facts={}, lines=lines)
    copy.claim_id = claim.claim_id or claim.patient_control_number
    copy.total_charge = claim.total_charge if claim.total_charge is not None else claim.computed_total()
    return copy


# --------------------------------------------------------------------------------------------------------------
# pyx12 validates the writer's output


def test_scenario_claims_validate_in_pyx12_with_zero_errors(tmp_path: Path) -> None:
    pytest.importorskip("pyx12")
    path = tmp_path / "scenarios.837"
    with path.open("w") as out:
        written = write_837i(_scenario_claims(), out, WriterSettings(**SETTINGS, max_claims_per_transaction=2))
    assert written == 5
    assert pyx12_errors(path) == []
    text = path.read_text()
    assert text.count("ST*837*") == 3 and "GE*3*1~" in text


def test_synthetic_claims_rewritten_with_our_envelope_validate_in_pyx12(tmp_path: Path) -> None:
    pytest.importorskip("pyx12")
    claims = [p.claim for p in read_claims(shared_path(SYNTHETIC))]
    path = tmp_path / "rewritten.837"
    path.write_text(claims_to_x12(claims, WriterSettings(**SETTINGS, usage="P", line_break="")))
    assert "\n" not in path.read_text()
    assert pyx12_errors(path) == []


def test_pyx12_check_is_not_blind(tmp_path: Path) -> None:
    """The validator used above does report a damaged file (so zero errors means something)."""
    pytest.importorskip("pyx12")
    text = claims_to_x12([final_claim(0)], WriterSettings(**SETTINGS))
    path = tmp_path / "damaged.837"
    path.write_text(
        text.replace("CL1**1*30~", "CL1**1*30~\nCL1**1*30~").replace("SV2*0551*HC:G0299", "SV2*0551*XX:G0299")
    )
    assert len(pyx12_errors(path)) >= 2


# --------------------------------------------------------------------------------------------------------------
# write -> read


def test_write_then_read_reproduces_the_claim_model() -> None:
    claims = _scenario_claims()
    text = claims_to_x12(claims, WriterSettings(**SETTINGS, max_claims_per_transaction=2))
    parsed = list(read_claims(io.StringIO(text)))  # strict: what we write is conformant
    assert [_comparable(p.claim) for p in parsed] == [_comparable(c) for c in claims]
    assert parsed[3].claim.facts["payer_claim_control_number"] == "21500100100001TXA"
    assert parsed[2].claim.facts["claim_filing_indicator"] == "MB"
    assert parsed[0].claim.facts["attending_last_name"] == "SMITH"


@pytest.mark.parametrize("relative", INSTITUTIONAL_FILES, ids=lambda f: f.rsplit("/", 1)[-1])
def test_read_write_read_keeps_every_claim_field(relative: str) -> None:
    original = list(read_claims(shared_path(relative), strict=False))
    text = claims_to_x12([p.claim for p in original], WriterSettings.from_envelope(original[0].envelope))
    reread = X12Reader(io.StringIO(text), strict=False)
    again = list(reread)
    assert [p.claim for p in again] == [p.claim for p in original]
    # what is left are the version findings the envelope carries over, never a structural one
    assert {i.location["segment_id"] for i in reread.issues} <= {"ST", "ISA"}


# --------------------------------------------------------------------------------------------------------------
# read -> write, segment for segment (the normalisation rules of docs/X12.md)

#: loops the claim model does not carry (COB, drug, line providers and adjudication, pay-to)
NOT_CARRIED_LOOPS = {"2010AB", "2010AC", "2410", "2420A", "2420B", "2420C", "2420D", "2430", "2320"} | {
    f"2330{x}" for x in "ABCDEFGHI"
}
#: segments of carried loops that the model does not carry
NOT_CARRIED_SEGMENTS = {
    ("2010AA", "PER"), ("2010BA", "REF"), ("2010BB", "N3"), ("2010BB", "N4"), ("2010BB", "REF"),
    ("2010CA", "REF"), ("2000A", "CUR"), ("2310E", "N3"), ("2310E", "N4"),
    ("2300", "PWK"), ("2300", "CN1"), ("2300", "AMT"), ("2300", "K3"), ("2300", "CRC"), ("2300", "HCP"),
    ("2400", "PWK"), ("2400", "REF"), ("2400", "AMT"), ("2400", "NTE"), ("2400", "HCP"),
}  # fmt: skip
CARRIED_CLAIM_REFERENCES = {"F8", "9F", "G1", "EA", "D9"}


def _normalised_input(path: Path) -> tuple[list[str], bool]:
    """The input's segments as the writer is documented to reproduce them; whether the input was in TR3 order."""
    placed: list[tuple[str, Segment]] = []
    reader = X12Reader(path, strict=False, on_segment=lambda loop, segment: placed.append((loop, segment)))
    parsed = list(reader)
    in_order = not any("order" in i.message for i in reader.issues)
    body_component = parsed[0].envelope.component_in_body
    clm01 = ""
    kept: list[str] = []
    for loop, segment in placed:
        elements = list(segment.elements)
        sid = segment.id
        if not loop or loop in NOT_CARRIED_LOOPS or (loop, sid) in NOT_CARRIED_SEGMENTS:
            continue
        if sid == "CLM":
            clm01 = elements[1]
            composite = elements[5].split(body_component)
            elements[5] = body_component.join([composite[0], "A", composite[2]])  # CLM05-2 is always 'A'
            del elements[10:20]  # CLM10-CLM19 are not carried (CLM20 is)
        if (
            loop == "2300"
            and sid == "REF"
            and (elements[1] not in CARRIED_CLAIM_REFERENCES or (elements[1] == "D9" and elements[2] == clm01))
        ):
            continue
        if loop == "2300" and sid == "DTP" and elements[1] == "434" and elements[2] == "D8":
            elements[2:4] = ["RD8", f"{elements[3]}-{elements[3]}"]  # statement dates are always RD8
        if loop == "2400" and sid == "DTP" and elements[1] != "472":
            continue
        if sid == "SV2" and elements[2].count(body_component) >= 6:  # SV202-7 description is not carried
            elements[2] = body_component.join(elements[2].split(body_component)[:6])
        if sid == "ISA":
            elements[16] = body_component  # ISA16 is written as the separator the body uses
        while elements and elements[-1] == "":
            elements.pop()
        kept.append("*".join(elements))
    # the claim dates are written in TR3 order: 096 discharge hour, 434 statement, 435 admission
    dates = [i for i, text in enumerate(kept) if text.startswith(("DTP*096", "DTP*434", "DTP*435"))]
    runs: list[list[int]] = []
    for index in dates:
        if runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    for run in runs:
        kept[run[0] : run[-1] + 1] = sorted(kept[run[0] : run[-1] + 1])
    for index, text in enumerate(kept):  # SE01 is recounted
        if text.startswith("SE*"):
            start = max(i for i in range(index) if kept[i].startswith("ST*"))
            kept[index] = f"SE*{index - start + 1}*{text.split('*')[2]}"
    return kept, in_order


@pytest.mark.parametrize("relative", INSTITUTIONAL_FILES, ids=lambda f: f.rsplit("/", 1)[-1])
def test_read_then_write_reproduces_the_input_segment_for_segment(relative: str) -> None:
    path = shared_path(relative)
    expected, in_order = _normalised_input(path)
    parsed = list(read_claims(path, strict=False))
    settings = WriterSettings.from_envelope(parsed[0].envelope)
    settings.delimiters = dataclasses.replace(settings.delimiters, element="*")
    written = [s for s in claims_to_x12([p.claim for p in parsed], settings).replace("\n", "").split(
        settings.delimiters.segment) if s]  # fmt: skip
    if in_order:
        assert written == expected
    else:  # the writer puts out-of-order input back into TR3 order
        assert sorted(written) == sorted(expected)


def test_home_health_sample_round_trips_byte_for_byte() -> None:
    path = shared_path(SYNTHETIC)
    parsed = list(read_claims(path))
    text = claims_to_x12([p.claim for p in parsed], WriterSettings.from_envelope(parsed[0].envelope))
    assert text == path.read_text().rstrip("\n") + "\n"


# --------------------------------------------------------------------------------------------------------------
# what the writer refuses, and data that contains delimiters


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda c: setattr(c, "lines", []), "claims[0].lines"),
        (lambda c: setattr(c.patient, "mbi", ""), "claims[0].patient.mbi"),
        (lambda c: setattr(c, "attending_npi", "1999999984"), "claims[0].facts.attending_last_name"),
        (lambda c: setattr(c, "diagnoses", ["I10"] * 26), "claims[0]"),
        (lambda c: setattr(c, "remarks", "X" * 81), "claims[0].remarks"),
        (lambda c: setattr(c, "type_of_bill", "329"), "claims[0].type_of_bill"),
        (lambda c: setattr(c, "from_date", None), "claims[0].from_date"),
        (lambda c: setattr(c.billing_provider, "npi", ""), "claims[0].billing_provider.npi"),
        (lambda c: c.billing_provider.address.pop("zip"), "claims[0].billing_provider.address.zip"),
    ],
)
def test_claims_the_837i_cannot_carry_are_refused_with_the_field(change, field: str) -> None:  # type: ignore[no-untyped-def]
    claim = final_claim(0)
    claim.billing_provider = dataclasses.replace(claim.billing_provider, address=dict(claim.billing_provider.address))
    change(claim)
    with pytest.raises(ClaimInputError) as raised:
        claims_to_x12([claim], WriterSettings(**SETTINGS))
    assert raised.value.location["field"] == field


def test_no_claims_and_no_payer_id_are_refused() -> None:
    with pytest.raises(ClaimInputError):
        claims_to_x12([], WriterSettings(**SETTINGS))
    with pytest.raises(ClaimInputError, match="payer id"):
        claims_to_x12([final_claim(0)], WriterSettings(practitioner_names=PRACTITIONERS))


def test_delimiters_inside_data_are_replaced() -> None:
    claim = final_claim(0)
    claim.patient = dataclasses.replace(claim.patient, last_name="O*BRIEN~JR", first_name="ANN:MARIE")
    text = claims_to_x12([claim], WriterSettings(**SETTINGS))
    (parsed,) = read_claims(io.StringIO(text))
    assert parsed.claim.patient.last_name == "O BRIEN JR"
    assert parsed.claim.patient.first_name == "ANN MARIE"


def test_patient_other_than_subscriber_gets_a_patient_level() -> None:
    claim = final_claim(0)
    subscriber = Patient(mbi="1EG4TE5MK99", last_name="SPOUSE", first_name="PAT", birth_date=claim.patient.birth_date,
                         sex="M", address=dict(claim.patient.address))  # fmt: skip
    claim.facts.update(subscriber=subscriber, subscriber_relationship="01", patient_relationship="01")
    text = claims_to_x12([claim], WriterSettings(**SETTINGS))
    assert "HL*2*1*22*1~" in text and "HL*3*2*23*0~" in text
    (parsed,) = read_claims(io.StringIO(text))
    assert parsed.claim.facts["subscriber"] == subscriber
    assert parsed.claim.patient.last_name == claim.patient.last_name
    assert parsed.claim.patient.mbi == subscriber.mbi  # the claim is filed under the subscriber's id


def test_many_claims_stream_into_several_transactions() -> None:
    claims = (final_claim(i % 50) for i in range(120))  # a generator: the writer does not need a list
    out = io.StringIO()
    assert write_837i(claims, out, WriterSettings(**SETTINGS, max_claims_per_transaction=50)) == 120
    reader = X12Reader(io.StringIO(out.getvalue()))
    parsed = list(reader)
    assert len(parsed) == 120 and not reader.issues
    assert {p.envelope.transaction_control_number for p in parsed} == {"0001", "0002", "0003"}
    assert sum(p.claim.computed_total() for p in parsed) == 120 * final_claim(0).computed_total()
    assert all(p.claim.total_charge == Decimal("485.01") for p in parsed)


# --------------------------------------------------------------------------------------------------------------
# the claims builder's scenario claims (tests/claims_scenarios) written as 837I

#: what an 837I needs that the scenario inputs leave out (fictitious agency address/tax id, patient demographics)
X12_COMPLETION = {
    "patient_control_number": "PCN-X12-1",
    "provider": {
        "npi": "1987654328",
        "name": "RIVERBEND HOME HEALTH",
        "tax_id": "123456789",
        "address": {"line1": "1 RIVER RD", "city": "ALBANY", "state": "NY", "zip": "122070001"},
    },
    "patient": {
        "mbi": "1EG4TE5MK73",
        "last_name": "TESTPATIENT",
        "first_name": "ADA",
        "birth_date": "1940-02-03",
        "sex": "F",
        "address": {"line1": "5 ELM ST", "city": "ALBANY", "state": "NY", "zip": "122070001"},
    },
}


def _built_scenarios() -> tuple[list[Claim], dict[str, tuple[str, str]]]:
    from claims_scenarios.support import ATTENDING_NPI, CERTIFYING_NPI, NOA, PERIOD, THERAPY, fresh
    from hhbill.claims import build_claim, parse_claim_input

    claims = []
    for base in (PERIOD, THERAPY, NOA):
        data = fresh(base)
        data.update(fresh(X12_COMPLETION))
        data.setdefault("diagnoses", ["I5022"])  # the 837I needs a principal diagnosis on every claim
        claims.append(build_claim(parse_claim_input(data)))  # type: ignore[arg-type]
    return claims, {ATTENDING_NPI: ("SMITH", "JOHN"), CERTIFYING_NPI: ("JONES", "MARY")}


def test_builder_scenario_claims_validate_in_pyx12_and_read_back(tmp_path: Path) -> None:
    pytest.importorskip("pyx12")
    (period, therapy, noa), names = _built_scenarios()
    settings = WriterSettings(payer_id="14011", practitioner_names=names)
    path = tmp_path / "built.837"
    path.write_text(claims_to_x12([period, therapy], settings))
    assert pyx12_errors(path) == []
    parsed = list(read_claims(path))
    assert [_comparable(p.claim) for p in parsed] == [_comparable(period), _comparable(therapy)]
    assert [line.hcpcs for line in parsed[0].claim.lines] == [line.hcpcs for line in period.lines]
    # a NOA has no lines; an 837I claim needs one, and which line a NOA carries is not settled in the NGS NOA job
    # aid nor the 837I guide
    with pytest.raises(ClaimInputError, match="service line"):
        claims_to_x12([noa], settings)
