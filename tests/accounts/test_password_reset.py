"""Password reset by e-mail: the link is built from PORTAL_BASE_URL, the form never says whether an address
exists, the link works once, and it does not skip the authenticator code."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from tests.accounts.conftest import code_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_passwords")]

RESET = "/account/password/reset/"
NEW = "a-much-longer-passphrase-42"


@pytest.fixture
def with_email(admin_a):
    admin_a.email = "alice@example.com"
    admin_a.save(update_fields=["email"])
    cache.delete(f"password-reset-mail:{admin_a.pk}")  # Redis is not rolled back with the test
    yield admin_a
    cache.delete(f"password-reset-mail:{admin_a.pk}")


def ask_for_link(address: str, **headers):
    return Client(**headers).post(RESET, {"email": address})


def link_in(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def test_the_mail_carries_a_link_on_the_portal_address_whatever_host_was_asked(with_email, settings):
    settings.PORTAL_BASE_URL = "https://portal.example.com"
    settings.ALLOWED_HOSTS = ["*"]
    answer = ask_for_link("ALICE@example.com", HTTP_HOST="evil.example.net")
    assert answer["Location"] == "/account/password/reset/sent/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["alice@example.com"]
    assert link_in(mail.outbox[0]).startswith("https://portal.example.com/account/password/reset/")
    assert "evil" not in mail.outbox[0].body


def test_an_unknown_address_gets_the_same_answer_and_no_mail(with_email):
    known, unknown = ask_for_link("alice@example.com"), ask_for_link("nobody@example.com")
    assert known.status_code == unknown.status_code == 302 and known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1
    sent_page = Client().get(known["Location"]).content
    assert b"If an account has that address" in sent_page


def test_the_link_sets_a_new_password_once(with_email, settings):
    settings.PORTAL_BASE_URL = "http://testserver"
    ask_for_link("alice@example.com")
    client = Client()
    form = client.get(link_in(mail.outbox[0]), follow=True)
    assert form.status_code == 200 and b"new_password1" in form.content
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert done["Location"] == "/account/password/reset/done/"
    assert Client().post("/login/", {"username": "admin_a", "password": NEW}).status_code == 302

    again = Client().get(link_in(mail.outbox[0]), follow=True)
    assert b"This link has expired or was used already" in again.content


def test_after_a_reset_the_authenticator_code_is_still_asked(with_email, device_a, settings):
    settings.PORTAL_BASE_URL = "http://testserver"
    ask_for_link("alice@example.com")
    client = Client()
    form = client.get(link_in(mail.outbox[0]), follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert client.get("/t/acme/trunks/")["Location"].startswith("/login/")  # not signed in by the reset
    signing_in = Client()
    assert signing_in.post("/login/", {"username": "admin_a", "password": NEW})["Location"] == (
        "/account/two-factor/verify/")
    assert signing_in.post("/account/two-factor/verify/", {"otp_token": code_for(device_a)})["Location"] == "/"


def test_the_sign_in_page_links_to_the_reset():
    assert b'href="/account/password/reset/"' in Client().get("/login/").content


def test_asking_again_at_once_sends_no_second_mail(with_email):
    first, second = ask_for_link("alice@example.com"), ask_for_link("alice@example.com")
    assert first["Location"] == second["Location"]  # the page says the same
    assert len(mail.outbox) == 1
