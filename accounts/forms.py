"""Forms of the account pages: field formats only (the services decide)."""

import logging

from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.cache import cache

logger = logging.getLogger(__name__)

# One reset mail per account this often: the public form cannot be used to flood someone's mailbox.
RESET_MAIL_INTERVAL_SECONDS = 5 * 60


class CodeForm(forms.Form):
    otp_token = forms.CharField(
        label="Code from your authenticator app", max_length=12, strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "autofocus": True, "pattern": "[0-9 ]*"}),
    )


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(label="Your password", strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class SecurityPolicyForm(forms.Form):
    require_two_factor_for_admins = forms.BooleanField(
        label="Require two-factor sign-in for administrators", required=False,
        help_text="System and tenant administrators without an authenticator app are sent to set one up "
        "right after signing in, and can open nothing else until they have.",
    )


class ResetTwoFactorForm(forms.Form):
    username = forms.CharField(label="Username", max_length=150)


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form; the link in the mail is built from PORTAL_BASE_URL (the view passes it), never from the
    Host header of whoever asked. An account that got a link within RESET_MAIL_INTERVAL_SECONDS gets none
    (the page says the same either way)."""

    def get_users(self, email):
        for user in super().get_users(email):
            try:
                first = cache.add(f"password-reset-mail:{user.pk}", 1, timeout=RESET_MAIL_INTERVAL_SECONDS)
            except Exception:  # any cache backend error: a reset mail too many beats none
                logger.warning("cache unavailable; sending the password reset mail anyway", exc_info=True)
                first = True
            if first:
                yield user
