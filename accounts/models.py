"""Account data in the public schema (users are not per tenant): the one security policy, each person's
authenticator app, and their API tokens.

The authenticator device is django-otp's TOTP device with one change: its secret key is stored encrypted
with FIELD_ENCRYPTION_KEY (django-otp's own TOTPDevice keeps it as plain hex, so a copy of the database
would be enough to produce every user's codes). Everything else (the device API, OTPMiddleware, the
session's verified device, throttling) is django-otp's.
"""

import secrets
import time
import uuid
from base64 import b32encode
from binascii import unhexlify
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import models
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP
from knox.models import AbstractAuthToken

from messaging.fields import EncryptedTextField


def new_key() -> str:
    return secrets.token_hex(20)  # 160 bits, what RFC 4226 recommends and authenticator apps expect


class AuthenticatorDevice(TimestampMixin, ThrottlingMixin, Device):
    """A TOTP authenticator app (30-second steps, 6 digits, SHA-1: what every app supports)."""

    STEP = 30
    DIGITS = 6
    TOLERANCE = 1  # one step either side: a phone's clock a little off, a code typed as it changes

    key = EncryptedTextField(default=new_key)  # hex, encrypted at rest; shown only until confirmed
    drift = models.SmallIntegerField(default=0)
    # The step of the last accepted code: a code is accepted once, so one seen over a shoulder is useless.
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = "authenticator app"

    @property
    def bin_key(self) -> bytes:
        return unhexlify(self.key.encode())

    @property
    def config_url(self) -> str:
        """The otpauth:// address an authenticator app reads from the QR code (Google's key URI format)."""
        issuer = str(getattr(settings, "OTP_TOTP_ISSUER", "") or "PBX portal").replace(":", "")
        params = {"secret": b32encode(self.bin_key).decode().rstrip("="), "issuer": issuer,
                  "algorithm": "SHA1", "digits": self.DIGITS, "period": self.STEP}
        label = quote(f"{issuer}:{self.user.get_username()}")
        return f"otpauth://totp/{label}?{urlencode(params, quote_via=quote)}"

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)

    def verify_token(self, token) -> bool:
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        token = str(token).strip().replace(" ", "")
        verified = False
        if token.isdigit() and len(token) == self.DIGITS:
            totp = TOTP(self.bin_key, self.STEP, 0, self.DIGITS, self.drift)
            totp.time = time.time()
            verified = totp.verify(int(token), self.TOLERANCE, self.last_t + 1)
            if verified:
                self.last_t = totp.t()
                self.drift = totp.drift
                self.throttle_reset(commit=False)
                self.set_last_used_timestamp(commit=False)
                self.save()
        if not verified:
            self.throttle_increment(commit=True)
        return verified


class SecurityPolicy(models.Model):
    """The one row of account rules a system administrator sets on /account/security/."""

    require_two_factor_for_admins = models.BooleanField(
        default=False,
        help_text="System and tenant administrators must sign in with a code from an authenticator app; "
        "one without it is sent to set it up right after signing in.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = "security policy"
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="security_policy_single_row")]

    def __str__(self) -> str:
        return "two-factor required for administrators" if self.require_two_factor_for_admins else "default"


class ApiToken(AbstractAuthToken):
    """An API token as django-rest-knox keeps it: the SHA-512 digest of the key (the primary key) and the
    key's first 15 characters to find it by; the key itself is shown once and stored nowhere.

    `uid` names the token in URLs and the API: the digest is the primary key, and `token_key` is part of
    the secret, so neither is shown."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    label = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.label or str(self.uid)
