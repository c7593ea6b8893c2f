"""The base of the project's own errors: what a service refuses, in words a user can read.

Every service raises a PortalError subclass (messaging.exceptions, tenants.exceptions). Screens show it
with portal.forms.show_service_error (next to its field(s), or above the form); the API handler in
portal/api/exceptions.py answers `http_status` with the one error body, error_body().
"""

SERVER_ERROR = "Internal error; it has been logged."
UNAVAILABLE = (
    "The database or Redis cannot be reached just now; nothing was changed. Try again in a few seconds."
)
RETRY_AFTER_SECONDS = 5


def is_outage(exc: BaseException | None) -> bool:
    """Whether an error means the database or Redis is down or restarting (not a bug, and not the client's
    fault): answered 503 with Retry-After, which Bandwidth and well-behaved clients retry. Redis holds locks,
    throttling counters and caches that screens and the API use (Connect to Bandwidth's lock, for one)."""
    from django.db import InterfaceError, OperationalError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return isinstance(exc, OperationalError | InterfaceError | RedisConnectionError | RedisTimeoutError)


class PortalError(Exception):
    """A refusal a user can read.

    `message` is one sentence; `code` is stable (subclasses set a default); `field` names the input it
    is about, or `fields` holds several field errors at once ({field: [messages]}, `field`'s included).
    """

    code: str = "invalid"
    http_status: int = 400

    def __init__(
        self,
        message: str = "",
        *,
        code: str | None = None,
        field: str | None = None,
        fields: dict[str, list[str]] | None = None,
        http_status: int | None = None,
    ) -> None:
        fields = {name: list(messages) for name, messages in (fields or {}).items()}
        if field and message and field not in fields:
            fields = {field: [message], **fields}
        message = message or summarise(fields) or "The request was refused."
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.field = field
        self.fields = fields
        if http_status is not None:
            self.http_status = http_status

    def __str__(self) -> str:
        return self.message


def summarise(fields: dict[str, list[str]]) -> str:
    """One readable summary of several field errors: the first one, named, and which other fields to check."""
    named = [(name, messages) for name, messages in fields.items() if messages]
    if not named:
        return ""
    name, messages = named[0]
    sentence = f"{name}: {messages[0]}"
    others = [other for other, _ in named[1:]]
    if others:
        sentence += f" Also check: {', '.join(others)}."
    return sentence


def error_body(detail: str, code: str, fields: dict[str, list[str]] | None = None) -> dict:
    """The one shape of every error the API and the webhooks answer."""
    return {"detail": detail, "code": code, "fields": fields or {}}
