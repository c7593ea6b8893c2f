"""Domain errors raised by the services.

Screens show `message` next to `field` (or above the form); the API handler in
portal/api/exceptions.py answers `http_status` with {"detail": message, "code": code} (+ field key).
"""


class MessagingError(Exception):
    """A refusal a user can read. Subclasses set `code` and, when not 400, `http_status`."""

    code: str = "invalid"
    http_status: int = 400

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.field = field
        if http_status is not None:
            self.http_status = http_status

    def __str__(self) -> str:
        return self.message


class ConfigurationInvalid(MessagingError):
    """What the administrator entered cannot be saved (a duplicate name or number, a bad value)."""

    code = "invalid"


class TrunkInUse(MessagingError):
    """The trunk is held by SMS configurations; the message names them."""

    code = "trunk_in_use"
    http_status = 409


class CallbackRejected(Exception):
    """A webhook request we refuse before storing anything: answered with `status` and `message` as JSON."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
