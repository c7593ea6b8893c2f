"""In real Chromium: a tenant administrator turns two-factor sign-in on (QR code on the page, key typed
into "the app", which is this test computing codes from it), signs out, and signs in with password + code."""

import base64
import time

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django_otp.oath import TOTP

from accounts.models import AuthenticatorDevice
from tenants.models import TenantEntry
from tests.conftest import PASSWORD
from tests.live_portal import running_portal

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.browser


@pytest.fixture
def portal(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with running_portal() as base_url:
            yield base_url
        AuthenticatorDevice.objects.filter(user__username="admin_a").delete()
        AccessAttempt.objects.all().delete()
        TenantEntry.objects.all().delete()


def code_at(secret: str, step: int) -> str:
    """What an authenticator app shows in the 30-second step `step` for the key shown on the page."""
    key = base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    totp = TOTP(key, step=30, t0=0, digits=6, drift=0)
    totp.time = step * 30
    return str(totp.token()).zfill(6)


def sign_in_with_password(page, base_url):
    page.goto(base_url + "/login/")
    page.fill("#id_username", "admin_a")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def test_enrol_an_authenticator_app_then_sign_in_with_password_and_code(browser, portal):
    page = browser.new_page()
    sign_in_with_password(page, portal)
    page.wait_for_url(portal + "/t/acme/")

    page.get_by_test_id("account-link").click()
    page.get_by_test_id("two-factor-link").click()
    expect(page.get_by_test_id("qr-code").locator("svg")).to_be_visible()
    secret = page.get_by_test_id("secret").inner_text()
    enrolled_at = int(time.time() // 30)
    page.fill("#id_otp_token", code_at(secret, enrolled_at))
    page.get_by_test_id("confirm").click()
    page.wait_for_url(portal + "/account/")
    expect(page.get_by_test_id("two-factor-status")).to_contain_text("On")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(portal + "/login/")

    sign_in_with_password(page, portal)
    page.wait_for_url(portal + "/account/two-factor/verify/")
    page.goto(portal + "/t/acme/trunks/")  # half signed in: no page opens
    assert page.url.startswith(portal + "/login/")
    page.goto(portal + "/account/two-factor/verify/")
    # The next step's code: the one used to enrol is never accepted twice.
    page.fill("#id_otp_token", code_at(secret, enrolled_at + 1))
    page.get_by_test_id("verify").click()
    page.wait_for_url(portal + "/t/acme/")
    page.goto(portal + "/t/acme/trunks/")
    assert page.url == portal + "/t/acme/trunks/"
    assert get_user_model().objects.get(username="admin_a").authenticatordevice_set.filter(confirmed=True).exists()
