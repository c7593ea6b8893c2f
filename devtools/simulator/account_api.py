"""Bandwidth's account APIs, the parts the portal's "Connect to Bandwidth" uses.

Dashboard API (XML, under /api/accounts/{accountId}, shaped like numbers.yml's examples): applications,
sites and SIP peers, a peer's numbers and messaging application, 10DLC campaigns and their numbers.
JSON account API (under /api/v2/accounts/{accountId}, bandwidth.yml): toll-free verification status and
its webhook subscriptions.

An application created or changed here is the simulator's application: its InboundCallbackUrl and
OutboundCallbackUrl (and their credentials) are where callbacks go. Callers authenticate as for the
messaging API; a credential registered with `roles` lacking the call's role ("numbers", "campaign",
"tfv") is answered 403. Error codes are Bandwidth's where its examples show one, the simulator's choice
otherwise.
"""

from __future__ import annotations

import secrets
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from devtools.simulator import shapes
from devtools.simulator.bandwidth_api import identify
from devtools.simulator.fixtures import printable
from devtools.simulator.web import Request, Response, json_response

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
SERVICE_TYPES = {"Messaging": "Messaging-V2", "Messaging-V2": "Messaging-V2", "Voice": "Voice-V2",
                 "Voice-V2": "Voice-V2"}
CALLBACK_TYPES = ("message-delivered", "message-failed", "message-sending")
MAX_NAME, MAX_URL, MAX_CREDENTIAL = 255, 2048, 100
DEFAULT_SIZE, MAX_SIZE = 25, 1000
TFV_PREFIXES = ("+1800", "+1833", "+1844", "+1855", "+1866", "+1877", "+1888")


class Refused(Exception):
    """An answer other than 200: the status, Bandwidth's error code and its description."""

    def __init__(self, status: int, code: str | int, description: str) -> None:
        super().__init__(description)
        self.status, self.code, self.description = status, str(code), description


# -- answers ---------------------------------------------------------------------------------------------


def node(tag: str, *children: ET.Element | None, text: str | None = None) -> ET.Element:
    element = ET.Element(tag)
    if text is not None:
        element.text = text
    element.extend(child for child in children if child is not None)
    return element


def xml_response(root: ET.Element, status: int = 200) -> Response:
    return Response(status, XML_DECLARATION + ET.tostring(root, encoding="utf-8"), "application/xml")


def xml_error(root_tag: str, status: int, code: str | int, description: str) -> Response:
    """Bandwidth's XML error: <Root><ResponseStatus><ErrorCode/><Description/></ResponseStatus></Root>."""
    return xml_response(node(root_tag, node("ResponseStatus", node("ErrorCode", text=str(code)),
                                            node("Description", text=description))), status)


def tfv_error(status: int, kind: str, description: str) -> Response:
    """The toll-free API's error (tfvError): {"type", "description"}."""
    return json_response({"type": kind, "description": description}, status)


def dashboard(root_tag: str, role: str) -> Callable[[Callable[..., ET.Element | Response]], Callable[..., Response]]:
    """Wrap a Dashboard handler: latency, authentication, the role, and Refused turned into the XML error."""
    def wrap(handler: Callable[..., ET.Element | Response]) -> Callable[..., Response]:
        def call(sim: Any, request: Request, account_id: str, **params: str) -> Response:
            sim.faults.delay()
            if not printable(account_id) or len(account_id) > 32:
                return xml_error(root_tag, 404, 404, "Unknown account.")
            denial, roles = identify(sim, request, account_id)
            if denial is not None:
                status, _, description = denial
                return xml_error(root_tag, status, status, description)
            if roles is not None and role not in roles:
                return xml_error(root_tag, 403, 403, f"The credentials lack the {role!r} role this call needs.")
            try:
                answer = handler(sim, request, account_id, **params)
            except Refused as exc:
                return xml_error(root_tag, exc.status, exc.code, exc.description)
            return answer if isinstance(answer, Response) else xml_response(answer)
        call.__name__ = handler.__name__
        return call
    return wrap


def tfv(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Wrap a toll-free handler: latency, authentication and the "tfv" role, answered as tfvError."""
    def call(sim: Any, request: Request, account_id: str, **params: str) -> Response:
        sim.faults.delay()
        denial, roles = identify(sim, request, account_id)
        if denial is not None:
            return tfv_error(*denial)
        if roles is not None and "tfv" not in roles:
            return tfv_error(403, "forbidden", "Client is not authorized for the action (the 'tfv' role).")
        return handler(sim, request, account_id, **params)
    call.__name__ = handler.__name__
    return call


# -- applications ----------------------------------------------------------------------------------------


@dashboard("ApplicationProvisioningResponse", "numbers")
def applications(sim: Any, request: Request, account_id: str) -> ET.Element | Response:
    if request.method == "POST":
        fields = _application_fields(_xml_body(request, "Application"), partial=False)
        app = _save_application(sim, str(uuid.uuid4()), account_id, fields, previous={})
        return xml_response(node("ApplicationProvisioningResponse", _application_xml(app)), 201)
    with sim.state.lock:
        apps = [app for app in sim.state.applications.values() if _visible(app, account_id)]
        listed = [_application_xml(app) for app in apps]
    return node("ApplicationProvisioningResponse", node("ApplicationList", *listed))


@dashboard("ApplicationProvisioningResponse", "numbers")
def application(sim: Any, request: Request, account_id: str, application_id: str) -> ET.Element | Response:
    app = _account_application(sim, account_id, application_id)
    if request.method == "DELETE":
        peers = _associated_peers(sim, account_id, application_id)
        if peers:
            raise Refused(409, 13630, f"Application {application_id} is assigned to SIP peer "
                                      f"{peers[0][1]['id']} and cannot be removed.")
        sim.state.delete_application(application_id)
        return Response(200, b"", "application/xml")
    if request.method in ("PUT", "PATCH"):
        fields = _application_fields(_xml_body(request, "Application"), partial=request.method == "PATCH")
        app = _save_application(sim, application_id, account_id, fields, previous=app)
    return node("ApplicationProvisioningResponse", _application_xml(app))


@dashboard("AssociatedSipPeersResponse", "numbers")
def associated_sip_peers(sim: Any, request: Request, account_id: str, application_id: str) -> ET.Element:
    _account_application(sim, account_id, application_id)
    return node("AssociatedSipPeersResponse", node("AssociatedSipPeers", *[
        node("AssociatedSipPeer", node("SiteId", text=site["id"]), node("SiteName", text=site["name"]),
             node("PeerId", text=peer["id"]), node("PeerName", text=peer["name"]))
        for site, peer in _associated_peers(sim, account_id, application_id)
    ]))


def _account_application(sim: Any, account_id: str, application_id: str) -> dict[str, Any]:
    app = sim.state.application(application_id)
    if app is None or not _visible(app, account_id):
        raise Refused(404, 13629, f"Application with id '{application_id}' not found")
    return app


def _visible(app: dict[str, Any], account_id: str) -> bool:
    # An application registered through the admin API without an account belongs to whoever asks.
    return not app.get("accountId") or app["accountId"] == account_id


def _application_fields(root: ET.Element, *, partial: bool) -> dict[str, Any]:
    """The fields an Application element sets (only those present when partial). Raises Refused (400)."""
    fields: dict[str, Any] = {}
    simple = {"ServiceType": "serviceType", "AppName": "appName", "InboundCallbackUrl": "callbackUrl",
              "OutboundCallbackUrl": "outboundCallbackUrl", "MsgCallbackUrl": "msgCallbackUrl",
              "CallInitiatedCallbackUrl": "callInitiatedCallbackUrl"}
    for tag, key in simple.items():
        found = root.find(tag)
        if found is not None or not partial:
            fields[key] = _clean_text(tag, (found.text or "").strip() if found is not None else "",
                                      MAX_URL if tag.endswith("Url") else MAX_NAME)
    if not fields.get("callbackUrl") and fields.get("msgCallbackUrl"):
        fields["callbackUrl"] = fields["msgCallbackUrl"]  # the deprecated name still works
    fields.pop("msgCallbackUrl", None)
    for tag, prefix in (("InboundCallbackCreds", "callback"), ("OutboundCallbackCreds", "outboundCallback")):
        creds = root.find(tag)
        if creds is not None or not partial:
            user = _clean_text(f"{tag}.UserId", _text(creds, "UserId"), MAX_CREDENTIAL)
            password = creds.find("Password") if creds is not None else None
            fields[f"{prefix}Username"] = user
            # No Password element: the stored one stays (GET never shows it, so a client cannot echo it back).
            if password is not None:
                fields[f"{prefix}Password"] = _clean_text(f"{tag}.Password", password.text or "", MAX_CREDENTIAL)
    requested = root.find("RequestedCallbackTypes")
    if requested is not None or not partial:
        types = [(item.text or "").strip() for item in requested.findall("CallbackType")] \
            if requested is not None else []
        unknown = [value for value in types if value not in CALLBACK_TYPES]
        if unknown:
            raise Refused(400, 12526, f"CallbackType '{unknown[0][:60]}' is not one of {', '.join(CALLBACK_TYPES)}")
        fields["requestedCallbackTypes"] = types
    if "serviceType" in fields:
        if not fields["serviceType"]:
            raise Refused(400, 1003, "ServiceType is required")
        if fields["serviceType"] not in SERVICE_TYPES:
            raise Refused(400, 12524, f"ServiceType '{fields['serviceType'][:60]}' is not supported: "
                                      "use Messaging-V2 or Voice-V2")
        fields["serviceType"] = SERVICE_TYPES[fields["serviceType"]]
    if "appName" in fields and not fields["appName"]:
        raise Refused(400, 1003, "AppName is required")
    return fields


def _save_application(sim: Any, application_id: str, account_id: str, fields: dict[str, Any],
                      previous: dict[str, Any]) -> dict[str, Any]:
    app = {
        "applicationId": application_id, "appName": "", "serviceType": "", "callbackUrl": "",
        "callbackUsername": "", "callbackPassword": "", "outboundCallbackUrl": "",
        "outboundCallbackUsername": "", "outboundCallbackPassword": "", "requestedCallbackTypes": [],
        "callInitiatedCallbackUrl": "", "numbers": [], "location": None, **previous, **fields,
        "accountId": previous.get("accountId") or account_id,
    }
    for prefix in ("callback", "outboundCallback"):
        if f"{prefix}Username" in fields and f"{prefix}Password" not in fields \
                and fields[f"{prefix}Username"] != previous.get(f"{prefix}Username"):
            app[f"{prefix}Password"] = ""  # a new user id without a password has no password
        if not app[f"{prefix}Username"]:
            app[f"{prefix}Password"] = ""
    if app["serviceType"] == "Messaging-V2" and not app["callbackUrl"]:
        raise Refused(400, 1003, "InboundCallbackUrl is required for a Messaging-V2 application")
    if app["serviceType"] == "Voice-V2" and not app["callInitiatedCallbackUrl"]:
        raise Refused(400, 1003, "CallInitiatedCallbackUrl is required for a Voice-V2 application")
    for key in ("callbackUrl", "outboundCallbackUrl", "callInitiatedCallbackUrl"):
        if app[key] and urlsplit(app[key]).scheme not in ("http", "https"):
            raise Refused(400, 12525, f"'{app[key][:80]}' is not an http:// or https:// URL")
    sim.state.put_application(app)
    return app


def _application_xml(app: dict[str, Any]) -> ET.Element:
    """An Application as Bandwidth shows it: user ids, never passwords."""
    if app.get("serviceType") == "Voice-V2":
        return node("Application", node("ApplicationId", text=app["applicationId"]),
                    node("ServiceType", text="Voice-V2"), node("AppName", text=app.get("appName") or ""),
                    node("CallInitiatedCallbackUrl", text=app.get("callInitiatedCallbackUrl") or ""))
    inbound = app.get("callbackUrl") or ""
    # Applications registered before statuses had their own URL send them to the one callback URL.
    outbound = app.get("outboundCallbackUrl", inbound)
    outbound_user = app.get("outboundCallbackUsername", app.get("callbackUsername"))
    types = app.get("requestedCallbackTypes") or []
    return node(
        "Application",
        node("ApplicationId", text=app["applicationId"]),
        node("ServiceType", text=app.get("serviceType") or "Messaging-V2"),
        node("AppName", text=app.get("appName") or "Simulator application"),
        node("MsgCallbackUrl", text=inbound) if inbound else None,
        node("InboundCallbackUrl", text=inbound) if inbound else None,
        node("OutboundCallbackUrl", text=outbound) if outbound else None,
        _creds("MsgCallbackCreds", app.get("callbackUsername")),
        _creds("InboundCallbackCreds", app.get("callbackUsername")),
        _creds("OutboundCallbackCreds", outbound_user),
        node("RequestedCallbackTypes", *[node("CallbackType", text=t) for t in types]) if types else None,
    )


def _creds(tag: str, user: str | None) -> ET.Element | None:
    return node(tag, node("UserId", text=user)) if user else None


# -- locations -------------------------------------------------------------------------------------------


@dashboard("SitesResponse", "numbers")
def sites(sim: Any, request: Request, account_id: str) -> ET.Element:
    return node("SitesResponse", node("Sites", *[
        node("Site", node("Id", text=site["id"]), node("Name", text=site["name"]),
             node("Description", text=site["description"]))
        for site in sim.state.fixture("locations", account_id, [])
    ]))


@dashboard("TNSipPeersResponse", "numbers")
def sip_peers(sim: Any, request: Request, account_id: str, site_id: str) -> ET.Element:
    site = _site(sim, account_id, site_id)
    return node("TNSipPeersResponse", node("SipPeers", *[
        node("SipPeer", node("PeerId", text=peer["id"]), node("PeerName", text=peer["name"]),
             node("Description", text=peer["description"]),
             node("IsDefaultPeer", text="true" if peer["isDefault"] else "false"))
        for peer in site["sipPeers"]
    ]))


@dashboard("SipPeerTelephoneNumbersResponse", "numbers")
def sip_peer_numbers(sim: Any, request: Request, account_id: str, site_id: str, peer_id: str) -> ET.Element:
    peer = _peer(sim, account_id, site_id, peer_id)
    return node("SipPeerTelephoneNumbersResponse", node("SipPeerTelephoneNumbers", *[
        node("SipPeerTelephoneNumber", node("FullNumber", text=national(number)),
             node("MessagingSettings", node("SmsEnabled", text="true")))
        for number in peer["numbers"]
    ]))


@dashboard("ApplicationsSettingsResponse", "numbers")
def application_settings(sim: Any, request: Request, account_id: str, site_id: str, peer_id: str) -> ET.Element:
    if request.method == "PUT":
        root = _xml_body(request, "ApplicationsSettings")
        if (root.text or "").strip().upper() == "REMOVE":
            application_id = None
        else:
            application_id = _text(root, "HttpMessagingV2AppId")
            if not application_id:
                raise Refused(400, 1003, "HttpMessagingV2AppId is required (or send REMOVE)")
            app = sim.state.application(application_id)
            if app is None or not _visible(app, account_id) or app.get("serviceType") == "Voice-V2":
                raise Refused(400, 13629, f"Messaging application with id '{application_id[:60]}' not found")
        with sim.state.lock:
            locations = sim.state.fixture("locations", account_id, [])
            peer = _find_peer(locations, site_id, peer_id)
            peer["applicationId"] = application_id
            sim.state.put_fixture("locations", account_id, locations)
    else:
        peer = _peer(sim, account_id, site_id, peer_id)
    settings = node("ApplicationsSettings")
    if peer.get("applicationId"):
        settings.append(node("HttpMessagingV2AppId", text=peer["applicationId"]))
    return node("ApplicationsSettingsResponse", settings)


def tn_site(sim: Any, request: Request, tn: str) -> Response:
    """GET /api/tns/{tn}/sites: the site holding the number (Bandwidth answers only for the caller's own numbers)."""
    return _tn_location(sim, request, tn, lambda site, peer: node("Site", node("Id", text=site["id"]),
                                                                   node("Name", text=site["name"])))


def tn_sip_peer(sim: Any, request: Request, tn: str) -> Response:
    """GET /api/tns/{tn}/sippeers: the SIP peer holding the number."""
    return _tn_location(sim, request, tn, lambda site, peer: node("SipPeer", node("Id", text=peer["id"]),
                                                                   node("Name", text=peer["name"])))


def _tn_location(sim: Any, request: Request, tn: str, answer: Callable[[dict, dict], ET.Element]) -> Response:
    sim.faults.delay()
    with sim.state.lock:
        accounts = list(sim.state.locations)
    for account_id in accounts:
        for site in sim.state.fixture("locations", account_id, []):
            for peer in site["sipPeers"]:
                if tn in (national(number) for number in peer["numbers"]):
                    denial, roles = identify(sim, request, account_id)
                    if denial is not None and denial[0] == 401:
                        return xml_error("TelephoneNumberResponse", 401, 401, denial[2])
                    if denial is None and (roles is None or "numbers" in roles):
                        return xml_response(answer(site, peer))
    # Someone else's number, or nobody's: the same answer, so numbers of other accounts are not revealed.
    return xml_error("TelephoneNumberResponse", 404, 404, f"Telephone number {tn[:20]} not found")


def national(number: str) -> str:
    """A number as the Dashboard API writes it: 10 digits for +1 numbers, the digits otherwise."""
    return number[2:] if number.startswith("+1") and len(number) == 12 else number.lstrip("+")


def _site(sim: Any, account_id: str, site_id: str) -> dict[str, Any]:
    for site in sim.state.fixture("locations", account_id, []):
        if site["id"] == site_id:
            return site
    raise Refused(404, 12025, f"Site '{site_id[:60]}' not found")


def _peer(sim: Any, account_id: str, site_id: str, peer_id: str) -> dict[str, Any]:
    return _find_peer(sim.state.fixture("locations", account_id, []), site_id, peer_id)


def _find_peer(locations: list[dict[str, Any]], site_id: str, peer_id: str) -> dict[str, Any]:
    for site in locations:
        if site["id"] == site_id:
            for peer in site["sipPeers"]:
                if peer["id"] == peer_id:
                    return peer
            raise Refused(404, 12137, f"SIP peer '{peer_id[:60]}' not found on site {site_id[:60]}")
    raise Refused(404, 12025, f"Site '{site_id[:60]}' not found")


def _associated_peers(sim: Any, account_id: str, application_id: str) -> list[tuple[dict, dict]]:
    return [(site, peer) for site in sim.state.fixture("locations", account_id, [])
            for peer in site["sipPeers"] if peer.get("applicationId") == application_id]


# -- 10DLC -----------------------------------------------------------------------------------------------


@dashboard("MessagingA2pCampaignsResponse", "campaign")
def a2p_campaigns(sim: Any, request: Request, account_id: str) -> ET.Element:
    return node("MessagingA2pCampaignsResponse", node("MessagingA2pCampaigns", *[
        node("MessagingA2pCampaign", node("CampaignId", text=c["campaignId"]),
             node("Description", text=c["description"]), node("AccountId", text=account_id),
             node("MessageClass", text=c["messageClass"]), node("Imported", text="false"),
             node("CreatedDate", text=c["createdDate"]), node("Status", text=c["status"]))
        for c in sim.state.fixture("campaigns", account_id, [])
    ]))


@dashboard("CampaignTnsResponse", "campaign")
def campaign_numbers(sim: Any, request: Request, account_id: str, campaign_id: str) -> ET.Element:
    page, size = _paging(request)
    for campaign in sim.state.fixture("campaigns", account_id, []):
        if campaign["campaignId"] == campaign_id:
            numbers = campaign["numbers"]
            return node("CampaignTnsResponse", node("TotalCount", text=str(len(numbers))), node(
                "TelephoneNumbers",
                *[node("TelephoneNumber", text=national(n)) for n in numbers[page * size:(page + 1) * size]]))
    raise Refused(404, 12071, f"Campaign '{campaign_id[:60]}' not found")


def _paging(request: Request) -> tuple[int, int]:
    """page (from 0) and size (default 25) of the campaign's numbers. Raises Refused (400)."""
    values = []
    for name, default, top in (("page", 0, 1_000_000), ("size", DEFAULT_SIZE, MAX_SIZE)):
        raw = request.arg(name)
        if raw is None:
            values.append(default)
            continue
        if not raw.isascii() or not raw.isdigit() or int(raw) > top or (name == "size" and int(raw) < 1):
            raise Refused(400, 5081, f"Number Format '{raw[:20]}' is invalid for {name}.")
        values.append(int(raw))
    return values[0], values[1]


# -- toll-free verification ------------------------------------------------------------------------------


@tfv
def toll_free_status(sim: Any, request: Request, account_id: str, number: str) -> Response:
    if not number.startswith(TFV_PREFIXES) or len(number) != 12 or not number[1:].isdigit():
        return tfv_error(400, "bad request", f"{number[:20]!r} is not a toll-free number in E.164 format.")
    record = sim.state.fixture("toll_free", account_id, {}).get(number)
    if record is None:
        return tfv_error(404, "Not Found", "Cannot find the requested resource.")
    answer = {"phoneNumber": number, "status": record["status"], "internalTicketNumber":
              record["internalTicketNumber"], "resubmitAllowed": record["status"] == "UNVERIFIED",
              "createdDateTime": record["createdDateTime"], "modifiedDateTime": record["modifiedDateTime"]}
    if record["status"] == "UNVERIFIED":
        answer.update(declineReasonDescription=record["declineReason"] or "Declined in the simulator",
                      denialStatusCode=record["denialStatusCode"])
    return json_response(answer)


@tfv
def tfv_subscriptions(sim: Any, request: Request, account_id: str) -> Response:
    if request.method == "POST":
        try:
            body = request.json()
        except (ValueError, UnicodeDecodeError):
            return tfv_error(400, "bad request", "The request body is not valid JSON.")
        problem = _subscription_problem(body)
        if problem:
            return tfv_error(400, "bad request", problem)
        now = shapes.iso_now()
        auth = body.get("basicAuthentication") or {}
        subscription = {"id": secrets.token_urlsafe(16), "accountId": account_id, "callbackUrl": body["callbackUrl"],
                        "type": "TOLLFREE_VERIFICATION_STATUS", "username": auth.get("username") or "",
                        "password": auth.get("password") or "", "createdDate": now, "modifiedDate": now}
        with sim.state.lock:
            stored = sim.state.fixture("tfv_subscriptions", account_id, [])
            sim.state.put_fixture("tfv_subscriptions", account_id, [*stored, subscription])
        return json_response(_public_subscription(subscription), 201)
    return json_response({"links": {}, "errors": [], "data": [
        _public_subscription(s) for s in sim.state.fixture("tfv_subscriptions", account_id, [])]})


def _subscription_problem(body: Any) -> str:
    if not isinstance(body, dict):
        return "Send a JSON object."
    url = body.get("callbackUrl")
    if not isinstance(url, str) or not url or len(url) > 2000 or not printable(url) \
            or urlsplit(url).scheme not in ("http", "https"):
        return "callbackUrl must be an http:// or https:// URL of at most 2000 characters."
    auth = body.get("basicAuthentication")
    if auth is None:
        return ""
    if not isinstance(auth, dict) or not all(isinstance(auth.get(k), str) and printable(auth[k])
                                             for k in ("username", "password")):
        return "basicAuthentication needs both username and password."
    if len(auth["username"]) > 100 or len(auth["password"]) > 200:
        return "basicAuthentication: username up to 100, password up to 200 characters."
    return ""


def _public_subscription(subscription: dict[str, Any]) -> dict[str, Any]:
    """As Bandwidth lists it: the password is never returned (null)."""
    public = {key: subscription[key] for key in ("id", "accountId", "callbackUrl", "type", "createdDate",
                                                 "modifiedDate")}
    if subscription["username"]:
        public["basicAuthentication"] = {"username": subscription["username"], "password": None}
    return public


# -- request bodies --------------------------------------------------------------------------------------


def _xml_body(request: Request, tag: str) -> ET.Element:
    """The request's XML root, which must be <tag>. Raises Refused (400)."""
    try:
        # expat fetches no external entities and refuses entity expansion attacks (see the portal's account_api).
        root = ET.fromstring(request.body)
    except ET.ParseError:
        raise Refused(400, 1001, f"The request body is not readable XML: send an <{tag}> element.") from None
    if root.tag != tag:
        raise Refused(400, 1001, f"The request body must be an <{tag}> element.")
    return root


def _text(parent: ET.Element | None, path: str) -> str:
    if parent is None:
        return ""
    found = parent.find(path)
    return (found.text or "").strip() if found is not None else ""


def _clean_text(label: str, value: str, limit: int) -> str:
    if len(value) > limit or not printable(value):
        raise Refused(400, 1001, f"{label} must be at most {limit} printable characters.")
    return value
