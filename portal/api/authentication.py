"""How API callers prove who they are: a django-rest-knox token (and the session, in settings).

Tokens are stored as SHA-512 digests with an expiry (accounts.ApiToken); clients send
`Authorization: Token <key>` as before.
"""

from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework import exceptions

# knox's keys are 64 hex characters; keys moved over from DRF's token table are 40.
MAX_KEY_LENGTH = 64


class TokenAuthentication(KnoxTokenAuthentication):
    """knox's token check, refusing a key that cannot be a token before the database is asked: a NUL in
    the header would otherwise reach PostgreSQL, which cannot take it, and bytes that are not UTF-8 make
    knox's decode fail (a 500 either way instead of a 401)."""

    def authenticate_credentials(self, token: bytes):
        if not (token.isascii() and token.isalnum() and len(token) <= MAX_KEY_LENGTH):
            raise exceptions.AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(token)
