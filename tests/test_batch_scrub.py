"""``hhbill batch scrub``: folders of 837I and claim JSON to Parquet, locally and on a real 2-worker LocalCluster,
equal claim by claim to the single-process ``claim check`` of each file."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from _x12_support import PRACTITIONERS, final_claim, therapy_claim
from hhbill._store import Store
from hhbill.batch import discover, plan_units, scrub_to_parquet, snapshot_from_store
from hhbill.claims import Claim, check_claim, check_input, claim_to_dict, context_for_store, open_ledger
from hhbill.x12 import WriterSettings, claims_to_x12, scrub_file

TODAY = date(2026, 6, 1)
SETTINGS = WriterSettings(payer_id="14011", practitioner_names=PRACTITIONERS, max_claims_per_transaction=3)


def faulty_claims() -> list[Claim]:
    """Twelve claims, some with known faults: a bad MBI, a line outside the period, a wrong total, a duplicate."""
    claims = [final_claim(n) for n in range(12)]
    claims[1].patient.mbi = "1EG4TE5MK0"  # 10 characters
    claims[4].lines[2] = replace(claims[4].lines[2], service_date=date(2026, 3, 1))  # after Through
    claims[6].total_charge = Decimal("1.00")  # not the sum of the lines
    claims[8].lines[1] = replace(claims[8].lines[1], units=Decimal("2.5"))
    return claims


def claim_json(claim: Claim) -> str:
    """The claim as a claim input (docs/CLAIMS.md): the rendering without its explanations."""
    data = json.loads(json.dumps(claim_to_dict(claim), default=str))
    for key in ("occurrence_spans", "facts"):
        data.pop(key, None)
    known = {"charge", "date", "hcpcs", "modifiers", "non_covered_charge", "revenue_code", "units"}
    data["lines"] = [{k: v for k, v in line.items() if k in known} for line in data["lines"]]
    return json.dumps(data)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("batch")
    (root / "x12").mkdir()
    (root / "json").mkdir()
    (root / "bad").mkdir()
    claims = faulty_claims()
    (root / "x12" / "multi.837").write_text(claims_to_x12(claims, SETTINGS))  # 4 transaction sets
    (root / "x12" / "single.837").write_text(claims_to_x12([therapy_claim(), final_claim(20)], SETTINGS))
    whole = claims_to_x12([final_claim(30), final_claim(31)], SETTINGS)
    (root / "bad" / "truncated.837").write_text(whole[: whole.index("CLM*PCN0000031")])
    (root / "bad" / "notes.837").write_text("these are not claims\n")
    for n, claim in enumerate([final_claim(40), faulty_claims()[1], therapy_claim()]):
        (root / "json" / f"claim{n}.json").write_text(claim_json(claim))
    (root / "json" / "broken.json").write_text('{"type_of_bill": "0329", ')
    return root


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A store whose ledger holds claim 9 of multi.837 as submitted: the batch must flag it as a duplicate."""
    store = Store(tmp_path_factory.mktemp("db") / "hhbill.db")
    ledger = open_ledger(store)
    ledger.record(faulty_claims()[9], "submitted")
    ledger.close()
    return store


def expected_rows(
    folder: Path, store: Store, *, with_ledger: bool
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Claim and finding rows as the single-process `claim check` of each file gives them."""
    ledger = open_ledger(store) if with_ledger else None
    context = context_for_store(store, ledger=ledger, today=TODAY)
    claims: list[tuple[Any, ...]] = []
    findings: list[tuple[Any, ...]] = []
    for entry in discover([folder]):
        if entry.kind == "x12":
            report = scrub_file(entry.path, lambda claim: check_claim(claim, context))
            checked = [(c.ordinal, c.claim_id, c.patient_control_number, c.result.findings) for c in report.claims]
            parsed = [p.claim for p in __import__("hhbill.x12", fromlist=["read_claims"]).read_claims(entry.path)
                      ] if report.error is None else None  # fmt: skip
        elif entry.kind == "json":
            try:
                claim, result = check_input(json.loads(Path(entry.path).read_text()), context)
            except Exception:
                continue
            checked = [(1, claim.claim_id or claim.patient_control_number, claim.patient_control_number,
                        result.findings)]  # fmt: skip
            parsed = [claim]
        else:
            continue
        for position, (ordinal, claim_id, pcn, claim_findings) in enumerate(checked):
            counts = {"error": 0, "warning": 0}
            for f in claim_findings:
                counts[f.severity] = counts.get(f.severity, 0) + 1
                findings.append((entry.path, ordinal, claim_id, f.id, f.severity, f.reason_code, f.line, f.message))
            source = parsed[position] if parsed else None
            claims.append(
                (entry.path, ordinal, claim_id, pcn, counts["error"], counts["warning"])
                + ((source.type_of_bill, source.from_date, source.through_date) if source else ())
            )
    if ledger is not None:
        ledger.close()
    return claims, findings


def parquet_rows(out: Path) -> dict[str, list[dict[str, Any]]]:
    return {name: pq.read_table(out / f"{name}.parquet").to_pylist() for name in ("claims", "findings", "files")}


def compare(out: Path, folder: Path, store: Store, *, with_ledger: bool) -> dict[str, list[dict[str, Any]]]:
    rows = parquet_rows(out)
    claims, findings = expected_rows(folder, store, with_ledger=with_ledger)
    got_claims = [
        (r["file"], r["ordinal"], r["claim_id"], r["patient_control_number"], r["error_count"], r["warning_count"])
        for r in rows["claims"]
    ]
    assert got_claims == [c[:6] for c in claims]
    for row, claim in zip(rows["claims"], claims, strict=True):
        if len(claim) > 6:
            assert (row["type_of_bill"], row["from"], row["through"]) == claim[6:]
    got_findings = [tuple(r.values()) for r in rows["findings"]]
    assert got_findings == findings
    return rows


def test_planning_splits_a_large_837i_between_transaction_sets(folder: Path) -> None:
    entries = discover([folder])
    kinds = {Path(e.path).name: e.kind for e in entries}
    assert kinds == {
        "multi.837": "x12",
        "single.837": "x12",
        "truncated.837": "x12",
        "notes.837": "unknown",
        "claim0.json": "json",
        "claim1.json": "json",
        "claim2.json": "json",
        "broken.json": "json",
    }
    units = list(plan_units(entries, split_bytes=1500))
    multi = [u for u in units if u.paths[0].endswith("multi.837")]
    assert len(multi) == 4 and [u.piece.transactions for u in multi if u.piece] == [1, 1, 1, 1]
    assert [u.last_piece for u in multi] == [False, False, False, True]
    # the truncated file has no IEA: it is not cut, the reader reports it whole
    assert len([u for u in units if u.paths[0].endswith("truncated.837")]) == 1


def test_local_engine_equals_claim_check_claim_by_claim(folder: Path, store: Store, tmp_path: Path) -> None:
    snapshot = snapshot_from_store(store, today=TODAY)
    summary = scrub_to_parquet([folder], tmp_path, snapshot, split_bytes=1500)
    rows = compare(tmp_path, folder, store, with_ledger=False)
    assert summary.claims == len(rows["claims"]) == 12 + 2 + 1 + 3
    assert summary.exit_status == 1  # a file could not be read
    files = {Path(r["file"]).name: r for r in rows["files"]}
    assert files["truncated.837"]["status"] == "error" and files["truncated.837"]["claims"] == 1
    assert "truncated" in files["truncated.837"]["message"]
    assert files["notes.837"]["status"] == "error" and "ISA" in files["notes.837"]["message"]
    assert files["broken.json"]["status"] == "error" and "JSON" in files["broken.json"]["message"]
    assert files["multi.837"]["claims"] == 12 and files["multi.837"]["status"] == "claims_with_errors"
    edit_ids = {(r["ordinal"], r["edit_id"]) for r in rows["findings"] if r["file"].endswith("multi.837")}
    assert {(2, "mbi-format"), (7, "total-charge")} <= edit_ids
    assert not any(r["edit_id"] == "duplicate-claim" for r in rows["findings"])  # no ledger, as `claim check`


def test_dask_cluster_of_two_workers_equals_claim_check_with_the_ledger(
    folder: Path, store: Store, tmp_path: Path
) -> None:
    snapshot = snapshot_from_store(store, today=TODAY)
    ledger = open_ledger(store)
    try:
        summary = scrub_to_parquet(
            [folder], tmp_path / "dask", snapshot, engine="dask", workers=2, ledger=ledger, split_bytes=1500
        )
    finally:
        ledger.close()
    assert summary.engine == "dask" and summary.workers == 2
    rows = compare(tmp_path / "dask", folder, store, with_ledger=True)
    duplicates = [(Path(r["file"]).name, r["ordinal"]) for r in rows["findings"] if r["edit_id"] == "duplicate-claim"]
    assert duplicates == [("multi.837", 10)]
    # the same run in this process writes the same rows
    ledger = open_ledger(store)
    try:
        scrub_to_parquet([folder], tmp_path / "local", snapshot, ledger=ledger, split_bytes=1500)
    finally:
        ledger.close()
    assert parquet_rows(tmp_path / "local") == rows


def test_dask_cluster_of_two_workers_equals_claim_check_without_the_ledger(
    folder: Path, store: Store, tmp_path: Path
) -> None:
    """Without the ledger the workers make the output tables themselves (the client only concatenates them and
    moves the ordinals of split files): the rows are those of `claim check` and of the local engine."""
    snapshot = snapshot_from_store(store, today=TODAY)
    summary = scrub_to_parquet([folder], tmp_path / "dask", snapshot, engine="dask", workers=2, split_bytes=1500)
    rows = compare(tmp_path / "dask", folder, store, with_ledger=False)
    local = scrub_to_parquet([folder], tmp_path / "local", snapshot, split_bytes=1500)
    assert parquet_rows(tmp_path / "local") == rows
    assert (summary.claims, summary.claims_with_errors, summary.findings) == (
        local.claims,
        local.claims_with_errors,
        local.findings,
    )
    ordinals = [r["ordinal"] for r in rows["claims"] if r["file"].endswith("multi.837")]
    assert ordinals == list(range(1, 13))  # split in pieces, numbered as one file


def test_output_keeps_row_order_across_rows_and_worker_tables(tmp_path: Path) -> None:
    from hhbill.batch._output import FILES_SCHEMA, BatchOutput, table_of

    output = BatchOutput(tmp_path, rows_per_group=3)
    row = ("a.837", "x12", "ok", 1, None)
    output.add("files", row)
    worker_rows = [("b.837", "x12", "ok", 2, None), ("c.837", "x12", "ok", 3, None)]
    output.add_table("files", table_of(FILES_SCHEMA, worker_rows))
    output.add("files", ("d.837", "x12", "ok", 4, None))
    output.add_table("files", table_of(FILES_SCHEMA, []))
    output.add_table("files", table_of(FILES_SCHEMA, [("e.837", "x12", "error", 0, "broken")]))
    output.close()
    files = pq.read_table(tmp_path / "files.parquet").to_pylist()
    assert [f["file"] for f in files] == ["a.837", "b.837", "c.837", "d.837", "e.837"]
    assert files[-1]["message"] == "broken"


def test_recording_finds_duplicates_within_the_run_in_a_fixed_order(store: Store, tmp_path: Path) -> None:
    claim = final_claim(50)
    for name in ("a.json", "b.json"):
        (tmp_path / "in" / name).parent.mkdir(exist_ok=True)
        (tmp_path / "in" / name).write_text(claim_json(claim))
    snapshot = snapshot_from_store(store, today=TODAY)
    fresh = Store(tmp_path / "fresh.db")
    ledger = open_ledger(fresh)
    try:
        summary = scrub_to_parquet([tmp_path / "in"], tmp_path / "out", snapshot, ledger=ledger, record="submitted")
    finally:
        ledger.close()
    rows = parquet_rows(tmp_path / "out")
    flagged = [Path(r["file"]).name for r in rows["findings"] if r["edit_id"] == "duplicate-claim"]
    assert flagged == ["b.json"] and summary.exit_status == 3


def test_output_holds_no_names_birth_dates_or_mbis(folder: Path, store: Store, tmp_path: Path) -> None:
    snapshot = snapshot_from_store(store, today=TODAY)
    scrub_to_parquet([folder], tmp_path, snapshot, split_bytes=1500)
    text = json.dumps(parquet_rows(tmp_path), default=str)
    for claim in [*faulty_claims(), final_claim(20), final_claim(30), final_claim(40), therapy_claim()]:
        assert claim.patient.last_name not in text
        assert claim.patient.mbi not in text
        assert claim.patient.birth_date is not None and claim.patient.birth_date.isoformat() not in text


def test_recorded_claims_keep_their_findings_for_the_timeline(store: Store, tmp_path: Path) -> None:
    claim = final_claim(60)
    claim.patient.mbi = "1EG4TE5MK0"  # a finding to keep
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "one.json").write_text(claim_json(claim))
    fresh = Store(tmp_path / "fresh.db")
    ledger = open_ledger(fresh)
    try:
        scrub_to_parquet([tmp_path / "in"], tmp_path / "out", snapshot_from_store(store, today=TODAY), ledger=ledger,
                         record="checked")  # fmt: skip
    finally:
        ledger.close()
    details = [row[0] for row in fresh.execute("SELECT details FROM claims_ledger")]
    assert len(details) == 1 and '"mbi-format"' in details[0]
    assert claim.patient.mbi not in details[0] and claim.patient.last_name not in details[0]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("GE*4*", "GE*5*"),  # a wrong transaction count
        ("GS*HC*", "GS*HC~GS*HC*"),  # a short GS before the real one
        ("IEA*1*", "IEA*2*"),  # a wrong group count
    ],
)
def test_a_file_with_odd_envelopes_is_read_whole_not_cut(tmp_path: Path, old: str, new: str) -> None:
    text = claims_to_x12(faulty_claims(), SETTINGS)
    assert old in text
    path = tmp_path / "odd.837"
    path.write_text(text.replace(old, new, 1))
    units = list(plan_units(discover([path]), split_bytes=1500))
    assert len(units) == 1 and units[0].piece is None
