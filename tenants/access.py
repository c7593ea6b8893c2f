"""Who may enter which tenant. Checked on every tenant request, page or API."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from tenants.models import Membership, Tenant

SYSTEM_ADMIN_ROLE = "system_admin"
ADMIN_ROLE = Membership.Role.ADMIN.value
# An extension user enters the tenant but sees only what is opened to it by name: the allow-list of
# screens in tenants.middleware, and views with `extension_users_allowed = True` in the API.
EXTENSION_ROLE = Membership.Role.EXTENSION.value


def is_system_admin(user: AbstractBaseUser | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def role_in_tenant(user: AbstractBaseUser | AnonymousUser, tenant: Tenant) -> str | None:
    """The user's role inside the tenant, or None when they may not enter it.

    System administrators may enter every tenant, disabled ones included (to repair them);
    tenant administrators only their own, and only while it is enabled.
    """
    if not user.is_authenticated or not user.is_active or tenant.is_public:
        return None
    if user.is_superuser:
        return SYSTEM_ADMIN_ROLE
    if not tenant.is_active:
        return None
    membership = Membership.objects.filter(user=user, tenant=tenant).only("role").first()
    return membership.role if membership else None


def list_enterable_tenants(user: AbstractBaseUser | AnonymousUser):
    if not user.is_authenticated or not user.is_active:
        return Tenant.objects.none()
    tenants = Tenant.objects.customers()
    if user.is_superuser:
        return tenants
    return tenants.filter(is_active=True, memberships__user=user).distinct()
