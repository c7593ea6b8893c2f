"""POST sms-configurations/{id}/connect/, check/ and repair/: the configuration answered with its connection fields
(never a secret), the errors as the one JSON body, odd inputs 400, other tenants and other roles 404."""

import json

import pytest
from django.contrib.auth import get_user_model
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from messaging.models import SmsConfiguration
from tenants.models import Membership
from tests.conftest import PASSWORD
from tests.messaging.bandwidth_connect_helpers import (
    APP_URL,
    SETTINGS_URL,
    TNS_URL,
    application_xml,
    fake_connect,
    fake_locations,
    mark_connected,
    refuse_lookups,
    sent_credentials,
    settings_xml,
    tns_xml,
)
from tests.messaging.factories import APPLICATION_ID, CLIENT_SECRET

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_portal")]
BASE = "/t/acme/api/v1/sms-configurations/"


@pytest.fixture
def urls(acme_config):
    detail = f"{BASE}{acme_config.pk}/"
    return {"connect": f"{detail}connect/", "check": f"{detail}check/", "repair": f"{detail}repair/"}


def test_connect_answers_the_configuration_with_its_connection_and_no_secret(bandwidth, api_a, urls):
    write, _ = fake_connect(bandwidth)
    answer = api_a.post(urls["connect"], {}, format="json")
    assert answer.status_code == 200, answer.content
    data = answer.json()
    user, password = sent_credentials(write)
    assert (data["bandwidth_site_id"], data["bandwidth_sip_peer_id"]) == ("399", "500")
    assert data["connected_at"] and data["drift"] == [] and data["drift_error"] == ""
    assert data["application_id"] == APPLICATION_ID and data["callback_username"] == user
    assert password not in answer.content.decode() and CLIENT_SECRET not in answer.content.decode()


def test_connect_to_a_chosen_location(bandwidth, api_a, urls):
    fake_locations(bandwidth, peers=(("500", "PBX", ()),))
    bandwidth.get(APP_URL, body=application_xml())
    bandwidth.put(APP_URL, body=application_xml())
    assign = bandwidth.put(SETTINGS_URL, body="")
    answer = api_a.post(urls["connect"], {"site_id": "399", "sip_peer_id": "500"}, format="json")
    assert answer.status_code == 200 and assign.call_count == 1


def test_several_locations_answer_409_naming_them(bandwidth, api_a, urls, second_did):
    fake_locations(bandwidth, peers=(("500", "PBX", ("9195550100",)), ("501", "Backup", ("9195550101",))))
    answer = api_a.post(urls["connect"], {}, format="json")
    assert answer.status_code == 409
    body = answer.json()
    assert body["code"] == "location_needed" and "PBX (500)" in body["detail"] and "Backup (501)" in body["detail"]


def test_bandwidths_refusal_is_502_in_plain_words(bandwidth, api_a, urls):
    refuse_lookups(bandwidth, 403)
    answer = api_a.post(urls["connect"], {}, format="json")
    assert answer.status_code == 502
    assert answer.json()["code"] == "bandwidth_error" and "Number & Account Management role" in answer.json()["detail"]


@pytest.mark.parametrize("raw", [
    '{"site_id": "399\\u0000", "sip_peer_id": "500"}',
    '{"site_id": "\\ud800", "sip_peer_id": "500"}',
    json.dumps({"site_id": "9" * 100_000, "sip_peer_id": "500"}),
    '{"site_id": ' + "9" * 400 + ', "sip_peer_id": "500"}',
    '{"site_id": 1e999, "sip_peer_id": "500"}',
    '{"site_id": "../x", "sip_peer_id": "500"}',
    '{"site_id": "399"}',
    '{"site_id": ["399"], "sip_peer_id": {"a": 1}}',
])
def test_odd_inputs_are_400_and_bandwidth_is_not_called(bandwidth, api_a, urls, raw):
    answer = api_a.post(urls["connect"], raw, content_type="application/json")
    assert answer.status_code == 400, answer.content
    assert "detail" in answer.json()
    assert len(bandwidth.calls) == 0



def test_check_answers_the_drift(bandwidth, api_a, tenant_a, acme_config, urls):
    mark_connected(tenant_a, acme_config)
    bandwidth.get(APP_URL, body=application_xml(url="https://old.example/", user="bw-cafe"))
    bandwidth.get(SETTINGS_URL, body=settings_xml(APPLICATION_ID))
    bandwidth.get(TNS_URL, body=tns_xml("9195550100"))
    answer = api_a.post(urls["check"])
    assert answer.status_code == 200
    assert {"what": "Inbound callback URL", "expected": answer.json()["webhook_url"],
            "found": "https://old.example/"} in answer.json()["drift"]
    assert answer.json()["drift_checked_at"]


def test_check_when_bandwidth_refuses_answers_200_with_the_error(bandwidth, api_a, tenant_a, acme_config, urls):
    mark_connected(tenant_a, acme_config)
    bandwidth.get(APP_URL, status=503, body="")
    answer = api_a.post(urls["check"])
    assert answer.status_code == 200 and "could not be reached" in answer.json()["drift_error"]


def test_repair_of_a_configuration_never_connected_is_409(bandwidth, api_a, urls):
    answer = api_a.post(urls["repair"])
    assert answer.status_code == 409 and answer.json()["code"] == "not_allowed"


def test_repair_reapplies(bandwidth, api_a, tenant_a, acme_config, urls):
    mark_connected(tenant_a, acme_config)
    write, assign = fake_connect(bandwidth)
    answer = api_a.post(urls["repair"])
    assert answer.status_code == 200 and write.call_count == assign.call_count == 1
    assert answer.json()["callback_username"] == sent_credentials(write)[0]


def test_the_schema_documents_the_actions(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    for action in ("connect", "check", "repair"):
        assert "post" in schema["paths"][f"/t/{{tenant}}/api/v1/sms-configurations/{{id}}/{action}/"]
    connect = schema["paths"]["/t/{tenant}/api/v1/sms-configurations/{id}/connect/"]["post"]
    assert "location_needed" in connect["description"]
    assert {"site_id", "sip_peer_id"} <= set(schema["components"]["schemas"]["Connect"]["properties"])
    assert "drift" in schema["components"]["schemas"]["SmsConfiguration"]["properties"]


@pytest.mark.parametrize("action", ["connect", "check", "repair"])
def test_other_tenants_admin_and_a_user_without_the_role_get_404(bandwidth, api_b, tenant_a, acme_config, urls,
                                                                    action):
    user = get_user_model().objects.create_user(username=f"ext_{action}", password=PASSWORD)
    Membership.objects.create(user=user, tenant=tenant_a, role=Membership.Role.EXTENSION)
    ext = APIClient()
    ext.force_authenticate(user)
    for outsider in (api_b, ext):
        assert outsider.post(urls[action], {}, format="json").status_code == 404
    assert len(bandwidth.calls) == 0
    with tenant_context(tenant_a):
        assert SmsConfiguration.objects.get(pk=acme_config.pk).connected_at is None
