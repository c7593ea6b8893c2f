"""Transport for Bandwidth's account APIs: the Dashboard (numbers) API in XML and the JSON account API.

The Dashboard API (`BANDWIDTH_DASHBOARD_API_URL`, https://dashboard.bandwidth.com/api) holds applications,
locations (sites and SIP peers), their numbers and 10DLC campaigns; its contract is `numbers.yml` of
Bandwidth's api-docs repository. The JSON account API (`BANDWIDTH_ACCOUNT_API_URL`,
https://api.bandwidth.com/api/v2) holds toll-free verification (`bandwidth.yml`).

Both authenticate with the same credentials as messaging (a bearer token from API credentials, or HTTP
Basic for a legacy API user); Bandwidth checks the role ("Number & Account Management", "Campaign
Management", "TFV") and answers 403 without it. Knows no models: it takes Credentials and returns parsed
XML elements or JSON, or raises a BandwidthError subclass whose user_message says what to do.

XML is parsed by the standard library's expat parser, which fetches no external entities and (expat
2.4.1 and later) refuses entity expansion attacks; answers are capped at BODY_LIMIT bytes.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings

from messaging.bandwidth.auth import Credentials, auth_refused_message, send_authorized
from messaging.bandwidth.errors import (
    BandwidthError,
    BandwidthUnavailable,
    error_class_for_status,
    error_from_response,
)

SESSION = requests.Session()
BODY_LIMIT = 4 * 1024 * 1024
XML_HEADERS = {"Content-Type": "application/xml; charset=utf-8", "Accept": "application/xml"}
JSON_HEADERS = {"Accept": "application/json"}

ROLE_HINT = (
    "Bandwidth refused this call for these API credentials: give the credential the {role} role in the "
    "Bandwidth App (Account ▸ Users & API credentials), or keep entering the values by hand."
)


def element(tag: str, *children: ET.Element | None, text: str | None = None) -> ET.Element:
    """Build an XML element: element("Application", element("AppName", text="x")). None children are skipped."""
    node = ET.Element(tag)
    if text is not None:
        node.text = text
    node.extend(child for child in children if child is not None)
    return node


def child_text(node: ET.Element | None, path: str, default: str = "") -> str:
    """The stripped text at `path` under `node` ("" when missing): child_text(app, "InboundCallbackCreds/UserId")."""
    if node is None:
        return default
    found = node.find(path)
    return (found.text or "").strip() if found is not None else default


class AccountApi:
    """One Bandwidth account's Dashboard and account APIs, authenticated with its Credentials."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        dashboard_url: str | None = None,
        account_api_url: str | None = None,
        token_url: str | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.credentials = credentials
        self.dashboard_url = (dashboard_url or settings.BANDWIDTH_DASHBOARD_API_URL).rstrip("/")
        self.account_api_url = (account_api_url or settings.BANDWIDTH_ACCOUNT_API_URL).rstrip("/")
        self.token_url = token_url or settings.BANDWIDTH_OAUTH_TOKEN_URL
        self.session = session or SESSION

    def __repr__(self) -> str:
        return f"AccountApi(account_id={self.credentials.account_id!r}, dashboard_url={self.dashboard_url!r})"

    @property
    def account_path(self) -> str:
        return f"/accounts/{quote(self.credentials.account_id.strip(), safe='')}"

    def xml(
        self,
        method: str,
        path: str,
        body: ET.Element | None = None,
        *,
        params: dict[str, Any] | None = None,
        role: str = "Number & Account Management",
        account_scoped: bool = True,
    ) -> ET.Element | None:
        """Call the Dashboard API at `{dashboard}{account_path}{path}` (or `{dashboard}{path}` for the few
        paths outside an account, such as /tns/{tn}/sippeers); return the answer's root element (None for an
        empty 2xx body). `path` segments must already be quoted (use segment()).

        Raises BandwidthPermissionError (403, with the role named), BandwidthAuthError, BandwidthRequestError
        (4xx: Bandwidth's ErrorCode and Description kept), BandwidthRateLimited, BandwidthUnavailable.
        """
        data = None
        if body is not None:
            data = ET.tostring(body, encoding="utf-8", xml_declaration=True)
        response = self._send(
            method, f"{self.dashboard_url}{self.account_path if account_scoped else ''}{path}",
            headers=XML_HEADERS, params=params, data=data,
        )
        with response:
            text = _limited(response)
            if not 200 <= response.status_code < 300:
                raise self._error(response, text, role=role, parse=_xml_error)
        if not text.strip():
            return None
        try:
            return ET.fromstring(text)
        except ET.ParseError:
            raise BandwidthUnavailable(
                "Bandwidth answered with XML that could not be read",
                status=response.status_code, error_type="bad-xml", body=text[:500],
            ) from None

    def json(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: dict[str, Any] | None = None,
        role: str = "TFV",
    ) -> Any:
        """Call the JSON account API at `{account_api}{account_path}{path}`; return the decoded answer or None."""
        kwargs: dict[str, Any] = {"params": params}
        if body is not None:
            kwargs["json"] = body
        response = self._send(
            method, f"{self.account_api_url}{self.account_path}{path}", headers=JSON_HEADERS, **kwargs,
        )
        with response:
            text = _limited(response)
            if not 200 <= response.status_code < 300:
                raise self._error(response, text, role=role, parse=None)
        if not text.strip():
            return None
        try:
            return json.loads(text)
        except ValueError:
            raise BandwidthUnavailable(
                "Bandwidth answered with JSON that could not be read",
                status=response.status_code, error_type="bad-json", body=text[:500],
            ) from None

    # -- plumbing ---------------------------------------------------------------------------------

    def _send(self, method: str, url: str, *, headers: dict[str, str], **kwargs: Any) -> requests.Response:
        return send_authorized(
            self.credentials, method, url, session=self.session, token_url=self.token_url,
            idempotent=method in ("GET", "PUT", "DELETE", "HEAD"), headers=headers, stream=True, **kwargs,
        )

    def _error(self, response: requests.Response, text: str, *, role: str, parse) -> BandwidthError:
        user_message = auth_refused_message(self.credentials, response)
        if response.status_code == 403:
            user_message = ROLE_HINT.format(role=role)
        if parse is None:
            return error_from_response(response, body=text, user_message=user_message)
        if 300 <= response.status_code < 400:
            return error_from_response(response, body=text)
        code, description = parse(text)
        return error_class_for_status(response.status_code)(
            description or (response.reason or "").strip(),
            status=response.status_code, error_type=code, body=text[:2000],
            user_message=user_message or (f"Bandwidth refused the request: {description}" if description else None),
        )


def segment(value: str) -> str:
    """One URL path segment, escaped (an ID or number taken from a form or a database row)."""
    return quote(str(value).strip(), safe="")


def _limited(response: requests.Response) -> str:
    try:
        raw = next(response.iter_content(BODY_LIMIT), b"")
    except (requests.RequestException, RuntimeError):
        return ""
    return raw.decode(response.encoding or "utf-8", errors="replace") if isinstance(raw, bytes) else raw


def _xml_error(text: str) -> tuple[str, str]:
    """Bandwidth's (ErrorCode, Description) from an XML error answer, wherever its ResponseStatus or Error sits."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return "", ""
    for node in root.iter():
        if node.tag in ("ResponseStatus", "Error"):
            code = child_text(node, "ErrorCode") or child_text(node, "Code")
            description = child_text(node, "Description")
            if code or description:
                return code, description
    return "", child_text(root, "Description")
