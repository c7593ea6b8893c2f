"""The tenant's users: a Membership in the public schema (the role) plus, for an extension user, the
extensions it serves (ExtensionAssignment, in the tenant schema).

Here rather than in tenants/services.py because half of each write (assignments, the tenant's audit log)
is in the tenant schema, and tenants/ must not import messaging/. Call these inside the tenant's schema.
Users are never deleted (DESIGN §6): removing the last membership deactivates the user instead.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction

from messaging.exceptions import ConfigurationInvalid
from messaging.models import AuditEntry, Extension, ExtensionAssignment
from messaging.services.configuration.audit import REDACTED, record_change
from tenants.models import Membership, Tenant
from tenants.services import set_user_active

Role = Membership.Role


@dataclass
class TenantUser:
    """One member of the tenant as screens and the API show it."""

    id: int
    username: str
    email: str
    role: str
    extensions: list[str] = field(default_factory=list)


def _tenant() -> Tenant:
    return connection.tenant


def _extension_numbers(user_ids: Sequence[int]) -> dict[int, list[str]]:
    numbers: dict[int, list[str]] = {}
    rows = ExtensionAssignment.objects.filter(user_id__in=user_ids).values_list("user_id", "extension__number")
    for user_id, number in sorted(rows, key=lambda row: (len(row[1]), row[1])):
        numbers.setdefault(user_id, []).append(number)
    return numbers


def list_users() -> list[TenantUser]:
    """The tenant's members (administrators and extension users) by username, with their extension numbers.
    System administrators are not members and are not listed."""
    memberships = list(
        Membership.objects.filter(tenant=_tenant()).select_related("user").order_by("user__username")
    )
    numbers = _extension_numbers([membership.user_id for membership in memberships])
    return [
        TenantUser(
            id=membership.user_id, username=membership.user.get_username(), email=membership.user.email,
            role=membership.role, extensions=numbers.get(membership.user_id, []),
        )
        for membership in memberships
    ]


def get_user(*, user_id: int) -> TenantUser | None:
    """One member of the tenant, or None when the id is not one (another tenant's user, a system admin)."""
    return next((member for member in list_users() if member.id == user_id), None)


def _role_problem(role: str) -> dict[str, list[str]]:
    if role not in Role.values:
        return {"role": [f"Choose one of: {', '.join(Role.values)}."]}
    return {}


def _resolve_extensions(numbers: Sequence[str]) -> tuple[list[Extension], dict[str, list[str]]]:
    wanted = list(dict.fromkeys(str(number).strip() for number in numbers))
    found = {extension.number: extension for extension in Extension.objects.filter(number__in=wanted)}
    missing = [number for number in wanted if number not in found]
    if missing:
        return [], {"extensions": [f"No extension {', '.join(missing)} in this tenant."]}
    return [found[number] for number in wanted], {}


def _password_problem(password: str, user) -> dict[str, list[str]]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return {"password": list(exc.messages)}
    return {}


def _email_problem(email: str) -> dict[str, list[str]]:
    if not email:
        return {}
    try:
        validate_email(email)
    except ValidationError:
        return {"email": ["Enter a valid e-mail address."]}
    return {}


def _set_extensions(member, extensions: list[Extension]) -> None:
    ExtensionAssignment.objects.filter(user=member).exclude(extension__in=extensions).delete()
    for extension in extensions:
        ExtensionAssignment.objects.get_or_create(user=member, extension=extension)


def create_user(
    *, user, username: str, email: str = "", password: str = "", role: str, extensions: Sequence[str] = ()
) -> TenantUser:
    """Make `username` a member of the current tenant with `role`, serving `extensions` (numbers).

    A new username is created (the password checked by Django's validators); an existing one that is not a
    member yet is linked as it is (its password and e-mail untouched). Raises ConfigurationInvalid by field
    (username, email, password, role, extensions); nothing is written then. Audited.
    """
    User = get_user_model()
    username = username.strip()
    email = email.strip()
    problems = _role_problem(role)
    chosen, extension_problems = _resolve_extensions(extensions if role == Role.EXTENSION else ())
    problems |= extension_problems
    existing = User.objects.filter(username__iexact=username).first() if username else None
    if not username:
        problems["username"] = ["Enter a username."]
    elif existing is not None:
        if existing.is_superuser:
            problems["username"] = ["System administrators already enter every tenant."]
        elif Membership.objects.filter(user=existing, tenant=_tenant()).exists():
            problems["username"] = [f"“{existing.get_username()}” is already a user of this tenant."]
    else:
        problems |= _email_problem(email)
        if not password:
            problems["password"] = ["Enter a password for the new user."]
        else:
            problems |= _password_problem(password, User(username=username, email=email))
    if problems:
        raise ConfigurationInvalid(fields=problems)
    with transaction.atomic():
        if existing is None:
            member = User.objects.create_user(username=username, email=email, password=password)
        else:
            member = existing
            if not member.is_active:
                set_user_active(user=member, active=True)
        Membership.objects.create(user=member, tenant=_tenant(), role=role)
        _set_extensions(member, chosen)
        record_change(user=user, action=AuditEntry.Action.CREATE, instance=member, changes={
            "username": [None, member.get_username()], "role": [None, role],
            "extensions": [None, [extension.number for extension in chosen]],
        })
    return get_user(user_id=member.pk)


def _other_admins(member) -> bool:
    return Membership.objects.filter(tenant=_tenant(), role=Role.ADMIN).exclude(user=member).exists()


def update_user(
    *, user, member_id: int, email: str | None = None, password: str | None = None, role: str | None = None,
    extensions: Sequence[str] | None = None,
) -> TenantUser:
    """Change a member's e-mail, password, role or extensions (None: unchanged).

    The tenant always keeps one administrator: demoting the last one raises ConfigurationInvalid (409,
    code last_admin). An administrator serves no extensions (their assignments are removed). Raises
    ConfigurationInvalid by field otherwise; LookupError when `member_id` is not a member. Audited.
    """
    membership = Membership.objects.select_related("user").filter(tenant=_tenant(), user_id=member_id).first()
    if membership is None:
        raise LookupError(member_id)
    member = membership.user
    before = get_user(user_id=member.pk)
    new_role = role if role is not None else membership.role
    problems = _role_problem(new_role)
    chosen: list[Extension] = []
    if new_role == Role.EXTENSION:
        numbers = extensions if extensions is not None else before.extensions
        chosen, extension_problems = _resolve_extensions(numbers)
        problems |= extension_problems
    if email is not None:
        email = email.strip()
        problems |= _email_problem(email)
    if password:
        problems |= _password_problem(password, member)
    if problems:
        raise ConfigurationInvalid(fields=problems)
    if membership.role == Role.ADMIN and new_role != Role.ADMIN and not _other_admins(member):
        raise ConfigurationInvalid(
            "The tenant's last administrator cannot lose the role: make another user administrator first.",
            field="role", code="last_admin", http_status=409,
        )
    changes: dict = {}
    with transaction.atomic():
        if email is not None and email != member.email:
            changes["email"] = [member.email, email]
            member.email = email
            member.save(update_fields=["email"])
        if password:
            member.set_password(password)
            member.save(update_fields=["password"])
            changes["password"] = [REDACTED, REDACTED]
        if new_role != membership.role:
            changes["role"] = [membership.role, new_role]
            membership.role = new_role
            membership.save(update_fields=["role"])
        _set_extensions(member, chosen)
        after = [extension.number for extension in chosen]
        if sorted(after) != sorted(before.extensions):
            changes["extensions"] = [before.extensions, after]
        if changes:
            record_change(user=user, action=AuditEntry.Action.UPDATE, instance=member, changes=changes)
    return get_user(user_id=member.pk)


def delete_user(*, user, member_id: int) -> None:
    """Take a member out of the tenant: its membership and assignments go; the user itself stays (it is
    never deleted), and is deactivated when it belongs to no other tenant.

    The last administrator cannot be removed (ConfigurationInvalid, 409, code last_admin); LookupError when
    `member_id` is not a member. Audited.
    """
    membership = Membership.objects.select_related("user").filter(tenant=_tenant(), user_id=member_id).first()
    if membership is None:
        raise LookupError(member_id)
    member = membership.user
    if membership.role == Role.ADMIN and not _other_admins(member):
        raise ConfigurationInvalid(
            "The tenant's last administrator cannot be removed: make another user administrator first.",
            code="last_admin", http_status=409,
        )
    with transaction.atomic():
        numbers = [number for number in _extension_numbers([member.pk]).get(member.pk, [])]
        ExtensionAssignment.objects.filter(user=member).delete()
        membership.delete()
        if not Membership.objects.filter(user=member).exists() and not member.is_superuser:
            set_user_active(user=member, active=False)
        record_change(user=user, action=AuditEntry.Action.DELETE, instance=member, changes={
            "role": [membership.role, None], "extensions": [numbers, None],
        })
