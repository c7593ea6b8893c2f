"""The simulator's own admin API under /simulator/ (not Bandwidth's): applications and their callback
URLs, credentials, runtime fault settings, inbound injection, what it received and sent, and each
account's fixtures (locations, 10DLC campaigns, toll-free statuses) the account API serves.

No authentication: the simulator is a local test tool and listens on 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from devtools.simulator import inbound, page
from devtools.simulator.config import E164_RE
from devtools.simulator.web import Request, Response, html_response, json_response, redirect

MASK = "***"


def health(sim: Any, request: Request) -> Response:
    return json_response({"ok": True, "apiUrl": sim.api_url, "tokenUrl": sim.token_url})


def home(sim: Any, request: Request) -> Response:
    return html_response(page.render(sim, notice=request.arg("notice") or ""))


def config(sim: Any, request: Request) -> Response:
    if request.method == "PUT":
        data, problem = _json_object(request)
        if problem:
            return problem
        try:
            sim.configure(**data)
        except ValueError as exc:
            return _error(400, str(exc))
    return json_response(sim.config.runtime_json())


def applications(sim: Any, request: Request) -> Response:
    with sim.state.lock:
        apps = [_public_app(app) for app in sim.state.applications.values()]
    return json_response({"applications": apps})


def application(sim: Any, request: Request, application_id: str) -> Response:
    if request.method == "PUT":
        data, problem = _json_object(request)
        if problem:
            return problem
        try:
            app = sim.register_application(
                application_id, callback_url=data.get("callbackUrl") or "",
                callback_username=data.get("callbackUsername") or "",
                callback_password=data.get("callbackPassword") or "",
                account_id=data.get("accountId") or None, numbers=data.get("numbers") or [],
                location=data.get("location") or None,
                status_callback_url=data.get("statusCallbackUrl") or None,
                status_callback_username=data.get("statusCallbackUsername") or "",
                status_callback_password=data.get("statusCallbackPassword") or "",
            )
        except ValueError as exc:
            return _error(400, str(exc))
        return json_response(_public_app(app))
    if request.method == "DELETE":
        if sim.state.delete_application(application_id):
            return Response(204, content_type="")
        return _error(404, f"unknown application {application_id}")
    app = sim.state.application(application_id)
    return json_response(_public_app(app)) if app else _error(404, f"unknown application {application_id}")


def credentials(sim: Any, request: Request) -> Response:
    with sim.state.lock:
        items = [{**cred, "password": MASK} for cred in sim.state.credentials.values()]
    return json_response({"credentials": items, "closed": bool(items)})


def credential(sim: Any, request: Request, username: str) -> Response:
    if request.method == "DELETE":
        if sim.state.delete_credential(username):
            return Response(204, content_type="")
        return _error(404, f"unknown credential {username}")
    data, problem = _json_object(request)
    if problem:
        return problem
    try:
        sim.add_credential(username, data.get("secret") or data.get("password") or "",
                           auth_type=data.get("authType") or "oauth", account_id=data.get("accountId") or None,
                           roles=data.get("roles"))
    except ValueError as exc:
        return _error(400, str(exc))
    return json_response({**(sim.state.credential(username) or {}), "password": MASK})


FIXTURE_SETTERS = {"locations": "set_locations", "campaigns": "set_campaigns", "toll-free": "set_toll_free"}


def account_fixture(sim: Any, request: Request, account_id: str, kind: str) -> Response:
    """GET/PUT /simulator/accounts/{id}/locations|campaigns|toll-free: what the account API serves."""
    if request.method == "PUT":
        data, problem = _json_object(request)
        if problem:
            return problem
        try:
            getattr(sim, FIXTURE_SETTERS[kind])(account_id, data)
        except ValueError as exc:
            return _error(400, str(exc))
    if kind == "locations":
        return json_response({"sites": sim.state.fixture("locations", account_id, [])})
    if kind == "campaigns":
        return json_response({"campaigns": sim.state.fixture("campaigns", account_id, [])})
    return json_response({"numbers": {number: {key: record[key] for key in ("status", "declineReason",
                                                                             "denialStatusCode")}
                                      for number, record in sim.state.fixture("toll_free", account_id, {}).items()}})


def tokens(sim: Any, request: Request) -> Response:
    return json_response({"revoked": sim.state.revoke_tokens()})


def inject(sim: Any, request: Request) -> Response:
    is_form = request.content_type == "application/x-www-form-urlencoded"
    if is_form:
        form = request.form()
        data = {"to": form.get("to", "").strip(), "from": form.get("from", "").strip(),
                "text": form.get("text", ""), "picture": bool(form.get("picture")),
                "applicationId": form.get("applicationId", "").strip() or None}
    else:
        data, problem = _json_object(request)
        if problem:
            return problem
    try:
        event = inbound.inject(sim, data)
    except inbound.InjectError as exc:
        if is_form:
            return redirect("/simulator/?notice=" + _quote(f"Not sent: {exc}"))
        return _error(400, str(exc))
    if is_form:
        return redirect("/simulator/?notice=" + _quote(f"Injected message {event['message']['id']}"))
    return json_response({"event": event, "message": event["message"]}, 202)


def messages(sim: Any, request: Request) -> Response:
    direction = request.arg("direction") or "out"
    tag, app_id = request.arg("tag"), request.arg("applicationId")
    found = [
        record for record in sim.state.list_messages()
        if (direction == "all" or record["direction"] == direction)
        and (tag is None or record.get("tag") == tag)
        and (app_id is None or record["applicationId"] == app_id)
    ]
    limit, problem = _limit(request)
    if problem:
        return problem
    return json_response({"totalCount": len(found), "duplicateTags": sim.state.duplicate_tags(),
                          "messages": found[-limit:] if limit else found})


def callbacks(sim: Any, request: Request) -> Response:
    filters = {"messageId": request.arg("messageId"), "type": request.arg("type"),
               "applicationId": request.arg("applicationId")}
    found = [entry for entry in sim.state.list_callbacks()
             if all(value is None or entry[key] == value for key, value in filters.items())]
    limit, problem = _limit(request)
    if problem:
        return problem
    return json_response({"pending": sim.dispatcher.scheduler.pending(), "totalCount": len(found),
                          "callbacks": found[-limit:] if limit else found})


def reset(sim: Any, request: Request) -> Response:
    everything = request.arg("all") in ("1", "true")
    if request.body.strip():
        data, problem = _json_object(request)
        if problem:
            return problem
        everything = everything or bool(data.get("all"))
    sim.reset(everything=everything)
    return json_response({"reset": "everything" if everything else "traffic"})


def validate_numbers(numbers: Any) -> list[str]:
    if not isinstance(numbers, list) or not all(isinstance(n, str) and E164_RE.match(n) for n in numbers):
        raise ValueError("numbers must be a list of E.164 numbers")
    return list(numbers)


def _limit(request: Request) -> tuple[int | None, Response | None]:
    """?limit=N keeps the newest N entries (the total still counts all)."""
    value = request.arg("limit")
    if value is None:
        return None, None
    if not value.isdigit() or int(value) < 1:
        return None, _error(400, "limit must be a positive integer")
    return int(value), None


def _public_app(app: dict[str, Any]) -> dict[str, Any]:
    return {**app, "callbackPassword": MASK if app.get("callbackPassword") else "",
            "outboundCallbackPassword": MASK if app.get("outboundCallbackPassword") else ""}


def _json_object(request: Request) -> tuple[dict[str, Any], Response | None]:
    try:
        data = request.json() if request.body.strip() else {}
    except ValueError:
        return {}, _error(400, "the body is not valid JSON")
    if not isinstance(data, dict):
        return {}, _error(400, "send a JSON object")
    return data, None


def _error(status: int, description: str) -> Response:
    return json_response({"error": description}, status)


def _quote(text: str) -> str:
    return quote(text, safe="")
