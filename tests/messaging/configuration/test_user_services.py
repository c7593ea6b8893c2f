"""The tenant's users: memberships in public plus extension assignments in the tenant schema, audited;
the last administrator stays; users are deactivated, never deleted."""

import pytest
from django.contrib.auth import get_user_model
from django_tenants.utils import tenant_context

from messaging.exceptions import ConfigurationInvalid
from messaging.models import AuditEntry, ExtensionAssignment
from messaging.services.configuration import users
from tenants.models import Membership
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
User = get_user_model()


def add_carol(admin, **overrides):
    data = {"username": "carol", "email": "carol@example.com", "password": PASSWORD, "role": "extension",
            "extensions": ["101", "102"]} | overrides
    return users.create_user(user=admin, **data)


def test_create_makes_the_user_its_membership_and_assignments(tenant_a, admin_a, alice_and_bob):
    with tenant_context(tenant_a):
        carol = add_carol(admin_a)
        assert carol.role == "extension" and carol.extensions == ["101", "102"]
        assert User.objects.get(username="carol").check_password(PASSWORD)
        assert ExtensionAssignment.objects.filter(user_id=carol.id).count() == 2
        entry = AuditEntry.objects.get(action="create", object_type="user")
        assert entry.object_repr == "carol" and entry.changes["extensions"] == [None, ["101", "102"]]
        assert [(member.username, member.role) for member in users.list_users()] == [
            ("admin_a", "admin"), ("carol", "extension")
        ]


def test_an_extension_may_belong_to_several_users(tenant_a, admin_a, alice_and_bob):
    with tenant_context(tenant_a):
        add_carol(admin_a)
        add_carol(admin_a, username="dave", extensions=["101"])
        assert ExtensionAssignment.objects.filter(extension__number="101").count() == 2


def test_create_reports_every_problem_by_field(tenant_a, admin_a, alice):
    with tenant_context(tenant_a):
        with pytest.raises(ConfigurationInvalid) as refused:
            add_carol(admin_a, password="123", email="not-an-address", role="extension", extensions=["999"])
        assert set(refused.value.fields) == {"password", "email", "extensions"}
        with pytest.raises(ConfigurationInvalid) as refused:
            add_carol(admin_a, role="boss", username="")
        assert set(refused.value.fields) >= {"role", "username"}
        with pytest.raises(ConfigurationInvalid) as refused:
            add_carol(admin_a, username="admin_a")
        assert "already a user of this tenant" in refused.value.fields["username"][0]
        with pytest.raises(ConfigurationInvalid) as refused:
            add_carol(admin_a, username="sysadmin")
        assert "System administrators" in refused.value.fields["username"][0]
    assert not User.objects.filter(username="carol").exists()


def test_an_existing_user_is_linked_as_it_is(tenant_a, admin_a, admin_b, alice):
    with tenant_context(tenant_a):
        linked = add_carol(admin_a, username="admin_b", password="", email="", extensions=["101"])
    assert linked.id == admin_b.pk
    assert Membership.objects.filter(user=admin_b).count() == 2
    admin_b.refresh_from_db()
    assert admin_b.check_password(PASSWORD)


def test_update_changes_email_password_role_and_extensions(tenant_a, admin_a, alice_and_bob):
    with tenant_context(tenant_a):
        carol = add_carol(admin_a)
        changed = users.update_user(user=admin_a, member_id=carol.id, email="c@example.com",
                                    password="another-long-pass-77", extensions=["102"])
        assert changed.email == "c@example.com" and changed.extensions == ["102"]
        assert User.objects.get(pk=carol.id).check_password("another-long-pass-77")
        entry = AuditEntry.objects.get(action="update")
        assert entry.changes["extensions"] == [["101", "102"], ["102"]] and "password" in entry.changes
        promoted = users.update_user(user=admin_a, member_id=carol.id, role="admin")
        assert promoted.role == "admin" and promoted.extensions == []
        with pytest.raises(ConfigurationInvalid) as refused:
            users.update_user(user=admin_a, member_id=carol.id, password="short")
        assert "password" in refused.value.fields


def test_the_last_administrator_cannot_be_demoted_or_removed(tenant_a, admin_a):
    with tenant_context(tenant_a):
        with pytest.raises(ConfigurationInvalid) as refused:
            users.update_user(user=admin_a, member_id=admin_a.pk, role="extension")
        assert refused.value.code == "last_admin" and refused.value.http_status == 409
        with pytest.raises(ConfigurationInvalid) as refused:
            users.delete_user(user=admin_a, member_id=admin_a.pk)
        assert refused.value.code == "last_admin"
    assert Membership.objects.get(user=admin_a, tenant=tenant_a).role == "admin"


def test_delete_removes_membership_and_assignments_and_deactivates_a_user_of_no_other_tenant(
    tenant_a, admin_a, admin_b, alice
):
    with tenant_context(tenant_a):
        carol = add_carol(admin_a, extensions=["101"])
        users.delete_user(user=admin_a, member_id=carol.id)
        assert not ExtensionAssignment.objects.exists()
        assert AuditEntry.objects.filter(action="delete", object_repr="carol").exists()
        add_carol(admin_a, username="admin_b", password="", email="", extensions=[])
        users.delete_user(user=admin_a, member_id=admin_b.pk)
    carol_row = User.objects.get(pk=carol.id)
    assert not carol_row.is_active and not Membership.objects.filter(user=carol_row).exists()
    admin_b.refresh_from_db()
    assert admin_b.is_active, "still a member of Globex"


def test_system_administrators_are_not_listed_nor_found(tenant_a, sysadmin):
    with tenant_context(tenant_a):
        assert "sysadmin" not in [member.username for member in users.list_users()]
        assert users.get_user(user_id=sysadmin.pk) is None
        with pytest.raises(LookupError):
            users.delete_user(user=sysadmin, member_id=sysadmin.pk)
