"""The webhook checks callback credentials against the copy on its public row (a keyed hash, written with the
configuration), with one query for the token and none in the tenant's schema; the configuration stays the
truth wherever the copy is missing or was made with another key."""

import base64
import importlib
import json

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django_tenants.utils import tenant_context

from messaging.models import WebhookEvent
from messaging.services.configuration import sms_configurations as service
from tenants.models import WebhookEndpoint
from tests.messaging.factories import callback, configuration_data, path_of

pytestmark = pytest.mark.django_db

PASSWORD = "callback-password-123"


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def post(client, path, authorization=None, kind="message-delivered", **fields):
    extra = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    return client.post(path, json.dumps(callback(kind, **fields)), content_type="application/json", **extra)


@pytest.fixture
def guarded(tenant_a, acme_trunk):
    with tenant_context(tenant_a):
        configuration = service.create_configuration(
            user=None, **configuration_data(acme_trunk, name="Guarded", callback_username="bw-cb",
                                               callback_password=PASSWORD),
        )
        return configuration, path_of(service.webhook_url(configuration))


def endpoint_of(configuration) -> WebhookEndpoint:
    return WebhookEndpoint.objects.get(configuration_id=configuration.pk)


def events_in(tenant) -> int:
    with tenant_context(tenant):
        return WebhookEvent.objects.count()


def test_a_callback_costs_one_lookup_and_one_insert_and_no_decrypt(client, guarded, tenant_a, monkeypatch):
    from messaging.services.inbound import webhook

    monkeypatch.setattr(webhook, "decrypt", lambda stored: pytest.fail("decrypted the callback password"))
    client.get("/login/")  # the process's first public request reads the public tenant, once
    with CaptureQueriesContext(connection) as queries:
        answer = post(client, guarded[1], basic("bw-cb", PASSWORD))
    assert answer.status_code == 200
    statements = [query["sql"] for query in queries.captured_queries]
    assert not any("messaging_smsconfiguration" in sql or "tenants_tenant\" WHERE" in sql for sql in statements)
    # The public search_path, the token with its tenant and credentials, the insert: nothing else.
    assert len(statements) == 3, statements
    assert statements[0] == 'SET search_path = "public"'
    assert events_in(tenant_a) == 1


def test_the_copy_follows_the_configuration_and_rotated_out_credentials_are_refused(client, guarded, tenant_a):
    configuration, path = guarded
    stored = endpoint_of(configuration)
    assert stored.callback_username == "bw-cb" and len(stored.callback_credentials_hash) == 64
    assert PASSWORD not in stored.callback_credentials_hash
    with tenant_context(tenant_a):
        service.update_configuration(user=None, configuration=configuration, callback_password="a-new-password-456")
    assert post(client, path, basic("bw-cb", PASSWORD)).status_code == 401
    assert post(client, path, basic("bw-cb", "a-new-password-456")).status_code == 200
    with tenant_context(tenant_a):
        service.update_configuration(user=None, configuration=configuration, callback_username="")
    assert (endpoint_of(configuration).callback_username, endpoint_of(configuration).callback_credentials_hash) == (
        "", "")
    assert post(client, path, kind="message-received").status_code == 200  # no credentials asked any more
    with tenant_context(tenant_a):
        service.update_configuration(user=None, configuration=configuration, callback_username="bw-other",
                                     callback_password="third-password-789")
        service.rotate_webhook_token(user=None, configuration=configuration)
        path = path_of(service.webhook_url(configuration))
    assert post(client, path, kind="message-sending").status_code == 401
    assert post(client, path, basic("bw-other", "third-password-789"), kind="message-sending").status_code == 200
    assert events_in(tenant_a) == 3


def test_a_row_without_the_copy_is_checked_against_the_configuration_then_filled(client, guarded, tenant_a):
    configuration, path = guarded
    WebhookEndpoint.objects.filter(pk=endpoint_of(configuration).pk).update(
        callback_username=None, callback_credentials_hash=None)
    bare = post(client, path)
    assert bare.status_code == 401 and bare["WWW-Authenticate"].startswith("Basic realm=")
    assert post(client, path, basic("bw-cb", "wrong-password-000")).status_code == 401
    assert endpoint_of(configuration).callback_credentials_hash is None  # a refusal writes nothing
    assert post(client, path, basic("bw-cb", PASSWORD)).status_code == 200
    filled = endpoint_of(configuration)
    assert filled.callback_username == "bw-cb" and len(filled.callback_credentials_hash) == 64
    assert events_in(tenant_a) == 1


def test_a_changed_secret_key_keeps_the_right_credentials_working(client, guarded, tenant_a):
    configuration, path = guarded
    before = endpoint_of(configuration).callback_credentials_hash
    with override_settings(SECRET_KEY="another-secret-key-for-this-test-only-0123456789"):
        assert post(client, path, basic("bw-cb", PASSWORD)).status_code == 200
        assert post(client, path, basic("bw-cb", "wrong-password-000"), kind="message-failed-4773").status_code == 401
        assert post(client, path, kind="message-failed-4773").status_code == 401
    assert endpoint_of(configuration).callback_credentials_hash not in (before, None)
    assert events_in(tenant_a) == 1


def test_a_deleted_configuration_whose_row_lingers_is_unknown(client, guarded, tenant_a):
    configuration, path = guarded
    WebhookEndpoint.objects.filter(pk=endpoint_of(configuration).pk).update(callback_credentials_hash=None)
    with tenant_context(tenant_a):
        type(configuration).objects.filter(pk=configuration.pk).delete()
    assert post(client, path, basic("bw-cb", PASSWORD)).status_code == 404


def test_the_migration_fills_existing_rows_from_each_tenants_configurations(client, guarded, acme_config, tenant_a):
    configuration, path = guarded
    WebhookEndpoint.objects.update(callback_username=None, callback_credentials_hash=None)
    migration = importlib.import_module("messaging.migrations.0013_webhook_endpoint_callback_credentials")
    with tenant_context(tenant_a):
        migration.fill_endpoint_credentials(apps, type("SchemaEditor", (), {"connection": connection})())
    assert endpoint_of(configuration).callback_username == "bw-cb"
    assert (endpoint_of(acme_config).callback_username, endpoint_of(acme_config).callback_credentials_hash) == ("", "")
    assert post(client, path, basic("bw-cb", PASSWORD)).status_code == 200
    assert post(client, path, basic("bw-cb", "wrong-password-000"), kind="message-failed-4773").status_code == 401
