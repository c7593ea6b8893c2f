import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django_tenants.utils import schema_exists, tenant_context

from messaging.models import AuditEntry
from tenants.exceptions import TenantInvalid
from tenants.models import Domain, Membership, Tenant
from tenants.services import create_tenant

pytestmark = pytest.mark.django_db


def test_creating_a_tenant_creates_its_schema_with_the_tenant_tables():
    tenant = create_tenant(name="Initech", slug="initech-2", admin_username="peter", admin_password="tps-report-99x")

    assert tenant.schema_name == "t_initech_2"
    assert schema_exists("t_initech_2")
    assert Domain.objects.get(tenant=tenant).domain == "initech-2"
    with tenant_context(tenant):
        AuditEntry.objects.create(action="create", object_type="test", object_repr="x")
        assert AuditEntry.objects.count() == 1
    assert Membership.objects.get(user__username="peter").tenant == tenant


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("Acme", "lowercase"),
        ("acme_corp", "lowercase"),
        ("-acme", "lowercase"),
        ("a" * 49, "at most 48"),
        ("public", "reserved"),
        ("api", "reserved"),
        ("static", "reserved"),
        ("admin", "reserved"),
        ("acme", "already taken"),
        ("", "Enter a slug"),
    ],
)
def test_bad_slug_is_refused_with_a_field_error(slug, message):
    with pytest.raises(TenantInvalid) as refused:
        create_tenant(name="Whatever", slug=slug)
    assert message in " ".join(refused.value.fields["slug"])


def test_failed_creation_leaves_nothing_behind(monkeypatch):
    from tenants import services

    def explode(**kwargs):
        raise RuntimeError("mail server down")

    monkeypatch.setattr(services.Membership.objects, "create", explode)
    with pytest.raises(RuntimeError):
        create_tenant(name="Half", slug="half-made", admin_username="halfadmin", admin_password="long-enough-pw-1")

    connection.set_schema_to_public()
    assert not Tenant.objects.filter(slug="half-made").exists()
    assert not Domain.objects.filter(domain="half-made").exists()
    assert not get_user_model().objects.filter(username="halfadmin").exists()
    assert not schema_exists("t_half_made")


def test_weak_admin_password_and_taken_username_are_field_errors():
    with pytest.raises(TenantInvalid) as refused:
        create_tenant(name="Weak", slug="weak", admin_username="admin_a", admin_password="123")
    errors = refused.value.fields
    assert "already exists" in errors["admin_username"][0]
    assert errors["admin_password"]
    assert not Tenant.objects.filter(slug="weak").exists()
