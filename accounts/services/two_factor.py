"""A person's authenticator app: enrolment, turning it off, an operator's reset, key rotation.

One confirmed device per user. Enrolment keeps one unconfirmed device whose key is shown (QR code and
text) until a code from the app confirms it; after that the key is never shown again.
"""

import logging
from base64 import b32encode

import segno
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Q

from accounts.exceptions import CodeThrottled, TwoFactorRequired, WrongCode
from accounts.models import AuthenticatorDevice
from accounts.services.policy import two_factor_required
from messaging.fields import rotate
from tenants.models import Membership

logger = logging.getLogger(__name__)


def get_confirmed_device(user: AbstractBaseUser) -> AuthenticatorDevice | None:
    if not user.is_authenticated:
        return None
    return AuthenticatorDevice.objects.filter(user=user, confirmed=True).first()


def has_two_factor(user: AbstractBaseUser) -> bool:
    return user.is_authenticated and AuthenticatorDevice.objects.filter(user=user, confirmed=True).exists()


def get_enrolment_device(*, user: AbstractBaseUser) -> AuthenticatorDevice:
    """The user's unconfirmed device, made on first call: a reload of the enrolment page shows the same key,
    so a code from an app that already scanned it still confirms."""
    device = AuthenticatorDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or AuthenticatorDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def confirm_enrolment(*, user: AbstractBaseUser, code: str) -> AuthenticatorDevice:
    """Confirm the enrolment device with a code from the app: from then on every sign-in asks for a code.

    Raises WrongCode (or CodeThrottled after several wrong ones in a row).
    """
    with transaction.atomic():
        device = AuthenticatorDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
        if device is None:
            raise WrongCode("Start again: open the two-factor page to get a new QR code.", field="otp_token")
        check_code(device=device, code=code)
        AuthenticatorDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    logger.warning("two-factor sign-in turned on for %s", user.get_username())
    return device


def check_code(*, device: AuthenticatorDevice, code: str) -> None:
    """Raises CodeThrottled while the device waits after wrong codes, WrongCode for a wrong or reused code."""
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        raise CodeThrottled("Too many wrong codes in a row: wait a few seconds, then type the newest code.",
                            field="otp_token")
    if not device.verify_token(code):
        raise WrongCode("That code is not right. Type the 6-digit code your app shows now.", field="otp_token")


def disable_two_factor(*, user: AbstractBaseUser) -> None:
    """Remove the user's authenticator app (the caller checked the password first).

    Raises TwoFactorRequired when the security policy obliges this user to keep it.
    """
    if two_factor_required(user):
        raise TwoFactorRequired("Two-factor sign-in is required for administrators: it cannot be turned off.")
    AuthenticatorDevice.objects.filter(user=user).delete()
    logger.warning("two-factor sign-in turned off by %s", user.get_username())


def reset_two_factor(*, user: AbstractBaseUser, by: str) -> int:
    """An operator's reset for a lost phone: remove the user's devices, so the next sign-in needs the password
    only (and, when the policy requires it, leads straight to enrolling a new app). Returns devices removed."""
    deleted, _ = AuthenticatorDevice.objects.filter(user=user).delete()
    logger.warning("two-factor sign-in reset for %s by %s (%d device(s) removed)", user.get_username(), by, deleted)
    return deleted


def rotate_device_keys() -> int:
    """Re-encrypt every device key under the first FIELD_ENCRYPTION_KEY (manage.py rotate_encryption_keys)."""
    table = AuthenticatorDevice._meta.db_table
    count = 0
    with transaction.atomic(), connection.cursor() as cursor:
        # Raw SQL on the public table: the ciphertext is rotated, never decrypted into a model and saved back.
        cursor.execute(f"SELECT id, key FROM public.{table} FOR UPDATE")
        for pk, key in cursor.fetchall():
            cursor.execute(f"UPDATE public.{table} SET key = %s WHERE id = %s", [rotate(key), pk])
            count += 1
    return count


def secret_text(device: AuthenticatorDevice) -> str:
    """The key as authenticator apps take it typed in: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(device: AuthenticatorDevice) -> str:
    """The otpauth:// address as an inline SVG QR code (made here: the page loads nothing from elsewhere)."""
    qr = segno.make(device.config_url, error="m")
    return qr.svg_inline(scale=5, border=4, light="#fff", title="QR code for your authenticator app")


def list_administrators_without_two_factor() -> list[AbstractBaseUser]:
    """Active system and tenant administrators who have no confirmed authenticator app (for the policy page)."""
    confirmed = AuthenticatorDevice.objects.filter(confirmed=True).values("user_id")
    admins = Q(is_superuser=True) | Q(memberships__role=Membership.Role.ADMIN)
    return list(get_user_model().objects.filter(admins, is_active=True).exclude(pk__in=confirmed)
                .distinct().order_by("username")[:200])
