"""Credentials and the Authorization header for Bandwidth's API.

OAuth 2.0 client credentials (the default; legacy API users stop working on 2026-12-02): the Client ID
and Client Secret are exchanged for a bearer token, which is cached in Django's cache (Redis, shared by
every worker) until about a minute before it expires. The cache key is a hash, never the secret. Each
process also keeps the token in memory (no Redis round trip per send): until its cache lifetime ends when
the process fetched it, for at most LOCAL_SECONDS when it read it from Redis (a token in Redis has at least
EXPIRY_MARGIN_SECONDS of life left). A 401 forgets it in both places.
Legacy API users send HTTP Basic username:password on every call.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

import requests
from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError

from messaging.bandwidth.errors import (
    BandwidthAuthError,
    BandwidthRequestError,
    BandwidthUnavailable,
    error_from_exception,
    error_from_response,
    limited_text,
)

logger = logging.getLogger(__name__)

AuthType = Literal["oauth", "legacy"]
Timeout = tuple[float, float]
AUTH_TYPES: tuple[str, ...] = ("oauth", "legacy")

EXPIRY_MARGIN_SECONDS = 60
# One worker fetches while the others wait for its token (no thundering herd on the token endpoint);
# a waiter that sees nothing after LOCK_WAIT_SECONDS fetches on its own: correctness before economy.
LOCK_TTL_SECONDS = 30
LOCK_WAIT_SECONDS = 10.0
LOCK_POLL_SECONDS = 0.05
DEFAULT_TOKEN_LIFETIME = 60
LOCAL_SECONDS = EXPIRY_MARGIN_SECONDS / 2

# cache key -> (token, monotonic time until which this process uses it without asking Redis)
_local_tokens: dict[str, tuple[str, float]] = {}

ACCOUNT_ID_RE = re.compile(r"^\d{7}$")


@dataclass(frozen=True)
class Credentials:
    """Bandwidth credentials. For "oauth", username/password are the Client ID/Client Secret."""

    account_id: str
    username: str
    password: str = field(repr=False)
    auth_type: AuthType = "oauth"

    def __post_init__(self) -> None:
        if self.auth_type not in AUTH_TYPES:
            raise ValueError(f"auth_type must be one of {AUTH_TYPES}, not {self.auth_type!r}")


def account_id_problem(account_id: str) -> str | None:
    """Plain-words reason why `account_id` is not a usable Bandwidth account ID; None when it looks right."""
    value = (account_id or "").strip()
    if ACCOUNT_ID_RE.match(value):
        return None
    if value.lower().startswith("u-"):
        return (
            "This looks like an old-style user ID (u-...). Use the 7-digit account number shown in the "
            "Bandwidth App; the u-... form does not work with API credentials."
        )
    return "The Account ID is the 7-digit Bandwidth account number shown in the Bandwidth App."


def basic_header(username: str, password: str) -> str:
    """The HTTP Basic Authorization value for a legacy API user."""
    raw = f"{username}:{password}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def token_cache_key(credentials: Credentials, token_url: str) -> str:
    """The cache key of a token: a SHA-256 of (token URL, client id, client secret), never the secret."""
    material = "\x00".join((token_url, credentials.username, credentials.password))
    return "bandwidth:oauth-token:" + hashlib.sha256(material.encode()).hexdigest()


def get_access_token(
    credentials: Credentials,
    *,
    token_url: str,
    session: requests.Session,
    timeout: Timeout,
) -> str:
    """Return a bearer token for these client credentials, cached or freshly fetched.

    Raises BandwidthAuthError (the token endpoint refused the Client ID/Secret), BandwidthUnavailable
    (unreachable, 5xx, odd answer), BandwidthRateLimited (429) or BandwidthRequestError (other 4xx,
    e.g. a wrong token URL).
    """
    key = token_cache_key(credentials, token_url)
    kept = _local_tokens.get(key)
    if kept and time.monotonic() < kept[1]:
        return kept[0]
    token = _cache_get(key)
    if token:
        _keep(key, token, LOCAL_SECONDS)
        return token
    lock_key, lock_id = key + ":lock", uuid.uuid4().hex
    if _cache_add(lock_key, lock_id):
        try:
            return _cache_get(key) or _fetch_and_store(credentials, key, token_url, session, timeout)
        finally:
            if _cache_get(lock_key) == lock_id:
                _cache_delete(lock_key)
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(LOCK_POLL_SECONDS)
        token = _cache_get(key)
        if token:
            _keep(key, token, LOCAL_SECONDS)
            return token
        if not _cache_get(lock_key):
            break
    return _fetch_and_store(credentials, key, token_url, session, timeout)


def send_authorized(
    credentials: Credentials,
    method: str,
    url: str,
    *,
    session: requests.Session,
    token_url: str,
    idempotent: bool,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> requests.Response:
    """Send one API request with the credentials' Authorization, never following redirects.

    A 401 on an OAuth token forgets that token and repeats the request ONCE with a fresh one (a 401 means
    Bandwidth did not act on it, so even a send is safe to repeat). Returns Bandwidth's response whatever
    its status (the second 401 included). Raises token endpoint errors (see get_access_token) and
    transport failures: BandwidthUnavailable, or BandwidthOutcomeUnknown when a non-idempotent request
    may have gone out.
    """
    timeout = (settings.BANDWIDTH_CONNECT_TIMEOUT, settings.BANDWIDTH_READ_TIMEOUT)
    for attempt in (1, 2):
        token = None
        if credentials.auth_type == "legacy":
            authorization = basic_header(credentials.username, credentials.password)
        else:
            token = get_access_token(credentials, token_url=token_url, session=session, timeout=timeout)
            authorization = f"Bearer {token}"
        try:
            response = session.request(
                method, url, headers={**(headers or {}), "Authorization": authorization},
                timeout=timeout, allow_redirects=False, **kwargs,
            )
        except requests.RequestException as exc:
            raise error_from_exception(exc, idempotent=idempotent) from None
        if response.status_code != 401 or token is None:
            return response
        invalidate_access_token(credentials, token, token_url=token_url)
        if attempt == 2:
            return response
        response.close()
    raise AssertionError("unreachable")


def auth_refused_message(credentials: Credentials, response: requests.Response) -> str | None:
    """The plain-words message for an API 401 with these credentials (None for other statuses)."""
    if response.status_code != 401:
        return None
    if credentials.auth_type == "legacy":
        cutoff = getattr(settings, "BANDWIDTH_LEGACY_CUTOFF", None)
        return (
            "Bandwidth did not accept this username and password. Legacy API users stop working"
            + (f" on {cutoff:%Y-%m-%d}" if cutoff else " soon")
            + ": switch to API credentials (OAuth Client ID and Client Secret)."
        )
    return (
        "Bandwidth issued a token for this Client ID but refused it for this account. Check the "
        "Account ID and that the API credential belongs to this account."
    )


def invalidate_access_token(credentials: Credentials, rejected_token: str, *, token_url: str) -> None:
    """Forget the cached token if it is still the one Bandwidth just rejected (not a newer one)."""
    key = token_cache_key(credentials, token_url)
    kept = _local_tokens.get(key)
    if kept and kept[0] == rejected_token:
        del _local_tokens[key]
    if _cache_get(key) == rejected_token:
        _cache_delete(key)


def forget_local_tokens() -> None:
    """Drop the tokens this process keeps in memory (tests, after clearing the shared cache)."""
    _local_tokens.clear()


def fetch_access_token(
    credentials: Credentials, *, token_url: str, session: requests.Session, timeout: Timeout
) -> tuple[str, int]:
    """POST the client-credentials grant; return (access_token, expires_in seconds).

    Raises like get_access_token.
    """
    try:
        response = session.post(
            token_url,
            auth=(credentials.username, credentials.password),
            data={"grant_type": "client_credentials"},
            headers={"Accept": "application/json"},
            timeout=timeout,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        # Asking for a token twice is harmless, so any transport failure is "unreachable".
        raise error_from_exception(exc, idempotent=True) from None
    status = response.status_code
    if not 200 <= status < 300:
        body = _redact(limited_text(response), credentials.password)
        if status in (400, 401, 403):
            raise error_from_response(response, body=body, error_class=BandwidthAuthError, user_message=(
                "Bandwidth refused the Client ID and Client Secret. Check them, and that they are API "
                "credentials (OAuth) rather than a legacy username and password."
            ))
        if status == 429 or status >= 500:
            raise error_from_response(response, body=body)
        raise error_from_response(response, body=body, error_class=BandwidthRequestError, user_message=(
            f"Bandwidth's token address answered HTTP {status}: check BANDWIDTH_OAUTH_TOKEN_URL."
        ))
    try:
        data = response.json()
        token = data["access_token"]
        expires_in = int(data.get("expires_in") or DEFAULT_TOKEN_LIFETIME)
    except (ValueError, KeyError, TypeError):
        raise BandwidthUnavailable("the token answer has no access_token", status=status) from None
    if not isinstance(token, str) or not token:
        raise BandwidthUnavailable("the token endpoint answered an empty access_token", status=status)
    return token, expires_in


def cache_lifetime(expires_in: int) -> int:
    """Seconds to keep a token: until EXPIRY_MARGIN_SECONDS before it expires (half its life if short)."""
    if expires_in > 2 * EXPIRY_MARGIN_SECONDS:
        return expires_in - EXPIRY_MARGIN_SECONDS
    return expires_in // 2


def _fetch_and_store(
    credentials: Credentials, key: str, token_url: str, session: requests.Session, timeout: Timeout
) -> str:
    token, expires_in = fetch_access_token(credentials, token_url=token_url, session=session, timeout=timeout)
    lifetime = cache_lifetime(expires_in)
    if lifetime > 0:
        _cache_set(key, token, lifetime)
        _keep(key, token, lifetime)
    return token


def _keep(key: str, token: str, seconds: float) -> None:
    _local_tokens[key] = (token, time.monotonic() + seconds)


def _redact(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret else text


# A Redis outage must not stop sending: without the cache every call simply fetches its own token.
def _cache_get(key: str) -> str | None:
    try:
        return cache.get(key)
    except RedisError as exc:
        logger.warning("bandwidth token cache unavailable: %s", type(exc).__name__)
        return None


def _cache_set(key: str, value: str, timeout: int) -> None:
    try:
        cache.set(key, value, timeout)
    except RedisError as exc:
        logger.warning("bandwidth token cache unavailable: %s", type(exc).__name__)


def _cache_add(key: str, value: str) -> bool:
    try:
        return cache.add(key, value, LOCK_TTL_SECONDS)
    except RedisError as exc:
        logger.warning("bandwidth token cache unavailable: %s", type(exc).__name__)
        return True


def _cache_delete(key: str) -> None:
    try:
        cache.delete(key)
    except RedisError as exc:
        logger.warning("bandwidth token cache unavailable: %s", type(exc).__name__)
