"""System admin → Tenants → Manage → SMS/MMS → Add → OK → select → Copy Webhook, in real Chromium."""

import pytest
from django_tenants.utils import tenant_context

from messaging.models import AuditEntry, SmsConfiguration, Trunk
from tenants.models import Tenant, TenantEntry, WebhookEndpoint
from tests.conftest import PASSWORD
from tests.live_portal import running_portal

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.browser

APPLICATION_ID = "93de2206-9669-4e07-948d-329f4b722ee2"


@pytest.fixture
def portal(django_db_setup, django_db_blocker):
    """The portal on the test database, with a committed Bandwidth trunk in Acme; cleaned up afterwards."""
    with django_db_blocker.unblock():
        acme = Tenant.objects.get(slug="acme")
        with tenant_context(acme):
            trunk = Trunk.objects.create(name="BW Raleigh", host="sip.bandwidth.example")
            trunk.numbers.create(number="+19195550100")
        with running_portal() as base_url:
            yield base_url
        with tenant_context(acme):
            SmsConfiguration.objects.all().delete()
            Trunk.objects.all().delete()
            AuditEntry.objects.all().delete()
        WebhookEndpoint.objects.filter(tenant=acme).delete()
        TenantEntry.objects.all().delete()


def sign_in_and_add_configuration(page, base_url):
    page.goto(base_url + "/login/")
    page.fill("#id_username", "sysadmin")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base_url + "/tenants/")

    page.locator("tr[data-slug=acme]").get_by_role("button", name="Manage").click()
    page.wait_for_url(base_url + "/t/acme/")
    assert "Managing tenant Acme Corp" in page.get_by_test_id("manage-banner").inner_text()

    page.get_by_role("link", name="SMS/MMS").click()
    page.get_by_test_id("add").click()
    page.fill("#id_name", "Front desk")
    page.select_option("#id_trunk", label="BW Raleigh (sip.bandwidth.example)")
    page.fill("#id_account_id", "9900123")
    page.fill("#id_application_id", APPLICATION_ID)
    page.fill("#id_username", "client-id-1")
    page.fill("#id_password", "client-secret-1")
    page.get_by_test_id("ok").click()
    page.wait_for_selector("[data-testid=webhook-url]")
    return page.get_by_test_id("webhook-url").input_value()


def copy_from_list(page, base_url) -> str:
    page.goto(base_url + "/t/acme/sms/")
    row = page.locator("#sms-configurations tr.selectable", has_text="Front desk")
    assert row.is_visible()
    copy = page.get_by_test_id("copy-webhook")
    assert copy.is_disabled()
    row.click()
    copy.click()
    expect(page.get_by_test_id("toast")).to_contain_text("Webhook URL copied")
    return page.evaluate("navigator.clipboard.readText()")


def test_add_then_copy_webhook_puts_the_url_shown_on_double_click_on_the_clipboard(browser, portal):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    shown_after_save = sign_in_and_add_configuration(page, portal)
    assert "/webhooks/bandwidth/" in shown_after_save

    copied = copy_from_list(page, portal)

    page.locator("#sms-configurations tr.selectable", has_text="Front desk").dblclick()
    page.wait_for_selector("[data-testid=webhook-url]")
    assert copied == page.get_by_test_id("webhook-url").input_value() == shown_after_save
    context.close()


def test_copy_webhook_works_without_the_clipboard_api(browser, portal):
    """On plain http at a LAN address the Clipboard API is missing; the fallback must still copy."""
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    shown = sign_in_and_add_configuration(page, portal)
    page.add_init_script("Object.defineProperty(window, 'isSecureContext', {value: false});")
    assert copy_from_list(page, portal) == shown
    context.close()
