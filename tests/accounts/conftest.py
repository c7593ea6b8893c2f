"""Authenticator apps for tests: a confirmed device for a user, and the code its app would show."""

import time

import pytest
from django.contrib.auth import get_user_model
from django_otp.oath import TOTP

from accounts.models import AuthenticatorDevice
from tenants.models import Membership
from tests.conftest import PASSWORD


def code_for(device: AuthenticatorDevice, steps_ahead: int = 0) -> str:
    """The 6 digits the user's app shows now (or `steps_ahead` 30-second steps later), from the device's key."""
    totp = TOTP(device.bin_key, step=30, t0=0, digits=6, drift=0)
    totp.time = time.time() + steps_ahead * 30
    return str(totp.token()).zfill(6)


def wrong_code_for(device: AuthenticatorDevice) -> str:
    right = {code_for(device, offset) for offset in (-1, 0, 1, 2)}
    return next(code for code in ("000000", "111111", "222222", "333333", "444444") if code not in right)


@pytest.fixture
def quick_passwords(settings):
    """A cheap hasher, so that the many sign-ins here take milliseconds (rolled back with the test)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for user in get_user_model().objects.filter(username__in=["admin_a", "admin_b", "sysadmin"]):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])


@pytest.fixture
def no_device_throttle(settings):
    """django-otp's own wait after a wrong code (1 s, 2 s, ...) off, so tests need not sleep; django-axes's
    lock-out, which these tests are about, stays."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


@pytest.fixture
def device_a(admin_a) -> AuthenticatorDevice:
    return AuthenticatorDevice.objects.create(user=admin_a, name="phone", confirmed=True)


@pytest.fixture
def ext_user(tenant_a):
    user = get_user_model().objects.create_user(username="ext_a", email="ext@example.com", password=PASSWORD)
    Membership.objects.create(user=user, tenant=tenant_a, role=Membership.Role.EXTENSION)
    return user


@pytest.fixture
def verified_client_a(client, device_a):
    """admin_a signed in with password and code (django-otp keeps the verifying device in the session)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    client.force_login(device_a.user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device_a.persistent_id
    session.save()
    return client
