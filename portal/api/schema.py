"""The OpenAPI schema's error responses, written once: the `Error` component (the body every error has,
see portal/api/exceptions.py) attached to the 4xx and 503 answers each operation can give; and the
generator that reads the schema's own URLconf."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.generators import SchemaGenerator as SpectacularSchemaGenerator
from drf_spectacular.settings import spectacular_settings

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
            "idempotency_key_reused, idempotency_key_in_use, locked_out, throttled, unavailable…",
        },
        "fields": {
            "type": "object",
            "description": "The messages for each field of the request that is wrong; {} when none is.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["detail", "code", "fields"],
}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before trying again."}}
DESCRIPTIONS = {
    "400": "Invalid input (the body, or a query parameter): `fields` holds the messages for each wrong one.",
    "401": "No valid credentials (a token or a session).",
    "403": "Signed in, but not allowed to do this.",
    "404": "Not found, or in a tenant the caller may not enter.",
    "409": "Refused by a rule (`code` says which: in use, opted out, no rule, idempotency key in use…); nothing "
    "was changed.",
    "422": "The Idempotency-Key was used for another request (code `idempotency_key_reused`); nothing was sent.",
    "429": "Too many requests (code `throttled`), or too many failed sign-ins (`locked_out`): wait the "
    "`Retry-After` seconds.",
    "503": "The database cannot be reached just now (it is restarting): nothing was changed; try again after "
    "the `Retry-After` seconds.",
}
HEADERS = {"429": RETRY_AFTER, "503": RETRY_AFTER}
WRITES = {"post", "put", "patch", "delete"}
# Paging parameters that never refuse a value: a limit or an offset that is not a number gives the default.
LENIENT_PARAMETERS = {"limit", "offset"}
IDEMPOTENCY_HEADER = "Idempotency-Key"


class SchemaGenerator(SpectacularSchemaGenerator):
    """drf-spectacular's generator, reading SPECTACULAR_SETTINGS["SERVE_URLCONF"] (the public API and the
    tenant API under t/{tenant}/) unless given another URLconf: `manage.py spectacular` then writes exactly
    the schema /api/schema/ serves, with no --urlconf to remember. Plain drf-spectacular would read
    ROOT_URLCONF, which holds only the tenant pages."""

    def __init__(self, *args, urlconf=None, **kwargs):
        super().__init__(*args, urlconf=urlconf or spectacular_settings.SERVE_URLCONF, **kwargs)


def attach_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: add the Error component and reference it from every
    operation's error responses (an operation's own response for a status is left as it is)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_COMPONENT
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status in _error_statuses(path, method, operation):
                response = operation["responses"].setdefault(status, {
                    "description": DESCRIPTIONS[status],
                    "content": {"application/json": {"schema": ERROR_REF}},
                })
                if status in HEADERS:
                    response.setdefault("headers", {}).update(HEADERS[status])
    return result


def _error_statuses(path: str, method: str, operation: dict) -> list[str]:
    parameters = operation.get("parameters", [])
    queries = {p["name"] for p in parameters if p.get("in") == "query"}
    idempotent = any(p.get("in") == "header" and p["name"] == IDEMPOTENCY_HEADER for p in parameters)
    statuses = []
    if method in WRITES - {"delete"} or queries - LENIENT_PARAMETERS:
        statuses.append("400")
    if any(requirement for requirement in operation.get("security", [])):
        statuses += ["401", "403"]
    if "{" in path:
        statuses.append("404")
    # A write refused by a rule (in use, last admin…). Signing in writes nothing: its refusals are 400/429.
    if method in WRITES and operation.get("security") and any(operation["security"]):
        statuses.append("409")
    if idempotent:
        statuses += ["409", "422"]
    statuses.append("429")  # every request is throttled; the token endpoint also locks out
    statuses.append("503")  # any request that needs the database, while it restarts
    return list(dict.fromkeys(statuses))


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """How the schema names the portal's token check (knox underneath): `Authorization: Token <key>`, as
    DRF's own token scheme was described before."""

    target_class = "portal.api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": 'An API token with the prefix "Token": `Authorization: Token <key>`.'}
