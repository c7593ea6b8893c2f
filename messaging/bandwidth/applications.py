"""Messaging applications and locations (sites and SIP peers) in Bandwidth's Dashboard API.

Requests and answers follow Bandwidth's own examples (applications.mdx and numbers.yml of its api-docs):
an application is `<Application>` with ServiceType Messaging-V2, its callback URLs, callback credentials and the
status callback types; a location (SIP peer) names its messaging application in
`<ApplicationsSettings><HttpMessagingV2AppId>`. Bandwidth never returns a callback password: an application read
back carries the callback UserId only. Every function raises the BandwidthError subclasses of AccountApi.xml.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass

from messaging.bandwidth.account_api import AccountApi, child_text, element, segment
from messaging.bandwidth.errors import BandwidthError, BandwidthUnavailable

SERVICE_TYPE = "Messaging-V2"
# The status callbacks the webhook handles (message-received always goes to the inbound URL).
CALLBACK_TYPES = ("message-delivered", "message-failed", "message-sending")
# sip_peer_numbers reads this many numbers per page (Bandwidth's default page is 5000).
TNS_PAGE_SIZE = 5000
TNS_MAX_PAGES = 100
# find_location stops asking about numbers after this many Bandwidth does not know (a trunk of numbers on another
# account would otherwise cost two calls per number inside the web request).
MAX_UNKNOWN_NUMBERS = 5


@dataclass(frozen=True)
class MessagingApplication:
    application_id: str
    service_type: str
    name: str
    inbound_callback_url: str
    outbound_callback_url: str
    inbound_user: str
    outbound_user: str
    callback_types: tuple[str, ...]


@dataclass(frozen=True)
class ApplicationSpec:
    """What to write into a messaging application. The password goes to Bandwidth and nowhere else."""

    name: str
    callback_url: str
    callback_user: str
    callback_password: str
    callback_types: tuple[str, ...] = CALLBACK_TYPES

    def __repr__(self) -> str:
        return f"ApplicationSpec(name={self.name!r}, callback_url={self.callback_url!r}, user={self.callback_user!r})"


@dataclass(frozen=True)
class Location:
    """A SIP peer (Bandwidth App: "location") and the site (sub-account) it belongs to."""

    site_id: str
    site_name: str
    sip_peer_id: str
    sip_peer_name: str

    @property
    def label(self) -> str:
        return f"{self.site_name or 'site'} ({self.site_id}) ▸ {self.sip_peer_name or 'SIP peer'} ({self.sip_peer_id})"


@dataclass(frozen=True)
class Site:
    site_id: str
    name: str


@dataclass(frozen=True)
class SipPeer:
    sip_peer_id: str
    name: str


@dataclass(frozen=True)
class LocationSearch:
    """find_location's answer: the SIP peers holding any of the numbers, and the numbers none holds."""

    matches: tuple[tuple[Location, frozenset[str]], ...]
    missing: frozenset[str]

    @property
    def locations(self) -> tuple[Location, ...]:
        return tuple(location for location, _ in self.matches)


def get_application(api: AccountApi, app_id: str) -> MessagingApplication:
    """GET /applications/{id}. A 404 raises BandwidthRequestError with status 404."""
    root = api.xml("GET", f"/applications/{segment(app_id)}")
    return _application(_find(root, "Application"))


def create_application(api: AccountApi, spec: ApplicationSpec) -> str:
    """POST /applications (201); the new ApplicationId."""
    return _written_id(api.xml("POST", "/applications", _application_body(spec)))


def update_application(api: AccountApi, app_id: str, spec: ApplicationSpec) -> str:
    """PUT /applications/{id}, every field (a complete update); the ApplicationId read back."""
    return _written_id(api.xml("PUT", f"/applications/{segment(app_id)}", _application_body(spec)))


def associated_sip_peers(api: AccountApi, app_id: str) -> list[Location]:
    """GET /applications/{id}/associatedsippeers: the locations using this application."""
    root = api.xml("GET", f"/applications/{segment(app_id)}/associatedsippeers")
    return [
        Location(child_text(node, "SiteId"), child_text(node, "SiteName"), child_text(node, "PeerId"),
                 child_text(node, "PeerName"))
        for node in _iter(root, "AssociatedSipPeer")
    ]


def list_sites(api: AccountApi) -> list[Site]:
    """GET /sites."""
    return [Site(child_text(node, "Id"), child_text(node, "Name")) for node in _iter(api.xml("GET", "/sites"), "Site")]


def list_sip_peers(api: AccountApi, site_id: str) -> list[SipPeer]:
    """GET /sites/{site}/sippeers."""
    root = api.xml("GET", f"/sites/{segment(site_id)}/sippeers")
    return [SipPeer(child_text(node, "PeerId"), child_text(node, "PeerName")) for node in _iter(root, "SipPeer")]


def sip_peer_numbers(api: AccountApi, site_id: str, peer_id: str) -> set[str]:
    """GET /sites/{site}/sippeers/{peer}/tns, every page, as E.164 (Bandwidth answers +1 numbers as 10 digits)."""
    numbers: set[str] = set()
    for page in range(1, TNS_MAX_PAGES + 1):
        root = api.xml(
            "GET", f"/sites/{segment(site_id)}/sippeers/{segment(peer_id)}/tns",
            params={"page": page, "size": TNS_PAGE_SIZE, "includeAttributes": "false"},
        )
        found = [child_text(node, "FullNumber") for node in _iter(root, "SipPeerTelephoneNumber")]
        numbers.update(e164 for e164 in map(full_number_to_e164, found) if e164)
        if len(found) < TNS_PAGE_SIZE:
            break
    return numbers


def full_number_to_e164(full_number: str) -> str:
    """Bandwidth's FullNumber as E.164: 10 digits are a +1 (NANP) number; "" for anything that is no number."""
    digits = full_number.strip().lstrip("+")
    if not digits.isascii() or not digits.isdigit():
        return ""
    if len(digits) == 10:
        return "+1" + digits
    return "+" + digits


def e164_to_full_number(number: str) -> str:
    """An E.164 number as the Dashboard API writes it: 10 digits for +1 (NANP) numbers, the digits otherwise."""
    return number[2:] if number.startswith("+1") and len(number) == 12 else number.lstrip("+")


def messaging_application_of(api: AccountApi, site_id: str, peer_id: str) -> str:
    """GET the SIP peer's messaging application settings: its HttpMessagingV2AppId ("" when none)."""
    root = api.xml("GET", _settings_path(site_id, peer_id))
    return child_text(_find(root, "ApplicationsSettings", required=False), "HttpMessagingV2AppId")


def assign_messaging_application(api: AccountApi, site_id: str, peer_id: str, app_id: str) -> None:
    """PUT the SIP peer's HttpMessagingV2AppId (a location has one messaging application)."""
    body = element("ApplicationsSettings", element("HttpMessagingV2AppId", text=app_id))
    api.xml("PUT", _settings_path(site_id, peer_id), body)


def number_location(api: AccountApi, number: str) -> Location | None:
    """The site and SIP peer holding one number (E.164), asked of the number itself (GET /tns/{tn}/sites and
    /tns/{tn}/sippeers, two calls whatever the account's size); None when Bandwidth does not know it (404)."""
    tn = segment(e164_to_full_number(number))
    try:
        site = api.xml("GET", f"/tns/{tn}/sites", account_scoped=False)
        peer = api.xml("GET", f"/tns/{tn}/sippeers", account_scoped=False)
    except BandwidthError as exc:
        if exc.status == 404:
            return None
        raise
    site_id, peer_id = child_text(site, "Id"), child_text(peer, "Id")
    if not site_id or not peer_id:
        raise _unreadable(f"no site or SIP peer Id for {number}")
    return Location(site_id, child_text(site, "Name"), peer_id, child_text(peer, "Name"))


def find_location(api: AccountApi, numbers: Iterable[str]) -> LocationSearch:
    """Which SIP peers hold `numbers` (E.164): each number not yet placed is asked where it is, and the SIP peer
    found lists its numbers, which places the trunk's other numbers on it at once. A trunk on one location costs
    two calls plus that peer's number pages, however many sites and peers the account has.

    The caller decides what none or several matches mean; `missing` lists the numbers no SIP peer holds (after
    MAX_UNKNOWN_NUMBERS numbers Bandwidth does not know, the rest are not asked about and count as missing).
    """
    wanted = frozenset(numbers)
    matches: list[tuple[Location, frozenset[str]]] = []
    placed: set[str] = set()
    unknown = 0
    for number in sorted(wanted):
        if number in placed:
            continue
        if unknown >= MAX_UNKNOWN_NUMBERS:
            break
        location = number_location(api, number)
        if location is None:
            unknown += 1
            continue
        held = (wanted & sip_peer_numbers(api, location.site_id, location.sip_peer_id)) | {number}
        matches.append((location, frozenset(held)))
        placed |= held
    return LocationSearch(matches=tuple(matches), missing=wanted - placed)


def list_locations(api: AccountApi) -> list[Location]:
    """Every SIP peer of every site (to let an administrator choose one)."""
    return [
        Location(site.site_id, site.name, peer.sip_peer_id, peer.name)
        for site in list_sites(api)
        for peer in list_sip_peers(api, site.site_id)
    ]


# --- XML -------------------------------------------------------------------------------------------------------

def _application_body(spec: ApplicationSpec) -> ET.Element:
    def creds(tag: str) -> ET.Element:
        user, password = element("UserId", text=spec.callback_user), element("Password", text=spec.callback_password)
        return element(tag, user, password)

    return element(
        "Application",
        element("ServiceType", text=SERVICE_TYPE),
        element("AppName", text=spec.name),
        element("InboundCallbackUrl", text=spec.callback_url),
        element("OutboundCallbackUrl", text=spec.callback_url),
        creds("InboundCallbackCreds"),
        creds("OutboundCallbackCreds"),
        element("RequestedCallbackTypes", *(element("CallbackType", text=kind) for kind in spec.callback_types)),
    )


def _application(node: ET.Element) -> MessagingApplication:
    return MessagingApplication(
        application_id=child_text(node, "ApplicationId"),
        service_type=child_text(node, "ServiceType"),
        name=child_text(node, "AppName"),
        inbound_callback_url=child_text(node, "InboundCallbackUrl"),
        outbound_callback_url=child_text(node, "OutboundCallbackUrl"),
        inbound_user=child_text(node, "InboundCallbackCreds/UserId"),
        outbound_user=child_text(node, "OutboundCallbackCreds/UserId"),
        callback_types=tuple(
            (kind.text or "").strip() for kind in node.iterfind("RequestedCallbackTypes/CallbackType")
        ),
    )


def _written_id(root: ET.Element | None) -> str:
    app_id = child_text(_find(root, "Application"), "ApplicationId")
    if not app_id:
        raise _unreadable("Bandwidth's answer names no ApplicationId")
    return app_id


def _find(root: ET.Element | None, tag: str, *, required: bool = True) -> ET.Element | None:
    """`tag` at the root or anywhere below it (Bandwidth wraps answers in a ...Response element)."""
    if root is not None:
        found = root if root.tag == tag else root.find(f".//{tag}")
        if found is not None:
            return found
    if required:
        raise _unreadable(f"Bandwidth's answer holds no {tag}")
    return None


def _iter(root: ET.Element | None, tag: str) -> list[ET.Element]:
    return [] if root is None else list(root.iter(tag))


def _settings_path(site_id: str, peer_id: str) -> str:
    return f"/sites/{segment(site_id)}/sippeers/{segment(peer_id)}/products/messaging/applicationSettings"


def _unreadable(description: str) -> BandwidthUnavailable:
    return BandwidthUnavailable(
        description, error_type="bad-xml",
        user_message="Bandwidth answered in a form the portal could not read. Try again in a few minutes.",
    )
