"""The OpenAPI document is complete and correct: schemathesis generates requests for every operation (valid
and invalid ones), sends them to the in-process app and checks there is no server error, every status code
and content type is documented, and every response body matches its schema."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from hhbill import hcpcs
from hhbill._store import Store
from hhbill.web import Settings, create_api_key, create_app

#: examples per operation and generation mode (bounded: the whole module runs in well under a minute)
EXAMPLES = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
#: every operation of the API: a test below fails when the document gains one this list lacks
OPERATIONS = [
    ("GET", "/api/v1/health"),
    ("GET", "/api/v1/releases"),
    ("GET", "/api/v1/codes/{code}"),
    ("GET", "/api/v1/codes/{code}/history"),
    ("GET", "/api/v1/diff"),
    ("GET", "/api/v1/search"),
    ("GET", "/api/v1/suggest"),
    ("POST", "/api/v1/claims/build"),
    ("POST", "/api/v1/claims/check"),
    ("POST", "/api/v1/claims/837i"),
    ("POST", "/api/v1/timeline"),
    ("GET", "/api/v1/rvu/releases"),
    ("GET", "/api/v1/rvu/{code}"),
    ("GET", "/api/v1/log"),
    ("POST", "/api/v1/log"),
    ("DELETE", "/api/v1/log/{entry_id}"),
    ("GET", "/api/v1/log/report"),
    ("PUT", "/api/v1/log/target"),
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    store = Store(Path(tmp_path_factory.mktemp("web-schema")) / "hhbill.db")
    hcpcs.ensure_default(store)
    key = create_api_key(store, "schemathesis")[1]
    return create_app(store, settings=Settings(rate_limit=0)), key


@pytest.fixture(scope="module")
def api_schema(served):
    app, _key = served
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)


def test_every_operation_is_documented(api_schema) -> None:
    raw = api_schema.raw_schema
    documented = sorted((method.upper(), path) for path, item in raw["paths"].items() for method in item)
    assert documented == sorted(OPERATIONS)
    check = raw["paths"]["/api/v1/claims/check"]["post"]
    assert check["security"] == [{"APIKeyHeader": []}] and "401" in check["responses"]
    assert "security" not in raw["paths"]["/api/v1/codes/{code}"]["get"]
    assert raw["components"]["schemas"]["ErrorResponse"]["required"] == ["error"]


#: operations whose inputs accept anything (or which have none): there is no invalid request to generate
WITHOUT_INPUT = {
    ("GET", "/api/v1/health"),
    ("GET", "/api/v1/releases"),
    ("GET", "/api/v1/rvu/releases"),
    ("GET", "/api/v1/codes/{code}/history"),
}
CASES = [
    pytest.param(method, path, mode, id=f"{method} {path} {mode}")
    for method, path in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode is GenerationMode.POSITIVE or (method, path) not in WITHOUT_INPUT
]


@pytest.mark.parametrize(("method", "path", "mode"), CASES)
def test_api_conforms_to_its_schema(served, api_schema, method: str, path: str, mode: GenerationMode) -> None:
    _app, key = served
    operation = api_schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None
    )
    def conforms(case) -> None:
        case.call_and_validate(headers={"X-API-Key": key}, checks=CHECKS)

    conforms()
