"""The security policy (one row) and who it applies to."""

import logging

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from accounts.models import SecurityPolicy
from tenants.models import Membership

logger = logging.getLogger(__name__)


def get_policy() -> SecurityPolicy:
    """The policy row; an unsaved default (nothing required) until a system administrator saves one."""
    return SecurityPolicy.objects.filter(pk=1).first() or SecurityPolicy(pk=1)


def set_policy(*, require_two_factor_for_admins: bool, by: AbstractBaseUser) -> SecurityPolicy:
    """Save the policy; logged with who changed it. It applies to every session from its next request."""
    policy, _ = SecurityPolicy.objects.update_or_create(
        pk=1, defaults={"require_two_factor_for_admins": require_two_factor_for_admins, "updated_by": by}
    )
    logger.warning("security policy: two-factor for administrators %s by %s",
                   "required" if require_two_factor_for_admins else "optional", by.get_username())
    return policy


def is_administrator(user: AbstractBaseUser | AnonymousUser) -> bool:
    """A system administrator, or an administrator of at least one tenant."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or Membership.objects.filter(user=user, role=Membership.Role.ADMIN).exists()


def two_factor_required(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether the policy obliges this user to sign in with an authenticator code."""
    return get_policy().require_two_factor_for_admins and is_administrator(user)
