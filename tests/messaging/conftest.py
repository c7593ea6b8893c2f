"""The messaging fixtures: Acme's trunk, configuration and extensions, the one `acme` ready to send, a faked
Bandwidth, what dispatch publishes, fresh Redis. What they build comes from tests/messaging/factories.py."""

import pytest
import responses
from django.core.cache import cache
from django.db import connection
from django_tenants.utils import tenant_context

from messaging.models import Extension, PhoneNumber, SmsConfiguration, Trunk
from messaging.services.configuration import sms_configurations
from messaging.services.configuration.extensions import create_extension
from messaging.services.configuration.trunks import NumberEntry, create_trunk
from tenants.models import Tenant
from tests.messaging.factories import (
    DID,
    OTHER_DID,
    TOKEN,
    TOKEN_URL,
    build_acme,
    clear_acme,
    configuration_data,
    path_of,
    set_celery_conf,
)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "bandwidth(token='token-1', strict=False): the OAuth token the `bandwidth` fixture serves (None: none, "
        "the test adds its own); strict fails the test when a faked answer goes unused",
    )


# --- Acme, piece by piece (each made in Acme's schema; the test body stays in public unless it asks for acme_schema)


@pytest.fixture
def acme_schema(tenant_a) -> Tenant:
    """The test body runs in Acme's schema."""
    with tenant_context(tenant_a):
        yield tenant_a


@pytest.fixture
def acme_trunk(tenant_a) -> Trunk:
    """Trunk "BW Raleigh" with one DID, +19195550100."""
    with tenant_context(tenant_a):
        trunk = Trunk.objects.create(name="BW Raleigh", host="sip.bandwidth.example")
        PhoneNumber.objects.create(trunk=trunk, number=DID)
    return trunk


@pytest.fixture
def second_did(tenant_a, acme_trunk) -> PhoneNumber:
    """A second DID on acme_trunk, +19195550101."""
    with tenant_context(tenant_a):
        return PhoneNumber.objects.create(trunk=acme_trunk, number=OTHER_DID)


@pytest.fixture
def acme_config(tenant_a, acme_trunk, admin_a) -> SmsConfiguration:
    """SMS configuration "Main SMS" on acme_trunk, created (and audited) by the service."""
    with tenant_context(tenant_a):
        return sms_configurations.create_configuration(user=admin_a, **configuration_data(acme_trunk))


@pytest.fixture
def alice(tenant_a, admin_a, second_did) -> Extension:
    """Extension 101 "Alice" with her own DID, +19195550100, created (and audited) by the service."""
    with tenant_context(tenant_a):
        return create_extension(user=admin_a, number="101", name="Alice", did=DID)


@pytest.fixture
def alice_and_bob(tenant_a, admin_a, alice) -> tuple[Extension, Extension]:
    """Alice and extension 102 "Bob", who has no DID of his own."""
    with tenant_context(tenant_a):
        return alice, create_extension(user=admin_a, number="102", name="Bob")


@pytest.fixture
def raleigh(tenant_a, admin_a) -> Trunk:
    """Trunk "BW Raleigh" created (and audited) by the service: +19195550100 registered to campaign CABC123,
    +19195550101 not registered."""
    with tenant_context(tenant_a):
        return create_trunk(
            user=admin_a, name="BW Raleigh", host="sip.bandwidth.example",
            numbers=[NumberEntry(DID, PhoneNumber.TenDlcStatus.REGISTERED, "CABC123"), OTHER_DID],
        )


# --- Acme ready to send: build_acme's trunk, configuration, extensions and rule


@pytest.fixture
def acme(tenant_a, fresh_redis):
    """Acme, ready to send, inside a test transaction; the test body stays in Acme's schema."""
    with tenant_context(tenant_a):
        setup = build_acme(tenant_a)
    connection.set_tenant(tenant_a)
    return setup


@pytest.fixture
def committed_acme(django_db_setup, django_db_blocker, fresh_redis):
    """Acme ready to send, committed (for threads and worker processes with their own connections).

    Yields inside `django_db_blocker.unblock()`: the test body may use the database directly."""
    with django_db_blocker.unblock():
        tenant = Tenant.objects.get(slug="acme")
        with tenant_context(tenant):
            setup = build_acme(tenant)
        try:
            yield setup
        finally:
            with tenant_context(tenant):
                clear_acme()
            connection.set_schema_to_public()


# --- Bandwidth, Redis, Celery and files


@pytest.fixture
def fresh_redis():
    """Tokens and rate-limit schedules live in Redis: a test using Bandwidth or Acme starts without them.
    (Not autouse: a plugin's autouse fixture would run for every test of the session.)"""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def bandwidth(request, fresh_redis):
    """Bandwidth's API faked with `responses`, serving an OAuth token ("token-1"); a test or module marked
    `@pytest.mark.bandwidth(token=..., strict=...)` changes the token or serves none, or fails on unused answers."""
    marker = request.node.get_closest_marker("bandwidth")
    options = {"token": TOKEN["access_token"], "strict": False} | (marker.kwargs if marker else {})
    with responses.RequestsMock(assert_all_requests_are_fired=options["strict"]) as mock:
        if options["token"]:
            mock.post(TOKEN_URL, json=TOKEN | {"access_token": options["token"]})
        yield mock


@pytest.fixture
def published(monkeypatch) -> list[tuple[str, tuple, dict]]:
    """What messaging.dispatch hands to the broker, as (task name, args, kwargs), instead of publishing.

    Publishing happens on commit: wrap the code in django_capture_on_commit_callbacks(execute=True). The
    inbox's wake-up keys are cleared before and after (a drain published here never runs to clear its own)."""
    from messaging import dispatch

    class Published(list):
        on_publish = staticmethod(lambda name, args, schema_name: None)

    calls = Published()

    def record(name, args, kwargs, **options) -> bool:
        calls.append((name, args, kwargs))
        calls.on_publish(name, args, options.get("schema_name"))
        return True

    monkeypatch.setattr(dispatch, "publish", record)
    clear_inbox_wakes()
    yield calls
    clear_inbox_wakes()


def clear_inbox_wakes() -> None:
    from messaging.live import publication

    client = publication.client()
    keys = list(client.scan_iter(match="inbox-wake:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def queued(published) -> list[int]:
    """The event ids handed to processing, in order: by id (messaging.process_callback(s)), or the pending
    events of the tenant when a drain of its inbox (messaging.drain_inbox) was published."""
    from django_tenants.utils import schema_context

    from messaging.models import WebhookEvent

    ids: list[int] = []

    def note(name, args, schema_name) -> None:
        if name == "messaging.process_callback":
            ids.append(args[0])
        elif name == "messaging.process_callbacks":
            ids.extend(args[0])
        elif name == "messaging.drain_inbox":
            with schema_context(schema_name):
                ids.extend(WebhookEvent.objects.filter(processed_at__isnull=True).order_by("id")
                           .values_list("pk", flat=True))

    published.on_publish = note
    return ids


@pytest.fixture
def eager():
    """Run tasks in this process (the countdowns of retries are skipped)."""
    before = set_celery_conf(task_always_eager=True)
    yield
    set_celery_conf(**before)


@pytest.fixture
def media_in_tmp_path(settings, tmp_path):
    """Uploaded and downloaded files are stored under the test's tmp_path."""
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                          "OPTIONS": {"location": str(tmp_path)}}}
    return tmp_path


@pytest.fixture
def webhook_path(tenant_a, acme_config) -> str:
    """The path of Acme's configuration's webhook URL."""
    with tenant_context(tenant_a):
        return path_of(sms_configurations.webhook_url(acme_config))


@pytest.fixture
def public_portal(settings):
    """The portal at a public address: Connect to Bandwidth refuses to point Bandwidth at a loopback one."""
    settings.PORTAL_BASE_URL = "https://portal.example.com"
