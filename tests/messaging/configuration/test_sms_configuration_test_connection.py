"""Test connection against Bandwidth faked at the HTTP level."""

import base64
import datetime

import pytest
import requests
import responses
from django_tenants.utils import tenant_context

from messaging.services.configuration import sms_configurations as service
from tests.messaging.factories import CLIENT_SECRET, MEDIA_URL, TOKEN_URL, configuration_data

# No token unless the test issues one: the tests look at the token request itself.
pytestmark = [pytest.mark.django_db, pytest.mark.bandwidth(token=None)]


def issue_token(bandwidth, status=200):
    body = (
        {"access_token": "tok-1", "token_type": "Bearer", "expires_in": 3600}
        if status == 200
        else {"error": "invalid_client"}
    )
    bandwidth.add(responses.POST, TOKEN_URL, json=body, status=status)


def test_oauth_success_fetches_a_token_then_calls_the_account(client_a, acme_config, bandwidth):
    issue_token(bandwidth)
    bandwidth.add(responses.GET, MEDIA_URL, json=[], status=200)

    page = client_a.post(f"/t/acme/sms/{acme_config.pk}/test-connection/", follow=True)

    assert "Connected" in page.content.decode()
    token_call, api_call = bandwidth.calls
    expected = base64.b64encode(f"client-id-123:{CLIENT_SECRET}".encode()).decode()
    assert token_call.request.headers["Authorization"] == f"Basic {expected}"
    assert "grant_type=client_credentials" in token_call.request.body
    assert api_call.request.headers["Authorization"] == "Bearer tok-1"


def test_refused_client_credentials_say_wrong_credentials(tenant_a, acme_config, bandwidth):
    issue_token(bandwidth, status=401)
    with tenant_context(tenant_a):
        result = service.check_connection(configuration=acme_config)
    assert not result.ok and "refused the Client ID and Client Secret" in result.message


def test_forbidden_says_no_permission(tenant_a, acme_config, bandwidth):
    issue_token(bandwidth)
    bandwidth.add(responses.GET, MEDIA_URL, json={"type": "forbidden", "description": "nope"}, status=403)
    with tenant_context(tenant_a):
        result = service.check_connection(configuration=acme_config)
    assert not result.ok and "not allowed" in result.message


def test_unreachable_bandwidth_says_so(tenant_a, acme_config, bandwidth):
    bandwidth.add(responses.POST, TOKEN_URL, body=requests.ConnectionError("connection refused"))
    with tenant_context(tenant_a):
        result = service.check_connection(configuration=acme_config)
    assert not result.ok and "could not be reached" in result.message


def test_legacy_uses_basic_auth_on_the_api_call(tenant_a, acme_trunk, bandwidth, settings):
    settings.BANDWIDTH_LEGACY_CUTOFF = datetime.date.today() + datetime.timedelta(days=3)
    with tenant_context(tenant_a):
        legacy = service.create_configuration(
            user=None, **configuration_data(acme_trunk, auth_type="legacy", username="apiuser", password="apipass-1")
        )
    bandwidth.add(responses.GET, MEDIA_URL, json=[], status=200)
    with tenant_context(tenant_a):
        result = service.check_connection(configuration=legacy)
    assert result.ok
    (call,) = bandwidth.calls
    assert call.request.headers["Authorization"] == "Basic " + base64.b64encode(b"apiuser:apipass-1").decode()


def test_retired_legacy_user_is_reported_without_calling_bandwidth(tenant_a, acme_trunk, bandwidth, settings):
    settings.BANDWIDTH_LEGACY_CUTOFF = datetime.date.today() + datetime.timedelta(days=3)
    with tenant_context(tenant_a):
        legacy = service.create_configuration(user=None, **configuration_data(acme_trunk, auth_type="legacy"))
    settings.BANDWIDTH_LEGACY_CUTOFF = datetime.date.today()
    with tenant_context(tenant_a):
        result = service.check_connection(configuration=legacy)
    assert not result.ok and "stopped working" in result.message
    assert len(bandwidth.calls) == 0


def test_api_test_connection_answers_in_plain_words(api_a, acme_config, bandwidth):
    issue_token(bandwidth)
    bandwidth.add(responses.GET, MEDIA_URL, json=[], status=200)
    answer = api_a.post(f"/t/acme/api/v1/sms-configurations/{acme_config.pk}/test-connection/")
    assert answer.status_code == 200
    assert answer.json()["ok"] is True and "Connected" in answer.json()["detail"]
