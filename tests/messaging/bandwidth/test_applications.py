"""Messaging applications and locations in the Dashboard API: the exact requests of each call, Bandwidth's answers
read back (examples from applications.mdx and numbers.yml), and each error status."""

import re
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.conf import settings

from messaging.bandwidth import (
    BandwidthAuthError,
    BandwidthPermissionError,
    BandwidthRateLimited,
    BandwidthRequestError,
    BandwidthUnavailable,
)
from messaging.bandwidth import applications as bw
from messaging.bandwidth.account_api import AccountApi
from tests.messaging.factories import ACCOUNT, OAUTH

ROOT = settings.BANDWIDTH_DASHBOARD_API_URL
DASHBOARD = f"{ROOT}/accounts/{ACCOUNT}"
APP_ID = "d4d1b41d-4c05-47d0-838a-34e4f14e4e3e"
SPEC = bw.ApplicationSpec(name="Acme – Main SMS", callback_url="https://portal.example/webhooks/bandwidth/tok/",
                          callback_user="bw-1a2b3c4d", callback_password="s3cret-callback-password")

APPLICATION_XML = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<ApplicationProvisioningResponse><Application>
  <ApplicationId>{APP_ID}</ApplicationId><ServiceType>Messaging-V2</ServiceType><AppName>EBVICs</AppName>
  <InboundCallbackUrl>https://example.com</InboundCallbackUrl><OutboundCallbackUrl>https://example2.com</OutboundCallbackUrl>
  <InboundCallbackCreds><UserId>15jPWZmXdm</UserId></InboundCallbackCreds>
  <OutboundCallbackCreds><UserId>15jPWZmXdm</UserId></OutboundCallbackCreds>
  <RequestedCallbackTypes><CallbackType>message-delivered</CallbackType><CallbackType>message-failed</CallbackType>
    <CallbackType>message-sending</CallbackType></RequestedCallbackTypes>
</Application></ApplicationProvisioningResponse>"""

SITES_XML = """<SitesResponse><Sites><Site><Id>399</Id><Name>SiteName</Name></Site>
<Site><Id>403</Id><Name>TestSite2</Name></Site></Sites></SitesResponse>"""


def peers_xml(*peers):
    return "<TNSipPeersResponse><SipPeers>" + "".join(
        f"<SipPeer><PeerId>{pid}</PeerId><PeerName>{name}</PeerName><IsDefaultPeer>false</IsDefaultPeer></SipPeer>"
        for pid, name in peers) + "</SipPeers></TNSipPeersResponse>"


def tns_xml(*numbers):
    return "<SipPeerTelephoneNumbersResponse><SipPeerTelephoneNumbers>" + "".join(
        f"<SipPeerTelephoneNumber><FullNumber>{n}</FullNumber></SipPeerTelephoneNumber>" for n in numbers
    ) + "</SipPeerTelephoneNumbers></SipPeerTelephoneNumbersResponse>"


def api():
    return AccountApi(OAUTH)


def test_get_application_reads_every_field_and_no_password(bandwidth):
    answer = bandwidth.get(f"{DASHBOARD}/applications/{APP_ID}", body=APPLICATION_XML)
    app = bw.get_application(api(), APP_ID)
    assert app == bw.MessagingApplication(
        application_id=APP_ID, service_type="Messaging-V2", name="EBVICs", inbound_callback_url="https://example.com",
        outbound_callback_url="https://example2.com", inbound_user="15jPWZmXdm", outbound_user="15jPWZmXdm",
        callback_types=("message-delivered", "message-failed", "message-sending"),
    )
    sent = answer.calls[0].request
    assert sent.method == "GET" and sent.headers["Authorization"] == "Bearer token-1"


def assert_application_body(body: bytes):
    root = ET.fromstring(body)
    assert root.tag == "Application"
    assert [child.tag for child in root] == [
        "ServiceType", "AppName", "InboundCallbackUrl", "OutboundCallbackUrl", "InboundCallbackCreds",
        "OutboundCallbackCreds", "RequestedCallbackTypes"]
    assert root.findtext("ServiceType") == "Messaging-V2"
    assert root.findtext("AppName") == "Acme – Main SMS"
    assert root.findtext("InboundCallbackUrl") == root.findtext("OutboundCallbackUrl") == SPEC.callback_url
    for creds in ("InboundCallbackCreds", "OutboundCallbackCreds"):
        assert root.findtext(f"{creds}/UserId") == "bw-1a2b3c4d"
        assert root.findtext(f"{creds}/Password") == "s3cret-callback-password"
    assert [t.text for t in root.iterfind("RequestedCallbackTypes/CallbackType")] == [
        "message-delivered", "message-failed", "message-sending"]


def test_create_application_posts_the_whole_application_and_returns_the_new_id(bandwidth):
    answer = bandwidth.post(f"{DASHBOARD}/applications", status=201, body=APPLICATION_XML)
    assert bw.create_application(api(), SPEC) == APP_ID
    sent = answer.calls[0].request
    assert sent.method == "POST" and sent.headers["Content-Type"].startswith("application/xml")
    assert_application_body(sent.body)


def test_update_application_puts_the_whole_application_to_its_id(bandwidth):
    answer = bandwidth.put(f"{DASHBOARD}/applications/{APP_ID}", body=APPLICATION_XML)
    assert bw.update_application(api(), APP_ID, SPEC) == APP_ID
    assert answer.calls[0].request.method == "PUT"
    assert_application_body(answer.calls[0].request.body)


def test_spec_repr_never_shows_the_callback_password():
    assert "s3cret" not in repr(SPEC)


def test_an_answer_without_application_id_is_bandwidth_trouble(bandwidth):
    bandwidth.post(f"{DASHBOARD}/applications", status=201, body="<ApplicationProvisioningResponse/>")
    with pytest.raises(BandwidthUnavailable) as caught:
        bw.create_application(api(), SPEC)
    assert "could not read" in caught.value.user_message


def test_associated_sip_peers_lists_the_locations(bandwidth):
    bandwidth.get(f"{DASHBOARD}/applications/{APP_ID}/associatedsippeers", body="""<AssociatedSipPeersResponse>
      <AssociatedSipPeers><AssociatedSipPeer><SiteId>13651</SiteId><SiteName>Prod Sub-account</SiteName>
      <PeerId>540341</PeerId><PeerName>Prod</PeerName></AssociatedSipPeer></AssociatedSipPeers>
      </AssociatedSipPeersResponse>""")
    assert bw.associated_sip_peers(api(), APP_ID) == [bw.Location("13651", "Prod Sub-account", "540341", "Prod")]


def test_sites_and_sip_peers_are_listed(bandwidth):
    bandwidth.get(f"{DASHBOARD}/sites", body=SITES_XML)
    bandwidth.get(f"{DASHBOARD}/sites/399/sippeers", body=peers_xml(("304985", "CNAM-TEST-778")))
    assert bw.list_sites(api()) == [bw.Site("399", "SiteName"), bw.Site("403", "TestSite2")]
    assert bw.list_sip_peers(api(), "399") == [bw.SipPeer("304985", "CNAM-TEST-778")]


def test_sip_peer_numbers_are_read_as_e164(bandwidth):
    answer = bandwidth.get(f"{DASHBOARD}/sites/399/sippeers/304985/tns",
                           body=tns_xml("2052160148", "19195550100", "+442071234567"))
    assert bw.sip_peer_numbers(api(), "399", "304985") == {"+12052160148", "+19195550100", "+442071234567"}
    query = parse_qs(urlsplit(answer.calls[0].request.url).query)
    assert query == {"page": ["1"], "size": [str(bw.TNS_PAGE_SIZE)], "includeAttributes": ["false"]}


def test_sip_peer_numbers_read_every_page(bandwidth, monkeypatch):
    monkeypatch.setattr(bw, "TNS_PAGE_SIZE", 2)
    answer = bandwidth.get(f"{DASHBOARD}/sites/399/sippeers/304985/tns", body=tns_xml("2052160148", "2052160149"))
    bandwidth.get(f"{DASHBOARD}/sites/399/sippeers/304985/tns", body=tns_xml("2052160150"))
    assert bw.sip_peer_numbers(api(), "399", "304985") == {"+12052160148", "+12052160149", "+12052160150"}
    pages = [parse_qs(urlsplit(call.request.url).query)["page"] for call in bandwidth.calls[1:]]
    assert pages == [["1"], ["2"]] and answer.call_count == 1


def test_ids_from_a_form_are_escaped_in_the_path(bandwidth):
    answer = bandwidth.get(f"{DASHBOARD}/sites/a%2F..%2Fb/sippeers", body=peers_xml())
    assert bw.list_sip_peers(api(), "a/../b") == []
    assert answer.call_count == 1


def test_messaging_application_of_a_location_is_read_and_assigned(bandwidth):
    path = f"{DASHBOARD}/sites/399/sippeers/304985/products/messaging/applicationSettings"
    bandwidth.get(path, body="<ApplicationsSettingsResponse><ApplicationsSettings><HttpMessagingV2AppId>"
                             "4a4ca6c1-156b-4fca-84e9-34e35e2afc32</HttpMessagingV2AppId></ApplicationsSettings>"
                             "</ApplicationsSettingsResponse>")
    put = bandwidth.put(path, body="<ApplicationsSettingsResponse/>")
    assert bw.messaging_application_of(api(), "399", "304985") == "4a4ca6c1-156b-4fca-84e9-34e35e2afc32"
    bw.assign_messaging_application(api(), "399", "304985", APP_ID)
    root = ET.fromstring(put.calls[0].request.body)
    assert root.tag == "ApplicationsSettings" and root.findtext("HttpMessagingV2AppId") == APP_ID


def test_a_location_without_messaging_application_answers_empty(bandwidth):
    bandwidth.get(f"{DASHBOARD}/sites/399/sippeers/304985/products/messaging/applicationSettings",
                  body="<ApplicationsSettingsResponse/>")
    assert bw.messaging_application_of(api(), "399", "304985") == ""


def fake_account(bandwidth, peers_by_site, numbers_by_peer):
    bandwidth.get(f"{DASHBOARD}/sites", body=SITES_XML)
    for site in ("399", "403"):
        bandwidth.get(f"{DASHBOARD}/sites/{site}/sippeers", body=peers_xml(*peers_by_site.get(site, ())))
    names = {"399": "SiteName", "403": "TestSite2"}
    for (site, peer), numbers in numbers_by_peer.items():
        bandwidth.get(f"{DASHBOARD}/sites/{site}/sippeers/{peer}/tns", body=tns_xml(*numbers))
        peer_name = dict(peers_by_site[site])[peer]
        for number in numbers:
            bandwidth.get(f"{ROOT}/tns/{number}/sites", body=f"<Site><Id>{site}</Id><Name>{names[site]}</Name></Site>")
            bandwidth.get(f"{ROOT}/tns/{number}/sippeers",
                          body=f"<SipPeer><Id>{peer}</Id><Name>{peer_name}</Name></SipPeer>")
    bandwidth.get(re.compile(re.escape(ROOT) + r"/tns/[0-9]+/(sites|sippeers)"), status=404, body="")


def test_find_location_finds_the_one_sip_peer_holding_the_numbers(bandwidth):
    fake_account(bandwidth, {"399": [("1", "PBX")], "403": [("2", "Other")]},
                 {("399", "1"): ["9195550100", "9195550101"], ("403", "2"): ["2052160148"]})
    search = bw.find_location(api(), ["+19195550100", "+19195550101"])
    assert search.locations == (bw.Location("399", "SiteName", "1", "PBX"),)
    assert search.missing == frozenset()


def test_find_location_reports_several_and_the_numbers_nobody_holds(bandwidth):
    fake_account(bandwidth, {"399": [("1", "PBX")], "403": [("2", "Other")]},
                 {("399", "1"): ["9195550100"], ("403", "2"): ["9195550101"]})
    search = bw.find_location(api(), ["+19195550100", "+19195550101", "+19195550199"])
    assert [loc.sip_peer_id for loc in search.locations] == ["1", "2"]
    assert dict(search.matches)[search.locations[1]] == {"+19195550101"}
    assert search.missing == {"+19195550199"}


def test_find_location_finds_none(bandwidth):
    fake_account(bandwidth, {"399": [("1", "PBX")]}, {("399", "1"): ["2052160148"]})
    search = bw.find_location(api(), ["+19195550100"])
    assert search.locations == () and search.missing == {"+19195550100"}


@pytest.mark.parametrize(("status", "error", "words"), [
    (401, BandwidthAuthError, "refused it for this account"),
    (403, BandwidthPermissionError, "Number & Account Management role"),
    (404, BandwidthRequestError, "404"),
    (429, BandwidthRateLimited, "too many requests"),
    (503, BandwidthUnavailable, "could not be reached"),
])
def test_each_error_status_raises_its_error_in_plain_words(bandwidth, status, error, words):
    bandwidth.get(f"{DASHBOARD}/applications/{APP_ID}", status=status, body="")
    with pytest.raises(error) as caught:
        bw.get_application(api(), APP_ID)
    assert caught.value.status == status
    assert words in caught.value.user_message


def test_unreadable_answer_and_unreachable_bandwidth_are_bandwidth_trouble(bandwidth):
    bandwidth.get(f"{DASHBOARD}/sites", body="<SitesResponse><Sites>")
    with pytest.raises(BandwidthUnavailable):
        bw.list_sites(api())
    bandwidth.get(f"{DASHBOARD}/sites/399/sippeers", body=requests.ConnectionError("refused"))
    with pytest.raises(BandwidthUnavailable):
        bw.list_sip_peers(api(), "399")


@pytest.mark.parametrize(("full", "e164"), [
    ("9195550100", "+19195550100"), ("19195550100", "+19195550100"), ("+19195550100", "+19195550100"),
    ("", ""), ("91955501x0", ""), ("９１９５５５０１００", ""),
])
def test_full_number_to_e164(full, e164):
    assert bw.full_number_to_e164(full) == e164


def test_find_location_asks_the_numbers_not_the_whole_account(bandwidth):
    many_sites = {"399": [(str(n), f"Peer{n}") for n in range(1, 40)], "403": [("90", "Other")]}
    fake_account(bandwidth, many_sites, {("399", "7"): ["9195550100", "9195550101"], ("403", "90"): ["2052160148"]})
    search = bw.find_location(api(), ["+19195550100", "+19195550101"])
    assert search.locations == (bw.Location("399", "SiteName", "7", "Peer7"),)
    asked = [urlsplit(call.request.url).path for call in bandwidth.calls if "oauth2" not in call.request.url]
    # Where the first number is (site, SIP peer), then that peer's numbers: the second number needs no call.
    assert asked == [urlsplit(f"{ROOT}/tns/9195550100/sites").path, urlsplit(f"{ROOT}/tns/9195550100/sippeers").path,
                     urlsplit(f"{DASHBOARD}/sites/399/sippeers/7/tns").path]


def test_find_location_stops_asking_after_a_few_numbers_bandwidth_does_not_know(bandwidth):
    fake_account(bandwidth, {"399": [("1", "PBX")]}, {("399", "1"): ["2052160148"]})
    numbers = [f"+1919555{n:04d}" for n in range(30)]
    search = bw.find_location(api(), numbers)
    assert search.locations == () and search.missing == frozenset(numbers)
    lookups = [call for call in bandwidth.calls if "/tns/" in call.request.url and "/accounts/" not in call.request.url]
    assert len(lookups) == bw.MAX_UNKNOWN_NUMBERS  # the site lookup answers 404; the SIP peer is not asked then
