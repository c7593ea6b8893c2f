"""Two extension users of the demo's shared extension 102 (Bob's line) in real Chromium, on the portal, a
Celery worker and the Bandwidth simulator, as `make run` starts them: one on a desktop, one on a phone.

An inbound SMS injected at the simulator appears in both open threads without a reload; a reply from the
desktop appears in the phone's thread and both see it become Delivered without a reload; the phone-sized
thread has no sideways scrolling.
"""

import re
import uuid

import pytest
from django.contrib.auth import get_user_model
from django_tenants.utils import tenant_context

from messaging.models import Conversation, Extension, ExtensionAssignment
from tenants.models import Membership, Tenant
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

CUSTOMER = "+14155550123"
BOB_LINE = "+19195550101"  # the demo routes it to extension 102
PHONE = {"width": 390, "height": 844}


def bob_user(name: str) -> str:
    username = f"{name}-{uuid.uuid4().hex[:6]}"
    demo = Tenant.objects.get(slug="demo")
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    Membership.objects.create(user=user, tenant=demo, role=Membership.Role.EXTENSION)
    with tenant_context(demo):
        ExtensionAssignment.objects.create(user=user, extension=Extension.objects.get(number="102"))
    return username


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(base_url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base_url + "/t/demo/inbox/")


def wait_for_conversation(page) -> int:
    for _ in range(60):
        with tenant_context(Tenant.objects.get(slug="demo")):
            conversation = Conversation.objects.filter(our_number=BOB_LINE, participants=[CUSTOMER]).first()
        if conversation is not None:
            return conversation.pk
        page.wait_for_timeout(500)
    raise AssertionError("the inbound message never reached a conversation")


def test_two_users_follow_one_conversation_live(browser, demo, django_db_blocker):
    base_url, simulator = demo
    with django_db_blocker.unblock():
        desk_user, phone_user = bob_user("bob-desk"), bob_user("bob-phone")
    desk = browser.new_page()
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in(desk, base_url, desk_user)
    sign_in(phone, base_url, phone_user)

    simulator.inject_inbound(to=BOB_LINE, from_=CUSTOMER, text="Is my order ready?")
    with django_db_blocker.unblock():
        conversation_id = wait_for_conversation(desk)
    # The desktop's Inbox, open before the conversation existed, lists it without a reload.
    expect(desk.get_by_test_id("conversation-list")).to_contain_text(CUSTOMER, timeout=10_000)

    thread = f"{base_url}/t/demo/inbox/{conversation_id}/"
    for page in (desk, phone):
        page.goto(thread)
        expect(page.locator(".bubble.in")).to_contain_text("Is my order ready?")
        page.evaluate("window.__sameDocument = true")

    simulator.inject_inbound(to=BOB_LINE, from_=CUSTOMER, text="Second question")
    for page in (desk, phone):
        expect(page.locator(".bubble.in", has_text="Second question")).to_be_visible(timeout=10_000)
        assert page.evaluate("window.__sameDocument === true")  # came live, not by a reload

    desk.fill("#id_text", "Yes, ready for pickup")
    desk.get_by_test_id("send").click()
    desk.wait_for_url(re.compile(re.escape(thread) + "(#latest)?$"))  # back on the thread (PRG)
    desk.evaluate("window.__sameDocument = true")
    for page in (desk, phone):
        reply = page.locator(".bubble.out", has_text="Yes, ready for pickup")
        expect(reply.get_by_test_id("status")).to_have_text("Delivered", timeout=30_000)
        assert page.evaluate("window.__sameDocument === true")
    assert [m["body"]["text"] for m in simulator.messages()] == ["Yes, ready for pickup"]
    assert [m["body"]["from"] for m in simulator.messages()] == [BOB_LINE]

    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    expect(phone.get_by_test_id("reply-form")).to_be_in_viewport()
    desk.close()
    phone.close()
