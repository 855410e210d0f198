"""Claims across time, end to end: each JSON file in tests/claims_scenarios/sequences/ is a patient's claims in the
order an agency sends them. Each step is built, checked against the ledger (its expected findings asserted) and
recorded; then the patient's timeline is asserted. Run on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from claims_scenarios.support import SCENARIOS
from hhbill._store import Store
from hhbill.claims import (
    CheckContext,
    ClaimLedger,
    Timeline,
    build_claim,
    check_claim,
    open_ledger,
    period_from_dict,
    timeline,
)
from test_claims_ledger import postgres_url  # noqa: F401  (the module-scoped PostgreSQL server fixture)

SEQUENCES = SCENARIOS / "sequences"
NAMES = sorted(p.stem for p in SEQUENCES.glob("*.json"))


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SEQUENCES / f"{name}.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture(params=["sqlite", "postgres"])
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ClaimLedger]:
    if request.param == "sqlite":
        opened = open_ledger(Store(tmp_path / "ledger.db"))
    else:
        opened = open_ledger(url=request.getfixturevalue("postgres_url"))
        opened._backend.write([("DELETE FROM claims_ledger", ())])
    try:
        yield opened
    finally:
        opened.close()


def test_the_sequences_the_issue_asks_for() -> None:
    assert {
        "transfer_with_cc47",
        "transfer_without_cc47",
        "discharge_readmit_same_period",
        "therapy_during_and_after_period",
        "adjustment_and_cancel",
        "pt_ot_same_day",
    } <= set(NAMES)


def _check_step(step: dict[str, Any], defaults: dict[str, Any], ledger: ClaimLedger, today: date, where: str) -> None:
    claim = build_claim(period_from_dict({**defaults, **step["input"]}))
    result = check_claim(claim, CheckContext(ledger=ledger, today=today))
    messages = {f.id: f.message for f in result.findings}
    expect = step.get("expect", {})
    if "ok" in expect:
        assert result.ok is expect["ok"], (where, messages)
    for edit_id in expect.get("ids", []):
        assert edit_id in messages, (where, messages)
    for edit_id in expect.get("absent", []):
        assert edit_id not in messages, (where, messages)
    for edit_id, reason in expect.get("reason_codes", {}).items():
        assert {f.reason_code for f in result.findings if f.id == edit_id} == {reason}, where
    for edit_id, words in expect.get("message_contains", {}).items():
        for word in words:
            assert word in messages[edit_id], (where, messages[edit_id])
    if "lines" in expect:
        got = [[line.revenue_code, line.hcpcs, int(line.units), list(line.modifiers)] for line in claim.lines]
        assert got == expect["lines"], where
    if "condition_codes" in expect:
        assert claim.condition_codes == expect["condition_codes"], where
    for code, day in expect.get("occurrence_codes", {}).items():
        assert [str(oc.date) for oc in claim.occurrence_codes if oc.code == code] == [day], where
    if "record" in step:
        ledger.record(claim, step["record"], result.findings)


def _assert_timeline(found: Timeline, expect: dict[str, Any]) -> None:
    items = found.items
    for kind, start, npi in expect.get("items_include", []):
        assert any(i.kind == kind and str(i.start) == start and i.provider_npi == npi for i in items), (
            kind,
            start,
            [(i.kind, str(i.start), i.provider_npi) for i in items],
        )
    for start, timing in expect.get("timing", {}).items():
        periods = [i for i in items if i.kind == "period" and str(i.start) == start]
        assert periods and periods[0].timing.startswith(timing), (start, [p.timing for p in periods])
    for start, ids in expect.get("findings_on", {}).items():
        on_day = {f["id"] for i in items if str(i.start) == start for f in i.findings}
        assert set(ids) <= on_day, (start, on_day)
    for tob, words in expect.get("superseded", {}).items():
        assert any(i.type_of_bill == tob and words in i.superseded for i in items), tob
    for start, disciplines in expect.get("marks", {}).items():
        marks = {m["discipline"] for i in items if str(i.start) == start for m in i.marks}
        assert marks == set(disciplines)
    dates = {d.what: str(d.day) for d in found.next_dates}
    for what, day in expect.get("next_dates", {}).items():
        assert dates.get(what) == day, dates


@pytest.mark.parametrize("name", NAMES)
def test_sequence(name: str, ledger: ClaimLedger) -> None:
    spec = load(name)
    today = date.fromisoformat(spec["today"])
    for number, step in enumerate(spec["steps"], start=1):
        _check_step(step, spec["defaults"], ledger, today, f"{name} step {number}")
    found = timeline(ledger, spec["defaults"]["patient"]["mbi"], today=today)
    _assert_timeline(found, spec.get("timeline", {}))
    # the JSON twin carries the same items, and the text names every item kind
    assert [i["kind"] for i in found.to_dict()["items"]] == [i.kind for i in found.items]
    text = found.to_text()
    assert spec["defaults"]["patient"]["mbi"] not in text and "MBI *******" in text
