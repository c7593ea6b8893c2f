"""Signing in with a password and then a code from the authenticator app; what a half-signed-in session
reaches (nothing); wrong codes locked out like wrong passwords."""

import pytest
from axes.models import AccessAttempt
from django.test import Client

from accounts.models import AuthenticatorDevice
from accounts.services.api_tokens import create_api_token
from tenants.models import TenantEntry
from tests.accounts.conftest import code_for, wrong_code_for
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_passwords")]

VERIFY = "/account/two-factor/verify/"


def password_step(client: Client, username: str = "admin_a", password: str = PASSWORD, next_url: str = ""):
    data = {"username": username, "password": password}
    return client.post("/login/" + (f"?next={next_url}" if next_url else ""), data)


def test_without_an_app_the_password_signs_in_as_before():
    client = Client()
    assert password_step(client)["Location"] == "/"
    assert client.get("/")["Location"] == "/t/acme/"


def test_with_an_app_the_password_leads_to_the_code_and_the_code_signs_in(device_a):
    client = Client()
    answer = password_step(client, next_url="/t/acme/trunks/")
    assert answer.status_code == 302 and answer["Location"] == VERIFY
    page = client.get(VERIFY)
    assert page.status_code == 200 and b"Signing in as <strong>admin_a</strong>" in page.content

    signed_in = client.post(VERIFY, {"otp_token": code_for(device_a)})
    assert signed_in["Location"] == "/t/acme/trunks/"  # where the sign-in was going
    assert client.get("/t/acme/trunks/").status_code == 200


def test_half_signed_in_session_reaches_no_page_and_no_api(device_a):
    client = Client()
    password_step(client)
    assert client.get("/t/acme/trunks/")["Location"].startswith("/login/")
    assert client.get("/t/acme/inbox/")["Location"].startswith("/login/")
    assert client.get("/account/")["Location"].startswith("/login/")
    for path in ("/t/acme/api/v1/trunks/", "/t/acme/api/v1/me/", "/api/v1/tenants/"):
        answer = client.get(path)
        assert answer.status_code in (401, 403), path
        assert "detail" in answer.json()


def test_session_signed_in_before_two_factor_was_turned_on_must_give_the_code(admin_a):
    client = Client()
    password_step(client)  # no app yet: signed in fully
    assert client.get("/t/acme/trunks/").status_code == 200
    device = AuthenticatorDevice.objects.create(user=admin_a, name="phone", confirmed=True)  # from another browser

    assert client.get("/t/acme/trunks/")["Location"] == VERIFY
    assert client.get("/t/acme/api/v1/trunks/").status_code in (401, 403)
    assert client.post(VERIFY, {"otp_token": code_for(device)})["Location"] == "/"
    assert client.get("/t/acme/trunks/").status_code == 200


def test_an_api_token_is_not_affected_by_a_half_signed_in_session_cookie(device_a, admin_a):
    client = Client()
    password_step(client)
    _token, key = create_api_token(user=admin_a)
    answer = client.get("/t/acme/api/v1/trunks/", HTTP_AUTHORIZATION=f"Token {key}")
    assert answer.status_code == 200


def test_wrong_code_is_refused_and_the_session_stays_half_signed_in(device_a, no_device_throttle):
    client = Client()
    password_step(client)
    page = client.post(VERIFY, {"otp_token": wrong_code_for(device_a)})
    assert page.status_code == 200 and b"That code is not right" in page.content
    assert client.get("/t/acme/trunks/")["Location"].startswith("/login/")


def test_a_code_is_accepted_once(device_a, admin_a):
    code = code_for(device_a)
    first = Client()
    password_step(first)
    assert first.post(VERIFY, {"otp_token": code})["Location"] == "/"

    second = Client()
    password_step(second)
    refused = second.post(VERIFY, {"otp_token": code})  # seen over a shoulder, typed again
    assert refused.status_code == 200 and b"That code is not right" in refused.content


def test_wrong_codes_lock_out_like_wrong_passwords(device_a, settings, no_device_throttle):
    client = Client()
    password_step(client)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(VERIFY, {"otp_token": wrong_code_for(device_a)}).status_code == 200
    locked = client.post(VERIFY, {"otp_token": wrong_code_for(device_a)})
    assert locked.status_code == 429 and b"locked" in locked.content
    kept = "".join(AccessAttempt.objects.filter(username="admin_a").values_list("post_data", flat=True))
    assert "otp_token" in kept and wrong_code_for(device_a) not in kept  # counted, but the codes typed not kept

    # The half sign-in is gone, and the right password (from anywhere) is refused until the lock lifts.
    assert client.get(VERIFY)["Location"] == "/login/"
    assert password_step(Client(REMOTE_ADDR="198.51.100.7")).status_code == 429


def test_giving_the_password_again_does_not_wipe_the_count_of_wrong_codes(device_a, settings, no_device_throttle):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client = Client()
        assert password_step(client)["Location"] == VERIFY
        client.post(VERIFY, {"otp_token": wrong_code_for(device_a)})
    client = Client()
    assert password_step(client)["Location"] == VERIFY
    assert client.post(VERIFY, {"otp_token": wrong_code_for(device_a)}).status_code == 429


def test_right_code_after_wrong_ones_forgets_the_failures(device_a, settings, no_device_throttle):
    client = Client()
    password_step(client)
    for _ in range(settings.AXES_FAILURE_LIMIT - 2):
        client.post(VERIFY, {"otp_token": wrong_code_for(device_a)})
    assert client.post(VERIFY, {"otp_token": code_for(device_a)})["Location"] == "/"
    assert not AccessAttempt.objects.filter(username="admin_a").exists()


def test_the_verify_page_without_a_password_step_sends_to_sign_in():
    assert Client().get(VERIFY)["Location"] == "/login/"
    assert Client().post(VERIFY, {"otp_token": "123456"})["Location"] == "/login/"


def test_half_sign_in_expires(device_a, settings):
    settings.TWO_FACTOR_PENDING_SECONDS = 0
    client = Client()
    password_step(client)
    assert client.post(VERIFY, {"otp_token": code_for(device_a)})["Location"] == "/login/"


def test_garbage_codes_are_refused_without_an_error(device_a, no_device_throttle):
    client = Client()
    password_step(client)
    for garbage in ("", "12345", "abcdef", "1" * 12, "\x00" * 6, "١٢٣٤٥٦"):
        assert client.post(VERIFY, {"otp_token": garbage}).status_code in (200, 429)


def test_an_unverified_system_admin_session_enters_no_tenant_and_leaves_no_audit_entry(sysadmin):
    client = Client()
    password_step(client, "sysadmin")
    AuthenticatorDevice.objects.create(user=sysadmin, name="phone", confirmed=True)
    assert client.get("/t/acme/")["Location"] == VERIFY
    assert client.post("/tenants/acme/manage/")["Location"] == VERIFY
    assert not TenantEntry.objects.filter(user=sysadmin).exists()
