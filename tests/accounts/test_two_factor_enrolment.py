"""Turning two-factor sign-in on (QR code drawn here, key shown until confirmed, stored encrypted) and off
(with the password)."""

import re

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.db import connection
from django.test import Client

from accounts.models import AuthenticatorDevice
from tests.accounts.conftest import code_for, wrong_code_for
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_passwords")]

PAGE, DISABLE = "/account/two-factor/", "/account/two-factor/disable/"


def stored_key(device: AuthenticatorDevice) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key FROM public.{AuthenticatorDevice._meta.db_table} WHERE id = %s", [device.pk])
        return cursor.fetchone()[0]


def test_enrolment_shows_an_inline_qr_code_and_the_key_and_a_code_turns_it_on(client_a, admin_a):
    page = client_a.get(PAGE)
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and 'src="http' not in html  # drawn in the page, loaded from nowhere
    secret = re.search(r'data-testid="secret">([A-Z2-7 ]+)<', html).group(1)
    device = AuthenticatorDevice.objects.get(user=admin_a, confirmed=False)
    assert secret.replace(" ", "") in device.config_url and "issuer=PBX%20portal" in device.config_url
    assert client_a.get(PAGE).content.decode().count(secret) == 1  # a reload shows the same key

    done = client_a.post(PAGE, {"otp_token": code_for(device)})
    assert done["Location"] == "/account/"
    device.refresh_from_db()
    assert device.confirmed
    after = client_a.get(PAGE).content.decode()
    assert secret not in after and "<svg" not in after  # never shown again
    assert client_a.get("/t/acme/trunks/").status_code == 200  # this session proved it has the app


def test_the_key_is_encrypted_at_rest_and_rotates_with_the_other_secrets(admin_a, settings):
    device = AuthenticatorDevice.objects.create(user=admin_a, name="phone", confirmed=True)
    raw = stored_key(device)
    assert raw.startswith("fernet:") and device.key not in raw

    from cryptography.fernet import Fernet

    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *settings.FIELD_ENCRYPTION_KEYS]
    call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))
    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS[:1]  # the old key dropped
    assert stored_key(device) != raw
    assert AuthenticatorDevice.objects.get(pk=device.pk).key == device.key


def test_a_wrong_code_does_not_turn_it_on(client_a, admin_a):
    client_a.get(PAGE)
    device = AuthenticatorDevice.objects.get(user=admin_a)
    page = client_a.post(PAGE, {"otp_token": wrong_code_for(device)})
    assert page.status_code == 200 and b"That code is not right" in page.content
    assert not AuthenticatorDevice.objects.filter(user=admin_a, confirmed=True).exists()


def test_next_sign_in_asks_for_the_code(client_a, admin_a):
    client_a.get(PAGE)
    device = AuthenticatorDevice.objects.get(user=admin_a)
    client_a.post(PAGE, {"otp_token": code_for(device)})

    browser = Client()
    assert browser.post("/login/", {"username": "admin_a", "password": PASSWORD})["Location"] == (
        "/account/two-factor/verify/")
    assert browser.post("/account/two-factor/verify/", {"otp_token": code_for(device, 1)})["Location"] == "/"


def test_turning_it_off_needs_the_password(verified_client_a, device_a):
    client_a = verified_client_a
    refused = client_a.post(DISABLE, {"password": "not-my-password"})
    assert refused.status_code == 400 and b"That password is not right" in refused.content
    assert AuthenticatorDevice.objects.filter(pk=device_a.pk).exists()
    assert AccessAttempt.objects.filter(username="admin_a").exists()  # counted like a wrong sign-in

    assert client_a.post(DISABLE, {"password": PASSWORD})["Location"] == "/account/"
    assert not AuthenticatorDevice.objects.filter(user=device_a.user).exists()
    assert Client().post("/login/", {"username": "admin_a", "password": PASSWORD})["Location"] == "/"


def test_extension_users_may_turn_it_on_too(client, ext_user):
    client.force_login(ext_user)
    client.get(PAGE)
    device = AuthenticatorDevice.objects.get(user=ext_user)
    assert client.post(PAGE, {"otp_token": code_for(device)})["Location"] == "/account/"


def test_account_pages_need_a_sign_in(client):
    for path in ("/account/", PAGE, "/account/password/"):
        assert client.get(path)["Location"].startswith("/login/?next=")
    assert client.post(DISABLE, {"password": "x"})["Location"].startswith("/login/")
