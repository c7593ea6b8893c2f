import datetime

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from messaging.exceptions import ConfigurationInvalid
from messaging.models import AuditEntry, SmsConfiguration, Trunk
from messaging.services.configuration import sms_configurations as service
from tenants.models import WebhookEndpoint
from tests.messaging.factories import CLIENT_SECRET, configuration_data

pytestmark = pytest.mark.django_db


def refused(tenant, **data):
    with tenant_context(tenant), pytest.raises(ConfigurationInvalid) as error:
        service.create_configuration(user=None, **data)
    return {field: " ".join(messages) for field, messages in error.value.fields.items()}


def test_secret_is_stored_encrypted_and_read_back(tenant_a, acme_config):
    with tenant_context(tenant_a):
        with connection.cursor() as cursor:
            cursor.execute("SELECT password FROM messaging_smsconfiguration WHERE id = %s", [acme_config.pk])
            stored = cursor.fetchone()[0]
        assert CLIENT_SECRET not in stored and stored.startswith("fernet:")
        assert SmsConfiguration.objects.get(pk=acme_config.pk).password == CLIENT_SECRET


def test_webhook_token_resolves_to_tenant_and_configuration(tenant_a, acme_config, settings):
    with tenant_context(tenant_a):
        url = service.webhook_url(acme_config)
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert url == f"{settings.PORTAL_BASE_URL}/webhooks/bandwidth/{token}/"
    assert len(token) >= 22  # at least 128 bits in URL-safe base64
    endpoint = WebhookEndpoint.objects.get(token=token)
    assert (endpoint.tenant, endpoint.configuration_id) == (tenant_a, acme_config.pk)


def test_regenerated_token_replaces_the_old_one(tenant_a, acme_config):
    with tenant_context(tenant_a):
        old = service.webhook_url(acme_config)
        service.rotate_webhook_token(user=None, configuration=acme_config)
        new = service.webhook_url(acme_config)
    assert new != old
    assert not WebhookEndpoint.objects.filter(token=old.rstrip("/").rsplit("/", 1)[1]).exists()


def test_deleting_removes_the_webhook_endpoint(tenant_a, acme_config):
    with tenant_context(tenant_a):
        service.delete_configuration(user=None, configuration=acme_config)
    assert not WebhookEndpoint.objects.filter(configuration_id=acme_config.pk, tenant=tenant_a).exists()


def test_retired_u_account_id_is_explained(tenant_a, acme_trunk):
    errors = refused(tenant_a, **configuration_data(acme_trunk, account_id="u-abc123"))
    assert "old-style user ID (u-...)" in errors["account_id"]
    errors = refused(tenant_a, **configuration_data(acme_trunk, account_id="99 00123"))
    assert "7-digit" in errors["account_id"]


def test_each_field_has_its_rule(tenant_a, acme_trunk):
    errors = refused(
        tenant_a,
        **configuration_data(
            acme_trunk,
            name="",
            application_id="not-a-uuid",
            username="",
            password="",
            sender_id="hello!",  # "hello" alone is now an alphanumeric sender ID
            auth_type="carrier-pigeon",
            callback_username="bw cb",
            callback_password="short",
        ),
    )
    assert set(errors) == {
        "name",
        "application_id",
        "username",
        "password",
        "sender_id",
        "auth_type",
        "callback_username",
        "callback_password",
    }
    assert "Enter a name" in errors["name"]
    assert "UUID" in errors["application_id"]
    assert "Client ID" in errors["username"]
    assert "Client Secret" in errors["password"]
    assert "short code" in errors["sender_id"]
    assert "at least 12" in errors["callback_password"]


def test_name_is_unique_in_the_tenant_and_64_characters_at_most(tenant_a, acme_config, acme_trunk):
    assert "already exists" in refused(tenant_a, **configuration_data(acme_trunk, name="main sms"))["name"]
    assert "64" in refused(tenant_a, **configuration_data(acme_trunk, name="x" * 65))["name"]


def test_same_name_is_fine_in_another_tenant(tenant_b, acme_config):
    with tenant_context(tenant_b):
        trunk = Trunk.objects.create(name="Other", host="10.0.0.1")
        trunk.numbers.create(number="+19195550177")
        assert service.create_configuration(user=None, **configuration_data(trunk)).name == "Main SMS"


def test_empty_sender_needs_a_trunk_with_a_did(tenant_a):
    with tenant_context(tenant_a):
        bare = Trunk.objects.create(name="No DIDs", host="10.0.0.2")
    assert "has no DID" in refused(tenant_a, **configuration_data(bare))["sender_id"]


def test_sender_id_is_normalised_and_short_codes_are_kept(tenant_a, acme_trunk):
    with tenant_context(tenant_a):
        first = service.create_configuration(user=None, **configuration_data(acme_trunk, sender_id="(919) 555-0111"))
        second = service.create_configuration(
            user=None, **configuration_data(acme_trunk, name="Short", sender_id="24273")
        )
    assert first.sender_id == "+19195550111"
    assert second.sender_id == "24273"


def test_legacy_is_allowed_before_the_cutoff_and_refused_from_it(tenant_a, acme_trunk, settings):
    settings.BANDWIDTH_LEGACY_CUTOFF = datetime.date.today() + datetime.timedelta(days=7)
    with tenant_context(tenant_a):
        legacy = service.create_configuration(user=None, **configuration_data(acme_trunk, auth_type="legacy"))
    assert legacy.is_legacy and not legacy.legacy_stopped_working

    settings.BANDWIDTH_LEGACY_CUTOFF = datetime.date.today()
    errors = refused(tenant_a, **configuration_data(acme_trunk, name="New legacy", auth_type="legacy"))
    assert "stopped accepting legacy API users" in errors["auth_type"]
    assert "API Credentials" in errors["auth_type"]
    assert legacy.legacy_stopped_working
    with tenant_context(tenant_a), pytest.raises(ConfigurationInvalid):
        service.update_configuration(
            user=None, configuration=legacy, **configuration_data(acme_trunk, auth_type="legacy", password="")
        )


def test_blank_password_on_update_keeps_the_stored_one_and_audit_redacts(tenant_a, acme_config, acme_trunk, admin_a):
    with tenant_context(tenant_a):
        service.update_configuration(
            user=admin_a,
            configuration=acme_config,
            **configuration_data(acme_trunk, name="Renamed", password=""),
        )
        stored = SmsConfiguration.objects.get(pk=acme_config.pk)
        assert (stored.name, stored.password) == ("Renamed", CLIENT_SECRET)

        service.update_configuration(
            user=admin_a,
            configuration=stored,
            **configuration_data(acme_trunk, name="Renamed", password="new-secret-xyz"),
        )
        entries = list(AuditEntry.objects.filter(action="update").order_by("id"))
    assert entries[0].changes == {"name": ["Main SMS", "Renamed"]}
    assert entries[1].changes == {"password": ["••••••", "••••••"]}
    assert all(CLIENT_SECRET not in str(e.changes) and "new-secret-xyz" not in str(e.changes) for e in entries)
    assert entries[0].user == admin_a


def test_callback_credentials_are_kept_blank_to_keep_and_cleared_with_the_username(tenant_a, acme_trunk):
    with tenant_context(tenant_a):
        config = service.create_configuration(
            user=None,
            **configuration_data(acme_trunk, callback_username="bw-cb", callback_password="a-long-callback-pass"),
        )
        service.update_configuration(
            user=None, configuration=config, **configuration_data(acme_trunk, password="", callback_username="bw-cb")
        )
        assert SmsConfiguration.objects.get(pk=config.pk).callback_password == "a-long-callback-pass"
        service.update_configuration(user=None, configuration=config, **configuration_data(acme_trunk, password=""))
        cleared = SmsConfiguration.objects.get(pk=config.pk)
    assert (cleared.callback_username, cleared.callback_password) == ("", "")


def test_generated_callback_credentials_are_strong_and_different():
    first, second = service.generate_callback_credentials(), service.generate_callback_credentials()
    assert len(first["password"]) >= 32 and first != second
