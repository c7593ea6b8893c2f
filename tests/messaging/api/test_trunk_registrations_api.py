"""The numbers' registration fields in /t/<slug>/api/v1/trunks/ (read-only) and POST trunks/refresh-registrations/:
queued for a worker, tenant administrators only, odd bodies ignored."""

import pytest
from django.contrib.auth import get_user_model
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from messaging.models import PhoneNumber
from tenants.models import Membership
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_redis")]

TRUNKS = "/t/acme/api/v1/trunks/"
REFRESH = f"{TRUNKS}refresh-registrations/"


def refreshes(published) -> int:
    return sum(1 for name, _args, _kwargs in published if name == "messaging.refresh_tenant_registrations")


def test_numbers_show_where_their_status_and_rate_come_from(api_a, tenant_a, raleigh, settings):
    settings.SMS_RATE_PER_NUMBER = 1.0
    with tenant_context(tenant_a):
        PhoneNumber.objects.filter(number="+19195550100").update(
            registration_source="bandwidth", campaign_class="E", campaign_status="ACTIVE",
            campaign_rate_per_second=2.0, registration_error="")
        PhoneNumber.objects.create(trunk=raleigh, number="+18005550100", ten_dlc_status="not_applicable",
                                   toll_free_status="unverified", toll_free_detail="Opt-in not shown",
                                   registration_error="Bandwidth refused this call: TFV role")
    numbers = {n["number"]: n for n in api_a.get(TRUNKS).json()["results"][0]["numbers"]}
    long_code, toll_free = numbers["+19195550100"], numbers["+18005550100"]
    assert (long_code["registration_source"], long_code["campaign_class"], long_code["campaign_status"]) == (
        "bandwidth", "E", "ACTIVE")
    assert (long_code["effective_rate"], long_code["effective_rate_source"]) == (2.0, "10DLC class E")
    assert long_code["is_toll_free"] is False and toll_free["is_toll_free"] is True
    assert (toll_free["toll_free_status"], toll_free["toll_free_detail"]) == ("unverified", "Opt-in not shown")
    assert "TFV role" in toll_free["registration_error"]
    assert (toll_free["effective_rate"], toll_free["effective_rate_source"]) == (1.0, "SMS_RATE_PER_NUMBER")


def test_registration_fields_cannot_be_written(api_a, tenant_a, raleigh):
    numbers = [{"number": "+19195550100", "registration_source": "bandwidth", "campaign_class": "A"}]
    response = api_a.patch(f"{TRUNKS}{raleigh.pk}/", {"numbers": numbers}, format="json")
    assert response.status_code == 400
    assert "unknown keys: campaign_class, registration_source" in response.json()["fields"]["numbers"][0]
    with tenant_context(tenant_a):
        assert PhoneNumber.objects.get(number="+19195550100").registration_source == "typed"


def test_refresh_answers_202_and_queues_one_refresh_in_the_tenant(api_a, raleigh, published,
                                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_a.post(REFRESH)
    assert response.status_code == 202 and "Bandwidth" in response.json()["detail"]
    assert refreshes(published) == 1


@pytest.mark.parametrize("body", [{"x": "\x00"}, '{"x": "\\ud800"}', {"x": "a" * 100_000}, {"n": 10**100}])
def test_refresh_ignores_odd_bodies(api_a, raleigh, published, django_capture_on_commit_callbacks, body):
    with django_capture_on_commit_callbacks(execute=True):
        if isinstance(body, str):
            response = api_a.post(REFRESH, body, content_type="application/json")
        else:
            response = api_a.post(REFRESH, body, format="json")
    assert response.status_code in (202, 400)  # a lone surrogate is the parser's 400, never a 500
    assert response.status_code == 400 or refreshes(published) == 1


def test_refresh_get_is_not_allowed(api_a, raleigh):
    assert api_a.get(REFRESH).status_code == 405


def test_admin_of_other_tenant_gets_404_and_nothing_is_queued(api_b, raleigh, published,
                                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_b.post(REFRESH)
    assert response.status_code == 404 and refreshes(published) == 0


def test_extension_user_gets_404_and_nothing_is_queued(tenant_a, raleigh, published,
                                                       django_capture_on_commit_callbacks):
    user = get_user_model().objects.create_user(username="ext_refresh", password=PASSWORD)
    Membership.objects.create(user=user, tenant=tenant_a, role=Membership.Role.EXTENSION)
    client = APIClient()
    client.force_authenticate(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REFRESH)
    assert response.status_code == 404 and refreshes(published) == 0


def test_refresh_is_in_the_openapi_schema(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    assert "post" in schema["paths"]["/t/{tenant}/api/v1/trunks/refresh-registrations/"]
