import os
import shutil
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

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium); .ci/run does.")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the test's own ORM calls are still
    # synchronous, so Django's async guard would refuse them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def demo(django_db_setup, django_db_blocker, tmp_path):
    simulator = Simulator(SimulatorConfig(port=0, seed=7, callback_delay_ms=300)).start()
    queue = f"demo-{uuid.uuid4().hex[:8]}"
    env = {"BANDWIDTH_MESSAGING_API_URL": simulator.api_url, "BANDWIDTH_OAUTH_TOKEN_URL": simulator.token_url,
           "BANDWIDTH_DASHBOARD_API_URL": f"{simulator.base_url}/api",
           "BANDWIDTH_ACCOUNT_API_URL": f"{simulator.base_url}/api/v2",
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
            # Renamed, not deleted (audit rows point at it); unique, since several tests seed the demo.
            get_user_model().objects.filter(username="demo-admin").update(
                is_active=False, username=f"demo-admin-gone-{uuid.uuid4().hex[:8]}")


def manage_demo(page, base_url):
    page.goto(base_url + "/login/")
    page.fill("#id_username", "sysadmin")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.locator("tr[data-slug=demo]").get_by_role("button", name="Manage").click()
    page.wait_for_url(base_url + "/t/demo/")
