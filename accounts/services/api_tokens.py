"""A person's own API tokens: made (the key shown once), listed, revoked.

Only knox's digest of a key is stored (accounts.ApiToken); a key cannot be shown again, only replaced.
Each token expires API_TOKEN_TTL_DAYS after it was made; knox deletes an expired token when it is next
presented, and the list leaves expired ones out.
"""

from uuid import UUID

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import ApiToken
from portal.exceptions import PortalError


class TokenNotFound(PortalError):
    code = "not_found"
    http_status = 404


LABEL_FROM_API = "Created from the API"
LABEL_MAX_LENGTH = ApiToken._meta.get_field("label").max_length


def create_api_token(*, user, label: str = "") -> tuple[ApiToken, str]:
    """A new token for `user`, expiring after the configured lifetime; returns the row and the key,
    which is shown to the person once and kept nowhere."""
    return ApiToken.objects.create(user=user, label=label.strip()[:LABEL_MAX_LENGTH])


def list_api_tokens(*, user) -> QuerySet[ApiToken]:
    """`user`'s tokens that still work, newest first."""
    return ApiToken.objects.filter(user=user).filter(Q(expiry__isnull=True) | Q(expiry__gt=timezone.now()))


def revoke_api_token(*, user, uid: UUID | str) -> None:
    """Delete one of `user`'s own tokens: it stops working at once.

    Raises NotFoundError for another person's token, exactly as for one that does not exist."""
    try:
        uid = UUID(str(uid))
    except ValueError:
        raise TokenNotFound("No such token.") from None
    deleted, _ = ApiToken.objects.filter(user=user, uid=uid).delete()
    if not deleted:
        raise TokenNotFound("No such token.")


def revoke_all_api_tokens(*, user) -> int:
    """Delete every token of `user` (also when the user is deactivated); returns how many there were."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return deleted
