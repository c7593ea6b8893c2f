"""Every user changes their own password, extension users included; the session stays signed in."""

import pytest
from django.test import Client

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_passwords")]

CHANGE = "/account/password/"
NEW = "a-much-longer-passphrase-42"


@pytest.mark.parametrize("who", ["admin_a", "ext_a", "sysadmin"])
def test_user_changes_password_and_signs_in_with_the_new_one(who, ext_user):
    client = Client()
    client.post("/login/", {"username": who, "password": PASSWORD})
    assert b'data-testid="account-link"' in client.get(CHANGE).content  # the user menu links here
    done = client.post(CHANGE, {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}, follow=True)
    assert b"Your password has been changed" in done.content
    assert client.get("/account/").status_code == 200  # still signed in

    assert Client().post("/login/", {"username": who, "password": PASSWORD}).status_code == 200  # old one refused
    assert Client().post("/login/", {"username": who, "password": NEW}).status_code == 302


def test_wrong_old_password_or_a_weak_new_one_is_refused(client_a, admin_a):
    wrong = client_a.post(CHANGE, {"old_password": "nope", "new_password1": NEW, "new_password2": NEW})
    assert wrong.status_code == 200 and b"old password was entered incorrectly" in wrong.content
    weak = client_a.post(CHANGE, {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"})
    assert weak.status_code == 200 and b"too short" in weak.content
    admin_a.refresh_from_db()
    assert admin_a.check_password(PASSWORD)
