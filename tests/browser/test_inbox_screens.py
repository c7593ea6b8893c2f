"""The Inbox and a thread in real Chromium: on a phone (390 px wide) no sideways scrolling even with long
numbers and words, tap targets of at least 44 px, and the reply box on screen while the thread scrolls; a
live event refetches the list or the thread (static/js/inbox.js) without touching the draft reply."""

import uuid

import pytest
from django.contrib.auth import get_user_model
from django_tenants.utils import tenant_context

from messaging.models import Conversation, ExtensionAssignment
from tenants.models import Membership, Tenant
from tests.conftest import PASSWORD
from tests.live_portal import running_portal
from tests.messaging.factories import DID, build_acme, clear_acme
from tests.messaging.screens.inbox_helpers import inbound, outbound

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

PHONE = {"width": 390, "height": 844}
GROUP = ["+19195550142", "+19195550143", "+19195550144", "+19195550145", "+19195550146"]


@pytest.fixture
def phone_inbox(django_db_setup, django_db_blocker):
    """An extension user of 101 with a long group conversation, committed; the portal serving it."""
    username = f"phone-{uuid.uuid4().hex[:8]}"
    with django_db_blocker.unblock():
        acme = Tenant.objects.get(slug="acme")
        user = get_user_model().objects.create_user(username=username, password=PASSWORD)
        Membership.objects.create(user=user, tenant=acme, role=Membership.Role.EXTENSION)
        try:
            with tenant_context(acme):
                setup = build_acme(acme)
                ExtensionAssignment.objects.create(user=user, extension=setup.ext.sales)
                for n in range(30):
                    inbound(sender=GROUP[0], to=[DID, *GROUP[1:]], extensions=[setup.ext.sales], minutes_ago=60 - n,
                            text=f"Message {n}: " + "averyveryverylongwordwithoutanyspaces" * 3)
                reply = outbound(extension=setup.ext.sales, to=GROUP, text="Noted " * 40, status="delivered")
            with running_portal() as base_url:
                yield base_url, username, reply.conversation_id
        finally:
            with tenant_context(acme):
                ExtensionAssignment.objects.filter(user=user).delete()
                Conversation.objects.all().delete()
                clear_acme()
            Membership.objects.filter(user=user).delete()
            get_user_model().objects.filter(pk=user.pk).update(is_active=False, username=f"{username}-gone")


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_inbox_and_thread_fit_a_phone(browser, phone_inbox):
    base_url, username, conversation_id = phone_inbox
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(base_url + "/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.goto(base_url + "/t/acme/")
        page.wait_for_url(base_url + "/t/acme/inbox/")
        expect(page.get_by_test_id("conversation-list")).to_contain_text("+19195550146")
        assert no_sideways_scroll(page)
        row = page.locator(".conversation-row").first.bounding_box()
        assert row["height"] >= 44 and row["width"] <= PHONE["width"]
        assert page.get_by_test_id("new-conversation").bounding_box()["height"] >= 44

        page.locator(".conversation-row").first.click()
        page.wait_for_url(f"{base_url}/t/acme/inbox/{conversation_id}/")
        assert no_sideways_scroll(page)
        send = page.get_by_test_id("send")
        # The newest message is in view on arrival, and the reply box stays on screen while scrolling up.
        expect(page.locator("#latest")).to_be_in_viewport()
        for scrolled in (False, True):
            if scrolled:
                page.evaluate("window.scrollTo(0, 0)")
            box = send.bounding_box()
            assert box["height"] >= 44 and box["width"] >= 44
            assert 0 <= box["y"] and box["y"] + box["height"] <= PHONE["height"], (scrolled, box)
        page.get_by_label("Message").fill("On my way")
        expect(page.get_by_test_id("segment-counter")).to_contain_text("9 characters")
    finally:
        context.close()


def with_live_channel(page) -> None:
    """Stand in for static/js/live.js: a PortalLive whose handlers the test calls, so each event arrives when
    the test says (the transport itself is tested in tests/messaging/live and test_inbox_live.py)."""
    page.add_init_script("window.PortalLive = {connect: function (url, handlers) { window.__live = handlers; }};")
    page.route("**/js/live*.js", lambda route: route.fulfill(body="", content_type="text/javascript"))


def test_live_events_refetch_the_list_and_the_thread_without_losing_the_draft(browser, phone_inbox):
    base_url, username, conversation_id = phone_inbox
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        with_live_channel(page)
        page.goto(base_url + "/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.goto(f"{base_url}/t/acme/inbox/{conversation_id}/")
        page.wait_for_function("window.__live !== undefined")
        page.get_by_label("Message").fill("Half-written reply")
        acme = Tenant.objects.get(slug="acme")
        with tenant_context(acme):
            sales = ExtensionAssignment.objects.get(user__username=username).extension
            inbound(sender=GROUP[1], to=[DID, GROUP[0], *GROUP[2:]], extensions=[sales], text="Arrived live")
        page.evaluate(f"window.__live.message({{conversation: {conversation_id}, direction: 'in'}})")
        expect(page.get_by_test_id("thread")).to_contain_text("Arrived live")
        expect(page.get_by_label("Message")).to_have_value("Half-written reply")
        expect(page.get_by_test_id("nav-unread")).to_be_hidden()  # the open thread read it

        page.goto(f"{base_url}/t/acme/inbox/")
        page.wait_for_function("window.__live !== undefined")
        with tenant_context(acme):
            inbound(sender="+19195550177", text="Someone new", extensions=[sales])
        page.evaluate("window.__live.message({conversation: 0, direction: 'in'})")
        expect(page.get_by_test_id("conversation-list")).to_contain_text("Someone new")
        expect(page.get_by_test_id("nav-unread")).to_have_text("1")
    finally:
        context.close()
