"""The claim form's one-field check: the claim input parser's own messages, field by field; patient fields never
checked on the server; the endpoint answers in JSON."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from hhbill._errors import InputError
from hhbill._store import Store
from hhbill.claim_form import FIELDS, check_claim_field, claim_form_choices
from hhbill.hipps import hipps_meaning
from hhbill.web import Settings, create_api_key, create_app


@pytest.mark.parametrize(
    ("key", "value", "context", "message"),
    [
        (
            "type_of_bill",
            "0111",
            None,
            "type of bill 0111 is not a home health bill type (032X under a HH plan of care, 034X Part B)",
        ),
        ("from", "2026-02-30", None, "'2026-02-30' is not a real date in the form YYYY-MM-DD"),
        ("through", "2026-01-01", {"from": "2026-02-01"}, "through 2026-01-01 is before from 2026-02-01"),
        ("cbsa", "123", None, "'123' is not a 5-digit code"),
        ("site_of_service", "moon", None, "'moon' is not one of assisted_living, home, other"),
        ("occurrence_codes", [{"code": "50"}], None, "occurrence_codes[0].date: is required"),
        ("value_codes", [{"code": "61", "amount": "x"}], None, "value_codes[0].amount: 'x' is not an amount"),
        ("provider.npi", 5.5, None, "expected text, got a number"),
        ("diagnoses", "I10", None, "expected a list, got text"),
    ],
)
def test_a_bad_field_gets_the_parsers_message(key: str, value: object, context: dict | None, message: str) -> None:
    check = check_claim_field(key, value, context)
    assert not check.ok and check.message == message


@pytest.mark.parametrize(
    ("key", "value", "meaning"),
    [
        ("type_of_bill", "0329", "Final claim for an HH PPS period"),
        ("type_of_bill", "329", "Final claim for an HH PPS period"),
        ("hipps", "1FC21", hipps_meaning("1FC21")),
        ("hipps", "9FC21", "not a PDGM HIPPS code: position 1 (admission source and timing) cannot be '9'"),
        ("diagnoses", ["I5022", "E119"], ""),
        ("condition_codes", ["07"], ""),
    ],
)
def test_a_good_field_is_ok_with_its_meaning(key: str, value: object, meaning: str) -> None:
    check = check_claim_field(key, value)
    assert check.ok and check.meaning == meaning


def test_patient_and_unknown_fields_are_refused() -> None:
    with pytest.raises(InputError, match="checked in the browser"):
        check_claim_field("patient.mbi", "1EG4TE5MK73")
    with pytest.raises(InputError, match="not a field of the claim form"):
        check_claim_field("visits", [])
    with pytest.raises(InputError, match="checked in the browser"):
        check_claim_field("patient_control_number", "PCN-1")  # the patient's account number: identity too
    assert not any(key.startswith("patient.") for key in FIELDS)
    assert check_claim_field("patient_status", "30").ok


def test_the_picker_offers_every_type_of_bill_with_its_meaning() -> None:
    choices = claim_form_choices()
    codes = {c["code"]: c["meaning"] for c in choices["type_of_bill"]}
    assert codes["0329"] == "Final claim for an HH PPS period" and "0341" in codes
    assert choices["site_of_service"] == ["home", "assisted_living", "other"]


@pytest.fixture
async def client(tmp_path) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    store = Store(tmp_path / "hhbill.db")
    key = create_api_key(store, "form tests")[1]
    app = create_app(store, settings=Settings(rate_limit=0))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://hhbill.test", headers={"X-API-Key": key}
    ) as client:
        yield client


@pytest.mark.anyio
async def test_the_field_endpoint(client: httpx.AsyncClient) -> None:
    body = (await client.post("/claims/field", data={"key": "hipps", "value": json.dumps("2CB31")})).json()
    assert body == {"key": "hipps", "ok": True, "message": "", "meaning": hipps_meaning("2CB31")}
    body = (
        await client.post(
            "/claims/field", data={"key": "through", "value": '"2026-01-01"', "context_from": "2026-02-01"}
        )
    ).json()
    assert body["ok"] is False and "before from 2026-02-01" in body["message"]
    refused = await client.post("/claims/field", data={"key": "patient.mbi", "value": '"1EG4TE5MK73"'})
    assert refused.status_code == 422 and "checked in the browser" in refused.json()["error"]["message"]
    assert "1EG4TE5MK73" not in refused.text
