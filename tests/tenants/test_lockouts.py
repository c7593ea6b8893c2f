"""Sign-in lock-out behind a proxy: failures count per username and per client address (taken from
X-Forwarded-For behind TRUSTED_PROXY_COUNT proxies), never for everyone behind the proxy; the Manage audit
records the same address; system administrators see and lift lock-outs on /lockouts/ (audited), nobody else
even sees that the page exists."""

import logging
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from tenants.models import TenantEntry
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.5"
CLIENT_A, CLIENT_B = "203.0.113.10", "198.51.100.20"
LOCKOUTS, UNLOCK = "/lockouts/", "/lockouts/unlock/"


@pytest.fixture(autouse=True)
def quick_passwords(settings, admin_a, admin_b):
    """A cheap hasher, so that the many sign-ins here take milliseconds (rolled back with the test)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for user in (admin_a, admin_b):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def from_client(address: str, forged: str = "") -> Client:
    """A browser at `address`, reaching the portal through the proxy (which appends the address it saw)."""
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{forged}, {address}" if forged else address)


def sign_in(client: Client, username: str, password: str = PASSWORD) -> int:
    return client.post("/login/", {"username": username, "password": password}).status_code


def failed_before(username: str, address: str, failures: int) -> AccessAttempt:
    """What django-axes stores after `failures` wrong passwords (for tests of the screen, not of axes)."""
    return AccessAttempt.objects.create(username=username, ip_address=address, user_agent="", get_data="",
                                        post_data="", http_accept="", path_info="/login/",
                                        failures_since_start=failures)


def fail_until_locked(client: Client, username: str, settings) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, username, "wrong") == 200
    assert sign_in(client, username, "wrong") == 429


def test_five_failures_from_one_client_lock_that_client_and_that_username_only(behind_proxy, settings):
    fail_until_locked(from_client(CLIENT_A), "admin_a", settings)
    assert sign_in(from_client(CLIENT_A), "admin_b") == 429  # the address, for every username
    assert sign_in(from_client(CLIENT_B), "admin_a") == 429  # the username, from every address
    assert sign_in(from_client(CLIENT_B), "admin_b") == 302  # everyone else behind the same proxy signs in


def test_a_locked_client_cannot_escape_by_writing_x_forwarded_for(behind_proxy, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(from_client(CLIENT_A, forged=f"192.0.2.{attempt}"), f"guess{attempt}", "wrong")
    assert sign_in(from_client(CLIENT_A, forged=CLIENT_B), "admin_b") == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {CLIENT_A}


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(Client(REMOTE_ADDR=CLIENT_A, HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}"), f"guess{attempt}", "wrong")
    assert sign_in(Client(REMOTE_ADDR=CLIENT_A, HTTP_X_FORWARDED_FOR=CLIENT_B), "admin_b") == 429


def test_the_token_endpoint_locks_the_client_not_everyone(behind_proxy, settings):
    def token(address: str, username: str, password: str):
        return from_client(address).post("/api/v1/auth/token/", {"username": username, "password": password},
                                         content_type="application/json")

    for _ in range(settings.AXES_FAILURE_LIMIT):
        last = token(CLIENT_A, "admin_a", "wrong")
    assert last.status_code == 429 and last.json()["code"] == "locked_out"
    assert token(CLIENT_B, "admin_b", PASSWORD).status_code == 200


def test_the_manage_audit_records_the_client_behind_the_proxy(behind_proxy, sysadmin, tenant_a):
    client = from_client(CLIENT_A, forged="192.0.2.66")
    client.force_login(sysadmin)
    client.post("/tenants/acme/manage/")
    assert TenantEntry.objects.get().ip_address == CLIENT_A


# --- the lock-outs screen


def test_a_system_administrator_sees_the_locked_username_and_address(behind_proxy, settings, sysadmin_client):
    fail_until_locked(from_client(CLIENT_A), "admin_a", settings)
    page = sysadmin_client.get(LOCKOUTS)
    assert page.status_code == 200
    rows = {(lockout.kind, lockout.value): lockout for lockout in page.context["lockouts"]}
    assert set(rows) == {("username", "admin_a"), ("address", CLIENT_A)}
    username = rows["username", "admin_a"]
    assert username.failures == settings.AXES_FAILURE_LIMIT and username.seen_with == [CLIENT_A]
    assert username.until == username.last_failure + settings.AXES_COOLOFF_TIME
    html = page.content.decode()
    assert "<code>admin_a</code>" in html and f"<code>{CLIENT_A}</code>" in html and "Unlock" in html


def test_fewer_failures_than_the_limit_are_not_a_lockout(settings, sysadmin_client):
    failed_before("admin_a", CLIENT_A, settings.AXES_FAILURE_LIMIT - 1)
    page = sysadmin_client.get(LOCKOUTS)
    assert page.context["lockouts"] == [] and "Nobody is locked out." in page.content.decode()


def test_failures_older_than_the_cool_off_are_not_a_lockout(settings, sysadmin_client):
    failed_before("admin_a", CLIENT_A, settings.AXES_FAILURE_LIMIT)
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert sysadmin_client.get(LOCKOUTS).context["lockouts"] == []


def test_failures_of_one_address_under_several_usernames_add_up(settings, sysadmin_client):
    for number in range(settings.AXES_FAILURE_LIMIT):
        failed_before(f"guess{number}", CLIENT_A, 1)
    [address] = sysadmin_client.get(LOCKOUTS).context["lockouts"]
    assert (address.kind, address.value, address.failures) == ("address", CLIENT_A, settings.AXES_FAILURE_LIMIT)
    assert address.seen_with == sorted(f"guess{number}" for number in range(settings.AXES_FAILURE_LIMIT))


def test_unlocking_a_username_lets_it_sign_in_again_and_is_logged(behind_proxy, settings, sysadmin_client, caplog):
    fail_until_locked(from_client(CLIENT_A), "admin_a", settings)
    caplog.set_level(logging.INFO, logger="portal.lockout")
    lifted = sysadmin_client.post(UNLOCK, {"kind": "username", "value": "admin_a"}, follow=True)
    assert lifted.redirect_chain == [(LOCKOUTS, 302)] and "Unlocked username admin_a" in lifted.content.decode()
    assert sign_in(from_client(CLIENT_B), "admin_a") == 302
    assert any("lock-out lifted: username 'admin_a' by sysadmin" in line for line in caplog.messages)


def test_unlocking_an_address_lets_its_other_users_sign_in(behind_proxy, settings, sysadmin_client):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(from_client(CLIENT_A), f"guess{attempt}", "wrong")
    assert sign_in(from_client(CLIENT_A), "admin_b") == 429
    sysadmin_client.post(UNLOCK, {"kind": "address", "value": CLIENT_A})
    assert sign_in(from_client(CLIENT_A), "admin_b") == 302


@pytest.mark.parametrize("form", [{"kind": "address", "value": "not-an-address"}, {"kind": "everyone", "value": "x"},
                                  {"kind": "username", "value": "  "}, {}])
def test_a_bad_unlock_request_changes_nothing_and_says_why(settings, sysadmin_client, form):
    failed_before("admin_a", CLIENT_A, settings.AXES_FAILURE_LIMIT)
    page = sysadmin_client.post(UNLOCK, form, follow=True)
    assert page.status_code == 200 and 'class="error"' in page.content.decode()
    assert AccessAttempt.objects.exists()


def test_tenant_administrators_and_anonymous_visitors_get_404(settings, client_a):
    failed_before("admin_a", CLIENT_A, settings.AXES_FAILURE_LIMIT)
    for client in (client_a, Client()):
        assert client.get(LOCKOUTS).status_code == 404
        assert client.post(UNLOCK, {"kind": "username", "value": "admin_a"}).status_code == 404
    assert AccessAttempt.objects.filter(username="admin_a").exists()


def test_only_system_administrators_have_the_link(sysadmin, admin_a):
    for user, page, shown in ((sysadmin, "/tenants/", True), (admin_a, "/t/acme/", False)):
        client = Client()
        client.force_login(user)
        assert (f'href="{LOCKOUTS}"' in client.get(page).content.decode()) is shown
