"""The two-step sign-in: the password first, then (for a user with an authenticator app) the code.

Between the two steps the session is NOT signed in: it only remembers, for TWO_FACTOR_PENDING_SECONDS,
whose password was right. So a half-signed-in browser is anonymous to every page and API by construction,
and Django's `user_logged_in` (on which django-axes forgets earlier failures) fires only once the code is
right: typing the password again never wipes the count of wrong codes.

Every wrong code is reported to django-axes like a wrong password (`user_login_failed` with the username),
so the 6-digit code shares the password's lock-out: AXES_FAILURE_LIMIT per username and per address.
"""

import time

import django_otp
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse

from accounts.exceptions import TwoFactorRequired, WrongCode
from accounts.models import AuthenticatorDevice
from accounts.services.policy import two_factor_required
from accounts.services.two_factor import check_code, get_confirmed_device

PENDING_SESSION_KEY = "accounts_pending_sign_in"


def start_pending_sign_in(*, request: HttpRequest, user: AbstractBaseUser, next_url: str) -> None:
    """Remember that `user` gave the right password; the session stays signed out until the code."""
    request.session.cycle_key()  # a session id seen before the password is useless after it
    request.session[PENDING_SESSION_KEY] = {
        "user": user.pk, "backend": user.backend, "next": next_url, "since": time.time(),
    }


def get_pending_user(request: HttpRequest) -> AbstractBaseUser | None:
    """The user whose code this session owes: one half-way through signing in (recent enough), or a session
    signed in before its user turned two-factor on and not verified since. None when it owes none."""
    user = request.user
    if user.is_authenticated:
        return None if getattr(user, "is_verified", lambda: False)() else user
    pending = request.session.get(PENDING_SESSION_KEY)
    if not pending:
        return None
    if time.time() - pending["since"] > settings.TWO_FACTOR_PENDING_SECONDS:
        del request.session[PENDING_SESSION_KEY]
        return None
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    if user is not None:
        user.backend = pending["backend"]
    return user


def pending_next_url(request: HttpRequest) -> str:
    return (request.session.get(PENDING_SESSION_KEY) or {}).get("next") or settings.LOGIN_REDIRECT_URL


def lockout_or_none(request: HttpRequest, user: AbstractBaseUser) -> HttpResponse | None:
    """The lock-out page when this username or address is locked (the session's half sign-in is dropped,
    so the password must be given again, which the lock refuses until it lifts)."""
    credentials = {settings.AXES_USERNAME_FORM_FIELD: user.get_username()}
    if AxesProxyHandler.is_allowed(request, credentials):
        return None
    request.session.flush()
    return get_lockout_response(request, None, credentials)


def verify_sign_in_code(*, request: HttpRequest, user: AbstractBaseUser, code: str) -> AuthenticatorDevice:
    """Check the code against the user's app and finish the sign-in: the session is signed in and verified.

    Raises WrongCode (counted by django-axes as a failed sign-in; at the limit the request is marked locked
    out and the half sign-in forgotten) or CodeThrottled (not counted: the code was not even looked at).
    """
    device = get_confirmed_device(user)
    if device is None:
        raise WrongCode("Two-factor sign-in is not set up for this account: sign in again.", field="otp_token")
    try:
        check_code(device=device, code=code)
    except WrongCode:
        user_login_failed.send(sender=__name__, request=request,
                               credentials={settings.AXES_USERNAME_FORM_FIELD: user.get_username()})
        if getattr(request, "axes_locked_out", False):
            request.session.flush()
        raise
    if not request.user.is_authenticated:
        login(request, user)  # cycles the session key; django-axes forgets this user's failures now
    request.session.pop(PENDING_SESSION_KEY, None)
    django_otp.login(request, device)
    return device


def check_second_factor_for_token(*, request: HttpRequest, user: AbstractBaseUser, code: str) -> None:
    """The token endpoint's second step: a password alone makes no API token for a user who signs in with an
    authenticator app (the code comes as `otp_token`), nor for an administrator the policy obliges to set one
    up first. A wrong code counts with django-axes like a wrong password, as on the sign-in page.

    Raises WrongCode (no code, or a wrong one), CodeThrottled, or TwoFactorRequired."""
    device = get_confirmed_device(user)
    if device is None:
        if two_factor_required(user):
            raise TwoFactorRequired(
                "Administrators must sign in with an authenticator app: set it up on the Account page, "
                "then ask for a token with its code.", field="otp_token", http_status=400)
        return
    if not code:
        raise WrongCode("This account signs in with a code from an authenticator app: send it as otp_token.",
                        field="otp_token")
    try:
        check_code(device=device, code=code)
    except WrongCode:
        user_login_failed.send(sender=__name__, request=request,
                               credentials={settings.AXES_USERNAME_FORM_FIELD: user.get_username()})
        raise
