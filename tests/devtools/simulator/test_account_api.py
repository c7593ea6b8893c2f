"""The simulator's Dashboard API for applications: Bandwidth's XML, its required fields and errors, roles,
and an application created or changed here being where the simulator's callbacks go."""

from __future__ import annotations

import base64
import uuid
import xml.etree.ElementTree as ET

import pytest

from devtools.simulator import Simulator, SimulatorConfig
from messaging.bandwidth import BandwidthPermissionError, BandwidthRequestError
from messaging.bandwidth.account_api import AccountApi, child_text, element
from messaging.bandwidth.auth import Credentials
from tests.devtools.simulator.account_helpers import (
    EXAMPLES,
    Dashboard,
    application_xml,
    assert_shaped_like,
    element_paths,
    error_of,
    seed_locations,
)
from tests.devtools.simulator.conftest import (
    ACCOUNT,
    APP_ID,
    CLIENT_ID,
    CLIENT_SECRET,
    OUR_NUMBER,
    THEIR_NUMBER,
    Receiver,
    send_body,
)

MESSAGING = {"ServiceType": "Messaging-V2", "AppName": "PBX portal",
             "InboundCallbackUrl": "https://portal.example.com/in",
             "OutboundCallbackUrl": "https://portal.example.com/status",
             "InboundCallbackCreds": {"UserId": "in-user", "Password": "in-secret-1"},
             "OutboundCallbackCreds": {"UserId": "out-user", "Password": "out-secret-2"},
             "RequestedCallbackTypes": ["message-delivered", "message-failed", "message-sending"]}


@pytest.fixture
def dash(simulator, session, token):
    return Dashboard(simulator, session, token)


def create(dash, **overrides) -> str:
    answer = dash("POST", "/applications", application_xml(**{**MESSAGING, **overrides}))
    assert answer.status_code == 201, answer.text
    return ET.fromstring(answer.content).findtext("Application/ApplicationId")


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_create_answers_201_with_a_new_id_shaped_like_bandwidths_example(dash):
    answer = dash("POST", "/applications", application_xml(**MESSAGING))
    assert answer.status_code == 201
    root = assert_shaped_like(answer, "CreateApplication", required={
        "Application/ApplicationId", "Application/InboundCallbackUrl", "Application/OutboundCallbackUrl",
        "Application/InboundCallbackCreds/UserId", "Application/RequestedCallbackTypes/CallbackType"})
    uuid.UUID(root.findtext("Application/ApplicationId"))
    assert root.findtext("Application/ServiceType") == "Messaging-V2"
    assert root.findtext("Application/InboundCallbackCreds/UserId") == "in-user"


def test_get_and_list_show_the_application_and_never_a_password(dash):
    application_id = create(dash, ServiceType="Messaging")
    got = dash("GET", f"/applications/{application_id}")
    root = assert_shaped_like(got, "GetApplication", required={"Application/OutboundCallbackCreds/UserId"})
    assert root.findtext("Application/AppName") == "PBX portal"
    assert root.findtext("Application/ServiceType") == "Messaging-V2"
    listed = dash("GET", "/applications")
    # The list example shows fewer fields than one application's: each listed one is shaped like GET's.
    single = {p.replace("ApplicationProvisioningResponse/", "ApplicationProvisioningResponse/ApplicationList/", 1)
              for p in element_paths(ET.fromstring((EXAMPLES / "GetApplication.xml").read_bytes()))}
    listed_paths = element_paths(ET.fromstring(listed.content))
    assert listed_paths <= single | element_paths(ET.fromstring((EXAMPLES / "ListApplications.xml").read_bytes()))
    assert application_id in [a.findtext("ApplicationId") for a in ET.fromstring(listed.content).iter("Application")]
    for answer in (got, listed):
        assert "Password" not in answer.text and "secret" not in answer.text


def test_required_fields_are_checked_with_bandwidths_error_shape(dash):
    for missing, words in (("ServiceType", "ServiceType is required"), ("AppName", "AppName is required"),
                           ("InboundCallbackUrl", "InboundCallbackUrl is required")):
        fields = {k: v for k, v in MESSAGING.items() if k != missing}
        answer = dash("POST", "/applications", application_xml(**fields))
        assert answer.status_code == 400
        root, code, description = error_of(answer)
        assert (root, code) == ("ApplicationProvisioningResponse", "1003") and words in description
    assert dash("POST", "/applications", application_xml(**{**MESSAGING, "ServiceType": "Fax"})).status_code == 400
    assert dash("GET", "/applications").text.count("<Application>") == 0


@pytest.mark.parametrize("body", [
    b"not xml", b"<Application><AppName>a\x00b</AppName></Application>", b"<Site/>",
    application_xml(**{**MESSAGING, "AppName": "x" * 300}),
    application_xml(**{**MESSAGING, "InboundCallbackUrl": "ftp://example.com/in"}),
    application_xml(**{**MESSAGING, "InboundCallbackUrl": "https://e.com/" + "a" * 3000}),
    application_xml(**{**MESSAGING, "RequestedCallbackTypes": ["message-exploded"]}),
    application_xml(**{**MESSAGING, "AppName": "bell\x07"}),
])
def test_odd_bodies_are_400_never_500(dash, body):
    answer = dash("POST", "/applications", body)
    assert answer.status_code == 400 and error_of(answer)[2]


def test_unknown_and_other_accounts_applications_are_404(simulator, dash, session, token):
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        answer = dash(method, "/applications/nope", application_xml(AppName="x"))
        assert answer.status_code == 404
        assert error_of(answer)[1:] == ("13629", "Application with id 'nope' not found")
    theirs = create(Dashboard(simulator, session, token, account="5550001"))
    assert dash("GET", f"/applications/{theirs}").status_code == 404
    assert dash("GET", f"/applications/{theirs}/associatedsippeers").status_code == 404
    assert theirs not in dash("GET", "/applications").text


def test_put_replaces_patch_changes_only_what_it_names(simulator, dash):
    application_id = create(dash)
    patched = dash("PATCH", f"/applications/{application_id}", application_xml(AppName="Renamed"))
    assert patched.status_code == 200
    stored = simulator.state.application(application_id)
    assert (stored["appName"], stored["callbackUrl"], stored["callbackPassword"]) == (
        "Renamed", "https://portal.example.com/in", "in-secret-1")
    # A PUT naming the same user without a password keeps the password (GET never shows it to echo back).
    put = dash("PUT", f"/applications/{application_id}", application_xml(
        ServiceType="Messaging-V2", AppName="Again", InboundCallbackUrl="https://portal.example.com/in2",
        InboundCallbackCreds={"UserId": "in-user"}))
    assert put.status_code == 200
    root = assert_shaped_like(put, "GetApplication")
    assert root.find("Application/OutboundCallbackUrl") is None
    stored = simulator.state.application(application_id)
    assert (stored["callbackUrl"], stored["callbackPassword"], stored["outboundCallbackUrl"]) == (
        "https://portal.example.com/in2", "in-secret-1", "")
    assert dash("PUT", f"/applications/{application_id}", application_xml(AppName="no type")).status_code == 400


def test_delete_removes_unless_a_sip_peer_uses_it(simulator, dash):
    application_id = create(dash)
    seed_locations(simulator, application_id)
    refused = dash("DELETE", f"/applications/{application_id}")
    assert refused.status_code == 409 and "SIP peer" in error_of(refused)[2]
    seed_locations(simulator, None)
    assert dash("DELETE", f"/applications/{application_id}").status_code == 200
    assert dash("GET", f"/applications/{application_id}").status_code == 404


def test_callbacks_go_where_and_with_the_credentials_the_account_api_set(simulator, dash, api):
    inbound_rx = Receiver(username="in-user", password="in-secret-1")
    status_rx = Receiver(username="out-user", password="out-secret-2")
    try:
        application_id = create(dash, InboundCallbackUrl=inbound_rx.url, OutboundCallbackUrl=status_rx.url,
                                RequestedCallbackTypes=["message-delivered"])
        sent = api("POST", "/messages", json=send_body(applicationId=application_id))
        assert sent.status_code == 202
        simulator.inject_inbound(to=OUR_NUMBER, from_=THEIR_NUMBER, text="hi back", application_id=application_id)
        assert simulator.wait_idle()
        assert [e["type"] for e in status_rx.events(authorized_only=True)] == ["message-delivered"]
        assert [c["authorization"] for c in status_rx.calls] == [None, basic("out-user", "out-secret-2")]
        assert [e["type"] for e in inbound_rx.events(authorized_only=True)] == ["message-received"]
        assert inbound_rx.calls[-1]["authorization"] == basic("in-user", "in-secret-1")
    finally:
        inbound_rx.stop()
        status_rx.stop()


def test_status_types_not_requested_are_not_sent(simulator, dash, api, receiver):
    application_id = create(dash, InboundCallbackUrl=receiver.url, OutboundCallbackUrl=receiver.url,
                            InboundCallbackCreds={}, OutboundCallbackCreds={},
                            RequestedCallbackTypes=["message-failed"])
    api("POST", "/messages", json=send_body(applicationId=application_id))
    assert simulator.wait_idle()
    assert receiver.events() == []


def test_admin_api_changes_show_in_the_account_api(simulator, dash, session):
    session.put(f"{simulator.base_url}/simulator/applications/{APP_ID}",
                json={"callbackUrl": "http://127.0.0.1:1/first", "accountId": ACCOUNT})
    session.put(f"{simulator.base_url}/simulator/applications/{APP_ID}",
                json={"callbackUrl": "http://127.0.0.1:1/drifted", "callbackUsername": "u", "callbackPassword": "p"})
    root = ET.fromstring(dash("GET", f"/applications/{APP_ID}").content)
    assert root.findtext("Application/InboundCallbackUrl") == "http://127.0.0.1:1/drifted"
    assert root.findtext("Application/OutboundCallbackUrl") == "http://127.0.0.1:1/drifted"
    assert root.findtext("Application/InboundCallbackCreds/UserId") == "u"
    # ...and the other way round: the admin API lists what the account API changed, passwords masked.
    dash("PATCH", f"/applications/{APP_ID}", application_xml(InboundCallbackUrl="https://x.example.com/in",
                                                             InboundCallbackCreds={"UserId": "v", "Password": "q"}))
    shown = session.get(f"{simulator.base_url}/simulator/applications/{APP_ID}").json()
    assert (shown["callbackUrl"], shown["callbackUsername"], shown["callbackPassword"]) == (
        "https://x.example.com/in", "v", "***")


# -- authentication and roles -----------------------------------------------------------------------------


def _token(simulator, session, client_id: str, secret: str) -> str:
    return session.post(simulator.token_url, auth=(client_id, secret),
                        data={"grant_type": "client_credentials"}).json()["access_token"]


def test_a_credential_without_the_role_gets_403(simulator, session):
    simulator.add_credential("tfv-only", "s3cret", account_id=ACCOUNT, roles=["tfv"])
    simulator.add_credential("numbers-only", "s3cret", account_id=ACCOUNT, roles=["numbers"])
    simulator.add_credential(CLIENT_ID, CLIENT_SECRET, account_id=ACCOUNT)
    tfv_only = Dashboard(simulator, session, _token(simulator, session, "tfv-only", "s3cret"))
    numbers_only = Dashboard(simulator, session, _token(simulator, session, "numbers-only", "s3cret"))
    everything = Dashboard(simulator, session, _token(simulator, session, CLIENT_ID, CLIENT_SECRET))
    refused = tfv_only("GET", "/applications")
    assert refused.status_code == 403 and "'numbers' role" in error_of(refused)[2]
    assert tfv_only("POST", "/applications", application_xml(**MESSAGING)).status_code == 403
    assert numbers_only("GET", "/applications").status_code == 200
    assert numbers_only("GET", "/products/messaging/a2pCampaigns").status_code == 403
    tfv_url = f"{simulator.base_url}/api/v2/accounts/{ACCOUNT}/phoneNumbers/%2B18335550123/tollFreeVerification"
    assert session.get(tfv_url, headers={"Authorization": f"Bearer {numbers_only.token}"}).status_code == 403
    assert everything("GET", "/products/messaging/a2pCampaigns").status_code == 200


def test_wrong_credentials_401_and_another_account_403(simulator, session):
    simulator.add_credential(CLIENT_ID, CLIENT_SECRET, account_id=ACCOUNT)
    simulator.add_credential("legacy", "pw", auth_type="legacy", account_id=ACCOUNT)
    token = _token(simulator, session, CLIENT_ID, CLIENT_SECRET)
    assert Dashboard(simulator, session, "not-a-token")("GET", "/sites").status_code == 401
    other = Dashboard(simulator, session, token, account="5550001")("GET", "/sites")
    assert other.status_code == 403 and error_of(other)[0] == "SitesResponse"
    url = f"{simulator.base_url}/api/accounts/{ACCOUNT}/sites"
    assert session.get(url, auth=("legacy", "pw")).status_code == 200
    assert session.get(url, auth=("legacy", "wrong")).status_code == 401


def test_admin_api_registers_roles_and_refuses_unknown_ones(simulator, session):
    url = f"{simulator.base_url}/simulator/credentials/{CLIENT_ID}"
    assert session.put(url, json={"secret": "x", "roles": ["tfv", "numbers"]}).json()["roles"] == ["tfv", "numbers"]
    assert session.put(url, json={"secret": "x", "roles": ["root"]}).status_code == 400
    assert session.put(url, json={"secret": "x", "roles": "tfv"}).status_code == 400


# -- the portal's own client -------------------------------------------------------------------------------


@pytest.fixture
def portal_api(simulator, session):
    def make(username: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> AccountApi:
        return AccountApi(Credentials(account_id=ACCOUNT, username=username, password=secret),
                          dashboard_url=f"{simulator.base_url}/api", account_api_url=simulator.api_url,
                          token_url=simulator.token_url, session=session)
    return make


def test_portal_account_api_creates_and_reads_an_application(simulator, portal_api):
    api = portal_api()
    created = api.xml("POST", "/applications", element(
        "Application", element("ServiceType", text="Messaging-V2"), element("AppName", text="Acme & Co"),
        element("InboundCallbackUrl", text="https://portal.example.com/in"),
        element("InboundCallbackCreds", element("UserId", text="bw"), element("Password", text="pw-1"))))
    application_id = child_text(created, "Application/ApplicationId")
    again = api.xml("GET", f"/applications/{application_id}")
    assert child_text(again, "Application/AppName") == "Acme & Co"
    assert simulator.state.application(application_id)["callbackPassword"] == "pw-1"
    with pytest.raises(BandwidthRequestError) as missing:
        api.xml("GET", "/applications/unknown-id")
    assert missing.value.status == 404 and "not found" in missing.value.user_message


def test_portal_account_api_names_the_missing_role(simulator, portal_api):
    simulator.add_credential("numbers-only", "s3cret", account_id=ACCOUNT, roles=["numbers"])
    with pytest.raises(BandwidthPermissionError) as refused:
        portal_api("numbers-only", "s3cret").xml("GET", "/products/messaging/a2pCampaigns", role="Campaign Management")
    assert "Campaign Management" in refused.value.user_message


def test_applications_survive_a_restart_with_a_state_file(tmp_path):
    state_file = str(tmp_path / "state.json")
    with Simulator(SimulatorConfig(port=0, state_file=state_file)) as sim:
        seed_locations(sim, APP_ID)
        sim.set_campaigns(ACCOUNT, {"campaigns": [{"campaignId": "C1", "numbers": [OUR_NUMBER]}]})
    with Simulator(SimulatorConfig(port=0, state_file=state_file)) as sim:
        assert sim.state.fixture("locations", ACCOUNT)[0]["sipPeers"][0]["applicationId"] == APP_ID
        assert sim.state.fixture("campaigns", ACCOUNT)[0]["numbers"] == [OUR_NUMBER]
