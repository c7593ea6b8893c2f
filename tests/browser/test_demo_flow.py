"""The `make run` demo path in real Chromium: a portal, a Celery worker and the Bandwidth simulator.

Compose an SMS and watch it become delivered without reloading; inject an inbound MMS at the simulator
and find it in Messages, routed to the right extension, with its picture.
"""

import os
import subprocess
import sys
import uuid

import pytest
from django.contrib.auth import get_user_model

from devtools.simulator import Simulator, SimulatorConfig
from tenants.models import Tenant, TenantEntry
from tests.conftest import PASSWORD
from tests.live_portal import running_portal, subprocess_database_url
from tests.worker import running_worker

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


@pytest.fixture
def demo(django_db_setup, django_db_blocker, tmp_path):
    simulator = Simulator(SimulatorConfig(port=0, seed=7, callback_delay_ms=300)).start()
    queue = f"demo-{uuid.uuid4().hex[:8]}"
    env = {"BANDWIDTH_MESSAGING_API_URL": simulator.api_url, "BANDWIDTH_OAUTH_TOKEN_URL": simulator.token_url,
           "CELERY_TASK_DEFAULT_QUEUE": queue, "MEDIA_ROOT": str(tmp_path / "media")}
    with django_db_blocker.unblock():
        try:
            with running_portal(env) as base_url, running_worker(queue=queue, extra_env=env, concurrency=2):
                subprocess.run(
                    [sys.executable, "manage.py", "seed_demo", "--simulator", simulator.base_url],
                    env={**os.environ, **env, "DATABASE_URL": subprocess_database_url(), "PORTAL_BASE_URL": base_url,
                         "DEBUG": "1"},
                    check=True, capture_output=True,
                )
                yield base_url, simulator
        finally:
            simulator.stop()
            demo_tenant = Tenant.objects.filter(slug="demo").first()
            if demo_tenant:
                TenantEntry.objects.filter(tenant=demo_tenant).delete()
                demo_tenant.delete(force_drop=True)
            get_user_model().objects.filter(username="demo-admin").update(is_active=False, username="demo-admin-gone")


def manage_demo(page, base_url):
    page.goto(base_url + "/login/")
    page.fill("#id_username", "sysadmin")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.locator("tr[data-slug=demo]").get_by_role("button", name="Manage").click()
    page.wait_for_url(base_url + "/t/demo/")


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
