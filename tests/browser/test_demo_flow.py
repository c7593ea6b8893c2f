"""The `make run` demo path in real Chromium: a portal, a Celery worker and the Bandwidth simulator.

Compose an SMS and watch it become delivered without reloading; inject an inbound MMS at the simulator
and find it in Messages, routed to the right extension, with its picture.
"""

import pytest

from tests.browser.conftest import manage_demo

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


def test_compose_becomes_delivered_without_reload_and_inbound_is_routed(browser, demo):
    base_url, simulator = demo
    page = browser.new_page()
    manage_demo(page, base_url)

    page.get_by_role("link", name="Messages").click()
    page.get_by_test_id("compose").click()
    page.select_option("#id_from_extension", label="101 Alice")
    page.fill("#id_to", "+14155550123")
    page.fill("#id_text", "Hello from the demo")
    page.get_by_role("button", name="Send").click()

    page.goto(base_url + "/t/demo/messages/")
    page.evaluate("window.__sameDocument = true")
    row = page.locator("#message-log tr", has_text="Hello from the demo")
    expect(row).to_contain_text("Delivered", timeout=30_000)
    assert page.evaluate("window.__sameDocument === true")  # updated in place, not by a reload
    sent = simulator.messages()
    assert [m["body"]["text"] for m in sent] == ["Hello from the demo"]

    simulator.inject_inbound(to="+19195550101", from_="+14155550123", text="Inbound hello", picture=True)
    inbound = page.locator("#message-log tr", has_text="Inbound hello")
    for _ in range(30):
        page.reload()
        if inbound.count() and inbound.locator("img.thumb").count():
            break
        page.wait_for_timeout(1000)
    expect(inbound).to_contain_text("102")  # Bob, by the demo's inbound rule for +19195550101
    expect(inbound.locator("img.thumb")).to_be_visible()
    page.close()
