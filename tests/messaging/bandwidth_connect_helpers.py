"""Bandwidth's Dashboard API faked for Connect to Bandwidth (services, screens, API): an account with site 399
"Main" and SIP peer 500 "PBX" holding Acme's DID, and Acme's messaging application."""

import base64
import re
import xml.etree.ElementTree as ET

from django.conf import settings
from django.utils import timezone
from django_tenants.utils import tenant_context

from messaging.models import SmsConfiguration
from tests.messaging.factories import ACCOUNT, APPLICATION_ID

DASHBOARD = f"{settings.BANDWIDTH_DASHBOARD_API_URL}/accounts/{ACCOUNT}"
APP_URL = f"{DASHBOARD}/applications/{APPLICATION_ID}"
NEW_APP_ID = "d4d1b41d-4c05-47d0-838a-34e4f14e4e3e"
SETTINGS_URL = f"{DASHBOARD}/sites/399/sippeers/500/products/messaging/applicationSettings"
TNS_URL = f"{DASHBOARD}/sites/399/sippeers/500/tns"
TYPES = ("message-delivered", "message-failed", "message-sending")


def application_xml(app_id=APPLICATION_ID, *, url="", user="", types=TYPES, service_type="Messaging-V2"):
    creds = f"<UserId>{user}</UserId>" if user else ""
    return (
        "<ApplicationProvisioningResponse><Application>"
        f"<ApplicationId>{app_id}</ApplicationId><ServiceType>{service_type}</ServiceType><AppName>x</AppName>"
        f"<InboundCallbackUrl>{url}</InboundCallbackUrl><OutboundCallbackUrl>{url}</OutboundCallbackUrl>"
        f"<InboundCallbackCreds>{creds}</InboundCallbackCreds><OutboundCallbackCreds>{creds}</OutboundCallbackCreds>"
        "<RequestedCallbackTypes>" + "".join(f"<CallbackType>{t}</CallbackType>" for t in types) +
        "</RequestedCallbackTypes></Application></ApplicationProvisioningResponse>"
    )


def settings_xml(app_id):
    return ("<ApplicationsSettingsResponse><ApplicationsSettings><HttpMessagingV2AppId>"
            f"{app_id}</HttpMessagingV2AppId></ApplicationsSettings></ApplicationsSettingsResponse>")


def tns_xml(*numbers):
    return "<SipPeerTelephoneNumbersResponse><SipPeerTelephoneNumbers>" + "".join(
        f"<SipPeerTelephoneNumber><FullNumber>{n}</FullNumber></SipPeerTelephoneNumber>" for n in numbers
    ) + "</SipPeerTelephoneNumbers></SipPeerTelephoneNumbersResponse>"


def fake_locations(bandwidth, peers=(("500", "PBX", ("9195550100",)),), dashboard=DASHBOARD):
    """Site 399 "Main" with the given SIP peers: (peer id, name, 10-digit numbers)."""
    bandwidth.get(f"{dashboard}/sites", body="<SitesResponse><Sites><Site><Id>399</Id><Name>Main</Name></Site>"
                                             "</Sites></SitesResponse>")
    bandwidth.get(f"{dashboard}/sites/399/sippeers", body="<TNSipPeersResponse><SipPeers>" + "".join(
        f"<SipPeer><PeerId>{pid}</PeerId><PeerName>{name}</PeerName></SipPeer>" for pid, name, _ in peers
    ) + "</SipPeers></TNSipPeersResponse>")
    root = dashboard.split("/accounts/")[0]
    for pid, name, numbers in peers:
        bandwidth.get(f"{dashboard}/sites/399/sippeers/{pid}/tns", body=tns_xml(*numbers))
        for number in numbers:  # where one number is, asked of the number (find_location)
            bandwidth.get(f"{root}/tns/{number}/sites", body="<Site><Id>399</Id><Name>Main</Name></Site>")
            bandwidth.get(f"{root}/tns/{number}/sippeers", body=f"<SipPeer><Id>{pid}</Id><Name>{name}</Name></SipPeer>")
    # Any other number is not on the account.
    bandwidth.get(TNS_LOOKUP, status=404,
                  body="<TelephoneNumberResponse><ResponseStatus><ErrorCode>404</ErrorCode><Description>not found"
                       "</Description></ResponseStatus></TelephoneNumberResponse>")


TNS_LOOKUP = re.compile(re.escape(settings.BANDWIDTH_DASHBOARD_API_URL) + r"/tns/[0-9]+/(sites|sippeers)")


def refuse_lookups(bandwidth, status: int):
    """Bandwidth refuses to say where the trunk's numbers are (the first calls Connect makes)."""
    bandwidth.get(TNS_LOOKUP, status=status, body="")


def fake_connect(bandwidth, *, existing=True):
    """A Connect that succeeds: Acme's application exists (PUT) or not (404, then POST); SIP peer 500 takes it.
    Returns the write (PUT or POST) and the assignment (PUT) responses."""
    fake_locations(bandwidth)
    if existing:
        bandwidth.get(APP_URL, body=application_xml())
        write = bandwidth.put(APP_URL, body=application_xml())
    else:
        bandwidth.get(APP_URL, status=404, body="<ApplicationProvisioningResponse><ResponseStatus><ErrorCode>15501"
                                                 "</ErrorCode><Description>not found</Description></ResponseStatus>"
                                                 "</ApplicationProvisioningResponse>")
        write = bandwidth.post(f"{DASHBOARD}/applications", status=201, body=application_xml(NEW_APP_ID))
    assign = bandwidth.put(SETTINGS_URL, body=settings_xml(APPLICATION_ID if existing else NEW_APP_ID))
    return write, assign


def sent_credentials(write) -> tuple[str, str]:
    """The callback UserId and Password the application write sent to Bandwidth."""
    root = ET.fromstring(write.calls[-1].request.body)
    return root.findtext("InboundCallbackCreds/UserId"), root.findtext("InboundCallbackCreds/Password")


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def mark_connected(tenant, config):
    """The configuration as a past Connect left it: callback user bw-cafe on site 399, SIP peer 500."""
    with tenant_context(tenant):
        SmsConfiguration.objects.filter(pk=config.pk).update(
            callback_username="bw-cafe", bandwidth_site_id="399", bandwidth_sip_peer_id="500",
            connected_at=timezone.now())
