"""Odd values in the inputs issue 13 added: the token endpoint's label and authenticator code, the usage month,
the Messages export's filters, a tenant's settings and a user's time zone. Each answers 4xx (the API with the one
error body) or a form error, never a 5xx: a NUL (PostgreSQL cannot store it), a lone surrogate (not UTF-8), a
superscript digit, a huge number."""

import json
from urllib.parse import quote

import pytest
from rest_framework.test import APIClient

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
FORM = "application/x-www-form-urlencoded"

ODD = ["\x00", "a\x00b", "\ud800", "¹", "٣", "-1", "9" * 40, "x" * 5000, " ", "2026-13", "2026-1", "0000-00",
       "9999-12", "😀"]


def raw(value: str) -> str:
    """The value percent-encoded as a client sends it: a lone surrogate as the bytes of no valid UTF-8."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def assert_no_5xx(answer) -> None:
    assert answer.status_code < 500, answer.content[:300]
    if answer.status_code == 400 and answer.get("Content-Type", "").startswith("application/json"):
        assert set(answer.json()) == {"detail", "code", "fields"}, answer.json()


@pytest.mark.parametrize("value", ODD)
@pytest.mark.parametrize("field", ["label", "otp_token", "username", "password"])
def test_token_endpoint(admin_a, field, value):
    # json.dumps escapes a lone surrogate as \ud800, as a client's JSON would carry it.
    body = json.dumps({"username": "admin_a", "password": PASSWORD, field: value})
    assert_no_5xx(APIClient().post("/api/v1/auth/token/", body, content_type="application/json"))


@pytest.mark.parametrize("value", ODD)
def test_usage_month(acme, api_a, client_a, sysadmin_client, value):
    assert_no_5xx(api_a.get(f"/t/acme/api/v1/usage/?month={raw(value)}"))
    for page in ("/t/acme/usage/", "/t/acme/usage/csv/"):
        assert_no_5xx(client_a.get(f"{page}?month={raw(value)}"))
    for page in ("/usage/", "/usage/csv/", "/api/v1/usage/"):
        assert_no_5xx(sysadmin_client.get(f"{page}?month={raw(value)}"))


@pytest.mark.parametrize("value", ODD)
@pytest.mark.parametrize("name", ["direction", "status", "extension", "number", "unrouted", "q"])
def test_messages_export_filters(acme, client_a, name, value):
    assert_no_5xx(client_a.get(f"/t/acme/messages/export/?{name}={raw(value)}"))


@pytest.mark.parametrize("value", ODD)
@pytest.mark.parametrize("field", ["time_zone", "retention_payload_days", "retention_media_days",
                                   "retention_message_days"])
def test_tenant_settings_form(acme, client_a, field, value):
    answer = client_a.post("/t/acme/settings/", f"{field}={raw(value)}", content_type=FORM)
    assert answer.status_code < 500


@pytest.mark.parametrize("value", ODD)
def test_own_time_zone(admin_a, client_a, value):
    assert client_a.post("/account/preferences/", f"time_zone={raw(value)}", content_type=FORM).status_code < 500
