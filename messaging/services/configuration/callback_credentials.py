"""The callback credentials as the webhook checks them: a keyed hash of `username:password` kept on the public
webhook row (tenants.WebhookEndpoint), so a callback is checked with the token's one lookup and no decrypt.

The key is derived from SECRET_KEY. After SECRET_KEY changes, no stored hash matches any more: the webhook then
checks the callback against the configuration itself (decrypting its password, as every callback did before)
and, when it matches, stores the hash made with the new key (messaging/services/inbound/webhook.py).
"""

import hashlib
import hmac
from base64 import b64decode
from binascii import Error as Base64Error
from functools import lru_cache

from django.conf import settings

KEY_PURPOSE = b"portal.webhook-callback-credentials:"


@lru_cache(maxsize=4)
def _key(secret: str) -> bytes:
    return hashlib.sha256(KEY_PURPOSE + secret.encode()).digest()


def credentials_hash(username: str, password: str) -> str:
    """The stored form of a configuration's callback credentials ("" when it asks for none)."""
    if not username:
        return ""
    return _digest(f"{username}:{password}".encode())


def endpoint_fields(*, username: str, password: str) -> dict[str, str]:
    """What the webhook row holds for these credentials (the configuration's own fields)."""
    return {"callback_username": username or "", "callback_credentials_hash": credentials_hash(username, password)}


def _digest(user_and_password: bytes) -> str:
    return hmac.new(_key(settings.SECRET_KEY), user_and_password, hashlib.sha256).hexdigest()


def basic_credentials(authorization: str | None) -> bytes | None:
    """The `username:password` bytes of an HTTP Basic header, or None when it is none."""
    if not authorization or not authorization.startswith("Basic "):
        return None
    try:
        return b64decode(authorization[6:].strip(), validate=True)
    except (Base64Error, ValueError):
        return None


def header_matches(authorization: str | None, stored_hash: str) -> bool:
    """Whether an HTTP Basic header carries the credentials hashed in `stored_hash` (constant-time comparison)."""
    given = basic_credentials(authorization)
    if given is None or not stored_hash:
        return False
    return hmac.compare_digest(_digest(given), stored_hash)
