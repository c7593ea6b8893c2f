"""Request rates (Django REST framework's throttles, counted in the Redis cache): 429 with Retry-After beyond them.

- ApiRateThrottle, on every endpoint: API_THROTTLE_RATE per user, or per address for a caller not signed in.
- TokenAddressThrottle and TokenUsernameThrottle, on the token endpoint only: API_TOKEN_THROTTLE_RATE password
  attempts per address and, separately, per username (an attacker spreading over many addresses still meets
  the second). django-axes' lock-out counts failures on top of this; the throttle counts every attempt.

Rates are read from the settings on each request (not once at import, as DRF's own classes do), so
`override_settings` in tests and a changed environment after a restart both apply. When Redis cannot be
reached the request is let through: an outage of the counter must not become an outage of the API.
"""

import hashlib
import logging

from django.conf import settings
from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

from portal.client_ip import client_ip

logger = logging.getLogger(__name__)


class _SettingsRateThrottle(SimpleRateThrottle):
    rate_setting = ""

    def get_rate(self) -> str:
        return getattr(settings, self.rate_setting)

    def get_ident(self, request) -> str:
        # The same address as the lock-out and the audit (TRUSTED_PROXY_COUNT), not DRF's NUM_PROXIES.
        return client_ip(request) or "unknown"

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except RedisError as exc:
            logger.warning("throttle %s not counted, Redis unavailable: %s", self.scope, exc.__class__.__name__)
            return True


class ApiRateThrottle(_SettingsRateThrottle):
    scope = "api"
    rate_setting = "API_THROTTLE_RATE"

    def get_cache_key(self, request, view) -> str:
        if request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"address:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class TokenAddressThrottle(_SettingsRateThrottle):
    scope = "token-address"
    rate_setting = "API_TOKEN_THROTTLE_RATE"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenUsernameThrottle(_SettingsRateThrottle):
    scope = "token-username"
    rate_setting = "API_TOKEN_THROTTLE_RATE"

    def get_cache_key(self, request, view) -> str | None:
        username = request.data.get("username") if hasattr(request.data, "get") else None
        if not isinstance(username, str) or not username.strip():
            return None  # nothing to count by; the address throttle still counts the attempt
        # Hashed: a username as typed (any length, any character) is no cache key.
        ident = hashlib.sha256(username.strip().lower().encode("utf-8", "replace")).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}
