"""How API callers prove who they are: DRF's token (and the session, in settings)."""

from rest_framework import authentication, exceptions


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token check, refusing a key that cannot be a token before the database is asked: a NUL in
    the header would otherwise reach PostgreSQL, which cannot take it (a 500 instead of a 401)."""

    def authenticate_credentials(self, key):
        if not (isinstance(key, str) and key.isascii() and key.isalnum() and len(key) <= 64):
            raise exceptions.AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(key)
