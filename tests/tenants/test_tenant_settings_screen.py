"""The tenant's Settings screen: time zone and retention periods, validated; only its administrators (and system
administrators) reach it."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tenants.models import Membership, Tenant
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
SETTINGS = "/t/acme/settings/"
VALID = {"time_zone": "America/New_York", "retention_payload_days": "7", "retention_media_days": "",
         "retention_message_days": "365"}


def acme() -> Tenant:
    return Tenant.objects.get(slug="acme")


def test_the_administrator_sets_the_zone_and_periods(client_a):
    assert client_a.get(SETTINGS).status_code == 200
    answer = client_a.post(SETTINGS, VALID)
    assert answer.status_code == 302
    tenant = acme()
    assert (tenant.time_zone, tenant.retention_payload_days, tenant.retention_media_days,
            tenant.retention_message_days) == ("America/New_York", 7, None, 365)
    assert "Time zone" in client_a.get(SETTINGS).content.decode()


def test_an_unknown_zone_is_a_form_error_and_nothing_is_saved(client_a):
    answer = client_a.post(SETTINGS, VALID | {"time_zone": "Mars/Olympus_Mons"})
    assert answer.status_code == 200
    assert 'data-field="time_zone"' in answer.content.decode() and "field-error" in answer.content.decode()
    assert acme().time_zone == ""


def test_callbacks_cannot_be_kept_less_than_two_days(client_a):
    answer = client_a.post(SETTINGS, VALID | {"retention_payload_days": "1"})
    assert answer.status_code == 200
    assert "Bandwidth retries one for 24 hours" in answer.content.decode()
    assert acme().retention_payload_days is None


def test_negative_or_non_numeric_periods_are_form_errors(client_a):
    for bad in ("-3", "soon"):
        answer = client_a.post(SETTINGS, VALID | {"retention_message_days": bad})
        assert answer.status_code == 200 and "field-error" in answer.content.decode()
    assert acme().retention_message_days is None


def test_a_system_administrator_may_change_them_while_managing(sysadmin_client):
    assert sysadmin_client.post(SETTINGS, VALID).status_code == 302
    assert acme().time_zone == "America/New_York"


def test_the_administrator_of_another_tenant_gets_404(client_b):
    assert client_b.get(SETTINGS).status_code == 404
    assert client_b.post(SETTINGS, VALID).status_code == 404
    assert acme().time_zone == ""


def test_an_extension_user_gets_404(tenant_a):
    user = get_user_model().objects.create_user(username="ext_user", password=PASSWORD)
    Membership.objects.create(user=user, tenant=tenant_a, role=Membership.Role.EXTENSION)
    client = Client()
    client.force_login(user)
    assert client.get(SETTINGS).status_code == 404
    assert client.post(SETTINGS, VALID).status_code == 404
    assert acme().time_zone == ""


def test_the_tenant_page_of_the_system_administrator_shows_the_tenants_zone(sysadmin_client):
    Tenant.objects.filter(slug="acme").update(time_zone="America/New_York")
    page = sysadmin_client.get("/tenants/acme/").content.decode()
    assert re.search(r"created \d{4}-\d\d-\d\d \d\d:\d\d E[SD]T", page)
