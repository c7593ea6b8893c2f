"""Domain errors raised by the messaging services: one hierarchy under portal.exceptions.PortalError.

Each has a stable `code` and an `http_status`. Screens show `message` next to `field` (or each entry of
`fields`), or above the form; the API handler in portal/api/exceptions.py answers `http_status` with
{"detail": message, "code": code, "fields": {...}}; the webhook answers CallbackRejected the same way.

TransientSendError, SendThrottled, ReconcileLater and MediaDownloadFailed are not user errors but flow
control for tasks (retry later, after `retry_after` / `wait`): they stay outside the hierarchy on purpose,
so that no screen or handler mistakes them for a refusal to show.
"""

from portal.exceptions import PortalError


class MessagingError(PortalError):
    """A refusal a user can read. Subclasses set `code` and, when not 400, `http_status`."""


class ConfigurationInvalid(MessagingError):
    """What the administrator entered cannot be saved (a duplicate name or number, a bad value).

    Carries one `field`, or every problem at once in `fields` (the SMS configuration form shows them all).
    """

    code = "invalid"


class TrunkInUse(MessagingError):
    """The trunk is held by SMS configurations; the message names them."""

    code = "trunk_in_use"
    http_status = 409


class ExtensionInUse(MessagingError):
    """Rules depend on the extension; the message names them."""

    code = "extension_in_use"
    http_status = 409


class ConfigurationInUse(MessagingError):
    """Outbound rules send through the SMS configuration; the message names them."""

    code = "configuration_in_use"
    http_status = 409


class CallbackNotRetryable(MessagingError):
    """Retry was asked for a stored callback that has not failed."""

    code = "not_failed"
    http_status = 409


class CallbackRejected(MessagingError):
    """A webhook request we refuse before storing anything: answered with `status` and the error body.

    `code` follows the status unless given: too_large (413), invalid_body (400), unauthorized (401),
    not_found (404).
    """

    CODES = {400: "invalid_body", 401: "unauthorized", 404: "not_found", 413: "too_large"}

    def __init__(self, status: int, message: str, *, code: str | None = None) -> None:
        super().__init__(message, code=code or self.CODES.get(status, "invalid_body"), http_status=status)
        self.status = status


class MessageInvalid(MessagingError):
    """What was asked to be sent cannot be sent as it is (no text, too long, a bad number or attachment)."""

    code = "invalid"


class UsageMonthInvalid(MessagingError):
    """A usage report was asked for something that is not a month (YYYY-MM)."""

    code = "invalid_month"


class SendRefused(MessagingError):
    """The rules, an opt-out or 10DLC forbid this send; nothing was stored and Bandwidth was not asked.

    `code` says which: not_allowed, no_rule, no_sender, configuration_disabled, legacy_retired,
    opted_out, unregistered_10dlc, sender_not_on_trunk (a reply from a number the rule's trunk lacks).
    """

    code = "send_refused"
    http_status = 409


class TestMessageRefused(MessagingError):
    """Send test message was refused before anything was stored: `test_running` (one test per configuration at
    a time) or `too_many_tests` (the hourly limit)."""

    __test__ = False  # not a pytest test class, despite its name
    code = "test_refused"
    http_status = 409


class IdempotencyKeyInvalid(MessagingError):
    """An `Idempotency-Key` that is not 1 to 255 printable ASCII characters."""

    code = "invalid_idempotency_key"


class IdempotencyKeyReused(MessagingError):
    """The key already stands for a different send; nothing was sent."""

    code = "idempotency_key_reused"
    http_status = 422


class IdempotencyKeyInUse(MessagingError):
    """A request with the same key is still being handled; ask again in a moment."""

    code = "idempotency_key_in_use"
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


class NotificationFailed(Exception):
    """The mail server did not take some notification mails (refused, unreachable, timed out): nothing was
    recorded for those users, so the next run of the task (or the sweeper) tries them again."""

    def __init__(self, message: str, *, user_ids: list[int]) -> None:
        super().__init__(message)
        self.user_ids = user_ids


class OptOutInvalid(MessagingError):
    """An opt-out cannot be added or imported as given (a bad number, not one of the tenant's numbers, a CSV
    with bad lines: `fields["file"]` lists each one by line number, and nothing was imported)."""

    code = "invalid"


class BandwidthRefused(MessagingError):
    """Bandwidth refused or failed a call made for the administrator (Connect, Check now, Repair): `message` is
    the BandwidthError's user_message, in plain words (a 403 names the missing role); nothing secret in it."""

    code = "bandwidth_error"
    http_status = 502


class ConnectionNotAllowed(MessagingError):
    """This configuration cannot be connected now (disabled, a legacy user past the cut-off, not connected yet)."""

    code = "not_allowed"
    http_status = 409


class LocationNeeded(MessagingError):
    """Connect cannot tell which Bandwidth location (site and SIP peer) to use: none or several hold the trunk's
    numbers. `locations` are the ones to choose from (bandwidth.applications.Location)."""

    code = "location_needed"
    http_status = 409

    def __init__(self, message: str, *, locations=(), **kwargs) -> None:
        super().__init__(message, field="sip_peer_id", **kwargs)
        self.locations = tuple(locations)
