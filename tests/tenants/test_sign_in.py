import pytest
from django.test import Client

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_sign_in():
    assert Client().get("/")["Location"].startswith("/login/")
    assert Client().get("/t/acme/trunks/")["Location"].startswith("/login/?next=/t/acme/trunks/")


def test_system_admin_lands_on_tenants():
    client = Client()
    signed_in = client.post("/login/", {"username": "sysadmin", "password": PASSWORD})
    assert signed_in.status_code == 302
    assert client.get("/")["Location"] == "/tenants/"


def test_tenant_admin_lands_in_own_tenant():
    client = Client()
    client.post("/login/", {"username": "admin_a", "password": PASSWORD})
    assert client.get("/")["Location"] == "/t/acme/"


def test_tenant_admin_with_two_memberships_chooses(admin_a, tenant_b):
    tenant_b.memberships.create(user=admin_a)
    client = Client()
    client.force_login(admin_a)
    assert client.get("/")["Location"] == "/choose/"
    choose = client.get("/choose/").content
    assert b"/t/acme/" in choose and b"/t/globex/" in choose


def test_repeated_failures_lock_the_account_and_say_so(settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post("/login/", {"username": "admin_a", "password": "wrong"}).status_code == 200
    locked = client.post("/login/", {"username": "admin_a", "password": "wrong"})
    assert locked.status_code == 429
    assert b"locked for 15 minutes" in locked.content

    # Even the right password is refused while locked, and from another address too.
    again = Client(REMOTE_ADDR="198.51.100.9").post("/login/", {"username": "admin_a", "password": PASSWORD})
    assert again.status_code == 429


def test_repeated_failures_lock_the_address_for_every_username(settings):
    client = Client(REMOTE_ADDR="198.51.100.20")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": f"guess{attempt}", "password": "wrong"})
    assert client.post("/login/", {"username": "admin_b", "password": PASSWORD}).status_code == 429
    assert Client(REMOTE_ADDR="198.51.100.21").post(
        "/login/", {"username": "admin_b", "password": PASSWORD}
    ).status_code == 302


def test_deactivated_user_cannot_sign_in_and_is_kept(sysadmin_client, admin_b):
    sysadmin_client.post(f"/users/{admin_b.pk}/active/", {"active": "0"})
    admin_b.refresh_from_db()
    assert not admin_b.is_active  # deactivated, not deleted

    page = Client().post("/login/", {"username": "admin_b", "password": PASSWORD})
    assert page.status_code == 200 and b"Please enter a correct username" in page.content
