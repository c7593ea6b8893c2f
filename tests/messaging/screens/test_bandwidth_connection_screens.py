"""The "Bandwidth connection" panel of a configuration's page: Connect, choosing a location, Check now, Repair, the
drift and errors in plain words; POST only, CSRF, tenant administrators only."""

import html

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_tenants.utils import tenant_context

from messaging.models import SmsConfiguration
from tenants.models import Membership
from tests.conftest import PASSWORD
from tests.messaging.bandwidth_connect_helpers import (
    APP_URL,
    DASHBOARD,
    SETTINGS_URL,
    TNS_URL,
    application_xml,
    fake_connect,
    fake_locations,
    mark_connected,
    refuse_lookups,
    settings_xml,
    tns_xml,
)
from tests.messaging.factories import APPLICATION_ID

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_portal")]


@pytest.fixture
def pages(acme_config):
    base = f"/t/acme/sms/{acme_config.pk}/"
    return {"detail": base, "connect": f"{base}bandwidth/connect/", "check": f"{base}bandwidth/check/",
            "repair": f"{base}bandwidth/repair/"}


def stored(tenant, config) -> SmsConfiguration:
    with tenant_context(tenant):
        return SmsConfiguration.objects.get(pk=config.pk)


def test_the_panel_offers_connect_and_keeps_the_manual_path(client_a, pages):
    page = client_a.get(pages["detail"]).content.decode()
    assert 'data-testid="bandwidth-connection"' in page and "Connect to Bandwidth" in page
    assert "Not connected from the portal" in page and "Number &amp; Account Management" in page
    assert 'data-testid="webhook-url"' in page  # Copy Webhook stays
    assert 'data-testid="repair-bandwidth"' not in page


def test_connect_connects_and_the_page_says_so_without_the_password(bandwidth, client_a, tenant_a, acme_config, pages):
    write, _ = fake_connect(bandwidth)
    answer = client_a.post(pages["connect"], follow=True)
    page = html.unescape(answer.content.decode())
    assert answer.redirect_chain[-1][0] == pages["detail"]
    assert "Connected: Bandwidth's messaging application" in page and "Connected from the portal on" in page
    config = stored(tenant_a, acme_config)
    assert config.connected_at is not None and config.bandwidth_sip_peer_id == "500"
    assert config.callback_password not in page and config.callback_username in page


def test_several_locations_show_a_choice_and_choosing_one_connects(bandwidth, client_a, tenant_a, acme_config, pages,
                                                                   second_did):
    fake_locations(bandwidth, peers=(("500", "PBX", ("9195550100",)), ("501", "Backup", ("9195550101",))))
    page = client_a.post(pages["connect"]).content.decode()
    assert "Several Bandwidth locations" in page
    assert page.count('data-testid="use-location"') == 2 and 'name="sip_peer_id" value="501"' in page
    bandwidth.get(APP_URL, body=application_xml())
    bandwidth.put(APP_URL, body=application_xml())
    assign = bandwidth.put(f"{DASHBOARD}/sites/399/sippeers/501/products/messaging/applicationSettings", body="")
    assert client_a.post(pages["connect"], {"site_id": "399", "sip_peer_id": "501"}).status_code == 302
    assert assign.call_count == 1 and stored(tenant_a, acme_config).bandwidth_sip_peer_id == "501"


def test_a_bandwidth_refusal_is_shown_in_plain_words(bandwidth, client_a, pages):
    refuse_lookups(bandwidth, 403)
    page = client_a.post(pages["connect"], follow=True).content.decode()
    assert "give the credential the Number &amp; Account Management role" in page


@pytest.mark.parametrize("body", [
    "site_id=399%00&sip_peer_id=500", "site_id=%ED%A0%80&sip_peer_id=500", f"site_id={'9' * 5000}&sip_peer_id=500",
    "site_id=399&sip_peer_id=", "site_id=1e999999&sip_peer_id=..%2F..",
])
def test_odd_location_ids_are_field_errors_not_calls(bandwidth, client_a, tenant_a, acme_config, pages, body):
    answer = client_a.post(pages["connect"], body, content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 200
    assert 'class="field has-error"' in answer.content.decode()
    assert len(bandwidth.calls) == 0 and stored(tenant_a, acme_config).connected_at is None



def test_check_now_shows_the_drift_in_plain_words_and_repair(bandwidth, client_a, tenant_a, acme_config, pages):
    mark_connected(tenant_a, acme_config)
    bandwidth.get(APP_URL, body=application_xml(url="https://old.example/", user="bw-cafe"))
    bandwidth.get(SETTINGS_URL, body=settings_xml(APPLICATION_ID))
    bandwidth.get(TNS_URL, body=tns_xml("9195550100"))
    page = client_a.post(pages["check"], follow=True).content.decode()
    assert "differs from what the portal expects in 2 place(s)" in page
    assert "<strong>Inbound callback URL</strong>: Bandwidth has <code>https://old.example/</code>" in page
    assert 'data-testid="repair-bandwidth"' in page


def test_check_now_shows_why_bandwidth_could_not_be_asked(bandwidth, client_a, tenant_a, acme_config, pages):
    mark_connected(tenant_a, acme_config)
    bandwidth.get(APP_URL, status=403, body="")
    page = client_a.post(pages["check"], follow=True).content.decode()
    assert 'data-testid="drift-error"' in page and "Number &amp; Account Management role" in page


def test_repair_writes_again_and_clears_the_drift(bandwidth, client_a, tenant_a, acme_config, pages):
    mark_connected(tenant_a, acme_config)
    with tenant_context(tenant_a):
        SmsConfiguration.objects.filter(pk=acme_config.pk).update(drift=[{"what": "x", "expected": "a", "found": "b"}])
    write, assign = fake_connect(bandwidth)
    page = client_a.post(pages["repair"], follow=True).content.decode()
    assert "Repaired" in page and write.call_count == assign.call_count == 1
    assert stored(tenant_a, acme_config).drift == []


@pytest.mark.parametrize("action", ["connect", "check", "repair"])
def test_actions_are_post_only(client_a, pages, action):
    assert client_a.get(pages[action]).status_code == 405


def test_actions_need_the_csrf_token(bandwidth, admin_a, tenant_a, acme_config, pages):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin_a)
    for action in ("connect", "check", "repair"):
        assert strict.post(pages[action]).status_code == 403
    assert len(bandwidth.calls) == 0


@pytest.fixture
def ext_client(tenant_a) -> Client:
    user = get_user_model().objects.create_user(username="ext_connect", password=PASSWORD)
    Membership.objects.create(user=user, tenant=tenant_a, role=Membership.Role.EXTENSION)
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("action", ["connect", "check", "repair"])
def test_other_tenants_admin_and_a_user_without_the_role_get_404(
        bandwidth, client_b, ext_client, tenant_a, acme_config, pages, action):
    for outsider in (client_b, ext_client):
        assert outsider.post(pages[action], {"site_id": "399", "sip_peer_id": "500"}).status_code == 404
    assert len(bandwidth.calls) == 0
    assert stored(tenant_a, acme_config).connected_at is None
