"""HTTP client for Bandwidth's Messaging API v2: send, look up, media, and a connection check.

Knows no models or views: it takes Credentials and returns plain dataclasses or raises a BandwidthError
subclass (see errors.py). Every call uses one shared requests.Session (connection pooling), the
(connect, read) timeouts from settings, and never follows redirects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import quote, urlsplit

import requests
from django.conf import settings

from messaging.bandwidth.auth import Credentials, account_id_problem, auth_refused_message, send_authorized
from messaging.bandwidth.errors import (
    BandwidthAuthError,
    BandwidthError,
    BandwidthMediaRefused,
    BandwidthOutcomeUnknown,
    BandwidthPermissionError,
    BandwidthRequestError,
    error_from_exception,
    error_from_response,
)

# One pool for the whole process: workers reuse TLS connections to Bandwidth across calls.
SESSION = requests.Session()
BANDWIDTH_MEDIA_HOST = "messaging.bandwidth.com"
DOWNLOAD_CHUNK = 64 * 1024


@dataclass(frozen=True)
class SentMessage:
    id: str
    segment_count: int | None
    time: datetime | None
    raw: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class MessageRecord:
    message_id: str
    source_tn: str
    destination_tn: str
    status: str
    direction: str
    message_type: str
    segment_count: int | None
    error_code: int | None
    receive_time: datetime | None
    carrier_name: str
    raw: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class SearchResult:
    total_count: int
    messages: list[MessageRecord]
    next_page_token: str | None
    raw: dict[str, Any] = field(repr=False)


class BandwidthClient:
    """One Bandwidth account's API, authenticated with its Credentials."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        messaging_api_url: str | None = None,
        oauth_token_url: str | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.credentials = credentials
        self.base_url = (messaging_api_url or settings.BANDWIDTH_MESSAGING_API_URL).rstrip("/")
        self.token_url = oauth_token_url or settings.BANDWIDTH_OAUTH_TOKEN_URL
        self.session = session or SESSION

    def __repr__(self) -> str:
        return f"BandwidthClient(account_id={self.credentials.account_id!r}, " \
               f"auth_type={self.credentials.auth_type!r}, base_url={self.base_url!r})"

    @property
    def account_url(self) -> str:
        """`{base}/users/{accountId}` with the account ID escaped as one path segment."""
        return f"{self.base_url}/users/{quote(self.credentials.account_id.strip(), safe='')}"

    def send_message(
        self,
        *,
        application_id: str,
        to: Sequence[str],
        from_: str,
        text: str = "",
        media: Sequence[str] = (),
        tag: str = "",
        priority: Literal["default", "high"] | None = None,
        expiration: datetime | str | None = None,
    ) -> SentMessage:
        """POST one message (several `to` numbers make a group message); empty optional fields are omitted.

        Returns the accepted message (202). Raises ValueError for a malformed call, BandwidthOutcomeUnknown
        when the request went out but no usable answer came back (do not re-post: reconcile by `tag`),
        and the other BandwidthError subclasses for refusals and failures before sending.
        """
        if isinstance(to, str) or not to:
            raise ValueError("to must be a non-empty list of E.164 numbers")
        if not text and not media:
            raise ValueError("a message needs text or media")
        if priority not in (None, "default", "high"):
            raise ValueError("priority must be 'default' or 'high'")
        body: dict[str, Any] = {"applicationId": application_id, "to": list(to), "from": from_}
        optional = {"text": text, "media": list(media), "tag": tag, "priority": priority,
                    "expiration": iso_time(expiration) if expiration else None}
        body.update({key: value for key, value in optional.items() if value})
        response = self._request("POST", f"{self.account_url}/messages", idempotent=False, json=body)
        try:
            data = response.json()
            message_id = data["id"]
            if not isinstance(message_id, str) or not message_id:
                raise ValueError("empty id")
        except (ValueError, KeyError, TypeError):
            # Accepted, but we cannot tell which message id: callbacks carrying our tag will say.
            raise BandwidthOutcomeUnknown(
                "Bandwidth accepted the message without a readable id",
                status=response.status_code,
                body=response.text,
            ) from None
        segment_count, sent_at = _int(data.get("segmentCount")), _time(data.get("time"))
        return SentMessage(id=message_id, segment_count=segment_count, time=sent_at, raw=data)

    def check_connection(self) -> None:
        """Make the cheapest authenticated call (list media) and return when the credentials work.

        Raises a BandwidthError whose `user_message` says in plain words what is wrong: wrong
        credentials (BandwidthAuthError), no permission (BandwidthPermissionError), account not found
        (BandwidthRequestError, status 404) or Bandwidth unreachable (BandwidthUnavailable).
        """
        try:
            # stream=True: the listing may be long and is not needed, only the status.
            self._request("GET", f"{self.account_url}/media", idempotent=True, stream=True).close()
        except BandwidthError as exc:
            hint = account_id_problem(self.credentials.account_id)
            if exc.status == 404 and isinstance(exc, BandwidthRequestError):
                exc.user_message = (
                    f"Bandwidth does not know the account {self.credentials.account_id!r}. Check the "
                    "Account ID: the 7-digit account number shown in the Bandwidth App."
                )
            elif hint and isinstance(exc, BandwidthAuthError | BandwidthPermissionError):
                exc.user_message = f"{exc.user_message} {hint}"
            raise

    def search_messages(
        self,
        *,
        message_id: str | None = None,
        source_tn: str | None = None,
        destination_tn: str | None = None,
        from_date_time: datetime | str | None = None,
        to_date_time: datetime | str | None = None,
        limit: int | None = None,
        page_token: str | None = None,
        message_status: str | None = None,
        error_code: int | None = None,
    ) -> SearchResult:
        """Look messages up (metadata only, about two weeks back); None parameters are left out.

        Raises BandwidthError subclasses; a timeout here is BandwidthUnavailable (safe to repeat).
        """
        params = {
            "messageId": message_id,
            "sourceTn": source_tn,
            "destinationTn": destination_tn,
            "fromDateTime": iso_time(from_date_time) if from_date_time else None,
            "toDateTime": iso_time(to_date_time) if to_date_time else None,
            "limit": limit,
            "pageToken": page_token,
            "messageStatus": message_status,
            "errorCode": error_code,
        }
        response = self._request(
            "GET",
            f"{self.account_url}/messages",
            idempotent=True,
            params={key: value for key, value in params.items() if value is not None},
        )
        try:
            data = response.json()
            records = [_record(item) for item in data.get("messages") or ()]
        except (ValueError, TypeError, AttributeError):
            raise BandwidthError("unreadable search answer", status=response.status_code,
                                 body=response.text) from None
        page_info = data.get("pageInfo") or {}
        return SearchResult(
            total_count=_int(data.get("totalCount")) or 0,
            messages=records,
            next_page_token=page_info.get("nextPageToken") if isinstance(page_info, dict) else None,
            raw=data,
        )

    def upload_media(self, *, name: str, content: bytes, content_type: str) -> str:
        """PUT a file under the account's media and return its URL (to send in `media`).

        Raises ValueError for an unusable name, BandwidthError subclasses otherwise (a timeout is
        BandwidthUnavailable: uploading the same name again is harmless).
        """
        url = self.media_url(name)
        self._request("PUT", url, idempotent=True, data=content, headers={"Content-Type": content_type})
        return url

    def download_media(self, url: str, *, max_bytes: int) -> tuple[bytes, str]:
        """Download a media URL with our credentials; return (content, content type).

        Only the configured API host or messaging.bandwidth.com is asked (credentials go nowhere else).
        Raises BandwidthMediaRefused for another host, a redirect or more than `max_bytes`, and other
        BandwidthError subclasses for Bandwidth's answers.
        """
        self._check_media_url(url)
        response = self._request(
            "GET", url, idempotent=True, stream=True, redirect_error=BandwidthMediaRefused,
            headers={"Accept": "*/*"},
        )
        with response:
            declared = _int(response.headers.get("Content-Length"))
            if declared is not None and declared > max_bytes:
                raise _too_big(max_bytes)
            chunks, total = [], 0
            try:
                for chunk in response.iter_content(DOWNLOAD_CHUNK):
                    total += len(chunk)
                    if total > max_bytes:
                        raise _too_big(max_bytes)
                    chunks.append(chunk)
            except requests.RequestException as exc:
                raise error_from_exception(exc, idempotent=True) from None
            return b"".join(chunks), response.headers.get("Content-Type", "application/octet-stream")

    def delete_media(self, name: str) -> bool:
        """DELETE a media file: True when deleted, False when already gone (404). Raises BandwidthError."""
        try:
            self._request("DELETE", self.media_url(name), idempotent=True)
        except BandwidthRequestError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def media_url(self, name: str) -> str:
        """The URL of a media name under this account. Raises ValueError for empty, '.' or '..' segments."""
        segments = name.split("/")
        if any(seg in ("", ".", "..") or "\\" in seg or not seg.isprintable() for seg in segments):
            raise ValueError(f"unusable media name {name!r}")
        return f"{self.account_url}/media/" + "/".join(quote(seg, safe="") for seg in segments)

    # -- plumbing ---------------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        url: str,
        *,
        idempotent: bool,
        stream: bool = False,
        redirect_error: type[BandwidthRequestError] = BandwidthRequestError,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        response = send_authorized(
            self.credentials, method, url,
            session=self.session, token_url=self.token_url, idempotent=idempotent,
            headers={"Accept": "application/json", **(headers or {})}, stream=stream, **kwargs,
        )
        if 200 <= response.status_code < 300:
            return response
        with response:
            if 300 <= response.status_code < 400:
                raise error_from_response(response, error_class=redirect_error)
            raise error_from_response(response, user_message=auth_refused_message(self.credentials, response))

    def _check_media_url(self, url: str) -> None:
        base = urlsplit(self.base_url)
        allowed = {_origin(base.scheme, base.hostname, base.port), ("https", BANDWIDTH_MEDIA_HOST, 443)}
        try:
            parts = urlsplit(url)
            origin, host = _origin(parts.scheme, parts.hostname, parts.port), parts.hostname or "?"
            # https://messaging.bandwidth.com@evil.example/ has hostname evil.example; refuse userinfo anyway.
            if parts.username is not None or parts.password is not None:
                origin = None
        except ValueError:
            origin, host = None, "?"
        if origin not in allowed:
            raise BandwidthMediaRefused(
                f"media host {host} is not Bandwidth",
                error_type="foreign-host",
                user_message="The media address does not point at Bandwidth, so it was not downloaded.",
            )


def iso_time(value: datetime | str) -> str:
    """ISO-8601 in UTC with milliseconds and Z, as Bandwidth writes it. Raises ValueError if naive."""
    if isinstance(value, str):
        return value
    if value.tzinfo is None:
        raise ValueError("give an aware datetime (naive times are ambiguous)")
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _origin(scheme: str | None, host: str | None, port: int | None) -> tuple[str, str, int]:
    scheme = (scheme or "").lower()
    return scheme, (host or "").lower(), port or {"https": 443, "http": 80}.get(scheme, 0)


def _too_big(max_bytes: int) -> BandwidthMediaRefused:
    return BandwidthMediaRefused(
        f"media larger than {max_bytes} bytes",
        error_type="too-large",
        user_message=f"The media file is over the {max_bytes} bytes allowed, so it was not downloaded.",
    )


def _record(item: dict[str, Any]) -> MessageRecord:
    return MessageRecord(
        message_id=str(item.get("messageId") or ""),
        source_tn=str(item.get("sourceTn") or ""),
        destination_tn=str(item.get("destinationTn") or ""),
        status=str(item.get("messageStatus") or ""),
        direction=str(item.get("messageDirection") or ""),
        message_type=str(item.get("messageType") or ""),
        segment_count=_int(item.get("segmentCount")),
        error_code=_int(item.get("errorCode")),
        receive_time=_time(item.get("receiveTime")),
        carrier_name=str(item.get("carrierName") or ""),
        raw=item,
    )


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None


def _time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None
