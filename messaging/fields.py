"""Secrets encrypted at rest with Fernet keys from FIELD_ENCRYPTION_KEY.

Several comma-separated keys are accepted: the first encrypts, any of them decrypts, so keys can
rotate (`manage.py rotate_encryption_keys` re-encrypts everything under the first one). A value that
no key can decrypt raises SecretUnreadable: it is never handed on as if it were the secret.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

CIPHERTEXT_PREFIX = "fernet:"


class SecretUnreadable(ImproperlyConfigured):
    """A stored secret cannot be decrypted with any configured key."""


@lru_cache(maxsize=4)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY must be one or more comma-separated Fernet keys "
            "(generate one with: python -c "
            "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
        ) from exc


def fernet() -> MultiFernet:
    return _fernet_for(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return CIPHERTEXT_PREFIX + fernet().encrypt(plaintext.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(CIPHERTEXT_PREFIX):
        raise SecretUnreadable("A stored secret is not encrypted; refusing to use it.")
    try:
        return fernet().decrypt(stored.removeprefix(CIPHERTEXT_PREFIX).encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable(
            "A stored secret cannot be decrypted with any key in FIELD_ENCRYPTION_KEY. "
            "Put the key it was encrypted with back into the list (keys rotate, they are not replaced)."
        ) from exc


def rotate(stored: str) -> str:
    """The same secret encrypted under the first key."""
    if not stored:
        return stored
    decrypt(stored)  # loud when unreadable
    return CIPHERTEXT_PREFIX + fernet().rotate(stored.removeprefix(CIPHERTEXT_PREFIX).encode()).decode()


class EncryptedTextField(models.TextField):
    """A text column holding Fernet ciphertext; Python sees the plaintext. Empty stays empty."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)
