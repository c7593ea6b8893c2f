"""/account/preferences/: a user's own time zone, which follows them into every tenant."""

import re
from datetime import UTC, datetime

import pytest
from django_tenants.utils import tenant_context

from messaging.models import AuditEntry
from tenants.models import Tenant, UserPreference

pytestmark = pytest.mark.django_db
PREFERENCES = "/account/preferences/"


def test_a_user_chooses_a_zone_and_every_tenant_shows_it(client_a, admin_a, tenant_a):
    Tenant.objects.filter(pk=tenant_a.pk).update(time_zone="America/New_York")
    assert client_a.get(PREFERENCES).status_code == 200
    assert client_a.post(PREFERENCES, {"time_zone": "Asia/Tokyo"}).status_code == 302
    assert UserPreference.objects.get(user=admin_a).time_zone == "Asia/Tokyo"
    with tenant_context(tenant_a):
        entry = AuditEntry.objects.create(action="create", object_type="trunk", object_id="1", object_repr="T")
        AuditEntry.objects.filter(pk=entry.pk).update(at=datetime(2026, 1, 15, 12, 0, tzinfo=UTC))
    page = client_a.get("/t/acme/audit/").content.decode()
    assert "2026-01-15 21:00:00 JST" in page and "When (Asia/Tokyo)" in page


def test_blank_follows_the_tenant_again(client_a, admin_a):
    UserPreference.objects.create(user=admin_a, time_zone="Asia/Tokyo")
    assert client_a.post(PREFERENCES, {"time_zone": ""}).status_code == 302
    assert UserPreference.objects.get(user=admin_a).time_zone == ""


def test_an_unknown_zone_is_a_form_error(client_a, admin_a):
    answer = client_a.post(PREFERENCES, {"time_zone": "Europe/Atlantis"})
    assert answer.status_code == 200
    assert re.search(r'data-field="time_zone".*field-error', answer.content.decode(), re.S)
    assert not UserPreference.objects.filter(user=admin_a).exists()


def test_signed_out_visitors_are_sent_to_sign_in(client):
    answer = client.get(PREFERENCES)
    assert answer.status_code == 302 and answer["Location"].startswith("/login/")
