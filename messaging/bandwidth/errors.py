"""Typed errors raised by the Bandwidth client.

Every error carries what Bandwidth said (`status`, `error_type`, `description`, `field_errors`,
`retry_after`, a truncated `body`) and a `user_message` in plain words for screens. `transient` tells a
task whether the same request may simply be tried again later. No message, repr or attribute ever
holds a credential: errors are built from Bandwidth's answer, never from our request headers.
"""

from __future__ import annotations

import json
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError

BODY_LIMIT = 2000


@dataclass(frozen=True)
class FieldError:
    field_name: str
    description: str


class BandwidthError(Exception):
    """Bandwidth refused or failed a request (or could not be asked)."""

    default_user_message = "Bandwidth answered with an error."

    def __init__(
        self,
        description: str = "",
        *,
        status: int | None = None,
        error_type: str = "",
        field_errors: tuple[FieldError, ...] = (),
        retry_after: float | None = None,
        body: str = "",
        user_message: str | None = None,
    ) -> None:
        self.status = status
        self.error_type = error_type
        self.description = description
        self.field_errors = tuple(field_errors)
        self.retry_after = retry_after
        self.body = body[:BODY_LIMIT]
        self.user_message = user_message or self.default_user_message
        super().__init__(self._summary())

    def _summary(self) -> str:
        parts = [f"HTTP {self.status}" if self.status is not None else "no HTTP answer"]
        if self.error_type:
            parts.append(self.error_type)
        if self.description:
            parts.append(self.description)
        parts.extend(f"{fe.field_name}: {fe.description}" for fe in self.field_errors)
        return "; ".join(parts)

    @property
    def code(self) -> str:
        """Bandwidth's error `type` (the name STYLE.md uses)."""
        return self.error_type

    @property
    def transient(self) -> bool:
        """True when the same request may succeed if simply sent again later (429, 5xx)."""
        return self.status is not None and (self.status == 429 or self.status >= 500)

    def __str__(self) -> str:
        # Built from the attributes, not args, so it survives pickling (Celery stores retried errors).
        return self._summary()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, error_type={self.error_type!r}, " \
               f"description={self.description!r})"


class BandwidthAuthError(BandwidthError):
    """401 from the API, or the OAuth token endpoint refused the client credentials."""

    default_user_message = (
        "Bandwidth did not accept these credentials. Check the Client ID and Client Secret "
        "(or the username and password for a legacy API user) and the authentication type."
    )


class BandwidthPermissionError(BandwidthError):
    """403: the credentials are valid but not allowed to do this."""

    default_user_message = (
        "The credentials were accepted, but they are not allowed to do this on this Bandwidth account. "
        "Check that the API credential has the Messaging role and belongs to this account."
    )


class BandwidthRateLimited(BandwidthError):
    """429: too many requests; `retry_after` says how long to wait when Bandwidth told us."""

    default_user_message = "Bandwidth is receiving too many requests from this account. Try again shortly."

    @property
    def transient(self) -> bool:
        return True


class BandwidthUnavailable(BandwidthError):
    """5xx, or Bandwidth could not be reached and the request certainly never went out."""

    default_user_message = (
        "Bandwidth could not be reached or had a problem on its side. Try again in a few minutes."
    )

    @property
    def transient(self) -> bool:
        return True


class BandwidthOutcomeUnknown(BandwidthError):
    """The request went out but no answer came back (read timeout, connection dropped).

    Not transient: a message may have been accepted. Reconcile (search by time and number, or wait for
    a callback carrying our tag) instead of sending again.
    """

    default_user_message = (
        "The connection to Bandwidth was lost after the request was sent, so it is not known whether "
        "Bandwidth accepted it."
    )

    @property
    def transient(self) -> bool:
        return False


class BandwidthRequestError(BandwidthError):
    """Any other 4xx (or a request we refused to make): fix the request, do not retry it."""

    default_user_message = "Bandwidth refused the request."

    def __init__(self, description: str = "", **kwargs) -> None:
        if not kwargs.get("user_message"):
            kwargs["user_message"] = _refused_message(description, kwargs.get("status"))
        super().__init__(description, **kwargs)


class BandwidthMediaRefused(BandwidthRequestError):
    """We refused a media download: foreign host, redirect, or larger than allowed."""


def _refused_message(description: str, status: int | None) -> str:
    if status == 404:
        return "Bandwidth could not find what was asked for (HTTP 404)."
    if description:
        return f"Bandwidth refused the request: {description}"
    return BandwidthRequestError.default_user_message


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def error_from_response(
    response: requests.Response,
    *,
    body: str | None = None,
    error_class: type[BandwidthError] | None = None,
    user_message: str | None = None,
) -> BandwidthError:
    """Build the typed error for a non-2xx answer, keeping Bandwidth's type, description and field errors.

    A redirect (3xx) is an error too: we never follow one. At most BODY_LIMIT bytes of the body are read
    (pass `body` to use an already-read, e.g. redacted, text instead).
    """
    status = response.status_code
    if body is None:
        body = limited_text(response)
    error_type, description, field_errors = _parse_error_body(body)
    if 300 <= status < 400:
        location = urlsplit(response.headers.get("Location", "")).hostname or "?"
        error_type, description = "redirect", f"unexpected redirect (HTTP {status}) to {location}"
    if not description:
        description = (response.reason or "").strip()
    cls = error_class or error_class_for_status(status)
    return cls(
        description,
        status=status,
        error_type=error_type,
        field_errors=field_errors,
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
        body=body,
        user_message=user_message,
    )


def error_class_for_status(status: int) -> type[BandwidthError]:
    """401 auth, 403 permission, 429 rate limited, 5xx unavailable, anything else a request error."""
    if status == 401:
        return BandwidthAuthError
    if status == 403:
        return BandwidthPermissionError
    if status == 429:
        return BandwidthRateLimited
    if status >= 500:
        return BandwidthUnavailable
    return BandwidthRequestError


def limited_text(response: requests.Response) -> str:
    """At most BODY_LIMIT bytes of the body as text, streamed or not; "" when it cannot be read."""
    try:
        raw = next(response.iter_content(BODY_LIMIT), b"")
    except (requests.RequestException, RuntimeError):
        return ""
    return raw.decode(response.encoding or "utf-8", errors="replace") if isinstance(raw, bytes) else raw


def _parse_error_body(body: str) -> tuple[str, str, tuple[FieldError, ...]]:
    try:
        data = json.loads(body) if body else None
    except ValueError:
        return "", "", ()
    if isinstance(data, list) and data and isinstance(data[0], dict):
        data = data[0]
    if not isinstance(data, dict):
        return "", "", ()
    field_errors = tuple(
        FieldError(str(item.get("fieldName", "")), str(item.get("description", "")))
        for item in data.get("fieldErrors") or ()
        if isinstance(item, dict)
    )
    # OAuth token endpoints answer {"error": ..., "error_description": ...} instead.
    error_type = str(data.get("type") or data.get("error") or "")
    description = str(data.get("description") or data.get("error_description") or data.get("message") or "")
    return error_type, description, field_errors


def error_from_exception(exc: requests.RequestException, *, idempotent: bool) -> BandwidthError:
    """Map a transport failure to BandwidthUnavailable (certainly never sent, or safe to repeat) or
    BandwidthOutcomeUnknown (a non-idempotent request may have reached Bandwidth).

    requests raises ConnectionError both while connecting and after sending, so the cause chain decides:
    only a failure to connect (refused, DNS, connect timeout, certificate rejected) proves nothing went out.
    """
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema
                  | requests.exceptions.InvalidSchema):
        return BandwidthRequestError(
            f"invalid Bandwidth URL ({type(exc).__name__})",
            user_message="The Bandwidth address configured for this portal is not a valid URL.",
        )
    # str() of a requests error names host and path only; headers (credentials) never appear in it.
    detail = f"{type(exc).__name__}: {str(exc)[:300]}"
    if idempotent or never_sent(exc):
        return BandwidthUnavailable(detail)
    return BandwidthOutcomeUnknown(detail)


def never_sent(exc: BaseException) -> bool:
    """True only when the cause chain proves the request never left (the connection was not made)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if not isinstance(exc, requests.exceptions.ConnectionError):
        return False
    stack: list[BaseException] = [exc]
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        # urllib3 2: NewConnectionError and NameResolutionError subclass ConnectTimeoutError.
        if isinstance(current, ConnectTimeoutError | ssl.SSLCertVerificationError):
            return True
        if isinstance(current, MaxRetryError) and current.reason is not None:
            stack.append(current.reason)
        stack.extend(arg for arg in current.args if isinstance(arg, BaseException))
        if current.__cause__ is not None:
            stack.append(current.__cause__)
    return False
