import pytest

from tenants.models import Tenant, TenantEntry

pytestmark = pytest.mark.django_db


def test_system_admin_sees_tenants_and_can_search(sysadmin_client):
    page = sysadmin_client.get("/tenants/")
    assert page.status_code == 200
    assert b"Acme Corp" in page.content and b"Globex" in page.content

    found = sysadmin_client.get("/tenants/?q=glob")
    assert b"Globex" in found.content and b"Acme Corp" not in found.content


def test_tenant_admin_cannot_see_tenants_or_the_audit_log(client_a):
    assert client_a.get("/tenants/").status_code == 403
    assert client_a.get("/audit/").status_code == 403
    assert client_a.post("/tenants/add/", {"name": "X", "slug": "x"}).status_code == 403
    assert not Tenant.objects.filter(slug="x").exists()


def test_add_form_shows_field_errors_and_creates_nothing(sysadmin_client):
    page = sysadmin_client.post("/tenants/add/", {"name": "Bad", "slug": "Bad Slug"})
    assert page.status_code == 200
    assert b"Use lowercase letters" in page.content
    assert not Tenant.objects.filter(name="Bad").exists()


def test_add_form_creates_the_tenant(sysadmin_client):
    page = sysadmin_client.post("/tenants/add/", {"name": "Hooli", "slug": "hooli"})
    assert page.status_code == 302
    assert Tenant.objects.get(slug="hooli").schema_name == "t_hooli"


def test_manage_switches_into_the_tenant_with_a_banner_and_is_audited(sysadmin_client, sysadmin, tenant_a):
    switched = sysadmin_client.post("/tenants/acme/manage/", REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Firefox")
    assert switched.status_code == 302 and switched["Location"] == "/t/acme/"

    home = sysadmin_client.get("/t/acme/")
    assert home.status_code == 200
    assert b"Managing tenant <strong>Acme Corp</strong>" in home.content
    assert b'href="/tenants/"' in home.content  # the way back

    entry = TenantEntry.objects.get()
    assert (entry.user, entry.tenant, entry.ip_address, entry.via) == (sysadmin, tenant_a, "203.0.113.7", "manage")
    assert "Firefox" in entry.user_agent
    assert b"203.0.113.7" in sysadmin_client.get("/audit/").content


def test_system_admin_entering_by_typed_url_is_audited_once(sysadmin_client, tenant_b):
    sysadmin_client.get("/t/globex/")
    sysadmin_client.get("/t/globex/trunks/")
    entries = TenantEntry.objects.filter(tenant=tenant_b)
    assert [e.via for e in entries] == ["url"]


def test_disabled_tenant_cannot_be_entered_by_its_admin_but_can_again_once_enabled(client, sysadmin, admin_a, tenant_a):
    client.force_login(sysadmin)
    client.post("/tenants/acme/enabled/", {"enabled": "0"})
    client.force_login(admin_a)
    assert client.get("/t/acme/").status_code == 404
    assert client.get("/t/acme/api/v1/me/").status_code == 404

    client.force_login(sysadmin)
    client.post("/tenants/acme/enabled/", {"enabled": "1"})
    client.force_login(admin_a)
    assert client.get("/t/acme/").status_code == 200


def test_tenant_navigation_shows_the_sections(client_a):
    page = client_a.get("/t/acme/").content.decode()
    for section in ("Trunks", "Message Channel", "SMS/MMS", "SMS rules", "Extensions", "Messages"):
        assert section in page
    for path in ("/t/acme/trunks/", "/t/acme/sms/", "/t/acme/rules/", "/t/acme/extensions/", "/t/acme/messages/"):
        assert path in page
        assert client_a.get(path).status_code == 200


def test_adding_an_extension_user_as_administrator_promotes_them(sysadmin_client, tenant_a):
    from django.contrib.auth import get_user_model

    from tenants.models import Membership

    user = get_user_model().objects.create_user(username="erin", password="x-Long-enough-1")
    Membership.objects.create(user=user, tenant=tenant_a, role=Membership.Role.EXTENSION)
    answer = sysadmin_client.post("/tenants/acme/", {"username": "erin"}, follow=True)
    assert "erin is now an administrator" in answer.content.decode()
    assert Membership.objects.get(user=user, tenant=tenant_a).role == Membership.Role.ADMIN


def test_tenants_page_counts_each_tenants_active_administrators(sysadmin_client, tenant_a):
    from django.contrib.auth import get_user_model

    from tenants.services import add_tenant_admin

    add_tenant_admin(tenant=tenant_a, username="second-admin", password="another-long-pass-77")
    get_user_model().objects.filter(username="admin_b").update(is_active=False)
    page = sysadmin_client.get("/tenants/").content.decode()

    def admins(slug):
        row = page.split(f'<tr data-slug="{slug}">')[1].split("</tr>")[0]
        return row.split("<td>")[4].split("</td>")[0]

    assert admins("acme") == "2"
    assert admins("globex") == "0"  # its only administrator is deactivated
