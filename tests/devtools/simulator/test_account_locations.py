"""The simulator's locations (sites, SIP peers, their numbers and messaging application), 10DLC campaigns,
the admin fixtures behind them, inbound routing through a SIP peer, and loopback."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.devtools.simulator.account_helpers import (
    PEER_ID,
    PEER_NUMBERS,
    SITE_ID,
    Dashboard,
    assert_shaped_like,
    error_of,
    seed_locations,
)
from tests.devtools.simulator.conftest import ACCOUNT, APP_ID, OUR_NUMBER, THEIR_NUMBER, Receiver, send_body

OTHER_APP = "0cb0112b-5998-4c81-999a-0d3fb5e3f8e2"
SETTINGS = f"/sites/{SITE_ID}/sippeers/{PEER_ID}/products/messaging/applicationSettings"


@pytest.fixture
def dash(simulator, session, token):
    return Dashboard(simulator, session, token)


def settings_xml(application_id: str) -> bytes:
    return (f"<ApplicationsSettings><HttpMessagingV2AppId>{application_id}</HttpMessagingV2AppId>"
            "</ApplicationsSettings>").encode()


def test_sites_peers_and_numbers_are_listed_like_bandwidths_examples(simulator, dash):
    seed_locations(simulator)
    sites = assert_shaped_like(dash("GET", "/sites"), "ListSites", required={"Sites/Site/Id", "Sites/Site/Name"})
    assert [(s.findtext("Id"), s.findtext("Name")) for s in sites.iter("Site")] == [(SITE_ID, "Main")]
    peers = assert_shaped_like(dash("GET", f"/sites/{SITE_ID}/sippeers"), "ListSipPeers",
                               required={"SipPeers/SipPeer/PeerId", "SipPeers/SipPeer/IsDefaultPeer"})
    assert [(p.findtext("PeerId"), p.findtext("PeerName"), p.findtext("IsDefaultPeer"))
            for p in peers.iter("SipPeer")] == [(PEER_ID, "PBX", "true")]
    numbers = assert_shaped_like(dash("GET", f"/sites/{SITE_ID}/sippeers/{PEER_ID}/tns"), "ReadSipPeerTns",
                                 required={"SipPeerTelephoneNumbers/SipPeerTelephoneNumber/FullNumber"})
    assert [n.text for n in numbers.iter("FullNumber")] == ["9195550100", "9195550101"]


def test_unknown_site_and_peer_are_404_and_another_account_sees_nothing(simulator, dash, session, token):
    seed_locations(simulator)
    assert error_of(dash("GET", "/sites/404/sippeers"))[0] == "TNSipPeersResponse"
    for path in ("/sites/404/sippeers", f"/sites/{SITE_ID}/sippeers/404/tns", f"/sites/404/sippeers/{PEER_ID}/tns",
                 f"/sites/{SITE_ID}/sippeers/404/products/messaging/applicationSettings"):
        assert dash("GET", path).status_code == 404, path
    other = Dashboard(simulator, session, token, account="5550001")
    assert ET.fromstring(other("GET", "/sites").content).find("Sites/Site") is None
    assert other("GET", f"/sites/{SITE_ID}/sippeers").status_code == 404


def test_assigning_an_application_to_a_peer_routes_its_numbers_inbound(simulator, dash, receiver):
    simulator.register_application(APP_ID, callback_url=receiver.url, account_id=ACCOUNT)
    simulator.register_application(OTHER_APP, callback_url="http://127.0.0.1:1/other", account_id=ACCOUNT)
    seed_locations(simulator)
    empty = assert_shaped_like(dash("GET", SETTINGS), "RetrieveSipPeerApplicationSettings")
    assert empty.find("ApplicationsSettings/HttpMessagingV2AppId") is None
    assigned = dash("PUT", SETTINGS, settings_xml(APP_ID))
    assert assigned.status_code == 200
    assert ET.fromstring(dash("GET", SETTINGS).content).findtext("ApplicationsSettings/HttpMessagingV2AppId") == APP_ID
    peers = assert_shaped_like(dash("GET", f"/applications/{APP_ID}/associatedsippeers"), "ListAssociatedSippeers")
    assert [(p.findtext("SiteName"), p.findtext("PeerName")) for p in peers.iter("AssociatedSipPeer")] == [
        ("Main", "PBX")]

    event = simulator.inject_inbound(to=PEER_NUMBERS[1], from_=THEIR_NUMBER, text="to the peer's number")
    assert event["message"]["applicationId"] == APP_ID
    assert simulator.wait_idle()
    assert [e["message"]["text"] for e in receiver.events()] == ["to the peer's number"]

    assert dash("PUT", SETTINGS, b"<ApplicationsSettings>REMOVE</ApplicationsSettings>").status_code == 200
    assert ET.fromstring(dash("GET", SETTINGS).content).find("ApplicationsSettings/HttpMessagingV2AppId") is None
    assert simulator.state.application_for_number(PEER_NUMBERS[1]) is None  # two applications, neither owns it


@pytest.mark.parametrize("body", [settings_xml("no-such-app"), b"<ApplicationsSettings/>", b"<x>", b"\xff\xfe"])
def test_bad_application_settings_are_400(simulator, dash, body):
    seed_locations(simulator)
    answer = dash("PUT", SETTINGS, body)
    assert answer.status_code == 400 and error_of(answer)[0] == "ApplicationsSettingsResponse"


# -- 10DLC ---------------------------------------------------------------------------------------------------


def campaign_numbers(count: int) -> list[str]:
    return [f"+1919555{n:04d}" for n in range(count)]


def test_campaigns_are_listed_with_class_and_status(simulator, dash):
    simulator.set_campaigns(ACCOUNT, {"campaigns": [
        {"campaignId": "CDEMO01", "messageClass": "Campaign-E", "status": "Active", "numbers": [OUR_NUMBER]}]})
    root = assert_shaped_like(dash("GET", "/products/messaging/a2pCampaigns"), "GetAccountMessagingProductA2pCampaings",
                              required={"MessagingA2pCampaigns/MessagingA2pCampaign/MessageClass"})
    [campaign] = root.iter("MessagingA2pCampaign")
    assert {child.tag: child.text for child in campaign} | {"CreatedDate": None} == {
        "CampaignId": "CDEMO01", "Description": None, "AccountId": ACCOUNT, "MessageClass": "Campaign-E",
        "Imported": "false", "CreatedDate": None, "Status": "Active"}


def test_campaign_numbers_page_with_total_count(simulator, dash):
    simulator.set_campaigns(ACCOUNT, {"campaigns": [{"campaignId": "C1", "numbers": campaign_numbers(30)}]})
    first = assert_shaped_like(dash("GET", "/campaignManagement/10dlc/campaigns/C1/tn"), "getCampaignTns",
                               required={"TotalCount", "TelephoneNumbers/TelephoneNumber"})
    assert first.findtext("TotalCount") == "30" and len(first.findall("TelephoneNumbers/TelephoneNumber")) == 25
    assert first.findtext("TelephoneNumbers/TelephoneNumber") == "9195550000"
    second = ET.fromstring(dash("GET", "/campaignManagement/10dlc/campaigns/C1/tn",
                                params={"page": 1, "size": 25}).content)
    assert [n.text for n in second.iter("TelephoneNumber")] == [f"919555{n:04d}" for n in range(25, 30)]
    beyond = ET.fromstring(dash("GET", "/campaignManagement/10dlc/campaigns/C1/tn", params={"page": 9}).content)
    assert beyond.findtext("TotalCount") == "30" and beyond.find("TelephoneNumbers/TelephoneNumber") is None


@pytest.mark.parametrize("params", [{"page": "wrong"}, {"size": "0"}, {"size": "10" * 30}, {"page": "-1"},
                                   {"page": "\u0661"}, {"size": "%ED%A0%80"}])
def test_bad_paging_is_400_like_bandwidths_example(simulator, dash, params):
    simulator.set_campaigns(ACCOUNT, {"campaigns": [{"campaignId": "C1", "numbers": [OUR_NUMBER]}]})
    answer = dash("GET", "/campaignManagement/10dlc/campaigns/C1/tn", params=params)
    assert answer.status_code == 400
    assert_shaped_like(answer, "getCampaignTns-400")
    assert error_of(answer)[1] == "5081"


@pytest.mark.parametrize("account", ["%00", "%01", "9" * 100])
def test_an_odd_account_id_is_404_not_500(simulator, session, token, account):
    answer = Dashboard(simulator, session, token, account=account)("GET", "/products/messaging/a2pCampaigns")
    assert answer.status_code == 404 and error_of(answer)[0] == "MessagingA2pCampaignsResponse"


def test_an_account_id_of_broken_utf8_has_no_campaigns(simulator, session, token):
    answer = Dashboard(simulator, session, token, account="%ED%A0%80")("GET", "/products/messaging/a2pCampaigns")
    assert answer.status_code == 200 and ET.fromstring(answer.content).find(".//MessagingA2pCampaign") is None


def test_unknown_campaign_is_404(simulator, dash):
    assert dash("GET", "/campaignManagement/10dlc/campaigns/NOPE/tn").status_code == 404


# -- admin fixtures -------------------------------------------------------------------------------------------


def test_fixtures_are_put_and_read_back_through_the_admin_api(simulator, session):
    base = f"{simulator.base_url}/simulator/accounts/{ACCOUNT}"
    sites = {"sites": [{"name": "Main", "sipPeers": [{"name": "PBX", "numbers": [OUR_NUMBER],
                                                      "applicationId": APP_ID}]}]}
    put = session.put(f"{base}/locations", json=sites)
    assert put.status_code == 200
    [site] = session.get(f"{base}/locations").json()["sites"]
    assert site["id"].isdigit() and site["sipPeers"][0]["numbers"] == [OUR_NUMBER]
    assert session.put(f"{base}/campaigns", json={"campaigns": [{"campaignId": "C9", "numbers": []}]}).ok
    assert session.get(f"{base}/campaigns").json()["campaigns"][0]["messageClass"] == "Campaign-E"
    assert session.put(f"{base}/toll-free", json={"numbers": {"+18335550123": {"status": "PENDING"}}}).ok
    assert session.get(f"{base}/toll-free").json() == {
        "numbers": {"+18335550123": {"status": "PENDING", "declineReason": "", "denialStatusCode": None}}}
    page = session.get(f"{simulator.base_url}/simulator/").text
    for shown in ("Main", "PBX", "C9", "+18335550123", "PENDING"):
        assert shown in page
    session.post(f"{simulator.base_url}/simulator/reset", json={"all": True})
    assert session.get(f"{base}/locations").json() == {"sites": []}


@pytest.mark.parametrize(("kind", "body"), [
    ("locations", {"sites": [{"name": "a\x00b", "sipPeers": []}]}),
    ("locations", {"sites": [{"name": "\ud800", "sipPeers": []}]}),
    ("locations", {"sites": [{"name": "x" * 300, "sipPeers": []}]}),
    ("locations", {"sites": [{"name": "Main", "id": 10 ** 30, "sipPeers": []}]}),
    ("locations", {"sites": [{"name": "Main", "sipPeers": [{"name": "P", "numbers": ["919"]}]}]}),
    ("locations", {"sites": [{"name": "M", "sipPeers": [{"name": "P", "numbers": [OUR_NUMBER]},
                                                         {"name": "Q", "numbers": [OUR_NUMBER]}]}]}),
    ("locations", {"sites": "Main"}),
    ("campaigns", {"campaigns": [{"numbers": []}]}),
    ("campaigns", {"campaigns": [{"campaignId": "C1"}, {"campaignId": "C1"}]}),
    ("toll-free", {"numbers": {"+18335550123": {"status": "MAYBE"}}}),
    ("toll-free", {"numbers": {"not-a-number": {"status": "VERIFIED"}}}),
    ("toll-free", {"numbers": {"+18335550123": {"status": "UNVERIFIED", "denialStatusCode": 10 ** 20}}}),
    ("toll-free", {"numbers": []}),
])
def test_bad_fixtures_are_400_with_a_reason(simulator, session, kind, body):
    answer = session.put(f"{simulator.base_url}/simulator/accounts/{ACCOUNT}/{kind}", json=body)
    assert answer.status_code == 400 and answer.json()["error"]


# -- loopback -------------------------------------------------------------------------------------------------


def test_a_message_to_an_applications_own_number_also_arrives_inbound(simulator, api, receiver):
    simulator.register_application(APP_ID, callback_url=receiver.url, account_id=ACCOUNT)
    seed_locations(simulator, APP_ID)
    sent = api("POST", "/messages", json=send_body(**{"from": PEER_NUMBERS[0], "to": [PEER_NUMBERS[1]],
                                                      "text": "Test message"})).json()
    assert simulator.wait_idle()
    received = [e for e in receiver.events() if e["type"] == "message-received"]
    assert sorted(e["type"] for e in receiver.events()) == ["message-delivered", "message-received"]
    message = received[0]["message"]
    assert (received[0]["to"], message["from"], message["text"], message["direction"]) == (
        PEER_NUMBERS[1], PEER_NUMBERS[0], "Test message", "in")
    assert message["id"] != sent["id"]
    assert [m["message"]["text"] for m in simulator.messages("in")] == ["Test message"]


def test_loopback_goes_to_the_application_owning_the_number_and_can_be_turned_off(simulator, api, session):
    theirs = Receiver()
    try:
        simulator.register_application(APP_ID, callback_url="http://127.0.0.1:1/unused", account_id=ACCOUNT)
        simulator.register_application(OTHER_APP, callback_url=theirs.url, account_id=ACCOUNT,
                                       numbers=[THEIR_NUMBER])
        api("POST", "/messages", json=send_body(to=[THEIR_NUMBER, "+19195550177"]))
        assert simulator.wait_idle()
        [event] = theirs.events()
        assert event["message"]["to"] == [THEIR_NUMBER, "+19195550177"] and event["message"]["owner"] == THEIR_NUMBER
        turned_off = session.put(f"{simulator.base_url}/simulator/config", json={"loopback": False})
        assert turned_off.json()["loopback"] is False
        api("POST", "/messages", json=send_body())
        assert simulator.wait_idle()
        assert len(theirs.events()) == 1
    finally:
        theirs.stop()


def test_no_loopback_for_a_failed_delivery_or_a_number_nobody_owns(simulator, api, receiver):
    simulator.register_application(APP_ID, callback_url=receiver.url, account_id=ACCOUNT)
    simulator.configure(fail_numbers={PEER_NUMBERS[1]: 4720})
    seed_locations(simulator, APP_ID)
    api("POST", "/messages", json=send_body(**{"from": PEER_NUMBERS[0], "to": [PEER_NUMBERS[1], THEIR_NUMBER]}))
    assert simulator.wait_idle()
    assert "message-received" not in [e["type"] for e in receiver.events()]
    assert simulator.messages("in") == []


def test_a_number_says_its_site_and_sip_peer_and_only_to_its_own_account(simulator, session, token):
    seed_locations(simulator)
    base = f"{simulator.base_url}/api/tns"
    bearer = {"Authorization": f"Bearer {token}"}
    site = ET.fromstring(session.get(f"{base}/9195550100/sites", headers=bearer).content)
    peer = ET.fromstring(session.get(f"{base}/9195550100/sippeers", headers=bearer).content)
    assert (site.tag, site.findtext("Id"), site.findtext("Name")) == ("Site", SITE_ID, "Main")
    assert (peer.tag, peer.findtext("Id"), peer.findtext("Name")) == ("SipPeer", PEER_ID, "PBX")
    assert session.get(f"{base}/2025550100/sippeers", headers=bearer).status_code == 404  # nobody's number
    assert session.get(f"{base}/9195550100/sippeers").status_code == 401  # no credentials

    simulator.add_credential("other-client", "other-secret-123", account_id="5550001")
    other = session.post(simulator.token_url, auth=("other-client", "other-secret-123"),
                         data={"grant_type": "client_credentials"}).json()["access_token"]
    answer = session.get(f"{base}/9195550100/sippeers", headers={"Authorization": f"Bearer {other}"})
    assert answer.status_code == 404  # another account's number is not revealed
