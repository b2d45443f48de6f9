"""The OpenAPI document: valid, complete, and true (a bounded schemathesis run, in process)."""

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cms import create_app
from cms.accounts.actors import SYSTEM
from cms.accounts.tokens import create_token
from cms.api.openapi import document
from cms.content import service as services
from cms.content.categories import save_category
from cms.core.db import db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# Fuzzing only (positive and negative data), a bounded number of examples per operation.
CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"mode": "all", "max-examples": 12},
        "phases": {
            "examples": {"enabled": False},
            "coverage": {"enabled": False},
            "stateful": {"enabled": False},
        },
    }
)
BOUNDED = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
ALL_SCOPES = "content:read,content:write,notices:write,settings:write,media:write"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """One small site for the whole module, with something at the low ids paths will try."""
    app = create_app({
        "TESTING": True, "INSTANCE_PATH": str(tmp_path_factory.mktemp("schema")),
        "SECRET_KEY": "test", "DEMO_CONTENT": False, "SITE_URL": "http://localhost",
        "API_RATE_LIMIT": 10**6, "API_AUTH_FAILURE_LIMIT": 10**6,
    })  # fmt: skip
    with app.app_context():
        save_category({"name": "Therapy"}, actor=SYSTEM)
        for n in range(3):
            services.save_post({"title": f"Post {n}", "body": "*Hi*", "status": "published",
                                "categories": ["therapy"]}, actor=SYSTEM)  # fmt: skip
            services.save_page(
                {"title": f"Page {n}", "body": "Text", "status": "published"}, actor=SYSTEM
            )
    yield app
    db.close()


@pytest.fixture(scope="module")
def token(app):
    with app.app_context():
        return create_token("schemathesis", ALL_SCOPES, actor=SYSTEM)[1]


@pytest.fixture(scope="module")
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=CONFIG)


# Every operation of the document, as pytest parameters (the document needs no app).
OPERATIONS = [(m.upper(), p) for p, ops in document()["paths"].items() for m in ops]


def test_document_is_valid_openapi_3_1(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    validate(document)


def _documented(document) -> set[tuple[str, str]]:
    return {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}


def _routes(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        paths = [rule.rule]
        kinds = re.search(r"<any\(([^)]*)\):kind>", rule.rule)
        if kinds:
            names = kinds.group(1).split(",")
            paths = [rule.rule.replace(kinds.group(0), name.strip()) for name in names]
        for path in paths:
            path = re.sub(r"<api_id:revision_id>", "{revision_id}", path)
            path = re.sub(r"<api_id:\w+_id>", "{id}", path)
            path = re.sub(r"<(\w+)>", r"{\1}", path)
            found |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def test_every_route_is_documented_and_nothing_more(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert _routes(app) == _documented(document)


def test_every_admin_operation_needs_a_token_and_names_its_scopes(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for path, operations in document["paths"].items():
        for operation in operations.values():
            if path.startswith("/api/v1/admin/"):
                assert operation["security"] == [{"bearer": []}] and operation["x-scopes"]
                assert {"401", "403", "429"} <= set(operation["responses"])
            else:
                assert operation["security"] == []


def _fuzz(api_schema, method: str, path: str, headers: dict, extra_check=None) -> None:
    """Run bounded positive and negative examples of one operation through the checks."""
    operation = api_schema[path][method]
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @BOUNDED
    @given(case=cases)
    def run(case):
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        if extra_check:
            extra_check(response)

    run()


@pytest.mark.parametrize("method, path", OPERATIONS)
def test_operation_conforms_with_a_valid_token(api_schema, token, method, path):
    _fuzz(api_schema, method, path, {"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("method, path", OPERATIONS)
def test_operation_conforms_without_a_token(api_schema, method, path):
    def refused(response):
        if path.startswith("/api/v1/admin/"):
            assert response.status_code in (400, 401, 404), response.text

    _fuzz(api_schema, method, path, {}, refused)
