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


class ExtensionInUse(MessagingError):
    """Rules depend on the extension; the message names them."""

    code = "extension_in_use"
    http_status = 409


class CallbackRejected(Exception):
    """A webhook request we refuse before storing anything: answered with `status` and `message` as JSON."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class MessageInvalid(MessagingError):
    """What was asked to be sent cannot be sent as it is (no text, too long, a bad number or attachment)."""

    code = "invalid"


class SendRefused(MessagingError):
    """The rules, an opt-out or 10DLC forbid this send; nothing was stored and Bandwidth was not asked.

    `code` says which: not_allowed, no_rule, no_sender, configuration_disabled, legacy_retired,
    opted_out, unregistered_10dlc.
    """

    code = "send_refused"
    http_status = 409


class TransientSendError(Exception):
    """Bandwidth could not take the message now (429, 5xx, unreachable): the row is back in `queued`
    and the task should try again after `retry_after` seconds."""

    def __init__(self, reason: str, *, retry_after: float) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class SendThrottled(Exception):
    """The sender number's rate leaves no slot now: run the task again after `wait` seconds.

    `slot_at` is the slot reserved for this message on the rate limiter's clock (None when the next
    free slot was too far ahead to reserve); the next run passes it back. Never a failure.
    """

    def __init__(self, *, wait: float, slot_at: float | None) -> None:
        super().__init__(f"no sending slot for {wait:.2f} s")
        self.wait = wait
        self.slot_at = slot_at


class ReconcileLater(Exception):
    """Bandwidth could not yet say whether an unknown-outcome message arrived: ask again later."""

    def __init__(self, reason: str, *, retry_after: float) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class MediaDownloadFailed(Exception):
    """An inbound attachment download that may work later (Bandwidth unreachable, 5xx, 429)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
