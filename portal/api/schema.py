"""The OpenAPI schema's error responses, written once: the `Error` component (the body every error has,
see portal/api/exceptions.py) attached to the 4xx answers each operation can give."""

ERROR_REF = {"$ref": "#/components/schemas/Error"}
ERROR_COMPONENT = {
    "type": "object",
    "description": "Every error the API answers, whatever its status.",
    "properties": {
        "detail": {"type": "string", "description": "One sentence a person can read."},
        "code": {
            "type": "string",
            "description": "Stable, for programs: invalid, not_authenticated, permission_denied, not_found, "
            "trunk_in_use, extension_in_use, configuration_in_use, last_admin, opted_out, no_rule, "
            "idempotency_key_reused, idempotency_key_in_use, locked_out, unavailable…",
        },
        "fields": {
            "type": "object",
            "description": "The messages for each field of the request that is wrong; {} when none is.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["detail", "code", "fields"],
}
DESCRIPTIONS = {
    "400": "Invalid input: `fields` holds the messages for each wrong field.",
    "401": "No valid credentials (a token or a session).",
    "403": "Signed in, but not allowed to do this.",
    "404": "Not found, or in a tenant the caller may not enter.",
    "409": "Refused by a rule (`code` says which: in use, opted out, no rule…); nothing was changed.",
    "429": "Too many requests (code `throttled`: try again after the `Retry-After` seconds) or, on the token "
    "endpoint, too many failed sign-ins (code `locked_out`).",
    "503": "The database cannot be reached just now (it is restarting): nothing was changed; try again after "
    "the `Retry-After` seconds.",
}
WRITES = {"post", "put", "patch", "delete"}
# The token endpoint refuses no write by a rule (no 409); django-axes locks out its sign-ins (429, locked_out).
LOCKOUT_PATHS = {"/api/v1/auth/token/"}


def attach_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: add the Error component and reference it from every
    operation's 4xx responses (an operation's own response for a status is left as it is)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_COMPONENT
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status in _error_statuses(path, method, operation):
                operation["responses"].setdefault(status, {
                    "description": DESCRIPTIONS[status],
                    "content": {"application/json": {"schema": ERROR_REF}},
                })
    return result


def _error_statuses(path: str, method: str, operation: dict) -> list[str]:
    statuses = []
    if method in WRITES - {"delete"}:
        statuses.append("400")
    if any(requirement for requirement in operation.get("security", [])):
        statuses += ["401", "403"]
    if "{" in path:
        statuses.append("404")
    if method in WRITES and path not in LOCKOUT_PATHS:
        statuses.append("409")
    statuses.append("429")  # every endpoint is throttled (portal/api/throttling.py); the token one also locks out
    statuses.append("503")  # any request that needs the database, while it restarts
    return statuses
