"""In Chromium, under the portal's Content-Security-Policy: Swagger UI renders from the portal's own files, and the
pages with a nonce'd script or style work, with no violation reported."""

import pytest

from tests.conftest import PASSWORD
from tests.live_portal import running_portal

pytestmark = pytest.mark.browser


@pytest.fixture
def portal(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), running_portal() as base_url:
        yield base_url


def test_pages_work_without_a_single_policy_violation(browser, portal):
    page = browser.new_page()
    violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    page.on("pageerror", lambda error: violations.append(str(error)))

    page.goto(portal + "/api/docs/")
    page.locator(".swagger-ui .info .title").wait_for(timeout=15000)  # Swagger UI started and read the schema
    assert "PBX SMS/MMS portal API" in page.locator(".swagger-ui .info .title").inner_text()

    page.goto(portal + "/login/")
    page.fill("#id_username", "admin_a")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(portal + "/t/acme/")
    page.goto(portal + "/t/acme/extensions/add/")
    # The form's script (nonce'd) enables the sender ID only with "Allowed with a chosen sender ID".
    page.check("input[name=send_sms][value=allowed_with_sender_id]")
    assert page.locator("#id_sender_id").is_enabled()
    page.check("input[name=send_sms]:not([value=allowed_with_sender_id])")
    assert page.locator("#id_sender_id").is_disabled()
    page.goto(portal + "/account/tokens/")
    page.fill("#id_label", "From the browser")
    page.click("[data-testid=token-create] button[type=submit]")
    assert len(page.locator("[data-testid=new-token-key]").input_value()) == 64
    assert violations == []
