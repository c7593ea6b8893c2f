"""The OpenAPI schema: valid OpenAPI 3, generated without a drf-spectacular warning or error, written by
`manage.py spectacular` exactly as /api/schema/ serves it, and stating the API's conventions: page sizes,
cursor pages, and the error answers every operation can give, all with the one Error body."""

import io

import pytest
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS
from openapi_spec_validator import validate

from portal.api.pagination import MAX_LIMIT

pytestmark = pytest.mark.django_db

ERROR = {"$ref": "#/components/schemas/Error"}
WRITES = {"post", "put", "patch", "delete"}
CURSOR_LISTS = ["/t/{tenant}/api/v1/messages/", "/t/{tenant}/api/v1/conversations/",
                "/t/{tenant}/api/v1/conversations/{id}/messages/"]


@pytest.fixture
def schema(client) -> dict:
    return client.get("/api/schema/", {"format": "json"}).json()


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def page_schema(schema: dict, operation: dict) -> dict | None:
    """The component a 200 answer is, when it is a page of results (a link to the next page; a report whose
    rows come whole, such as usage/, is no page)."""
    content = operation["responses"].get("200", {}).get("content", {}).get("application/json", {})
    reference = content.get("schema", {}).get("$ref", "")
    component = schema["components"]["schemas"].get(reference.rsplit("/", 1)[-1], {})
    return component if {"results", "next"} <= set(component.get("properties", {})) else None


def test_the_served_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate(schema)


def test_generating_the_schema_gives_no_warning_and_no_error(client):
    GENERATOR_STATS.reset()
    assert client.get("/api/schema/").status_code == 200
    assert dict(GENERATOR_STATS._warn_cache) == {} and dict(GENERATOR_STATS._error_cache) == {}


def test_manage_py_spectacular_writes_the_served_schema_without_flags(client, tmp_path):
    served = client.get("/api/schema/").content.decode()
    assert "/t/{tenant}/api/v1/messages/" in served and "/api/v1/tenants/" in served
    out = io.StringIO()
    call_command("spectacular", stdout=out, stderr=io.StringIO())
    assert out.getvalue().rstrip("\n") == served.rstrip("\n")
    call_command("spectacular", file=str(tmp_path / "schema.yml"), stderr=io.StringIO())
    assert (tmp_path / "schema.yml").read_text() == served


def test_every_paginated_list_caps_its_page_size(schema):
    pages = [(path, operation) for path, method, operation in operations(schema)
             if method == "get" and page_schema(schema, operation)]
    assert len(pages) >= 10, [path for path, _ in pages]
    for path, operation in pages:
        limit = next(p for p in operation["parameters"] if p["name"] == "limit" and p["in"] == "query")
        assert limit["schema"]["maximum"] == MAX_LIMIT, path


def test_the_cursor_lists_are_documented_as_cursor_pages(schema):
    for path in CURSOR_LISTS:
        operation = schema["paths"][path]["get"]
        queries = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
        assert {"after", "before", "limit"} <= queries and "offset" not in queries, path
        page = page_schema(schema, operation)
        assert set(page["properties"]) == {"next", "previous", "results"}, path
        assert page["properties"]["next"]["nullable"] and page["properties"]["previous"]["nullable"]
    limit_offset = page_schema(schema, schema["paths"]["/t/{tenant}/api/v1/trunks/"]["get"])
    assert "count" in limit_offset["properties"]


def test_every_operation_documents_its_error_answers_with_the_error_body(schema):
    for path, method, operation in operations(schema):
        name = f"{method} {path}"
        responses = operation["responses"]
        errors = {status for status in responses if status[0] in "45"}
        assert all(responses[status]["content"]["application/json"]["schema"] == ERROR for status in errors), name
        assert {"429", "503"} <= errors, name
        assert "Retry-After" in responses["429"]["headers"] and "Retry-After" in responses["503"]["headers"], name
        secured = any(operation.get("security", []))
        if secured:
            assert {"401", "403"} <= errors, name
        if "{" in path:
            assert "404" in errors, name
        if method in WRITES - {"delete"}:
            assert "400" in errors, name
        if method in WRITES and secured:
            assert "409" in errors, name
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        if "Idempotency-Key" in headers:
            assert {"409", "422"} <= errors, name


def test_a_list_with_filters_documents_the_400_of_a_bad_value(schema):
    for path in ["/api/v1/tenants/", "/t/{tenant}/api/v1/messages/", "/t/{tenant}/api/v1/webhook-events/",
                 "/t/{tenant}/api/v1/conversations/"]:
        assert "400" in schema["paths"][path]["get"]["responses"], path
    # Only limit and offset, which never refuse a value: no 400 to document.
    assert "400" not in schema["paths"]["/t/{tenant}/api/v1/trunks/"]["get"]["responses"]
