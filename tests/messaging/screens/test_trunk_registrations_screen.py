"""The Trunks screen's "Refresh from Bandwidth" and what each number shows about its registration; other tenants'
administrators and extension users get 404."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_tenants.utils import tenant_context

from messaging.models import PhoneNumber
from messaging.services.compliance import registrations
from tenants.models import Membership
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_redis")]

LIST, REFRESH = "/t/acme/trunks/", "/t/acme/trunks/refresh-registrations/"


def refreshes(published) -> int:
    return sum(1 for name, _args, _kwargs in published if name == "messaging.refresh_tenant_registrations")


def test_the_button_queues_a_refresh_and_says_so(client_a, raleigh, published, django_capture_on_commit_callbacks):
    assert 'data-testid="refresh-registrations"' in client_a.get(LIST).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(REFRESH, follow=True)
    assert response.redirect_chain[-1][0] == LIST
    assert "Reading 10DLC campaigns and toll-free verification from Bandwidth" in response.content.decode()
    assert refreshes(published) == 1


def test_a_second_press_while_one_waits_queues_nothing_more_until_the_refresh_runs(
        client_a, tenant_a, raleigh, published, django_capture_on_commit_callbacks, bandwidth):
    with django_capture_on_commit_callbacks(execute=True):
        client_a.post(REFRESH)
        response = client_a.post(REFRESH, follow=True)
    assert "already waiting for a worker" in response.content.decode()
    assert refreshes(published) == 1

    with tenant_context(tenant_a):
        registrations.refresh_registrations()  # what the queued task runs
    with django_capture_on_commit_callbacks(execute=True):
        client_a.post(REFRESH)
    assert refreshes(published) == 2


def test_get_does_not_refresh(client_a, raleigh, published):
    assert client_a.get(REFRESH).status_code == 405 and refreshes(published) == 0


@pytest.mark.parametrize("query", ["?x=%00", "?x=%ED%A0%80", "?x=" + "a" * 5000, "?n=" + "9" * 400])
def test_odd_query_strings_do_not_break_the_refresh(client_a, raleigh, published, query,
                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(REFRESH + query, {"x": "\x00"})
    assert response.status_code == 302 and refreshes(published) == 1


def test_numbers_show_bandwidths_class_status_rate_check_and_error(client_a, tenant_a, raleigh):
    with tenant_context(tenant_a):
        PhoneNumber.objects.filter(number="+19195550100").update(
            registration_source="bandwidth", ten_dlc_status="registered", campaign_id="C3DER", campaign_class="E",
            campaign_status="ACTIVE", campaign_rate_per_second=2.0, rate_per_second=None)
        PhoneNumber.objects.filter(number="+19195550101").update(
            registration_error="Bandwidth refused this call: give the credential the Campaign Management role")
        PhoneNumber.objects.create(trunk=raleigh, number="+18005550100", ten_dlc_status="not_applicable",
                                   registration_source="bandwidth", toll_free_status="unverified",
                                   toll_free_detail="Opt-in not shown")
    html = client_a.get(LIST).content.decode()
    assert "10DLC from Bandwidth · class E · campaign active" in html
    assert "2/s (10DLC class E)" in html
    assert "10DLC as typed" in html and "Campaign Management role" in html
    assert "toll-free verification: unverified</span> — Opt-in not shown" in html


def test_the_10dlc_notice_says_when_the_status_is_bandwidths(client_a, tenant_a, raleigh):
    with tenant_context(tenant_a):
        PhoneNumber.objects.filter(number="+19195550101").update(
            registration_source="bandwidth", ten_dlc_status="pending", campaign_id="CP1", campaign_status="PENDING")
    html = client_a.get(LIST).content.decode()
    assert "+19195550101 (pending, from Bandwidth: campaign CP1 pending)" in html


def test_admin_of_other_tenant_gets_404(client_b, raleigh, published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert client_b.post(REFRESH).status_code == 404
    assert refreshes(published) == 0


def test_extension_user_gets_404(tenant_a, raleigh, published, django_capture_on_commit_callbacks):
    user = get_user_model().objects.create_user(username="ext_trunks", password=PASSWORD)
    Membership.objects.create(user=user, tenant=tenant_a, role=Membership.Role.EXTENSION)
    client = Client()
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(REFRESH).status_code == 404
    assert refreshes(published) == 0
