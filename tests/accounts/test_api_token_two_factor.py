"""The token endpoint asks for the authenticator code of a user who signs in with two-factor: a password alone
makes no token there, and wrong codes count towards the lock-out as on the sign-in page."""

import pytest
from axes.models import AccessAttempt
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services.policy import set_policy
from tests.accounts.conftest import code_for, wrong_code_for
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_passwords", "no_device_throttle")]
TOKEN_URL = "/api/v1/auth/token/"


def ask(username="admin_a", **extra):
    return APIClient().post(TOKEN_URL, {"username": username, "password": PASSWORD, **extra}, format="json")


def test_a_password_alone_makes_no_token_for_a_two_factor_user(device_a):
    answer = ask()
    assert answer.status_code == 400
    assert answer.json()["code"] == "wrong_code"
    assert "otp_token" in answer.json()["fields"]
    assert not ApiToken.objects.filter(user=device_a.user).exists()


def test_the_right_code_makes_the_token(device_a):
    answer = ask(otp_token=code_for(device_a))
    assert answer.status_code == 200, answer.content
    key = answer.json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/t/acme/api/v1/me/").json()["username"] == "admin_a"


def test_wrong_codes_count_towards_the_lock_out(device_a, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        answer = ask(otp_token=wrong_code_for(device_a))
        assert answer.status_code == 400 and answer.json()["code"] == "wrong_code"
    attempt = AccessAttempt.objects.filter(username="admin_a").get()
    assert attempt.failures_since_start == settings.AXES_FAILURE_LIMIT - 1
    locked = ask(otp_token=wrong_code_for(device_a))
    assert locked.status_code == 429
    # Locked now: even the right code makes no token until the lock lifts.
    assert ask(otp_token=code_for(device_a)).status_code == 429
    assert not ApiToken.objects.filter(user=device_a.user).exists()


def test_an_administrator_the_policy_covers_must_set_up_two_factor_first(admin_a, sysadmin):
    set_policy(require_two_factor_for_admins=True, by=sysadmin)
    answer = ask()
    assert answer.status_code == 400
    assert answer.json()["code"] == "two_factor_required"
    assert not ApiToken.objects.filter(user=admin_a).exists()


def test_users_without_two_factor_still_need_only_the_password(admin_a):
    assert ask().status_code == 200
