"""On `make run`'s demo in real Chromium: Connect to Bandwidth (the simulator's account API), then Send test message
between the demo's two numbers and watch every step arrive: accepted, delivered, and the inbound coming back through
the webhook with the callback credentials Connect just generated."""

import pytest
from django_tenants.utils import tenant_context

from messaging.models import SmsConfiguration
from tenants.models import Tenant, WebhookEndpoint
from tests.browser.conftest import manage_demo

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


def test_connect_to_bandwidth_then_send_test_message(browser, demo):
    base_url, simulator = demo
    with tenant_context(Tenant.objects.get(slug="demo")):
        configuration = SmsConfiguration.objects.get()
    old_username = simulator.state.application(configuration.application_id)["callbackUsername"]

    page = browser.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    manage_demo(page, base_url)
    page.goto(f"{base_url}/t/demo/sms/{configuration.pk}/")

    page.get_by_test_id("connect-bandwidth").click()
    panel = page.get_by_test_id("bandwidth-connection")
    expect(panel).to_contain_text("Connected from the portal", timeout=15_000)
    expect(panel).to_contain_text(configuration.application_id)
    application = simulator.state.application(configuration.application_id)
    assert application["callbackUsername"] not in ("", old_username)
    webhook_path = WebhookEndpoint.objects.get(configuration_id=configuration.pk).path
    assert application["callbackUrl"].endswith(webhook_path)  # the configuration's webhook, with new credentials

    panel.get_by_test_id("check-bandwidth").click()
    expect(page.get_by_test_id("bandwidth-connection")).to_contain_text("matches", timeout=15_000)

    form = page.get_by_test_id("test-message-form")
    form.locator("select[name=from_number]").select_option("+19195550100")
    form.locator("select[name=to_number]").select_option("+19195550101")
    form.get_by_test_id("send-test-message").click()

    steps = page.get_by_test_id("test-steps")
    for step in ("accepted", "delivered", "inbound"):
        expect(steps.locator(f"li[data-step^={step}]")).to_have_attribute("data-state", "done", timeout=45_000)
    expect(page.get_by_test_id("test-summary")).not_to_be_empty()
    page.close()
