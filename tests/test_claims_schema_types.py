"""The JSON Schema of the claim input and the parser agree field by field, types included: for every property of
both forms (and of visits, therapy services, lines, patient and provider), a value of a JSON type the schema does not
allow is refused by the parser with an error naming that field, and the base inputs, which the schema accepts, parse."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from claims_scenarios.support import NOA, PERIOD, THERAPY, fresh
from hhbill._errors import ClaimInputError
from hhbill.claims import parse_claim_input

SCHEMA = json.loads((Path(__file__).resolve().parent.parent / "docs/claim-input.schema.json").read_text("utf-8"))
PERIOD_FORM, LINE_FORM = SCHEMA["oneOf"]
#: one value of each JSON type
SAMPLES: dict[str, Any] = {"string": "x7", "integer": 7, "boolean": True, "array": [], "object": {}}

LINE_CLAIM: dict[str, Any] = {
    **{k: v for k, v in fresh(NOA).items()},
    "type_of_bill": "0329",
    "through": "2026-03-31",
    "lines": [{"revenue_code": "0551", "hcpcs": "G0299", "date": "2026-03-02", "units": 1, "charge": "10.00"}],
}


def _types(prop: dict[str, Any]) -> set[str]:
    kind = prop.get("type")
    if kind is None and "enum" in prop:
        kind = sorted({type(v).__name__.replace("str", "string").replace("bool", "boolean") for v in prop["enum"]})
    kinds = set([kind] if isinstance(kind, str) else kind or [])
    if "number" in kinds:
        kinds.add("integer")
    return kinds


def _cases() -> list[tuple[str, str, str]]:
    """(form, property path, JSON type the schema does not allow) for every property."""
    cases = []
    nested = {
        "visits": ("period", lambda p: p["items"]),
        "therapy_services": ("therapy", lambda p: p["items"]),
        "lines": ("line", lambda p: p["items"]),
        "patient": ("period", lambda p: p),
        "provider": ("period", lambda p: p),
    }
    for form_name, form in (("period", PERIOD_FORM), ("line", LINE_FORM)):
        for name, prop in form["properties"].items():
            if name in ("$schema", "description"):
                continue
            base = "therapy" if name in ("therapy_services", "therapy_plans", "ytd_therapy_spend") else form_name
            cases.extend((base, name, kind) for kind in SAMPLES if kind not in _types(prop))
            if name in nested and nested[name][0] in (base, form_name):
                inner = nested[name][1](prop)
                for sub, sub_prop in inner.get("properties", {}).items():
                    path = f"{name}[0].{sub}" if "items" in prop else f"{name}.{sub}"
                    cases.extend((nested[name][0], path, kind) for kind in SAMPLES if kind not in _types(sub_prop))
    return sorted(set(cases))


def _base(form: str) -> dict[str, Any]:
    return fresh({"period": PERIOD, "therapy": THERAPY, "line": LINE_CLAIM}[form])


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    if "." not in path:
        data[path] = value
        return
    head, sub = path.split(".", 1)
    if head.endswith("[0]"):
        data[head[:-3]][0][sub] = value
    else:
        data.setdefault(head, {})[sub] = value


@pytest.mark.parametrize("form", ["period", "therapy", "line"])
def test_the_base_inputs_parse(form: str) -> None:
    parse_claim_input(_base(form))


@pytest.mark.parametrize(("form", "path", "kind"), _cases())
def test_a_type_the_schema_refuses_is_refused_by_the_parser(form: str, path: str, kind: str) -> None:
    data = _base(form)
    _set(data, path, SAMPLES[kind])
    with pytest.raises(ClaimInputError) as err:
        parse_claim_input(data)
    where = str(err.value.location.get("field", ""))
    assert where.startswith(path.split("[")[0].split(".")[0]), (path, kind, where, err.value.message)


# --- typed claim facts ------------------------------------------------------------------------------------------------


def _conforms(value: Any, hint: Any) -> bool:
    """Whether ``value`` is of the type ``hint`` (the few forms ClaimFacts uses: X | None, list[X], dict[K, V])."""
    import types
    import typing

    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_conforms(value, arg) for arg in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if origin is list:
        (item,) = typing.get_args(hint)
        return isinstance(value, list) and all(_conforms(v, item) for v in value)
    if origin is dict:
        key, item = typing.get_args(hint)
        return isinstance(value, dict) and all(_conforms(k, key) and _conforms(v, item) for k, v in value.items())
    if hint is object:
        return True
    return isinstance(value, hint) and not (hint is int and isinstance(value, bool))


@pytest.mark.parametrize("form", ["period", "therapy", "line"])
def test_claim_facts_hold_the_types_they_declare(form: str) -> None:
    import typing

    from hhbill.claims import BuildSettings, PeriodOfCare, build_claim
    from hhbill.claims._model import ClaimFacts

    data = _base(form)
    if form == "line":
        data.update(
            {
                "telehealth_services": {"video": 2},
                "remote_monitoring_days": 5,
                "ytd_therapy_spend": {"pt_slp": "10.00"},
                "first_period": True,
                "transfer_from_other_hha": True,
                "pfs_locality": "13202:01",
                "discharge_date": "2026-03-31",
            }
        )
    parsed = parse_claim_input(data)
    claim = build_claim(parsed, BuildSettings()) if isinstance(parsed, PeriodOfCare) else parsed
    hints = typing.get_type_hints(ClaimFacts)
    given = {name for name in claim.facts if name in hints}
    assert given, "the input sets typed facts"
    for name in hints:
        value = getattr(claim.facts, name)
        assert _conforms(value, hints[name]), (name, value, hints[name])


def test_claim_facts_read_by_name_like_the_former_dict() -> None:
    from datetime import date

    from hhbill.claims import Claim
    from hhbill.claims._model import ClaimFacts

    claim = Claim("0329", facts={"noa_receipt_date": date(2026, 3, 4), "payer_id": "14011"})  # type: ignore[arg-type]
    assert isinstance(claim.facts, ClaimFacts) and claim.facts.noa_receipt_date == date(2026, 3, 4)
    assert claim.facts["payer_id"] == "14011" and claim.facts.extra == {"payer_id": "14011"}
    assert "discharge_date" not in claim.facts and claim.facts.get("discharge_date") is None
    with pytest.raises(KeyError):
        claim.facts["discharge_date"]
    claim.facts.pop("noa_receipt_date")
    assert claim.facts.noa_receipt_date is None and dict(claim.facts) == {"payer_id": "14011"}
    claim.facts.setdefault("claim_notes", []).append("x")  # type: ignore[attr-defined]
    assert claim.facts.to_dict() == {"payer_id": "14011", "claim_notes": ["x"]}


def test_a_plain_dict_assigned_later_is_read_as_typed_facts() -> None:
    from datetime import date

    from hhbill.claims import CheckContext, build_claim, check_claim, claim_to_dict

    claim = build_claim(parse_claim_input(_base("period")))  # type: ignore[arg-type]
    claim.facts = {"noa_receipt_date": date(2026, 4, 20), "site_of_service": "home"}  # type: ignore[assignment]
    assert "noa-late-whole-period" in check_claim(claim, CheckContext()).ids()
    assert claim_to_dict(claim)["facts"]["noa_receipt_date"] == "2026-04-20"
