"""GET /t/<slug>/api/v1/usage/ and GET /api/v1/usage/: the Usage screens' figures as JSON, a month that is not
YYYY-MM a 400 with the one error body, other tenants' admins and extension users 404."""

import pytest

from tests.messaging.factories import DID
from tests.messaging.usage.helpers import november

TENANT_USAGE, ALL_USAGE = "/t/acme/api/v1/usage/", "/api/v1/usage/"
NOVEMBER_TOTALS = {"sms_sent": 3, "sms_sent_segments": 6, "mms_sent": 3, "sms_received": 3,
                   "sms_received_segments": 6, "mms_received": 3, "sms_failed": 2, "mms_failed": 1}


def test_tenant_usage_rows_and_totals(acme, api_a):
    november(acme)
    body = api_a.get(TENANT_USAGE, {"month": "2026-11"}).json()
    assert (body["month"], body["time_zone"]) == ("2026-11", "UTC")
    assert (body["start"], body["end"]) == ("2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z")
    assert body["results"][0] == {"number": DID, "extension": "101", "sms_sent": 2, "sms_sent_segments": 5,
                                  "mms_sent": 3, "sms_received": 1, "sms_received_segments": 2, "mms_received": 1,
                                  "sms_failed": 2, "mms_failed": 1}
    assert len(body["results"]) == 5
    assert body["totals"] == NOVEMBER_TOTALS


def test_no_month_is_the_current_month(acme, api_a):
    from django.utils import timezone

    assert api_a.get(TENANT_USAGE).json()["month"] == timezone.now().strftime("%Y-%m")


@pytest.mark.parametrize("path", [TENANT_USAGE, ALL_USAGE])
@pytest.mark.parametrize("month", ["2026-13", "2026-1", "x" * 300, "2026-11\x00"])
def test_a_month_that_is_not_yyyy_mm_is_a_400_with_the_error_body(acme, api_client, sysadmin, path, month):
    api_client.force_authenticate(sysadmin)
    response = api_client.get(path, {"month": month})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and set(body) == {"detail", "code", "fields"} and "month" in body["fields"]


def test_admin_of_other_tenant_gets_404(acme, api_b):
    assert api_b.get(TENANT_USAGE).status_code == 404


def test_extension_user_gets_404(acme, ext_api):
    assert ext_api.get(TENANT_USAGE).status_code == 404
    assert ext_api.get(ALL_USAGE).status_code == 404


def test_all_tenants_usage_has_a_row_per_tenant(acme, api_client, sysadmin):
    november(acme)
    api_client.force_authenticate(sysadmin)
    body = api_client.get(ALL_USAGE, {"month": "2026-11"}).json()
    assert [(row["tenant"], row["name"]) for row in body["results"]] == [("acme", "Acme Corp"), ("globex", "Globex")]
    assert {k: v for k, v in body["results"][0].items() if k not in ("tenant", "name")} == NOVEMBER_TOTALS
    assert body["totals"] == NOVEMBER_TOTALS


def test_all_tenants_usage_is_404_to_a_tenant_admin_and_401_signed_out(acme, api_a, client):
    assert api_a.get(ALL_USAGE).status_code == 404
    assert client.get(ALL_USAGE).status_code == 401


def test_both_endpoints_are_in_the_openapi_schema(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/v1/usage/", "/t/{tenant}/api/v1/usage/"):
        operation = schema["paths"][path]["get"]
        assert [p["name"] for p in operation["parameters"] if p["in"] == "query"] == ["month"]
        assert "400" in operation["responses"]
