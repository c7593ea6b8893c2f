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
from urllib.parse import quote

from devtools.simulator import shapes
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
    sim.dispatcher.schedule_outbound(record)
    if dropped:
        return Response(drop=True)
    return json_response(message, 202)


def search_messages(sim: Any, request: Request, account_id: str) -> Response:
    sim.faults.delay()
    denied = authenticate(sim, request, account_id)
    if denied:
        return denied
    try:
        limit = int(request.arg("limit") or DEFAULT_LIMIT)
        offset = int(request.arg("pageToken") or 0)
        since = shapes.parse_iso(request.arg("fromDateTime")) if request.arg("fromDateTime") else None
        until = shapes.parse_iso(request.arg("toDateTime")) if request.arg("toDateTime") else None
        if not 1 <= limit <= MAX_LIMIT or offset < 0:
            raise ValueError
    except ValueError:
        return bandwidth_error(400, "request-validation", "Invalid search parameters.", [
            {"fieldName": "limit", "description": f"limit: 1..{MAX_LIMIT}; pageToken: from a previous answer; "
                                                  "fromDateTime/toDateTime: ISO-8601."}])
    exact = {"messageId": request.arg("messageId"), "messageStatus": request.arg("messageStatus"),
             "errorCode": request.arg("errorCode"), "messageDirection": request.arg("messageDirection"),
             "messageType": request.arg("messageType")}
    contains = {"sourceTn": request.arg("sourceTn"), "destinationTn": request.arg("destinationTn")}
    found = []
    for record in sim.state.account_messages(account_id, exact["messageId"]):
        when = shapes.parse_iso(record["message"]["time"])
        if (since is not None and when < since) or (until is not None and when > until):
            continue
        for item in shapes.search_records(record):
            if all(value is None or str(item[key]).lower() == value.lower() for key, value in exact.items()) \
                    and all(value is None or value in item[key] for key, value in contains.items()):
                found.append(item)
    page = found[offset:offset + limit]
    page_info: dict[str, Any] = {}
    if offset + limit < len(found):
        page_info["nextPageToken"] = str(offset + limit)
    if offset > 0:
        page_info["prevPageToken"] = str(max(0, offset - limit))
    return json_response({"totalCount": len(found), "pageInfo": page_info, "messages": page})


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
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        token = sim.state.token(value.strip())
        if token is None:
            return _unauthorized("The access token is invalid or has expired.")
        bound = token["accountId"]
    elif scheme.lower() == "basic":
        username, password = _basic(request) or ("", "")
        credential = sim.state.credential(username)
        if not username or (sim.state.closed() and not _matches(credential, "legacy", password)):
            return _unauthorized("Authentication failed: wrong username or password.")
        bound = (credential or {}).get("accountId")
    else:
        return _unauthorized("Authentication is required (Bearer token or HTTP Basic).")
    if bound and bound != account_id:
        return bandwidth_error(403, "forbidden", f"These credentials may not access account {account_id}.")
    return None


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
