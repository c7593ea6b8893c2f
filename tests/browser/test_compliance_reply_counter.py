"""In Chromium, on the Compliance screen: as the administrator types a reply, the line under it shows the characters,
segments and encoding the server counts (messaging/bandwidth/segments.py), for a GSM-7 text and an emoji text,
under the portal's Content-Security-Policy (static script only)."""

import pytest
from django_tenants.utils import tenant_context

from messaging.forms.compliance import segments_of
from messaging.models import ComplianceSettings
from tenants.models import Tenant
from tests.conftest import PASSWORD
from tests.live_portal import running_portal

pytestmark = pytest.mark.browser

GSM_TEXT = "Acme: you are unsubscribed. Reply START to resubscribe. [help] " * 3  # [ and ] take two units each
EMOJI_TEXT = "Acme 😀: you are unsubscribed, reply START to resubscribe."  # UCS-2, the emoji two units


@pytest.fixture
def portal(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        try:
            with running_portal() as base_url:
                yield base_url
        finally:
            # The page made Acme's settings row (committed): other tests start from none.
            with tenant_context(Tenant.objects.get(slug="acme")):
                ComplianceSettings.objects.all().delete()


def test_the_reply_counter_shows_what_the_server_counts(browser, portal):
    page = browser.new_page()
    problems = []
    page.on("console", lambda message: "Content Security Policy" in message.text and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(portal + "/login/")
    page.fill("#id_username", "admin_a")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(portal + "/t/acme/")
    page.goto(portal + "/t/acme/compliance/")

    shown = page.get_by_test_id("segments-opt_out_reply")
    assert shown.inner_text() == "0 characters · 0 segments (GSM-7)"
    for text in (GSM_TEXT, EMOJI_TEXT):
        page.fill("#id_opt_out_reply", "")
        page.type("#id_opt_out_reply", text)
        assert shown.inner_text() == segments_of(text), text
    assert segments_of(GSM_TEXT) == "188 characters · 2 segments (GSM-7)"
    assert segments_of(EMOJI_TEXT) == "57 characters · 1 segment (UCS-2)"
    assert problems == []
