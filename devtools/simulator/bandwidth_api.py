"""Bandwidth's side: the OAuth token endpoint and the Messaging API v2 routes the portal uses.

Order on a send: latency, authentication, content type and validation (always answered, whatever the
fault rates), then 429, then 5xx, then acceptance; an accepted send may then be dropped unanswered.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from typing import Any
from urllib.parse import quote, urlencode

from devtools.simulator import inbound, shapes
from devtools.simulator.web import Request, Response, bandwidth_error, json_response

DEFAULT_LIMIT, MAX_LIMIT = 100, 10_000


def oauth_token(sim: Any, request: Request) -> Response:
    sim.faults.delay()
    if request.content_type != "application/x-www-form-urlencoded":
        return _oauth_error(400, "invalid_request", "send the form body grant_type=client_credentials")
    form = request.form()
    if form.get("grant_type") != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "only grant_type=client_credentials is supported")
    client_id, secret = _basic(request) or (form.get("client_id", ""), form.get("client_secret", ""))
    if not client_id:
        return _oauth_error(401, "invalid_client", "client authentication failed")
    credential = sim.state.credential(client_id)
    if sim.state.closed() and not _matches(credential, "oauth", secret):
        return _oauth_error(401, "invalid_client", "client authentication failed")
    token = secrets.token_urlsafe(32)
    lifetime = sim.config.token_lifetime
    sim.state.issue_token(token, client_id=client_id, account_id=(credential or {}).get("accountId"),
                          lifetime=lifetime)
    return json_response({"access_token": token, "token_type": "Bearer", "expires_in": lifetime})


def send_message(sim: Any, request: Request, account_id: str) -> Response:
    sim.faults.delay()
    denied = authenticate(sim, request, account_id)
    if denied:
        return denied
    if request.content_type != "application/json":
        return bandwidth_error(415, "unsupported-media-type", "Content-Type must be application/json.")
    try:
        body = request.json()
    except ValueError:
        return bandwidth_error(400, "request-validation", "The request body is not valid JSON.")
    errors = shapes.validation_errors(body)
    app = sim.state.application(body["applicationId"]) if not errors else None
    if app and app.get("accountId") and app["accountId"] != account_id:
        errors = [{"fieldName": "applicationId",
                   "description": f"Application {body['applicationId']} does not belong to account {account_id}."}]
    if errors:
        return bandwidth_error(400, "request-validation", "Your request could not be accepted.", errors)
    if sim.faults.rate_limited():
        return bandwidth_error(429, "too-many-requests", "Too many requests. Slow down.",
                               headers=[("Retry-After", str(sim.config.retry_after))])
    status = sim.faults.server_error()
    if status:
        kind = "internal-server-error" if status == 500 else "service-unavailable"
        return bandwidth_error(status, kind, "Simulated Bandwidth failure: try again later.")
    return _accept(sim, account_id, body)


def _accept(sim: Any, account_id: str, body: dict[str, Any]) -> Response:
    now = shapes.iso_now()
    message = shapes.outbound_message(body, id_=shapes.message_id(), time_=now)
    dropped = sim.faults.drop()
    record = {
        "id": message["id"], "direction": "out", "accountId": account_id,
        "applicationId": message["applicationId"], "receivedAt": now, "body": body, "message": message,
        "tag": message["tag"], "dropped": dropped,
        "recipients": {number: {"status": "QUEUED", "errorCode": 0} for number in message["to"]},
    }
    sim.state.add_message(record)
    sim.state.learn(message["applicationId"], account_id=account_id, number=message["from"])
    delivered = sim.dispatcher.schedule_outbound(record)
    if sim.config.loopback:
        for number in delivered:
            owner = sim.state.owner_of(number)
            if owner is not None:
                inbound.loop_back(sim, record, to=number, app=owner)
    if dropped:
        return Response(drop=True)
    return json_response(message, 202)


# Exact-match filters of the search (compared case-insensitively), as the spec names its parameters.
EXACT_FILTERS = ("messageId", "messageStatus", "errorCode", "messageDirection", "messageType", "carrierName",
                 "campaignId", "product", "location", "callingNumberCountryA3", "calledNumberCountryA3")
# Range filters: query parameter -> (record field, lower bound?).
RANGE_FILTERS = {"fromSegmentCount": ("segmentCount", True), "toSegmentCount": ("segmentCount", False),
                 "fromMessageSize": ("messageSize", True), "toMessageSize": ("messageSize", False)}
TOTAL_COUNT_CAP = 10_000


def search_messages(sim: Any, request: Request, account_id: str) -> Response:
    sim.faults.delay()
    denied = authenticate(sim, request, account_id)
    if denied:
        return denied
    try:
        limit = int(request.arg("limit") or DEFAULT_LIMIT)
        offset = decode_page_token(request.arg("pageToken"))
        since = shapes.parse_iso(request.arg("fromDateTime")) if request.arg("fromDateTime") else None
        until = shapes.parse_iso(request.arg("toDateTime")) if request.arg("toDateTime") else None
        ranges = {name: int(request.arg(name)) for name in RANGE_FILTERS if request.arg(name)}
        sort_field, descending = _sort(request.arg("sort"))
        if not 1 <= limit <= MAX_LIMIT:
            raise ValueError
    except ValueError:
        return bandwidth_error(400, "request-validation", "Invalid search parameters.", [
            {"fieldName": "limit", "description": f"limit: 1..{MAX_LIMIT}; pageToken: from a previous answer; "
                                                  "fromDateTime/toDateTime: ISO-8601; from/to ranges: integers; "
                                                  "sort: field:asc or field:desc."}])
    exact = {name: request.arg(name) for name in EXACT_FILTERS}
    # sourceTn/destinationTn: a comma-separated list of numbers, or one partial number (a substring).
    contains = {name: [part for part in (request.arg(name) or "").split(",") if part]
                for name in ("sourceTn", "destinationTn")}
    locations: dict[str, str | None] = {}
    found = []
    for record in sim.state.account_messages(account_id, exact["messageId"]):
        when = shapes.parse_iso(record["message"]["time"])
        if (since is not None and when < since) or (until is not None and when > until):
            continue
        app_id = record["message"]["applicationId"]
        if app_id not in locations:
            locations[app_id] = (sim.state.application(app_id) or {}).get("location")
        for item in shapes.search_records(record, location=locations[app_id]):
            if all(value is None or str(item[key]).lower() == value.lower() for key, value in exact.items()) \
                    and all(not parts or any(part in item[key] for part in parts) for key, parts in contains.items()) \
                    and all(_in_range(item, name, bound) for name, bound in ranges.items()):
                found.append(item)
    if sort_field:
        found.sort(key=lambda item: (item.get(sort_field) is None, item.get(sort_field) or 0), reverse=descending)
    page = found[offset:offset + limit]
    page_info: dict[str, Any] = {}
    if offset + limit < len(found):
        page_info.update(_page_link(sim, request, "next", offset + limit))
    if offset > 0:
        page_info.update(_page_link(sim, request, "prev", max(0, offset - limit)))
    total = len(found)
    if (request.arg("limitTotalCount") or "").lower() == "true":
        total = min(total, TOTAL_COUNT_CAP)
    return json_response({"totalCount": total, "pageInfo": page_info, "messages": page})


def encode_page_token(offset: int) -> str:
    """Bandwidth's page tokens are opaque base64 values; the simulator's carry the offset."""
    return base64.urlsafe_b64encode(f"o{offset}".encode()).decode().rstrip("=")


def decode_page_token(token: str | None) -> int:
    """The offset a page token stands for (0 without one). Raises ValueError for a token not ours."""
    if not token:
        return 0
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise ValueError(token) from None
    if not raw.startswith("o") or not raw[1:].isdigit():
        raise ValueError(token)
    return int(raw[1:])


def _page_link(sim: Any, request: Request, which: str, offset: int) -> dict[str, str]:
    """nextPage/prevPage: the same search's URL with the other page's token (followable as it is),
    and the isolated token in nextPageToken/prevPageToken."""
    token = encode_page_token(offset)
    query = [(key, value) for key, values in request.query.items() if key != "pageToken" for value in values]
    link = f"{sim.public_url}{request.path}?{urlencode([*query, ('pageToken', token)])}"
    return {f"{which}Page": link, f"{which}PageToken": token}


def _sort(value: str | None) -> tuple[str | None, bool]:
    if not value:
        return None, False
    field, _, direction = value.partition(":")
    if field not in shapes.SEARCH_FIELDS or direction.lower() not in ("", "asc", "desc"):
        raise ValueError(value)
    return field, direction.lower() == "desc"


def _in_range(item: dict[str, Any], name: str, bound: int) -> bool:
    field, lower = RANGE_FILTERS[name]
    value = item[field]
    return value is not None and (value >= bound if lower else value <= bound)


def list_media(sim: Any, request: Request, account_id: str) -> Response:
    sim.faults.delay()
    denied = authenticate(sim, request, account_id)
    if denied:
        return denied
    base = f"{sim.public_url}/api/v2/users/{quote(account_id, safe='')}/media/"
    return json_response([
        {"content": base + "/".join(quote(part, safe="") for part in name.split("/")),
         "contentLength": size, "mediaName": name}
        for name, size, _ in sim.state.list_media(account_id)
    ])


def media_item(sim: Any, request: Request, account_id: str, name: str) -> Response:
    sim.faults.delay()
    denied = authenticate(sim, request, account_id)
    if denied:
        return denied
    if request.method == "PUT":
        sim.state.put_media(account_id, name, request.body,
                            request.headers.get("content-type") or "application/octet-stream")
        return Response(204, content_type="")
    if request.method == "DELETE":
        if sim.state.delete_media(account_id, name):
            return Response(204, content_type="")
        return bandwidth_error(404, "object-not-found", f"Media {name} was not found.")
    item = sim.state.get_media(account_id, name)
    if item is None:
        return bandwidth_error(404, "object-not-found", f"Media {name} was not found.")
    return Response(200, item["content"], item["contentType"])


def authenticate(sim: Any, request: Request, account_id: str) -> Response | None:
    """None when the caller may act on this account; else the 401/403 answer."""
    denial, _ = identify(sim, request, account_id)
    if denial is None:
        return None
    status, kind, description = denial
    if status == 401:
        return _unauthorized(description)
    return bandwidth_error(status, kind, description)


def identify(sim: Any, request: Request, account_id: str) -> tuple[tuple[int, str, str] | None, list[str] | None]:
    """Who is calling: (None, roles) when the credentials may act on this account (roles None: every
    role), else ((status, type, description), None) for the 401/403 answer in the API's own shape."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        token = sim.state.token(value.strip())
        if token is None:
            return (401, "unauthorized", "The access token is invalid or has expired."), None
        bound, credential = token["accountId"], sim.state.credential(token["clientId"])
    elif scheme.lower() == "basic":
        username, password = _basic(request) or ("", "")
        credential = sim.state.credential(username)
        if not username or (sim.state.closed() and not _matches(credential, "legacy", password)):
            return (401, "unauthorized", "Authentication failed: wrong username or password."), None
        bound = (credential or {}).get("accountId")
    else:
        return (401, "unauthorized", "Authentication is required (Bearer token or HTTP Basic)."), None
    if bound and bound != account_id:
        return (403, "forbidden", f"These credentials may not access account {account_id}."), None
    return None, (credential or {}).get("roles")


def _basic(request: Request) -> tuple[str, str] | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        username, _, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return username, password


def _matches(credential: dict[str, Any] | None, auth_type: str, password: str) -> bool:
    if not credential or credential["authType"] != auth_type:
        return False
    return hmac.compare_digest(credential["password"].encode(), password.encode())


def _unauthorized(description: str) -> Response:
    return bandwidth_error(401, "unauthorized", description, headers=[("WWW-Authenticate", 'Bearer realm="Bandwidth"')])


def _oauth_error(status: int, error: str, description: str) -> Response:
    headers = [("WWW-Authenticate", 'Basic realm="Bandwidth"')] if status == 401 else []
    return json_response({"error": error, "error_description": description}, status, headers)
