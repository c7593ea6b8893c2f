"""The security policy: a system administrator requires two-factor sign-in for administrators (who are then
sent to enrolment and reach nothing else), and resets a user's lost phone; nobody else sees the page."""

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import AuthenticatorDevice, SecurityPolicy
from tests.accounts.conftest import code_for
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_passwords")]

SECURITY, ENROL = "/account/security/", "/account/two-factor/"


@pytest.fixture
def required(sysadmin):
    SecurityPolicy.objects.create(pk=1, require_two_factor_for_admins=True, updated_by=sysadmin)


def sign_in(username: str) -> Client:
    client = Client()
    assert client.post("/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


def test_system_admin_turns_the_policy_on(sysadmin_client):
    page = sysadmin_client.get(SECURITY)
    assert page.status_code == 200 and b"admin_a" in page.content  # administrators without an app are listed
    assert sysadmin_client.post(SECURITY, {"require_two_factor_for_admins": "on"})["Location"] == SECURITY
    assert SecurityPolicy.objects.get().require_two_factor_for_admins


@pytest.mark.parametrize("who", ["admin_a", "ext_a"])
def test_only_system_admins_see_the_policy_page(who, ext_user):
    client = sign_in(who)
    assert client.get(SECURITY).status_code == 404
    assert client.post(SECURITY, {"require_two_factor_for_admins": "on"}).status_code == 404
    assert client.post(SECURITY + "reset-two-factor/", {"username": "sysadmin"}).status_code == 404
    assert not SecurityPolicy.objects.exists()


@pytest.mark.usefixtures("required")
@pytest.mark.parametrize("admin", ["admin_a", "sysadmin"])
def test_policy_sends_an_administrator_without_an_app_to_enrolment_and_nowhere_else(admin):
    client = sign_in(admin)
    for path in ("/", "/tenants/", "/t/acme/trunks/", "/account/", "/account/password/"):
        assert client.get(path)["Location"] == ENROL, path
    assert client.get("/t/acme/api/v1/trunks/").status_code in (401, 403)
    page = client.get(ENROL)
    assert page.status_code == 200 and b"Administrators must sign in with" in page.content

    device = AuthenticatorDevice.objects.get(user__username=admin)
    client.post(ENROL, {"otp_token": code_for(device)})
    assert client.get("/t/acme/trunks/").status_code == 200


@pytest.mark.usefixtures("required")
def test_policy_leaves_extension_users_alone(ext_user):
    client = sign_in("ext_a")
    assert client.get("/t/acme/inbox/").status_code == 200


@pytest.mark.usefixtures("required")
def test_a_required_app_cannot_be_turned_off(verified_client_a, device_a):
    refused = verified_client_a.post("/account/two-factor/disable/", {"password": PASSWORD})
    assert refused.status_code == 400 and b"cannot be turned off" in refused.content
    assert AuthenticatorDevice.objects.filter(pk=device_a.pk).exists()


def test_system_admin_resets_a_lost_phone_on_the_screen(sysadmin_client, device_a):
    answer = sysadmin_client.post(SECURITY + "reset-two-factor/", {"username": "admin_a"}, follow=True)
    assert b"Two-factor sign-in of admin_a reset (1 app(s) removed)" in answer.content
    assert not AuthenticatorDevice.objects.filter(user=device_a.user).exists()
    assert Client().post("/login/", {"username": "admin_a", "password": PASSWORD})["Location"] == "/"


def test_unknown_username_on_reset_says_so(sysadmin_client):
    answer = sysadmin_client.post(SECURITY + "reset-two-factor/", {"username": "nobody"}, follow=True)
    assert b"No user has that username" in answer.content


def test_operator_resets_a_lost_phone_with_a_command(device_a, capsys):
    call_command("reset_two_factor", "admin_a")
    assert "reset (1 authenticator app(s) removed)" in capsys.readouterr().out
    assert not AuthenticatorDevice.objects.filter(user=device_a.user).exists()
