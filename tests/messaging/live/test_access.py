"""Who may open /t/<slug>/live/: the tenant's members only (404 for another tenant's admin, the login page for
the anonymous); an extension user may open it (and sees only their conversations, test_stream.py)."""

from messaging.models import ExtensionAssignment
from tenants.models import Membership

LIVE = "/t/acme/live/"


def test_other_tenants_admin_gets_404(client_b):
    assert client_b.get(LIVE).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, tenant_a):
    answer = client.get(LIVE)
    assert answer.status_code == 302 and answer["Location"].startswith("/login/")


def test_extension_user_of_another_tenant_gets_404(client, tenant_a, tenant_b, django_user_model):
    outsider = django_user_model.objects.create_user(username="globex-ext", password="x-unused-password-1")
    Membership.objects.create(user=outsider, tenant=tenant_b, role=Membership.Role.EXTENSION)
    client.force_login(outsider)
    assert client.get(LIVE).status_code == 404


def test_only_get(client_a):
    assert client_a.post(LIVE).status_code == 405


def test_extension_user_is_let_in(client, tenant_a, django_user_model):
    from django_tenants.utils import tenant_context

    from messaging.models import Extension

    user = django_user_model.objects.create_user(username="acme-ext", password="x-unused-password-1")
    Membership.objects.create(user=user, tenant=tenant_a, role=Membership.Role.EXTENSION)
    with tenant_context(tenant_a):
        ExtensionAssignment.objects.create(user=user, extension=Extension.objects.create(number="201"))
    client.force_login(user)
    # Under the test client (WSGI) a stream is not served, but the middleware let the request through.
    assert client.get(LIVE, HTTP_ACCEPT="text/event-stream").status_code == 200
